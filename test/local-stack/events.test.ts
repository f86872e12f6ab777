/**
 * The EventBridge provider through the AWS SDK v3 EventBridgeClient (and the AWS CLI): rules
 * and targets, PutEvents validation, routing to SQS and Lambda targets with input
 * transformation, retries with backoff, dead-letter queues, persistence, in-process publishing,
 * and PutEvents -> Lambda handler latency.
 */
import {
  DeleteRuleCommand,
  DescribeRuleCommand,
  DisableRuleCommand,
  EnableRuleCommand,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  PutEventsCommand,
  PutRuleCommand,
  PutTargetsCommand,
  RemoveTargetsCommand,
  TestEventPatternCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { EventsProvider } from '../../local-stack/src/providers/events/provider';
import { silentLogger, type LocalStackLogger } from '../../local-stack/src/core/logger';
import { AwsCli, itWithCli } from '../support/aws-cli';
import { recordedLines, writeFunctionBundle } from './fixtures/functions';
import { percentile } from '../support/statistics';
import { temporaryDirectory } from '../support/temporary-directory';
import { waitFor } from '../support/wait';
import { REGION, useProviderStack } from '../support/stack';

describe('EventBridge provider', () => {
  const temp = temporaryDirectory('events-test');
  const code = writeFunctionBundle(path.join(temp.dir, 'code'));
  const stateDir = path.join(temp.dir, 'state');
  const wired = useProviderStack({ stateDir });
  afterAll(() => temp.remove());

  async function createQueue(name: string) {
    const { QueueUrl } = await wired.client.sqs.send(new CreateQueueCommand({ QueueName: name }));
    const { Attributes } = await wired.client.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    return { url: QueueUrl!, arn: Attributes!.QueueArn! };
  }

  async function receiveAll(queueUrl: string, count: number): Promise<Message[]> {
    const messages: Message[] = [];
    const deadline = Date.now() + 10_000;
    while (messages.length < count && Date.now() < deadline) {
      const { Messages } = await wired.client.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 2, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] }),
      );
      messages.push(...(Messages ?? []));
    }
    return messages;
  }

  const put = (entries: Array<{ Source: string; DetailType: string; Detail: string; EventBusName?: string; Resources?: string[] }>) =>
    wired.client.events.send(new PutEventsCommand({ Entries: entries }));

  it('creates, describes, lists, disables and deletes rules', async () => {
    const pattern = JSON.stringify({ source: ['ml-pipeline.training'], 'detail-type': ['Model Rejected'] });
    const { RuleArn } = await wired.client.events.send(new PutRuleCommand({ Name: 'model-rejected', EventPattern: pattern, Description: 'rejections' }));
    expect(RuleArn).toBe(`arn:aws:events:${REGION}:000000000000:rule/model-rejected`);
    await wired.client.events.send(new PutRuleCommand({ Name: 'model-deployed', EventPattern: JSON.stringify({ source: ['ml-pipeline.deployment'] }) }));
    await wired.client.events.send(new PutRuleCommand({ Name: 'other', EventPattern: JSON.stringify({ source: ['x'] }) }));

    const described = await wired.client.events.send(new DescribeRuleCommand({ Name: 'model-rejected' }));
    expect(described).toMatchObject({ Name: 'model-rejected', Arn: RuleArn, EventPattern: pattern, State: 'ENABLED', Description: 'rejections', EventBusName: 'default' });
    const listed = await wired.client.events.send(new ListRulesCommand({ NamePrefix: 'model-' }));
    expect(listed.Rules?.map((rule) => rule.Name)).toEqual(['model-deployed', 'model-rejected']);

    await wired.client.events.send(new DisableRuleCommand({ Name: 'model-rejected' }));
    expect((await wired.client.events.send(new DescribeRuleCommand({ Name: 'model-rejected' }))).State).toBe('DISABLED');
    await wired.client.events.send(new EnableRuleCommand({ Name: 'model-rejected' }));
    expect((await wired.client.events.send(new DescribeRuleCommand({ Name: 'model-rejected' }))).State).toBe('ENABLED');

    await wired.client.events.send(new PutTargetsCommand({ Rule: 'other', Targets: [{ Id: 'q', Arn: 'arn:aws:sqs:us-east-1:000000000000:x' }] }));
    await expect(wired.client.events.send(new DeleteRuleCommand({ Name: 'other' }))).rejects.toMatchObject({ name: 'ValidationException' });
    await wired.client.events.send(new RemoveTargetsCommand({ Rule: 'other', Ids: ['q'] }));
    await wired.client.events.send(new DeleteRuleCommand({ Name: 'other' }));
    await expect(wired.client.events.send(new DescribeRuleCommand({ Name: 'other' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    await expect(wired.client.events.send(new EnableRuleCommand({ Name: 'nope' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  it('refuses invalid patterns and targets with their AWS errors', async () => {
    await expect(wired.client.events.send(new PutRuleCommand({ Name: 'bad', EventPattern: JSON.stringify({ source: 'aws.s3' }) }))).rejects.toMatchObject({
      name: 'InvalidEventPatternException',
      message: expect.stringContaining('"source" must be an object or an array'),
    });
    await expect(wired.client.events.send(new PutRuleCommand({ Name: 'bad' }))).rejects.toMatchObject({ name: 'ValidationException' });
    await wired.client.events.send(new PutRuleCommand({ Name: 'targets', EventPattern: JSON.stringify({ source: ['t'] }) }));
    const result = await wired.client.events.send(
      new PutTargetsCommand({
        Rule: 'targets',
        Targets: [
          { Id: 'ok', Arn: 'arn:aws:sqs:us-east-1:000000000000:q' },
          { Id: 'sns', Arn: 'arn:aws:sns:us-east-1:000000000000:topic' },
        ],
      }),
    );
    // A target the local stack cannot deliver to fails alone (a local limit, not AWS's answer).
    expect(result.FailedEntryCount).toBe(1);
    expect(result.FailedEntries?.map((entry) => entry.TargetId)).toEqual(['sns']);
    expect((await wired.client.events.send(new ListTargetsByRuleCommand({ Rule: 'targets' }))).Targets?.map((target) => target.Id)).toEqual(['ok']);
    await expect(wired.client.events.send(new PutTargetsCommand({ Rule: 'missing', Targets: [{ Id: 'x', Arn: 'arn:aws:sqs:us-east-1:000000000000:q' }] }))).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
    });
    const tested = await wired.client.events.send(new TestEventPatternCommand({ EventPattern: JSON.stringify({ source: [{ prefix: 'ml-' }] }), Event: JSON.stringify({ id: '1', account: '000000000000', source: 'ml-pipeline.x', time: '2026-01-01T00:00:00Z', region: REGION, 'detail-type': 'X' }) }));
    expect(tested.Result).toBe(true);
  });

  it('validates PutEvents entries one by one', async () => {
    const result = await wired.client.events.send(
      new PutEventsCommand({
        Entries: [
          { Source: 'ml-pipeline.test', DetailType: 'Fine', Detail: '{"runId":"r1"}' },
          { Source: 'ml-pipeline.test', DetailType: 'No detail' },
          { Source: 'ml-pipeline.test', DetailType: 'Bad detail', Detail: '[1,2]' },
          { Source: 'aws.s3', DetailType: 'Spoofed', Detail: '{}' },
          { Source: 'ml-pipeline.test', DetailType: 'Lost bus', Detail: '{}', EventBusName: 'no-such-bus' },
        ],
      }),
    );
    // An entry for a bus that does not exist is accepted and dropped, as AWS does (LocalStack's recorded
    // AWS answer, test_put_events_nonexistent_event_bus).
    expect(result.FailedEntryCount).toBe(3);
    expect(result.Entries?.[0]?.EventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(result.Entries?.slice(1, 4).map((entry) => entry.ErrorCode)).toEqual(['InvalidArgument', 'MalformedDetail', 'NotAuthorizedForSourceException']);
    expect(result.Entries?.[4]?.EventId).toMatch(/^[0-9a-f-]{36}$/);
    const tooMany = Array.from({ length: 11 }, () => ({ Source: 's', DetailType: 'd', Detail: '{}' }));
    await expect(wired.client.events.send(new PutEventsCommand({ Entries: tooMany }))).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('routes matching events to an SQS target, whole or transformed', async () => {
    const whole = await createQueue('route-whole');
    const shaped = await createQueue('route-shaped');
    await wired.client.events.send(
      new PutRuleCommand({ Name: 'deployed-to-queues', EventPattern: JSON.stringify({ source: ['ml-pipeline.deployment'], 'detail-type': ['Model Deployed'] }) }),
    );
    await wired.client.events.send(
      new PutTargetsCommand({
        Rule: 'deployed-to-queues',
        Targets: [
          { Id: 'whole', Arn: whole.arn },
          { Id: 'constant', Arn: shaped.arn, Input: '{"fixed":true}' },
          { Id: 'path', Arn: shaped.arn, InputPath: '$.detail.metrics' },
          {
            Id: 'template',
            Arn: shaped.arn,
            InputTransformer: { InputPathsMap: { run: '$.detail.runId', acc: '$.detail.metrics.accuracy' }, InputTemplate: '{"text":"run <run> reached <acc>","run":<run>,"rule":"<aws.events.rule-name>"}' },
          },
        ],
      }),
    );
    const sent = await put([
      { Source: 'ml-pipeline.deployment', DetailType: 'Model Deployed', Detail: JSON.stringify({ runId: 'run-7', metrics: { accuracy: 0.93 } }), Resources: ['arn:x'] },
      { Source: 'ml-pipeline.deployment', DetailType: 'Model Rejected', Detail: '{}' },
    ]);
    expect(sent.FailedEntryCount).toBe(0);

    const [message] = await receiveAll(whole.url, 1);
    expect(JSON.parse(message!.Body!)).toEqual({
      version: '0',
      id: sent.Entries![0]!.EventId,
      'detail-type': 'Model Deployed',
      source: 'ml-pipeline.deployment',
      account: '000000000000',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      region: REGION,
      resources: ['arn:x'],
      detail: { runId: 'run-7', metrics: { accuracy: 0.93 } },
    });
    const bodies = (await receiveAll(shaped.url, 3)).map((received) => JSON.parse(received.Body!) as unknown);
    expect(bodies).toEqual(
      expect.arrayContaining([{ fixed: true }, { accuracy: 0.93 }, { text: 'run run-7 reached 0.93', run: 'run-7', rule: 'deployed-to-queues' }]),
    );
    expect(bodies).toHaveLength(3);
  });

  it('routes to a Lambda target asynchronously and skips disabled rules', async () => {
    const outFile = path.join(temp.dir, 'lambda-target.jsonl');
    wired.lambda.service.createFunction({ name: 'on-upload', handler: 'record.handler', codeDir: code, environment: { OUT_FILE: outFile } });
    await wired.client.events.send(new PutRuleCommand({ Name: 'uploads', EventPattern: JSON.stringify({ source: ['ml-pipeline.ingestion'], detail: { key: [{ prefix: 'incoming/' }] } }) }));
    await wired.client.events.send(new PutTargetsCommand({ Rule: 'uploads', Targets: [{ Id: 'fn', Arn: wired.lambda.service.functionArn('on-upload') }] }));
    await put([
      { Source: 'ml-pipeline.ingestion', DetailType: 'Drop', Detail: JSON.stringify({ key: 'incoming/a.csv' }) },
      { Source: 'ml-pipeline.ingestion', DetailType: 'Drop', Detail: JSON.stringify({ key: 'labeled/a.csv' }) },
    ]);
    await waitFor('the Lambda target', () => recordedLines(outFile).length >= 1 && wired.events.pendingDeliveries === 0 && wired.lambda.service.pendingAsyncEvents === 0, 5000);
    expect(recordedLines(outFile).map((line) => (line.event as { detail: unknown }).detail)).toEqual([{ key: 'incoming/a.csv' }]);

    await wired.client.events.send(new DisableRuleCommand({ Name: 'uploads' }));
    await put([{ Source: 'ml-pipeline.ingestion', DetailType: 'Drop', Detail: JSON.stringify({ key: 'incoming/b.csv' }) }]);
    expect(wired.events.pendingDeliveries).toBe(0);
    expect(recordedLines(outFile)).toHaveLength(1);
    await wired.client.events.send(new EnableRuleCommand({ Name: 'uploads' }));
  });

  it('sends events for a missing target straight to the dead-letter queue, with EventBridge attributes', async () => {
    const deadLetters = await createQueue('rule-dlq');
    await wired.client.events.send(new PutRuleCommand({ Name: 'to-missing', EventPattern: JSON.stringify({ source: ['dlq.test'] }) }));
    const targetArn = 'arn:aws:lambda:us-east-1:000000000000:function:does-not-exist';
    await wired.client.events.send(
      new PutTargetsCommand({ Rule: 'to-missing', Targets: [{ Id: 'gone', Arn: targetArn, RetryPolicy: { MaximumRetryAttempts: 5 }, DeadLetterConfig: { Arn: deadLetters.arn } }] }),
    );
    const sent = await put([{ Source: 'dlq.test', DetailType: 'X', Detail: '{"n":1}' }]);
    const [message] = await receiveAll(deadLetters.url, 1);
    expect(JSON.parse(message!.Body!)).toMatchObject({ id: sent.Entries![0]!.EventId, detail: { n: 1 } });
    const attributes = Object.fromEntries(Object.entries(message!.MessageAttributes ?? {}).map(([name, value]) => [name, value.StringValue]));
    expect(attributes).toMatchObject({
      RULE_ARN: `arn:aws:events:${REGION}:000000000000:rule/to-missing`,
      TARGET_ARN: targetArn,
      ERROR_CODE: 'ResourceNotFoundException',
      RETRY_ATTEMPTS: '0',
    });
  });

  it('keeps rules and targets across a restart', async () => {
    await wired.restart();
    expect((await wired.client.events.send(new DescribeRuleCommand({ Name: 'deployed-to-queues' }))).State).toBe('ENABLED');
    const targets = await wired.client.events.send(new ListTargetsByRuleCommand({ Rule: 'deployed-to-queues' }));
    expect(targets.Targets?.map((target) => target.Id)).toEqual(['whole', 'constant', 'path', 'template']);
  });

  it('routes events published in-process (S3, Glue, SageMaker) with AWS sources', async () => {
    const queue = await createQueue('from-s3');
    wired.events.putRule({ name: 's3-created', eventPattern: { source: ['aws.s3'], 'detail-type': ['Object Created'], detail: { object: { key: [{ prefix: 'incoming/' }] } } } });
    wired.events.putTargets('s3-created', [{ Id: 'q', Arn: queue.arn }]);
    await wired.events.publish({ source: 'aws.s3', 'detail-type': 'Object Created', resources: ['arn:aws:s3:::bucket'], detail: { bucket: { name: 'bucket' }, object: { key: 'incoming/x.csv' } } });
    const [message] = await receiveAll(queue.url, 1);
    expect(JSON.parse(message!.Body!)).toMatchObject({ source: 'aws.s3', 'detail-type': 'Object Created', account: '000000000000', region: REGION, detail: { object: { key: 'incoming/x.csv' } } });
  });

  // 50 samples, each step bounded: the test's own timeout is only a hang guard; the figure under test is the p50.
  it('measures PutEvents -> Lambda handler start latency', async () => {
    const outFile = path.join(temp.dir, 'latency.jsonl');
    wired.lambda.service.createFunction({ name: 'latency', handler: 'record.handler', codeDir: code, environment: { OUT_FILE: outFile } });
    await wired.client.events.send(new PutRuleCommand({ Name: 'latency', EventPattern: JSON.stringify({ source: ['latency.test'] }) }));
    await wired.client.events.send(new PutTargetsCommand({ Rule: 'latency', Targets: [{ Id: 'fn', Arn: wired.lambda.service.functionArn('latency') }] }));
    // Warm the function first: the latency target is for a warm path.
    await wired.lambda.service.invoke('latency', JSON.stringify({ warmup: true }));
    const samples: number[] = [];
    for (let index = 0; index < 50; index++) {
      const sentAt = performance.timeOrigin + performance.now();
      await put([{ Source: 'latency.test', DetailType: 'Tick', Detail: JSON.stringify({ index }) }]);
      const record = await waitFor(`event ${index}`, () => recordedLines(outFile).find((line) => (line.event as { detail?: { index?: number } }).detail?.index === index), 5000, 10);
      samples.push((record.startedAt as number) - sentAt);
    }
    const p50 = percentile(samples, 50);
    console.log(`PutEvents (SDK) -> Lambda handler start: p50 ${p50.toFixed(1)} ms, p99 ${percentile(samples, 99).toFixed(1)} ms (n=${samples.length})`);
    // The target is p50 <= 20 ms; the bound leaves room for a loaded CI machine.
    expect(p50).toBeLessThanOrEqual(40);
  }, 60_000);

  itWithCli('works with the AWS CLI (events list-rules, put-events)', async () => {
    const cli = new AwsCli(() => wired.url, temp.dir, 30_000);
    const aws = (...args: string[]) => cli.json(...args);
    // Its own rules (PutRule is an upsert): run alone (`-t "AWS CLI"`, as .ci/run's second CLI does), no earlier test made them.
    for (const name of ['cli-listed-b', 'cli-listed-a']) {
      await wired.client.events.send(new PutRuleCommand({ Name: name, EventPattern: JSON.stringify({ source: ['cli.listed'] }) }));
    }
    const rules = (await aws('events', 'list-rules', '--name-prefix', 'cli-listed-')) as { Rules: Array<{ Name: string }> };
    expect(rules.Rules.map((rule) => rule.Name)).toEqual(['cli-listed-a', 'cli-listed-b']);
    const queue = await createQueue('from-cli');
    await wired.client.events.send(new PutRuleCommand({ Name: 'cli-rule', EventPattern: JSON.stringify({ source: ['cli.test'] }) }));
    await wired.client.events.send(new PutTargetsCommand({ Rule: 'cli-rule', Targets: [{ Id: 'q', Arn: queue.arn }] }));
    const entries = JSON.stringify([{ Source: 'cli.test', DetailType: 'From CLI', Detail: '{"via":"cli"}' }]);
    const result = (await aws('events', 'put-events', '--entries', entries)) as { FailedEntryCount: number };
    expect(result.FailedEntryCount).toBe(0);
    const [message] = await receiveAll(queue.url, 1);
    expect(JSON.parse(message!.Body!)).toMatchObject({ source: 'cli.test', detail: { via: 'cli' } });
  }, 60_000);
});

describe('EventBridge delivery retries (in-process, with failing invokers)', () => {
  const temp = temporaryDirectory('events-retry');
  afterAll(() => temp.remove());

  function providerWith(
    sendMessage: (queueArn: string, body: string, attributes?: Record<string, { DataType: string; StringValue: string }>) => unknown,
    stateDir: string,
    logger?: LocalStackLogger,
  ) {
    return new EventsProvider({ stateDir, region: REGION, invokers: { sqs: { sendMessage } }, retryBaseDelayMs: 5, retryMaxDelayMs: 20, random: () => 0.5, logger });
  }

  it('retries with backoff until the target accepts the event', async () => {
    const calls: Array<{ arn: string; at: number }> = [];
    const retryDelays: unknown[] = [];
    const logger: LocalStackLogger = { ...silentLogger, warn: (_message, details) => retryDelays.push(details?.retryInMs) };
    const provider = providerWith(
      (arn) => {
        calls.push({ arn, at: performance.now() });
        if (calls.length < 3) throw new Error('target busy');
      },
      path.join(temp.dir, 'a'),
      logger,
    );
    provider.putRule({ name: 'r', eventPattern: { source: ['s'] } });
    provider.putTargets('r', [{ Id: 't', Arn: 'arn:aws:sqs:us-east-1:000000000000:target', RetryPolicy: { MaximumRetryAttempts: 5 } }]);
    provider.putEvents([{ Source: 's', DetailType: 'd', Detail: '{}' }]);
    await waitFor('three attempts', () => provider.pendingDeliveries === 0 && calls.length === 3, 5000);
    // Backoff doubles: 5 ms, then 10 ms, with jitter 0.75x at random() = 0.5. The scheduled delays are
    // asserted exactly; the measured gaps only from below (a timer fires at most ~1 ms early, libuv's clock
    // being in whole milliseconds; a loaded machine
    // may fire it late, so comparing the two gaps with each other would measure the load).
    expect(retryDelays).toEqual([4, 8]);
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(2);
    expect(calls[2]!.at - calls[1]!.at).toBeGreaterThanOrEqual(6);
    await provider.stop();
  });

  it('sends the event to the DLQ after MaximumRetryAttempts, with the exhausted condition', async () => {
    const deadLetters: Array<{ body: string; attributes: Record<string, { StringValue: string }> }> = [];
    const provider = providerWith((arn, body, attributes) => {
      if (arn.endsWith(':dlq')) {
        deadLetters.push({ body, attributes: attributes! });
        return;
      }
      throw new Error('target down');
    }, path.join(temp.dir, 'b'));
    provider.putRule({ name: 'r', eventPattern: { source: ['s'] } });
    provider.putTargets('r', [
      { Id: 't', Arn: 'arn:aws:sqs:us-east-1:000000000000:target', RetryPolicy: { MaximumRetryAttempts: 2 }, DeadLetterConfig: { Arn: 'arn:aws:sqs:us-east-1:000000000000:dlq' } },
    ]);
    const result = provider.putEvents([{ Source: 's', DetailType: 'd', Detail: '{"k":1}' }]);
    await waitFor('the dead letter', () => deadLetters.length === 1 && provider.pendingDeliveries === 0, 5000);
    expect(JSON.parse(deadLetters[0]!.body)).toMatchObject({ id: (result.Entries[0] as { EventId: string }).EventId, detail: { k: 1 } });
    expect(deadLetters[0]!.attributes).toMatchObject({
      ERROR_CODE: { StringValue: 'InternalFailure' },
      ERROR_MESSAGE: { StringValue: 'target down' },
      EXHAUSTED_RETRY_CONDITION: { StringValue: 'MaximumRetryAttemptsExhausted' },
      RETRY_ATTEMPTS: { StringValue: '2' },
    });
    await provider.stop();
  });

  it('setTargets (for the deployer) makes the targets exactly the given ones', async () => {
    const provider = providerWith(() => undefined, path.join(temp.dir, 'd'));
    provider.putRule({ name: 'r', eventPattern: { source: ['s'] } });
    provider.setTargets('r', [
      { Id: 'a', Arn: 'arn:aws:sqs:us-east-1:000000000000:a' },
      { Id: 'b', Arn: 'arn:aws:sqs:us-east-1:000000000000:b' },
    ]);
    provider.setTargets('r', [
      { Id: 'b', Arn: 'arn:aws:sqs:us-east-1:000000000000:b2' },
      { Id: 'c', Arn: 'arn:aws:sqs:us-east-1:000000000000:c' },
    ]);
    expect(provider.rules.rule('r').targets.map((target) => [target.Id, target.Arn])).toEqual([
      ['b', 'arn:aws:sqs:us-east-1:000000000000:b2'],
      ['c', 'arn:aws:sqs:us-east-1:000000000000:c'],
    ]);
    await provider.stop();
  });

  it('resumes unfinished deliveries after a restart', async () => {
    const stateDir = path.join(temp.dir, 'c');
    const first = providerWith(() => {
      throw new Error('down');
    }, stateDir);
    first.putRule({ name: 'r', eventPattern: { source: ['s'] } });
    first.putTargets('r', [{ Id: 't', Arn: 'arn:aws:sqs:us-east-1:000000000000:target' }]);
    first.putEvents([{ Source: 's', DetailType: 'd', Detail: '{"durable":true}' }]);
    await first.stop();
    expect(readdirSync(path.join(stateDir, 'events', 'pending')).filter((file) => file.endsWith('.json'))).toHaveLength(1);

    const delivered: string[] = [];
    const second = providerWith((_arn, body) => delivered.push(body), stateDir);
    await second.start();
    await waitFor('the resumed delivery', () => delivered.length === 1 && second.pendingDeliveries === 0, 5000);
    expect(JSON.parse(delivered[0]!)).toMatchObject({ detail: { durable: true } });
    expect(readdirSync(path.join(stateDir, 'events', 'pending'))).toEqual([]);
    await second.stop();
  });
});
