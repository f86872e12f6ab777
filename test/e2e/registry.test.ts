/**
 * Issue 18, end to end on the local stack, driven as a user would: the AWS CLI for the registry, `npx serverless
 * deploy --param` for the approval mode, the npm commands for retrain, models, rollback and teardown. A drop deploys
 * version 1 (Approved); with modelApproval=manual a retrain ends PendingManualApproval with the endpoint unchanged,
 * `aws sagemaker update-model-package ... Approved` deploys it; a hand rejection deploys nothing; `npm run rollback`
 * serves version 1's artifact again; the retrainSchedule rule fires a run on new data and skips (logging why) without;
 * `npm run teardown` leaves no endpoint and no stacks, and the bucket with its corpus.
 */
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { CloudFormationClient, ListStacksCommand } from '@aws-sdk/client-cloudformation';
import { FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { HeadBucketCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { DescribeEndpointConfigCommand } from '@aws-sdk/client-sagemaker';
import { CLASS_NAMES, generateRows } from '../../scripts/lib/synthetic-dbpedia';
import { copyWorkingTree } from '../../scripts/lib/working-tree';
import { AwsCli, describeWithCli } from '../support/aws-cli';
import { localCredentials, log, ROOT, secondsSince, startDeployedStack, type DeployedStack } from '../support/stack';
import { rawRequest } from '../support/http';
import { temporaryDirectory } from '../support/temporary-directory';
import { waitFor } from '../support/wait';
import { describeEndpoint, dropWithClasses, runIdOf, SUBJECT, syntheticCsv } from './support';

const GROUP = 'ml-pipeline-local-models';
const fileStarted = Date.now();
let temp: ReturnType<typeof temporaryDirectory>;
let copy: string;
let e2e: DeployedStack;
let aws: AwsCli;

/** `npm run <command>` as a user types it in the checkout (the copy), against this stack (LOCAL_STACK_DIR). */
function npmRun(command: string, ...args: string[]): Promise<{ code: number; output: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, LOCAL_STACK_DIR: temp.dir, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' };
  for (const name of Object.keys(env)) if (/^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PROFILE|ENDPOINT_URL.*)$/.test(name)) delete env[name];
  const started = Date.now();
  return new Promise((resolve) => {
    execFile('npm', ['run', '--silent', command, '--', ...args], { cwd: copy, env, timeout: 300_000, maxBuffer: 1 << 24 }, (error, stdout, stderr) => {
      log(`npm run ${command} ${args.join(' ')}: exit ${error ? (error.code ?? 1) : 0} in ${secondsSince(started)} s`);
      resolve({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

async function succeeds(command: string, ...args: string[]): Promise<string> {
  const { code, output } = await npmRun(command, ...args);
  if (code !== 0) throw new Error(`npm run ${command} exited ${code}:\n${output}`);
  return output;
}

/** `npx serverless deploy <args>` in services/deployment of the copy, as the README says. */
function serverlessDeploy(...args: string[]): Promise<string> {
  return serverless('deployment', 'deploy', ...args);
}

/** `npx serverless <args>` in a service's folder of the copy. */
function serverless(service: string, ...args: string[]): Promise<string> {
  const env: NodeJS.ProcessEnv = { ...process.env, LOCAL_STACK_DIR: temp.dir, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent' };
  for (const name of Object.keys(env)) if (/^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PROFILE|ENDPOINT_URL.*)$/.test(name)) delete env[name];
  return new Promise((resolve, reject) => {
    execFile('npx', ['--no-install', 'serverless', ...args], { cwd: path.join(copy, 'services', service), env, timeout: 240_000, maxBuffer: 1 << 24 }, (error, stdout, stderr) =>
      error ? reject(new Error(`serverless ${args.join(' ')} in ${service} failed:\n${stdout}${stderr}`)) : resolve(`${stdout}${stderr}`),
    );
  });
}

interface Listed {
  ModelPackageVersion: number;
  ModelPackageArn: string;
  ModelApprovalStatus: string;
}

async function listVersions(): Promise<Listed[]> {
  const { code, stdout, stderr } = await aws.run('sagemaker', 'list-model-packages', '--model-package-group-name', GROUP, '--sort-by', 'CreationTime', '--sort-order', 'Ascending', '--output', 'json');
  if (code !== 0) throw new Error(`list-model-packages: ${stderr}`);
  return (JSON.parse(stdout) as { ModelPackageSummaryList: Listed[] }).ModelPackageSummaryList;
}

async function servingConfig(): Promise<string | undefined> {
  const endpoint = await describeEndpoint(e2e);
  return endpoint?.EndpointStatus === 'InService' ? endpoint.EndpointConfigName : undefined;
}

async function modelDataOf(config: string): Promise<string> {
  const described = await e2e.sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: config }));
  return described.ProductionVariants![0]!.ModelName!;
}

describeWithCli('the model registry, driven as a user would', () => {
  let firstRun = '';
  let secondRun = '';

  beforeAll(async () => {
    temp = temporaryDirectory('e2e-registry');
    copy = copyWorkingTree(ROOT, 'e2e-registry-');
    e2e = await startDeployedStack(temp.dir, { root: copy });
    aws = new AwsCli(() => e2e.info.endpoint, temp.dir, 120_000);
  }, 240_000);

  afterAll(async () => {
    await e2e?.stop();
    temp?.remove();
    if (copy) rmSync(copy, { recursive: true, force: true });
    log(`file registry.test.ts took ${secondsSince(fileStarted)} s`);
  });

  it('a drop deploys version 1, Approved in list-model-packages', async () => {
    const seen = e2e.mail.mark();
    await dropWithClasses(e2e, 'registry/part-1.csv', syntheticCsv({ rows: 3_000, seed: 181 }));
    const mail = await e2e.mail.next(SUBJECT['Model Deployed'], seen, 240_000);
    firstRun = runIdOf(mail);
    expect(mail.text).toMatch(/Registry version: +1 of ml-pipeline-local-models/);
    expect(mail.text).toMatch(/Approved: +the quality gate \(modelApproval auto\)/);
    expect((await listVersions()).map((v) => [v.ModelPackageVersion, v.ModelApprovalStatus])).toEqual([[1, 'Approved']]);
    expect(await servingConfig()).toBe(`mlp-local-${firstRun}`);
  }, 300_000);

  it('with modelApproval=manual a retrain ends PendingManualApproval, the endpoint unchanged, the email giving the command', async () => {
    const output = await serverlessDeploy('--stage', 'local', '--param=modelApproval=manual');
    expect(output).toMatch(/modelApproval: manual/);
    const seen = e2e.mail.mark();
    expect(await succeeds('retrain', '--stage', 'local', '--reason', 'e2e manual approval')).toMatch(/Retrain Requested sent to the local stack/);
    const mail = await e2e.mail.next(SUBJECT['Model Awaiting Approval'], seen, 240_000);
    secondRun = runIdOf(mail);
    expect(mail.text).toMatch(/Started by: +Retrain Requested: e2e manual approval/);
    const versions = await listVersions();
    expect(versions.map((v) => [v.ModelPackageVersion, v.ModelApprovalStatus])).toEqual([
      [1, 'Approved'],
      [2, 'PendingManualApproval'],
    ]);
    expect(mail.text).toContain(`--model-package-arn ${versions[1]!.ModelPackageArn} --model-approval-status Approved`);
    expect(await servingConfig()).toBe(`mlp-local-${firstRun}`);
  }, 360_000);

  it('aws sagemaker update-model-package ... Approved deploys it', async () => {
    const [, second] = await listVersions();
    const seen = e2e.mail.mark();
    const approved = await aws.run('sagemaker', 'update-model-package', '--model-package-arn', second!.ModelPackageArn, '--model-approval-status', 'Approved', '--approval-description', 'looked at the confusions');
    expect(approved.code).toBe(0);
    const mail = await e2e.mail.next(SUBJECT['Model Deployed'], seen, 120_000);
    expect(runIdOf(mail)).toBe(secondRun);
    expect(mail.text).toMatch(/Approved: +by hand .*: looked at the confusions/);
    expect(await servingConfig()).toBe(`mlp-local-${secondRun}`);
  }, 180_000);

  it('a hand rejection of a new version deploys nothing; npm run models lists all three, the serving one marked', async () => {
    const seen = e2e.mail.mark();
    await succeeds('retrain', '--stage', 'local');
    await e2e.mail.next(SUBJECT['Model Awaiting Approval'], seen, 240_000);
    const third = (await listVersions())[2]!;
    const rejected = await aws.run('sagemaker', 'update-model-package', '--model-package-arn', third.ModelPackageArn, '--model-approval-status', 'Rejected');
    expect(rejected.code).toBe(0);
    const listing = await succeeds('models', '--stage', 'local');
    expect(listing).toMatch(/^ +3 +Rejected +\d+\.\d\d% +\d+\.\d\d% +\d{8}-\d{6}-[0-9a-f]{6} +\d{4}-/m);
    expect(listing).toMatch(new RegExp(`^\\* +2 +Approved .* ${secondRun} `, 'm'));
    expect(listing).toMatch(new RegExp(`^ +1 +Approved .* ${firstRun} `, 'm'));
    expect(await servingConfig()).toBe(`mlp-local-${secondRun}`);
  }, 300_000);

  it('npm run rollback serves version 1 again through the registry, Model rolled back; a missing version is a clear error', async () => {
    const missing = await npmRun('rollback', '--stage', 'local', '--to', '9');
    expect(missing.code).toBe(1);
    expect(missing.output).toContain('rollback: version 9 does not exist in ml-pipeline-local-models; versions you can roll back to: version 1 (Approved');

    const seen = e2e.mail.mark();
    const started = Date.now();
    const output = await succeeds('rollback', '--stage', 'local', '--reason', 'e2e rollback');
    const measured = /serves version 1 again, ([\d.]+) s after the rollback started/.exec(output);
    expect(measured).not.toBeNull();
    log(`rollback -> InService with version 1: ${measured![1]} s inside the command (${secondsSince(started)} s with npm and tsx start-up)`);
    expect(Number(measured![1])).toBeLessThanOrEqual(5);
    expect(await servingConfig()).toBe(`mlp-local-${firstRun}`);
    expect(await modelDataOf(`mlp-local-${firstRun}`)).toBe(`mlp-local-${firstRun}`);
    const mail = await e2e.mail.next(SUBJECT['Model Rolled Back'], seen, 60_000);
    expect(mail.subject).toBe(`[local] Model rolled back: ml-pipeline-local serves version 1 (run ${firstRun}) again`);
    expect(mail.text).toMatch(/Rolled back from version: +2/);
    expect((await listVersions()).map((v) => v.ModelApprovalStatus)).toEqual(['Approved', 'Rejected', 'Rejected']);
    // Version 3, rejected by hand, was never deployed.
    expect(e2e.mail.matching(SUBJECT['Model Deployed']).map(runIdOf)).toEqual([firstRun, secondRun]);
  }, 180_000);

  it('a schedule rule (retrainSchedule, the local clock moved a week) fires a run on new data; with no new data it skips and logs why', async () => {
    await serverless('ingestion', 'deploy', '--stage', 'local', '--param=retrainSchedule=rate(7 days)');
    // New data the last successful run did not read, put straight into the corpus (a restored file, say): no drop, no run.
    const rows = [...generateRows({ rows: 700, seed: 182 })].map((row) => `__label__${CLASS_NAMES[row.label - 1]} ${row.title.toLowerCase()} ${row.content.toLowerCase()}\n`);
    await e2e.s3.send(new PutObjectCommand({ Bucket: e2e.info.dataBucket, Key: 'labeled/restored/extra.0123456789ab.txt', Body: rows.join('') }));
    const seen = e2e.mail.mark();
    const moved = await rawRequest(e2e.info.endpoint, { method: 'POST', path: '/_local/events-clock', body: JSON.stringify({ days: 7 }), sign: 'local' });
    expect(moved.status).toBe(200);
    const mail = await e2e.mail.next(SUBJECT['Model Awaiting Approval'], seen, 240_000);
    expect(mail.text).toMatch(/Started by: +schedule ml-pipeline-local-retrain-schedule\r?\n/);

    await rawRequest(e2e.info.endpoint, { method: 'POST', path: '/_local/events-clock', body: JSON.stringify({ days: 7 }), sign: 'local' });
    const group = '/aws/lambda/ml-pipeline-ingestion-local-startRequestedRun';
    const skipped = await waitFor(
      'the second scheduled run to log that it skipped',
      async () => {
        const found = await e2e.logs.send(new FilterLogEventsCommand({ logGroupName: group, filterPattern: '"no new data since the last successful run"' })).catch(() => undefined);
        return found?.events?.[0]?.message;
      },
      60_000,
    );
    expect(skipped).toMatch(/"lastRun":"\d{8}-\d{6}-[0-9a-f]{6}"/);
    expect((await listVersions()).length).toBe(4);
  }, 420_000);

  it('npm run teardown without a terminal and --yes stops; with --yes it leaves no endpoint and no stacks, and the bucket with its corpus', async () => {
    const refused = await npmRun('teardown', '--stage', 'local');
    expect(refused.code).toBe(1);
    expect(refused.output).toContain('teardown: nothing deleted: there is no terminal to ask on; pass --yes to delete without asking');
    expect(await describeEndpoint(e2e)).toBeDefined();

    const output = await succeeds('teardown', '--stage', 'local', '--yes');
    expect(output).toContain(`the data bucket ${e2e.info.dataBucket} (the corpus): --delete-data deletes it`);
    expect(output).toContain('deleted stack ml-pipeline-ingestion-local');
    expect(await describeEndpoint(e2e)).toBeUndefined();
    const cloudformation = new CloudFormationClient({ endpoint: e2e.info.endpoint, region: e2e.info.region, credentials: localCredentials });
    const stacks = (await cloudformation.send(new ListStacksCommand({}))).StackSummaries ?? [];
    expect(stacks.filter((stack) => stack.StackStatus !== 'DELETE_COMPLETE').map((stack) => stack.StackName)).toEqual([]);
    await e2e.s3.send(new HeadBucketCommand({ Bucket: e2e.info.dataBucket }));
    const corpus = await e2e.s3.send(new ListObjectsV2Command({ Bucket: e2e.info.dataBucket, Prefix: 'labeled/registry/' }));
    expect((corpus.Contents ?? []).some((object) => /part-1\.[0-9a-f]{12}\.csv$/.test(object.Key!))).toBe(true);
    expect((await listVersions()).length).toBe(4);
    await waitFor('nothing serving', async () => (await describeEndpoint(e2e)) === undefined, 10_000);
  }, 300_000);
});
