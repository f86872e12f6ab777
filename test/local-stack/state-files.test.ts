/**
 * Every store that persists the stack's state writes it with core/persistence's atomic helpers: a
 * stack killed in the middle of a write leaves a torn temporary file beside the state, which the
 * next start ignores (the state loads whole) and removes.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isTempName, tempPathFor } from '../../local-stack/src/core/persistence';
import type { AwsRequest } from '../../local-stack/src/core/types';
import { ResourceLayer } from '../../local-stack/src/deploy/resources';
import type { DeployTargets } from '../../local-stack/src/deploy/targets';
import { CloudFormationEngine } from '../../local-stack/src/providers/cloudformation/model/engine';
import { EventsProvider } from '../../local-stack/src/providers/events/provider';
import { GlueProvider } from '../../local-stack/src/providers/glue/provider';
import { LambdaProvider } from '../../local-stack/src/providers/lambda/provider';
import { LogsProvider } from '../../local-stack/src/providers/logs/provider';
import { ModelRegistry } from '../../local-stack/src/providers/sagemaker/model/model-registry';
import { SesProvider } from '../../local-stack/src/providers/ses/provider';
import { silentLogger } from '../../local-stack/src/core/logger';
import { SqsProvider } from '../../local-stack/src/providers/sqs/provider';
import { writeZip } from './fixtures/functions';
import { accountRoot } from '../../local-stack/src/core/credentials';

const REGION = 'us-east-1';
let stateDir: string;
beforeEach(() => {
  stateDir = mkdtempSync(path.join(os.tmpdir(), 'state-files-'));
});
afterEach(() => rmSync(stateDir, { recursive: true, force: true }));

/** What a write killed half-way leaves: the first half of the file's content under a temporary name. */
function plantTornWrite(file: string): void {
  const content = readFileSync(file, 'utf8');
  writeFileSync(tempPathFor(file), content.slice(0, content.length >> 1));
}

function tempFilesIn(directory: string): string[] {
  return readdirSync(directory).filter(isTempName);
}

function request(method: string, target: { path?: string; headers?: Record<string, string> }, body: unknown): AwsRequest {
  const requestPath = target.path ?? '/';
  return {
    method,
    path: requestPath,
    rawPath: requestPath,
    query: new URLSearchParams(),
    headers: target.headers ?? {},
    body: Buffer.from(body === undefined ? '' : JSON.stringify(body)),
    service: '',
    region: REGION,
    accountId: '000000000000',
    requestId: 'request',
    caller: accountRoot(),
  };
}

describe('state files after a crash in the middle of a write', () => {
  it('SQS: queues.json and the queue journals', async () => {
    const first = new SqsProvider({ stateDir, region: REGION, baseUrl: () => 'http://127.0.0.1:1' });
    const queue = first.service.createQueue('kept');
    first.service.sendMessages(queue, [{ body: 'message kept' }]);
    await first.stop();
    plantTornWrite(path.join(stateDir, 'sqs', 'queues.json'));
    plantTornWrite(path.join(stateDir, 'sqs', 'messages', 'kept.jsonl'));

    const second = new SqsProvider({ stateDir, region: REGION, baseUrl: () => 'http://127.0.0.1:1' });
    const messages = await second.service.receiveMessages(second.service.queueByName('kept'), { maxMessages: 10, waitTimeSeconds: 0 });
    expect(messages.map((message) => message.body)).toEqual(['message kept']);
    expect(tempFilesIn(path.join(stateDir, 'sqs'))).toEqual([]);
    expect(tempFilesIn(path.join(stateDir, 'sqs', 'messages'))).toEqual([]);
    await second.stop();
  });

  it('EventBridge: rules.json and the pending deliveries', async () => {
    const failing = { sqs: { sendMessage: () => Promise.reject(new Error('target down')) } };
    const first = new EventsProvider({ stateDir, region: REGION, invokers: failing, retryBaseDelayMs: 60_000 });
    first.putRule({ name: 'kept', eventPattern: { source: ['s'] } });
    first.putTargets('kept', [{ Id: 't', Arn: 'arn:aws:sqs:us-east-1:000000000000:target' }]);
    first.putEvents([{ Source: 's', DetailType: 'd', Detail: '{}' }]);
    await first.stop();
    const pending = path.join(stateDir, 'events', 'pending');
    plantTornWrite(path.join(stateDir, 'events', 'rules.json'));
    plantTornWrite(path.join(pending, readdirSync(pending)[0]!));

    const second = new EventsProvider({ stateDir, region: REGION, invokers: failing, retryBaseDelayMs: 60_000 });
    await second.start();
    expect(second.rules.rule('kept').targets.map((target) => target.Id)).toEqual(['t']);
    expect(tempFilesIn(path.join(stateDir, 'events'))).toEqual([]);
    expect(tempFilesIn(pending)).toEqual([]);
    expect(readdirSync(pending)).toHaveLength(1);
    await second.stop();
  });

  it('Lambda: functions.json', async () => {
    const code = mkdtempSync(path.join(stateDir, 'code-'));
    writeFileSync(path.join(code, 'index.js'), 'exports.handler = async () => ({});');
    const first = new LambdaProvider({ stateDir, region: REGION, endpointUrl: () => 'http://127.0.0.1:1' });
    first.service.createFunction({ name: 'kept', handler: 'index.handler', codeDir: code });
    plantTornWrite(path.join(stateDir, 'lambda', 'functions.json'));

    const second = new LambdaProvider({ stateDir, region: REGION, endpointUrl: () => 'http://127.0.0.1:1' });
    expect(second.service.listFunctions().map((record) => record.name)).toEqual(['kept']);
    expect(tempFilesIn(path.join(stateDir, 'lambda'))).toEqual([]);
  });

  it('Lambda: an unpacked deployment package', async () => {
    const zipFile = path.join(stateDir, 'code.zip');
    writeZip(zipFile, { 'index.js': 'exports.handler = async () => ({});' });
    const first = new LambdaProvider({ stateDir, region: REGION, endpointUrl: () => 'http://127.0.0.1:1' });
    const { codeDir } = first.service.createFunction({ name: 'kept', handler: 'index.handler', zipFile });
    // A package a killed stack was unpacking: beside the packages, under the temporary name.
    const torn = tempPathFor(codeDir);
    mkdirSync(torn);
    writeFileSync(path.join(torn, 'index.js'), 'exports.hand');

    const second = new LambdaProvider({ stateDir, region: REGION, endpointUrl: () => 'http://127.0.0.1:1' });
    expect(second.service.listFunctions().map((record) => [record.name, record.codeDir])).toEqual([['kept', codeDir]]);
    expect(tempFilesIn(path.dirname(codeDir))).toEqual([]);
    expect(readFileSync(path.join(codeDir, 'index.js'), 'utf8')).toBe('exports.handler = async () => ({});');
  });

  it('Glue: state.json', async () => {
    const options = {
      stateDir,
      objects: { listKeys: async () => [], readObject: async () => Promise.reject(new Error('unused')), objectPath: async () => '', writeObject: async () => ({ etag: '' }) },
      events: { publish: async () => undefined },
      endpointUrl: () => 'http://127.0.0.1:1',
      region: REGION,
    };
    new GlueProvider(options).putJob({ Name: 'kept', Command: { Name: 'pythonshell', ScriptLocation: 's3://bucket/job.py' } });
    plantTornWrite(path.join(stateDir, 'glue', 'state.json'));

    const response = await new GlueProvider(options).handle({ ...request('POST', { headers: { 'x-amz-target': 'AWSGlue.GetJob' } }, { JobName: 'kept' }), service: 'glue' });
    expect(JSON.parse(String(response.body))).toMatchObject({ Job: { Name: 'kept' } });
    expect(tempFilesIn(path.join(stateDir, 'glue'))).toEqual([]);
  });

  it('CloudWatch Logs: groups.json and the group journals', async () => {
    const first = new LogsProvider({ stateDir, region: REGION });
    first.service.createLogGroup({ name: '/kept', retentionInDays: 7 });
    first.service.put('/kept', 'stream', 'a line');
    first.service.putRetentionPolicy('/kept', 14);
    await first.stop();
    const journals = path.join(stateDir, 'logs', 'groups', readdirSync(path.join(stateDir, 'logs', 'groups'))[0]!);
    plantTornWrite(path.join(stateDir, 'logs', 'groups.json'));
    // The journal is appended to, never replaced; a temporary file beside it is what a kill leaves of another write.
    plantTornWrite(path.join(journals, readdirSync(journals)[0]!));

    const logs = new LogsProvider({ stateDir, region: REGION });
    const response = await logs.handle({ ...request('POST', { headers: { 'x-amz-target': 'Logs_20140328.FilterLogEvents' } }, { logGroupName: '/kept' }), service: 'logs' });
    expect(JSON.parse(String(response.body))).toMatchObject({ events: [{ logStreamName: 'stream', message: 'a line' }] });
    expect(logs.service.describeLogGroups({}).logGroups).toEqual([expect.objectContaining({ logGroupName: '/kept', retentionInDays: 14 })]);
    expect([...tempFilesIn(path.join(stateDir, 'logs')), ...tempFilesIn(journals)]).toEqual([]);
  });

  it('CloudFormation: the stack records', async () => {
    const queues = new Set<string>();
    const targets = {
      sqs: {
        queueExists: async (name: string) => queues.has(name),
        ensureQueue: async (spec: { name: string }) => {
          queues.add(spec.name);
          return { url: `http://q/${spec.name}`, arn: `arn:aws:sqs:us-east-1:000000000000:${spec.name}` };
        },
      },
    } as unknown as DeployTargets;
    const engine = () =>
      new CloudFormationEngine({
        stateDir,
        accountId: '000000000000',
        region: REGION,
        resources: new ResourceLayer({ targets, accountId: '000000000000', region: REGION, inlineCodeDir: path.join(stateDir, 'inline') }),
        readObject: async () => Buffer.alloc(0),
      });
    const first = engine();
    await first.createStack({ StackName: 'kept-stack', TemplateBody: JSON.stringify({ Resources: { Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'q' } } } }) });
    await first.stop();
    const stacks = path.join(stateDir, 'cloudformation', 'stacks');
    plantTornWrite(path.join(stacks, readdirSync(stacks).find((name) => name.endsWith('.json'))!));

    expect(engine().describeStacks().map((stack) => stack.StackName)).toEqual(['kept-stack']);
    expect(tempFilesIn(stacks)).toEqual([]);
  });

  it('SES: identities.json and the mail directory', async () => {
    const mailDir = path.join(stateDir, 'mail');
    const ses = () => new SesProvider({ stateDir, mailDir });
    const created = await ses().handle(request('POST', { path: '/v2/email/identities' }, { EmailIdentity: 'kept@example.com' }));
    expect(created.status).toBe(200);
    plantTornWrite(path.join(stateDir, 'ses', 'identities.json'));
    mkdirSync(mailDir, { recursive: true });
    writeFileSync(tempPathFor(path.join(mailDir, '20260101T000000000Z-torn.eml')), 'From: half');

    const second = ses();
    await second.start();
    const listed = await second.handle(request('GET', { path: '/v2/email/identities' }, undefined));
    expect(JSON.parse(String(listed.body))).toMatchObject({ EmailIdentities: [{ IdentityName: 'kept@example.com' }] });
    expect(tempFilesIn(path.join(stateDir, 'ses'))).toEqual([]);
    expect(readdirSync(mailDir)).toEqual([]);
  });
  it('SageMaker Model Registry: the group and model package records', async () => {
    const services = { events: { publish: async () => undefined }, logger: silentLogger };
    const root = path.join(stateDir, 'sagemaker');
    const scope = { region: REGION, accountId: '000000000000' };
    const first = new ModelRegistry(root, services);
    await first.load();
    await first.createGroup({ ModelPackageGroupName: 'kept' }, scope);
    const arn = await first.createPackage({ ModelPackageGroupName: 'kept' }, {}, scope);
    plantTornWrite(path.join(root, 'model-package-groups', 'kept.json'));
    plantTornWrite(path.join(root, 'model-packages', 'kept.1.json'));

    const second = new ModelRegistry(root, services);
    await second.load();
    expect(second.package(arn, scope).ModelPackageVersion).toBe(1);
    expect(second.group('kept', scope).LastVersion).toBe(1);

    // A stop after a version's record but before its group's: the next version still gets a new number.
    const group = JSON.parse(readFileSync(path.join(root, 'model-package-groups', 'kept.json'), 'utf8')) as { LastVersion: number };
    writeFileSync(path.join(root, 'model-package-groups', 'kept.json'), JSON.stringify({ ...group, LastVersion: 0 }));
    const third = new ModelRegistry(root, services);
    await third.load();
    expect(await third.createPackage({ ModelPackageGroupName: 'kept' }, {}, scope)).toMatch(/\/kept\/2$/);
    expect(third.package(arn, scope).ModelPackageVersion).toBe(1);
    expect(tempFilesIn(path.join(root, 'model-package-groups'))).toEqual([]);
    expect(tempFilesIn(path.join(root, 'model-packages'))).toEqual([]);
  });
});
