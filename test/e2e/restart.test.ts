/**
 * Restart: the stack stops while a training job runs and a new stack starts over the same state.
 * No user data is lost, the interrupted run is reported by a `Pipeline failed` email, and the next
 * drop retrains normally (on everything kept so far).
 */
import { DescribeTrainingJobCommand } from '@aws-sdk/client-sagemaker';
import { log, secondsSince, startDeployedStack, type DeployedStack } from '../support/stack';
import { temporaryDirectory } from '../support/temporary-directory';
import { waitFor } from '../support/wait';
import {
  describeEndpoint,
  dropWithClasses,
  getBytes,
  listObjects,
  manifestSourceKeys,
  readManifest,
  runIdOf,
  SUBJECT,
  syntheticCsv,
  trainingJobs,
  waitForLabeled,
} from './support';

const fileStarted = Date.now();
const temp = temporaryDirectory('e2e-restart');
let e2e: DeployedStack | undefined;

afterAll(async () => {
  await e2e?.stop();
  temp.remove();
  log(`file restart.test.ts took ${secondsSince(fileStarted)} s`);
});

describe('restart mid-training', () => {
  it('keeps every drop, reports the interrupted run, and retrains on the next drop', async () => {
    e2e = await startDeployedStack(temp.dir);
    // big enough that training takes several seconds
    const csv = syntheticCsv({ rows: 10_000, seed: 51 });
    await dropWithClasses(e2e, 'big/part-1.csv', csv);
    const labeledKey = await waitForLabeled(e2e, 'big/part-1.csv');

    const jobName = await waitFor(
      'the training job to be training',
      async () => {
        const [job] = await trainingJobs(e2e!);
        if (!job) return undefined;
        const described = await e2e!.sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: job.TrainingJobName }));
        if (described.TrainingJobStatus !== 'InProgress') throw new Error(`the training job ended (${described.TrainingJobStatus}) before the stack could be stopped`);
        return described.SecondaryStatus === 'Training' && job.TrainingJobName!;
      },
      60_000,
      50,
    );
    const runId = jobName.replace(/^mlp-local-/, '');
    const labeledBefore = (await listObjects(e2e, 'labeled/')).map((object) => ({ key: object.Key, etag: object.ETag, size: object.Size }));
    const stopping = Date.now();
    await e2e.stop();
    log(`stopped the stack during training of ${jobName} in ${secondsSince(stopping)} s`);

    const seen = e2e.mail.mark();
    e2e = await startDeployedStack(temp.dir);
    const stack = e2e;

    // the interrupted run is reported
    const failed = await stack.mail.next(SUBJECT['Pipeline Failed'], seen, 60_000);
    expect(failed.subject).toBe(`[local] Pipeline failed: training of run ${runId}`);
    expect(failed.text).toMatch(new RegExp(`Resource:\\s+${jobName}\\r?\\n`));
    expect(failed.text).toMatch(/Reason:\s+.*local stack stopped while this training job was in progress/);
    const job = await stack.sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: jobName }));
    expect(job.TrainingJobStatus).toBe('Failed');

    // no user data lost: labeled/ is as it was, the drop byte for byte
    expect((await listObjects(stack, 'labeled/')).map((object) => ({ key: object.Key, etag: object.ETag, size: object.Size }))).toEqual(labeledBefore);
    expect(Buffer.from(await getBytes(stack, labeledKey)).toString('utf8')).toBe(csv);
    expect(await describeEndpoint(stack)).toBeUndefined();

    // the next drop retrains normally, on both drops
    const next = stack.mail.mark();
    await dropWithClasses(stack, 'small/part-2.csv', syntheticCsv({ rows: 1_000, seed: 52 }));
    const deployed = await stack.mail.next(/^\[local\] (Model deployed|Model rejected|Pipeline failed): /, next, 120_000);
    expect(deployed.subject).toMatch(SUBJECT['Model Deployed']);
    const newRunId = runIdOf(deployed);
    expect(newRunId).not.toBe(runId);
    const manifest = await readManifest(stack, newRunId);
    expect(manifestSourceKeys(manifest, stack.info.dataBucket)).toEqual([labeledKey, await waitForLabeled(stack, 'small/part-2.csv')].sort());
    expect(manifest.input_rows).toBe(11_000);
    const endpoint = await describeEndpoint(stack);
    expect(endpoint?.EndpointStatus).toBe('InService');
    expect(endpoint?.EndpointConfigName).toBe(`mlp-local-${newRunId}`);
    // the interrupted run was reported once
    expect(stack.mail.matching(SUBJECT['Pipeline Failed'])).toHaveLength(1);
  }, 240_000);
});
