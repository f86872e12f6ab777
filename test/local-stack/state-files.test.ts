/**
 * Every store that persists the stack's state writes it with core/persistence's atomic helpers: a
 * stack killed in the middle of a write leaves a torn temporary file beside the state, which the
 * next start ignores (the state loads whole) and removes.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isTempName, tempPathFor } from '../../local-stack/src/core/persistence';
import { ResourceLayer } from '../../local-stack/src/deploy/resources';
import type { DeployTargets } from '../../local-stack/src/deploy/targets';
import { CloudFormationEngine } from '../../local-stack/src/providers/cloudformation/model/engine';
import { EventsProvider } from '../../local-stack/src/providers/events/provider';
import { GlueProvider } from '../../local-stack/src/providers/glue/provider';
import { LambdaProvider } from '../../local-stack/src/providers/lambda/provider';
import { SqsProvider } from '../../local-stack/src/providers/sqs/provider';

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

    const response = await new GlueProvider(options).handle({
      method: 'POST',
      path: '/',
      rawPath: '/',
      query: new URLSearchParams(),
      headers: { 'x-amz-target': 'AWSGlue.GetJob' },
      body: Buffer.from(JSON.stringify({ JobName: 'kept' })),
      service: 'glue',
      region: REGION,
      accountId: '000000000000',
      requestId: 'request',
    });
    expect(JSON.parse(String(response.body))).toMatchObject({ Job: { Name: 'kept' } });
    expect(tempFilesIn(path.join(stateDir, 'glue'))).toEqual([]);
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
});
