/**
 * The Lambda provider through the AWS SDK v3 LambdaClient and its in-process API: isolated worker
 * processes (environment, warm reuse, concurrency cap, timeout, memory limit), errors, async
 * invocation with retries and destinations, SQS event source mappings with partial batch
 * failures, zip packages and persistence across a restart.
 */
import {
  CreateEventSourceMappingCommand,
  DeleteEventSourceMappingCommand,
  GetFunctionCommand,
  InvokeCommand,
  ListEventSourceMappingsCommand,
  ListFunctionsCommand,
  PutFunctionEventInvokeConfigCommand,
} from '@aws-sdk/client-lambda';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { HANDLERS, recordedLines, writeFunctionBundle, writeZip } from './fixtures/functions';
import { LambdaService } from '../../local-stack/src/providers/lambda/model/service';
import { percentile } from '../support/statistics';
import { temporaryDirectory } from '../support/temporary-directory';
import { waitFor } from '../support/wait';
import { REGION, useProviderStack } from '../support/stack';

const decoder = new TextDecoder();

describe('Lambda provider', () => {
  const temp = temporaryDirectory('lambda-test');
  const code = writeFunctionBundle(path.join(temp.dir, 'code'));
  const stateDir = path.join(temp.dir, 'state');
  beforeAll(() => {
    process.env.PARENT_SECRET = 'must-not-leak';
  });
  const wired = useProviderStack({ stateDir });
  afterAll(() => {
    delete process.env.PARENT_SECRET;
    temp.remove();
  });

  async function invoke(functionName: string, payload: unknown, extra: { LogType?: 'Tail' } = {}) {
    const response = await wired.client.lambda.send(new InvokeCommand({ FunctionName: functionName, Payload: JSON.stringify(payload), ...extra }));
    return { ...response, body: JSON.parse(decoder.decode(response.Payload)) as Record<string, unknown> };
  }

  async function createQueue(name: string, attributes: Record<string, string> = {}) {
    const { QueueUrl } = await wired.client.sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
    const { Attributes } = await wired.client.sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    return { url: QueueUrl!, arn: Attributes!.QueueArn! };
  }

  it('invokes a handler in its own process with only its environment', async () => {
    wired.lambda.service.createFunction({ name: 'echo-a', handler: 'echo.handler', codeDir: code, environment: { FOO: 'a' } });
    wired.lambda.service.createFunction({ name: 'echo-b', handler: 'echo.handler', codeDir: code });
    const a = await invoke('echo-a', { hello: 'world' });
    const b = await invoke('echo-b', {});
    expect(a.StatusCode).toBe(200);
    expect(a.FunctionError).toBeUndefined();
    expect(a.ExecutedVersion).toBe('$LATEST');
    expect(a.body).toMatchObject({
      event: { hello: 'world' },
      functionName: 'echo-a',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:echo-a',
      env: { FOO: 'a', AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: wired.url, AWS_LAMBDA_FUNCTION_NAME: 'echo-a', AWS_ACCESS_KEY_ID: 'local' },
    });
    expect((a.body.env as Record<string, unknown>).PARENT_SECRET).toBeUndefined();
    expect((b.body.env as Record<string, unknown>).FOO).toBeUndefined();
    expect(a.body.pid).not.toBe(process.pid);
    expect(a.body.pid).not.toBe(b.body.pid);
    expect(a.body.remainingMs).toBeGreaterThan(2000);
    expect(a.body.remainingMs).toBeLessThanOrEqual(3000);
  });

  it('serves a first cold start from a spare process started at deploy, which takes on only the function: its directory, its environment, its handler', async () => {
    // 192 MB: no other function of the suite has that heap cap, so the spare started now is this function's.
    const before = wired.lambda.service.sparePids;
    wired.lambda.service.createFunction({ name: 'spare-first', handler: 'echo.handler', codeDir: code, memoryMb: 192, environment: { FOO: 'spare' } });
    const spares = await waitFor(
      'a spare for the new function',
      () => {
        const started = wired.lambda.service.sparePids.filter((pid) => !before.includes(pid));
        return started.length > 0 && started;
      },
      10_000,
    );
    expect(spares).toHaveLength(1);
    const first = await invoke('spare-first', {});
    expect(spares).toContain(first.body.pid);
    expect(first.body).toMatchObject({ functionName: 'spare-first', cwd: realpathSync(code), argv: [code, 'echo.handler'], env: { FOO: 'spare', AWS_LAMBDA_FUNCTION_NAME: 'spare-first' } });
    // All of the function's variables, Lambda's among them, and nothing of how the spare was started.
    expect(first.body.envNames).toEqual(expect.arrayContaining(['FOO', 'LANG', 'LAMBDA_TASK_ROOT', '_HANDLER', 'AWS_SECRET_ACCESS_KEY', 'AWS_LAMBDA_LOG_STREAM_NAME', 'AWS_LAMBDA_FUNCTION_MEMORY_SIZE']));
    expect(first.body.envNames).not.toContain('NODE_CHANNEL_FD');
    const phases = wired.lambda.service.functionStats('spare-first').coldStartPhasesMs;
    console.log(`cold start from a spare: spawn ${phases[0]!.spawnMs.toFixed(1)} ms, init ${phases[0]!.initMs.toFixed(1)} ms`);
    // Taken, it is replaced for the next cold start of its kind.
    await waitFor('the spare to be replaced', () => wired.lambda.service.sparePids.some((pid) => !spares.includes(pid)), 10_000);
  });

  it("runs each function on its runtime's Node.js major, and refuses a runtime it has no Node.js for", async () => {
    wired.lambda.service.createFunction({ name: 'on-node24', handler: 'echo.handler', codeDir: code, runtime: 'nodejs24.x' });
    const host = `nodejs${process.versions.node.split('.')[0]}.x`;
    wired.lambda.service.createFunction({ name: 'on-host-node', handler: 'echo.handler', codeDir: code, runtime: host });
    // The Lambda runtime's major, from the npm package, whatever Node.js runs the stack (and this test).
    expect((await invoke('on-node24', {})).body.nodeVersion).toMatch(/^v24\./);
    expect((await invoke('on-host-node', {})).body.nodeVersion).toBe(process.version);
    for (const runtime of ['nodejs22.x', 'python3.12']) {
      expect(() => wired.lambda.service.createFunction({ name: 'refused', handler: 'echo.handler', codeDir: code, runtime })).toThrow(
        expect.objectContaining({ code: 'InvalidParameterValueException', message: expect.stringMatching(new RegExp(`^The runtime parameter of ${runtime.replace('.', '\\.')} is not supported by the local stack: .*It runs nodejs24\\.x \\(Node\\.js v24\\.`)) }),
      );
    }
    await expect(invoke('refused', {})).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });

  // 31 invocations: the test's own timeout is only a hang guard (jest's 5 s default is not a budget for them).
  it('keeps an instance warm and reuses it; measures cold start and warm invoke times', async () => {
    wired.lambda.service.createFunction({ name: 'warm', handler: 'echo.handler', codeDir: code });
    const coldStarted = performance.now();
    const first = await invoke('warm', { n: 0 });
    const coldMs = performance.now() - coldStarted;
    const warmSamples: number[] = [];
    for (let index = 1; index <= 30; index++) {
      const started = performance.now();
      const response = await invoke('warm', { n: index });
      warmSamples.push(performance.now() - started);
      expect(response.body.pid).toBe(first.body.pid);
    }
    const stats = wired.lambda.service.functionStats('warm');
    expect(stats).toMatchObject({ coldStarts: 1, instances: 1, invocations: 31 });
    console.log(
      `Lambda cold start (spawn + init): ${stats.coldStartDurationsMs[0]!.toFixed(1)} ms; first SDK invoke ${coldMs.toFixed(1)} ms; ` +
        `warm SDK invoke p50 ${percentile(warmSamples, 50).toFixed(1)} ms, p99 ${percentile(warmSamples, 99).toFixed(1)} ms (n=${warmSamples.length})`,
    );
    expect(percentile(warmSamples, 50)).toBeLessThan(coldMs);
  }, 60_000);

  it('starts a new instance when all are busy, up to the concurrency cap', async () => {
    wired.lambda.service.createFunction({ name: 'capped', handler: 'slow.handler', codeDir: code, maxConcurrency: 2, timeoutSeconds: 10 });
    const started = performance.now();
    const results = await Promise.all([0, 1, 2, 3].map(() => invoke('capped', { ms: 300 })));
    const elapsed = performance.now() - started;
    const pids = new Set(results.map((result) => result.body.pid));
    expect(pids.size).toBe(2);
    // Four 300 ms invocations, two at a time.
    expect(elapsed).toBeGreaterThanOrEqual(590);
    expect(wired.lambda.service.functionStats('capped')).toMatchObject({ instances: 2, coldStarts: 2 });
  });

  it('supports ES module handlers in subfolders, callback handlers, and tails the log', async () => {
    wired.lambda.service.createFunction({ name: 'esm', handler: 'nested/esm.handler', codeDir: code });
    wired.lambda.service.createFunction({ name: 'callback', handler: 'callback.handler', codeDir: code });
    const esm = await invoke('esm', { x: 1 }, { LogType: 'Tail' });
    expect(esm.body).toEqual({ esm: true, event: { x: 1 } });
    expect(Buffer.from(esm.LogResult!, 'base64').toString('utf8')).toMatch(/\tINFO\tesm handler got \{"x":1\}/);
    expect((await invoke('callback', { value: 7 })).body).toEqual({ viaCallback: 7 });
  });

  it("writes each invocation's output to /aws/lambda/<function>, one stream per instance, between START and END / REPORT", async () => {
    wired.lambda.service.createFunction({ name: 'logged', handler: 'nested/esm.handler', codeDir: code, maxConcurrency: 2 });
    wired.lambda.service.createFunction({ name: 'logged-echo', handler: 'echo.handler', codeDir: code });
    await Promise.all([invoke('logged', { n: 1 }), invoke('logged', { n: 2 })]);
    await invoke('logged', { n: 3 });
    const logs = wired.logs.service;
    const streams = logs.describeLogStreams({ group: '/aws/lambda/logged' }).logStreams;
    expect(streams).toHaveLength(2);
    for (const stream of streams) expect(stream.logStreamName).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    const events = logs.filterLogEvents({ group: '/aws/lambda/logged' }).events;
    const requestIds = [...new Set(events.map((event) => /^START RequestId: (\S+)/.exec(event.message)?.[1]).filter(Boolean))];
    expect(requestIds).toHaveLength(3);
    for (const requestId of requestIds) {
      const own = events.filter((event) => event.message.includes(requestId!));
      // One stream holds the whole invocation, in Lambda's order.
      expect(new Set(own.map((event) => event.logStreamName)).size).toBe(1);
      expect(own.map((event) => event.message.split(/[\t ]/)[0]!.replace(/^\d{4}-.*Z$/, '<time>'))).toEqual(['START', '<time>', 'END', 'REPORT']);
      expect(own[1]!.message).toMatch(new RegExp(`^\\S+Z\\t${requestId}\\tINFO\\tesm handler got \\{"n":\\d\\}$`));
      expect(own[3]!.message).toMatch(new RegExp(`^REPORT RequestId: ${requestId}\\tDuration: [\\d.]+ ms\\tBilled Duration: \\d+ ms\\tMemory Size: 128 MB\\tMax Memory Used: \\d+ MB`));
    }
    // The handler's context names the stream its output goes to.
    const echo = await invoke('logged-echo', {});
    expect(echo.body.logGroupName).toBe('/aws/lambda/logged-echo');
    expect(logs.describeLogStreams({ group: '/aws/lambda/logged-echo' }).logStreams.map((stream) => stream.logStreamName)).toEqual([echo.body.logStreamName]);
  });

  it('reports handler errors with X-Amz-Function-Error', async () => {
    wired.lambda.service.createFunction({ name: 'fail', handler: 'fail.handler', codeDir: code });
    const response = await invoke('fail', {});
    expect(response.StatusCode).toBe(200);
    expect(response.FunctionError).toBe('Unhandled');
    expect(response.body).toMatchObject({ errorType: 'PipelineError', errorMessage: 'boom' });
    expect(response.body.trace).toEqual(expect.arrayContaining([expect.stringContaining('PipelineError: boom')]));
  });

  it('reports a missing handler or module as the Node.js runtime does', async () => {
    wired.lambda.service.createFunction({ name: 'no-export', handler: 'echo.nothing', codeDir: code });
    wired.lambda.service.createFunction({ name: 'no-module', handler: 'missing.handler', codeDir: code });
    // The messages too: a failure then shows what the runtime reported instead (an exit during init carries its exit status and stderr).
    expect((await invoke('no-export', {})).body).toMatchObject({ errorType: 'Runtime.HandlerNotFound', errorMessage: 'echo.nothing is undefined or not exported' });
    expect((await invoke('no-module', {})).body).toMatchObject({ errorType: 'Runtime.ImportModuleError', errorMessage: "Cannot find module 'missing'" });
  });

  it('kills an invocation at its timeout and serves the next one from a new instance', async () => {
    wired.lambda.service.createFunction({ name: 'timeout', handler: 'slow.handler', codeDir: code, timeoutSeconds: 1 });
    const started = performance.now();
    const timedOut = await invoke('timeout', { ms: 5000 });
    expect(performance.now() - started).toBeLessThan(2500);
    expect(timedOut.FunctionError).toBe('Unhandled');
    expect(timedOut.body).toMatchObject({ errorType: 'Sandbox.Timedout' });
    expect(timedOut.body.errorMessage).toMatch(/Task timed out after 1\.00 seconds$/);
    const next = await invoke('timeout', { ms: 1 });
    expect(next.body).toMatchObject({ slept: 1 });
    expect(wired.lambda.service.functionStats('timeout').coldStarts).toBe(2);
  });

  it('enforces the memory size', async () => {
    wired.lambda.service.createFunction({ name: 'hog', handler: 'hog.handler', codeDir: code, memoryMb: 128, timeoutSeconds: 30 });
    const response = await invoke('hog', {});
    expect(response.FunctionError).toBe('Unhandled');
    expect(response.body).toMatchObject({ errorType: 'Runtime.OutOfMemory' });
  }, 30_000);

  it('answers AWS errors for unknown functions and bad payloads, and lists functions', async () => {
    await expect(invoke('nope', {})).rejects.toMatchObject({ name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 404 } });
    await expect(
      wired.client.lambda.send(new InvokeCommand({ FunctionName: 'echo-a', Payload: new TextEncoder().encode('{not json') })),
    ).rejects.toMatchObject({ name: 'InvalidRequestContentException' });
    const { Configuration } = await wired.client.lambda.send(new GetFunctionCommand({ FunctionName: 'echo-a' }));
    expect(Configuration).toMatchObject({ FunctionName: 'echo-a', Handler: 'echo.handler', Runtime: 'nodejs24.x', Timeout: 3, MemorySize: 128, Environment: { Variables: { FOO: 'a' } } });
    const { Functions } = await wired.client.lambda.send(new ListFunctionsCommand({}));
    expect(Functions?.map((fn) => fn.FunctionName)).toEqual(expect.arrayContaining(['echo-a', 'echo-b', 'warm']));
  });

  it('runs a function from a .zip package', async () => {
    const zipFile = path.join(temp.dir, 'package.zip');
    writeZip(zipFile, { 'src/index.js': HANDLERS['echo.js']! });
    wired.lambda.service.createFunction({ name: 'zipped', handler: 'src/index.handler', zipFile });
    expect((await invoke('zipped', { from: 'zip' })).body).toMatchObject({ event: { from: 'zip' }, functionName: 'zipped' });
  });

  it('retries failed async invocations and then sends the invocation record to the on-failure destination', async () => {
    const destination = await createQueue('async-failures');
    const outFile = path.join(temp.dir, 'async-fail.jsonl');
    wired.lambda.service.createFunction({ name: 'always-fails', handler: 'record.handler', codeDir: code, environment: { OUT_FILE: outFile, FAIL_TIMES: '99' } });
    await wired.client.lambda.send(
      new PutFunctionEventInvokeConfigCommand({ FunctionName: 'always-fails', MaximumRetryAttempts: 1, DestinationConfig: { OnFailure: { Destination: destination.arn } } }),
    );
    const accepted = await wired.client.lambda.send(new InvokeCommand({ FunctionName: 'always-fails', InvocationType: 'Event', Payload: JSON.stringify({ job: 42 }) }));
    expect(accepted.StatusCode).toBe(202);

    const { Messages } = await wired.client.sqs.send(new ReceiveMessageCommand({ QueueUrl: destination.url, WaitTimeSeconds: 10 }));
    const record = JSON.parse(Messages![0]!.Body!) as Record<string, unknown>;
    expect(record).toMatchObject({
      version: '1.0',
      requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: 2, functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:always-fails:$LATEST' },
      requestPayload: { job: 42 },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorType: 'Error', errorMessage: 'failing on purpose, call 2' },
    });
    expect(recordedLines(outFile)).toHaveLength(2);
  });

  it('succeeds on an async retry after a failure', async () => {
    const outFile = path.join(temp.dir, 'async-retry.jsonl');
    wired.lambda.service.createFunction({ name: 'fails-once', handler: 'record.handler', codeDir: code, environment: { OUT_FILE: outFile, FAIL_TIMES: '1' } });
    wired.lambda.service.invokeAsync('fails-once', JSON.stringify({ job: 'retry me' }));
    await waitFor('the retry', () => recordedLines(outFile).length === 2 && wired.lambda.service.pendingAsyncEvents === 0, 5000);
    expect(recordedLines(outFile).map((line) => line.event)).toEqual([{ job: 'retry me' }, { job: 'retry me' }]);
  });

  it('sends failed async events to the function dead-letter queue when there is no destination', async () => {
    const deadLetters = await createQueue('function-dlq');
    const outFile = path.join(temp.dir, 'async-dlq.jsonl');
    wired.lambda.service.createFunction({
      name: 'with-dlq',
      handler: 'record.handler',
      codeDir: code,
      environment: { OUT_FILE: outFile, FAIL_TIMES: '99' },
      deadLetterTargetArn: deadLetters.arn,
    });
    wired.lambda.service.putFunctionEventInvokeConfig('with-dlq', { maximumRetryAttempts: 0 });
    wired.lambda.service.invokeAsync('with-dlq', JSON.stringify({ lost: true }));
    const { Messages } = await wired.client.sqs.send(new ReceiveMessageCommand({ QueueUrl: deadLetters.url, WaitTimeSeconds: 10, MessageAttributeNames: ['All'] }));
    expect(JSON.parse(Messages![0]!.Body!)).toEqual({ lost: true });
    expect(Messages![0]!.MessageAttributes?.ErrorMessage?.StringValue).toBe('failing on purpose, call 1');
    expect(Messages![0]!.MessageAttributes?.RequestID?.StringValue).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('consumes an SQS queue through an event source mapping, with partial batch failures and redrive to the DLQ', async () => {
    const deadLetters = await createQueue('esm-dlq');
    const queue = await createQueue('esm-source', {
      VisibilityTimeout: '2',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetters.arn, maxReceiveCount: 2 }),
    });
    const outFile = path.join(temp.dir, 'batches.jsonl');
    // AWS refuses a mapping whose queue hides a message for less time than a batch may run.
    wired.lambda.service.createFunction({ name: 'consumer', handler: 'batch.handler', codeDir: code, environment: { OUT_FILE: outFile }, timeoutSeconds: 3 });
    expect(() => wired.lambda.service.createEventSourceMapping({ functionName: 'consumer', queueArn: queue.arn })).toThrow(
      expect.objectContaining({ name: 'InvalidParameterValueException', message: 'Queue visibility timeout: 2 seconds is less than Function timeout: 3 seconds' }),
    );
    // One instance (reserved concurrency 1), so one batch at a time: the mapping receives nothing while a
    // batch runs, and a batch's messages cannot come back while it runs, however slow its cold start.
    wired.lambda.service.createFunction({ name: 'consumer', handler: 'batch.handler', codeDir: code, environment: { OUT_FILE: outFile }, timeoutSeconds: 2, maxConcurrency: 1 });
    const mapping = wired.lambda.service.createEventSourceMapping({
      functionName: 'consumer',
      queueArn: queue.arn,
      batchSize: 10,
      maximumBatchingWindowSeconds: 1,
      functionResponseTypes: ['ReportBatchItemFailures'],
    });
    const listed = await wired.client.lambda.send(new ListEventSourceMappingsCommand({ FunctionName: 'consumer' }));
    expect(listed.EventSourceMappings).toEqual([expect.objectContaining({ UUID: mapping.uuid, EventSourceArn: queue.arn, BatchSize: 10, State: 'Enabled' })]);

    await wired.client.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queue.url,
        Entries: [
          { Id: 'a', MessageBody: 'ok-1', MessageAttributes: { kind: { DataType: 'String', StringValue: 'good' } } },
          { Id: 'b', MessageBody: 'fail-2' },
          { Id: 'c', MessageBody: 'ok-3' },
        ],
      }),
    );
    const dead = await wired.client.sqs.send(new ReceiveMessageCommand({ QueueUrl: deadLetters.url, WaitTimeSeconds: 15 }));
    expect(dead.Messages?.[0]?.Body).toBe('fail-2');

    const records = recordedLines(outFile);
    const bodies = records.map((record) => record.body);
    expect(bodies.filter((body) => body === 'ok-1')).toHaveLength(1);
    expect(bodies.filter((body) => body === 'ok-3')).toHaveLength(1);
    expect(bodies.filter((body) => body === 'fail-2')).toHaveLength(2);
    const first = records.find((record) => record.body === 'ok-1')!;
    expect(first).toMatchObject({
      eventSource: 'aws:sqs',
      eventSourceARN: queue.arn,
      awsRegion: 'us-east-1',
      md5OfBody: createHash('md5').update('ok-1').digest('hex'),
      attributes: expect.objectContaining({ ApproximateReceiveCount: '1', SenderId: '000000000000' }),
      messageAttributes: { kind: { stringValue: 'good', stringListValues: [], binaryListValues: [], dataType: 'String' } },
    });
    // Both good messages came in one batch (the batching window gathered them).
    expect(records.find((record) => record.body === 'ok-3')!.attributes).toMatchObject({ ApproximateReceiveCount: '1' });
    const attributes = await wired.client.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['All'] }));
    expect(attributes.Attributes).toMatchObject({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '0' });
    // Redeploying replaces the mapping of the same function and queue.
    const replaced = wired.lambda.service.putEventSourceMapping({ functionName: 'consumer', queueArn: queue.arn, batchSize: 5 });
    expect(wired.lambda.service.listEventSourceMappings({ functionName: 'consumer' })).toEqual([replaced]);
    wired.lambda.service.deleteEventSourceMappings('consumer');
    expect(wired.lambda.service.listEventSourceMappings({ functionName: 'consumer' })).toEqual([]);
  }, 30_000);

  // FIFO end to end (issue 19): the Lambda developer guide, "Using Lambda with Amazon SQS" (messages of a
  // group reach the function in order; BatchSize at most 10 on a FIFO queue; on a failure the failed and
  // the group's unprocessed messages return) and the SQS developer guide (deduplication).
  it('delivers a FIFO queue to its consumer group by group in order, each message once, through a failure', async () => {
    const queue = await createQueue('esm-orders.fifo', { FifoQueue: 'true', ContentBasedDeduplication: 'true', VisibilityTimeout: '1' });
    const outFile = path.join(temp.dir, 'fifo.jsonl');
    const markers = path.join(temp.dir, 'fifo-markers');
    mkdirSync(markers);
    wired.lambda.service.createFunction({ name: 'fifo-consumer', handler: 'fifo.handler', codeDir: code, environment: { OUT_FILE: outFile, MARKER_DIR: markers }, timeoutSeconds: 1 });
    // The mapping is made as a user makes it, through the SDK.
    await expect(
      wired.client.lambda.send(new CreateEventSourceMappingCommand({ FunctionName: 'fifo-consumer', EventSourceArn: queue.arn, BatchSize: 11, MaximumBatchingWindowInSeconds: 1 })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException', message: expect.stringMatching(/BatchSize must be between 1 and 10 for a FIFO queue/) });

    const groups = { A: ['a1', 'a2', 'a3', 'a4'], B: ['b1', 'flaky-b2', 'b3', 'b4'], C: ['c1', 'c2', 'c3', 'c4'] };
    const interleaved = [0, 1, 2, 3].flatMap((index) => Object.entries(groups).map(([group, bodies]) => ({ group, body: bodies[index]! })));
    // Sent before the mapping starts, so that batches hold several groups; a1 is sent twice (deduplicated).
    const entries = [...interleaved, { group: 'A', body: 'a1' }].map(({ group, body }, index) => ({ Id: `m${index}`, MessageBody: body, MessageGroupId: group }));
    for (let start = 0; start < entries.length; start += 10) {
      const sent = await wired.client.sqs.send(new SendMessageBatchCommand({ QueueUrl: queue.url, Entries: entries.slice(start, start + 10) }));
      expect(sent.Failed ?? []).toEqual([]);
    }
    const { UUID } = await wired.client.lambda.send(
      new CreateEventSourceMappingCommand({
        FunctionName: 'fifo-consumer',
        EventSourceArn: queue.arn,
        BatchSize: 10,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 2 },
      }),
    );

    await waitFor('the consumer to process all twelve messages', () => recordedLines(outFile).length >= 12, 20_000);
    await waitFor(
      'the queue to be empty',
      async () => {
        const { Attributes } = await wired.client.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
        return Attributes?.ApproximateNumberOfMessages === '0' && Attributes.ApproximateNumberOfMessagesNotVisible === '0';
      },
      10_000,
    );
    const records = recordedLines(outFile) as Array<{ body: string; group: string; sequenceNumber: string; batch: number }>;
    expect(records).toHaveLength(12);
    for (const [group, bodies] of Object.entries(groups)) {
      const ofGroup = records.filter((record) => record.group === group);
      expect(ofGroup.map((record) => record.body)).toEqual(bodies);
      const numbers = ofGroup.map((record) => BigInt(record.sequenceNumber));
      expect(numbers.every((number, index) => index === 0 || number > numbers[index - 1]!)).toBe(true);
    }
    // The first batch held several groups; the flaky message failed once, then went through.
    expect(records.some((record) => record.batch > 4)).toBe(true);
    expect(readdirSync(markers)).toHaveLength(1);
    await wired.client.lambda.send(new DeleteEventSourceMappingCommand({ UUID }));
  }, 60_000);

  it('keeps functions, configs and mappings across a restart', async () => {
    await wired.restart();
    expect((await invoke('echo-a', { again: true })).body).toMatchObject({ event: { again: true }, env: { FOO: 'a' } });
    expect(wired.lambda.service.getFunctionEventInvokeConfig('always-fails')).toMatchObject({ maximumRetryAttempts: 1 });
  });
});

describe('Lambda provider once stopped', () => {
  const temp = temporaryDirectory('lambda-stopped');
  const code = writeFunctionBundle(path.join(temp.dir, 'code'));
  afterAll(() => temp.remove());

  // An invocation can reach the service after its stop: a batch a poller received just before, an async
  // retry already under way. Before, it created a new instance pool the stop had already passed, and its
  // worker process lived on, idle, until the 10-minute idle timeout: jest hung that long after its summary.
  it('starts no instance for an invocation that arrives after stop', async () => {
    const service = new LambdaService({ stateDir: path.join(temp.dir, 'state'), region: REGION, endpointUrl: () => 'http://127.0.0.1:9' });
    await service.start();
    service.createFunction({ name: 'late', handler: 'echo.handler', codeDir: code });
    expect((await service.invoke('late', '{"early":true}')).functionError).toBeUndefined();
    await service.stop();

    const late = await service.invoke('late', '{"late":true}');
    expect(JSON.parse(late.payload)).toEqual({ errorType: 'Runtime.Retired', errorMessage: 'The local stack is stopping; the invocation did not run' });
    expect(late.functionError).toBe('Unhandled');
    expect(service.functionStats('late')).toMatchObject({ instances: 0, busy: 0 });
  });
});
