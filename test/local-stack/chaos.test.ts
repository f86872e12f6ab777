/**
 * The chaos switch (LOCAL_STACK_CHAOS): parsing, the seeded random source, `duplicate` (every
 * event reaches every target twice) and `fail:P` (a share of Lambda invocations fail before the
 * handler runs, and retries or redelivery cover them).
 */
import { PutEventsCommand, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand, SetQueueAttributesCommand, type Message } from '@aws-sdk/client-sqs';
import path from 'node:path';
import { createRandom, parseChaosConfig } from '../../local-stack/src/core/chaos';
import { recordedLines, writeFunctionBundle } from './fixtures/functions';
import { temporaryDirectory } from '../support/temporary-directory';
import { waitFor } from '../support/wait';
import { eventBridgeQueuePolicy, ProviderStack } from '../support/stack';

describe('parseChaosConfig', () => {
  it.each([
    [undefined, { duplicateEvents: false, invocationFailureRate: 0 }],
    ['', { duplicateEvents: false, invocationFailureRate: 0 }],
    ['duplicate', { duplicateEvents: true, invocationFailureRate: 0 }],
    ['fail:0.2', { duplicateEvents: false, invocationFailureRate: 0.2 }],
    ['duplicate, fail:0.25 ,seed:42', { duplicateEvents: true, invocationFailureRate: 0.25, seed: 42 }],
    ['fail:1', { duplicateEvents: false, invocationFailureRate: 1 }],
  ])('parses %p', (spec, expected) => {
    expect(parseChaosConfig(spec)).toEqual(expected);
  });

  it.each(['fail', 'fail:', 'fail:1.5', 'fail:-0.1', 'fail:abc', 'seed:1.5', 'seed', 'explode', 'duplicate:2'])('rejects %p naming the setting', (spec) => {
    expect(() => parseChaosConfig(spec)).toThrow(/^LOCAL_STACK_CHAOS: /);
  });
});

describe('createRandom', () => {
  it('repeats its sequence for a seed and stays in [0, 1)', () => {
    const first = createRandom(7);
    const second = createRandom(7);
    const a = Array.from({ length: 1000 }, () => first());
    const b = Array.from({ length: 1000 }, () => second());
    expect(a).toEqual(b);
    expect(a.every((value) => value >= 0 && value < 1)).toBe(true);
    expect(new Set(a).size).toBeGreaterThan(990);
    const mean = a.reduce((sum, value) => sum + value, 0) / a.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
    expect(createRandom(8)()).not.toBe(createRandom(7)());
  });
});

describe('chaos mode on the wired stack', () => {
  const temp = temporaryDirectory('chaos-test');
  const code = writeFunctionBundle(path.join(temp.dir, 'code'));
  afterAll(() => temp.remove());

  async function createQueue(wired: ProviderStack, name: string, attributes: Record<string, string> = {}) {
    const { QueueUrl } = await wired.client.sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
    const { Attributes } = await wired.client.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    await wired.client.sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { Policy: eventBridgeQueuePolicy(Attributes!.QueueArn!) } }));
    return { url: QueueUrl!, arn: Attributes!.QueueArn! };
  }

  async function drain(wired: ProviderStack, queueUrl: string, waitSeconds = 1): Promise<Message[]> {
    const messages: Message[] = [];
    for (;;) {
      const { Messages } = await wired.client.sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: waitSeconds, MaxNumberOfMessages: 10, VisibilityTimeout: 60 }));
      if (!Messages?.length) return messages;
      messages.push(...Messages);
    }
  }

  it('duplicate: delivers every event to every target twice', async () => {
    const wired = await ProviderStack.start({ stateDir: path.join(temp.dir, 'duplicate'), chaos: 'duplicate' });
    try {
      const queue = await createQueue(wired, 'twice');
      const outFile = path.join(temp.dir, 'duplicate.jsonl');
      wired.lambda.service.createFunction({ name: 'twice', handler: 'record.handler', codeDir: code, environment: { OUT_FILE: outFile } });
      await wired.client.events.send(new PutRuleCommand({ Name: 'dup', EventPattern: JSON.stringify({ source: ['chaos.test'] }) }));
      await wired.client.events.send(
        new PutTargetsCommand({ Rule: 'dup', Targets: [{ Id: 'q', Arn: queue.arn }, { Id: 'fn', Arn: wired.lambda.service.functionArn('twice') }] }),
      );
      const { Entries } = await wired.client.events.send(new PutEventsCommand({ Entries: [{ Source: 'chaos.test', DetailType: 'Once', Detail: '{"n":1}' }] }));
      const eventId = Entries![0]!.EventId;

      await waitFor('two Lambda invocations', () => recordedLines(outFile).length === 2 && wired.lambda.service.pendingAsyncEvents === 0, 5000);
      expect(recordedLines(outFile).map((line) => (line.event as { id: string }).id)).toEqual([eventId, eventId]);
      const messages = await drain(wired, queue.url);
      expect(messages.map((message) => (JSON.parse(message.Body!) as { id: string }).id)).toEqual([eventId, eventId]);
    } finally {
      await wired.stop();
    }
  });

  it('fail:P: async retries cover injected failures; nothing is lost silently', async () => {
    const wired = await ProviderStack.start({ stateDir: path.join(temp.dir, 'fail-async'), chaos: 'fail:0.3,seed:42' });
    try {
      const failures = await createQueue(wired, 'exhausted');
      const outFile = path.join(temp.dir, 'fail-async.jsonl');
      wired.lambda.service.createFunction({ name: 'flaky', handler: 'record.handler', codeDir: code, environment: { OUT_FILE: outFile } });
      wired.lambda.service.putFunctionEventInvokeConfig('flaky', { maximumRetryAttempts: 2, onFailureDestination: failures.arn });
      await wired.client.events.send(new PutRuleCommand({ Name: 'flaky', EventPattern: JSON.stringify({ source: ['chaos.test'] }) }));
      await wired.client.events.send(new PutTargetsCommand({ Rule: 'flaky', Targets: [{ Id: 'fn', Arn: wired.lambda.service.functionArn('flaky') }] }));

      const ids: string[] = [];
      for (let batch = 0; batch < 3; batch++) {
        const entries = Array.from({ length: 10 }, (_, index) => ({ Source: 'chaos.test', DetailType: 'Work', Detail: JSON.stringify({ n: batch * 10 + index }) }));
        const { Entries } = await wired.client.events.send(new PutEventsCommand({ Entries: entries }));
        ids.push(...Entries!.map((entry) => entry.EventId!));
      }
      await waitFor('all async events to settle', () => wired.events.pendingDeliveries === 0 && wired.lambda.service.pendingAsyncEvents === 0, 15_000);

      const handled = recordedLines(outFile).map((line) => (line.event as { id: string }).id);
      const exhausted = (await drain(wired, failures.url)).map((message) => (JSON.parse(message.Body!) as { requestPayload: { id: string } }).requestPayload.id);
      const stats = wired.lambda.service.functionStats('flaky');
      console.log(`chaos fail:0.3 over ${ids.length} events: ${stats.chaosFailures} injected failures, ${handled.length} handled, ${exhausted.length} to the on-failure destination`);
      expect(stats.chaosFailures).toBeGreaterThan(0);
      // Injected failures happen before the handler: each event ran its handler at most once.
      expect(new Set(handled).size).toBe(handled.length);
      expect([...handled, ...exhausted].sort()).toEqual([...ids].sort());
      expect(handled.length).toBeGreaterThan(ids.length / 2);
    } finally {
      await wired.stop();
    }
  }, 30_000);

  it('fail:P: failed SQS batches come back after the visibility timeout and are processed', async () => {
    const wired = await ProviderStack.start({ stateDir: path.join(temp.dir, 'fail-sqs'), chaos: 'fail:0.5,seed:3' });
    try {
      const deadLetters = await createQueue(wired, 'chaos-dlq');
      const queue = await createQueue(wired, 'chaos-work', {
        VisibilityTimeout: '1',
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetters.arn, maxReceiveCount: 10 }),
      });
      const outFile = path.join(temp.dir, 'fail-sqs.jsonl');
      // A timeout within the visibility timeout (AWS refuses a mapping otherwise), and one instance, so one
      // batch at a time: a batch in flight, a slow cold start included, is never received a second time, and
      // the seeded failures fall on the same batches however loaded the machine is.
      wired.lambda.service.createFunction({ name: 'consumer', handler: 'batch.handler', codeDir: code, environment: { OUT_FILE: outFile }, timeoutSeconds: 1, maxConcurrency: 1 });
      wired.lambda.service.createEventSourceMapping({ functionName: 'consumer', queueArn: queue.arn, batchSize: 2, functionResponseTypes: ['ReportBatchItemFailures'] });
      const bodies = Array.from({ length: 6 }, (_, index) => `work-${index}`);
      await wired.client.sqs.send(new SendMessageBatchCommand({ QueueUrl: queue.url, Entries: bodies.map((body, index) => ({ Id: `m${index}`, MessageBody: body })) }));

      // The end state, however long a loaded machine takes to get there: every message deleted after its
      // batch succeeded, or moved to the DLQ after ten failed receives. The bound only stops a hang.
      const work = wired.sqs.service.queueByName('chaos-work');
      await waitFor('the work queue to be drained (each message processed or dead-lettered)', () => work.messages.size === 0, 120_000);
      expect(wired.lambda.service.functionStats('consumer').chaosFailures).toBeGreaterThan(0);
      expect([...wired.sqs.service.queueByName('chaos-dlq').messages.values()].map((message) => message.body)).toEqual([]);
      const handled = recordedLines(outFile).map((record) => record.body as string);
      expect([...new Set(handled)].sort()).toEqual(bodies);
    } finally {
      await wired.stop();
    }
  }, 150_000);
});
