/**
 * The SQS provider answers as AWS answers (issue 19), through real clients in both of SQS's
 * protocols: SDK v3 and botocore over JSON, botocore over the query protocol (Debian's AWS CLI
 * v2.9 carries it), and the raw wire where what matters is the wire itself.
 *
 * Where AWS's answer comes from is said at each test. "Snapshot <name>" is a real AWS response
 * recorded in LocalStack's AWS-validated snapshots (localstack/localstack,
 * tests/aws/services/sqs/test_sqs.snapshot.json); "the model" is botocore's SQS service-2.json
 * or @aws-sdk/client-sqs.
 */
import {
  type Message,
  AddPermissionCommand,
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  PurgeQueueCommand,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  RemovePermissionCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { createHash } from 'node:crypto';
import { AwsCli, itWithCli } from '../support/aws-cli';
import { rawRequest } from '../support/http';
import { clientsOf, TEST_TUNING, useProviderStack } from '../support/stack';
import { temporaryDirectory } from '../support/temporary-directory';
import { waitFor } from '../support/wait';
import { botocoreAvailable, botocoreCall, type BotocoreProtocol } from './botocore';

const MIB = 1_048_576;
const TRACE_HEADER = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
const PROTOCOLS: BotocoreProtocol[] = ['json', 'query'];
const available = Object.fromEntries(PROTOCOLS.map((protocol) => [protocol, botocoreAvailable(protocol)])) as Record<BotocoreProtocol, boolean>;
for (const protocol of PROTOCOLS) {
  if (!available[protocol]) console.warn(`Skipping the botocore ${protocol}-protocol SQS checks: its botocore is not importable here (see test/local-stack/botocore.ts).`);
}

// Each botocore call is a python3 process that imports botocore: about 0.3 s alone, over a second each on the
// 2 shared CPUs while the other suites run, and a test makes up to six. jest's default 5 s measured the load, not
// the stack (the FIFO test timed out once so in a full run beside another).
jest.setTimeout(30_000);

describe('SQS answers as AWS answers', () => {
  /** Moves the clock of FIFO deduplication and the purge interval (no test waits 5 minutes). */
  let clockOffsetMs = 0;
  const stack = useProviderStack({ tuning: { ...TEST_TUNING, sqsClock: () => Date.now() + clockOffsetMs } });
  const { sqs } = clientsOf(stack);
  let queueCount = 0;

  async function createQueue(prefix: string, attributes: Record<string, string> = {}): Promise<string> {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `${prefix}-${++queueCount}`, Attributes: attributes }));
    return QueueUrl!;
  }

  /** A JSON-protocol call on the raw wire, as any SDK sends it. */
  async function jsonWire(operation: string, input: Record<string, unknown>): Promise<{ status: number; queryError: string | null; body: Record<string, unknown> }> {
    const response = await rawRequest(stack.url, {
      method: 'POST',
      path: '/',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `AmazonSQS.${operation}` },
      sign: 'sqs',
      body: JSON.stringify(input),
    });
    const queryError = response.headers['x-amzn-query-error'];
    return { status: response.status, queryError: typeof queryError === 'string' ? queryError : null, body: JSON.parse(response.body.toString('utf8')) as Record<string, unknown> };
  }

  async function queueAttributes(url: string, ...names: string[]): Promise<Record<string, string>> {
    return (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: names as never }))).Attributes ?? {};
  }

  /** The call in every botocore protocol available here; resolves with each protocol's result. */
  async function eachBotocore(operation: string, params: Record<string, unknown>) {
    const results = [];
    for (const protocol of PROTOCOLS.filter((candidate) => available[candidate])) {
      results.push({ protocol, result: await botocoreCall(protocol, stack.url, 'sqs', operation, params) });
    }
    return results;
  }

  describe('errors in the JSON protocol, as the SDKs read them', () => {
    // Snapshot "queue-does-not-exist": botocore reads Code AWS.SimpleQueueService.NonExistentQueue and
    // QueryErrorCode QueueDoesNotExist, i.e. `__type` ...#QueueDoesNotExist beside the header's query code.
    it('a missing queue: QueueDoesNotExist, query code AWS.SimpleQueueService.NonExistentQueue', async () => {
      const wire = await jsonWire('GetQueueUrl', { QueueName: 'no-such-queue' });
      expect(wire).toEqual({
        status: 400,
        queryError: 'AWS.SimpleQueueService.NonExistentQueue;Sender',
        body: { __type: 'com.amazonaws.sqs#QueueDoesNotExist', message: 'The specified queue does not exist.' },
      });
      const error = await sqs.send(new GetQueueUrlCommand({ QueueName: 'no-such-queue' })).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(QueueDoesNotExist);
      expect(error).toMatchObject({ name: 'QueueDoesNotExist', Code: 'AWS.SimpleQueueService.NonExistentQueue', Type: 'Sender' });

      for (const { protocol, result } of await eachBotocore('GetQueueUrl', { QueueName: 'no-such-queue' })) {
        // Snapshot "queue-does-not-exist-query": the query protocol's own wording.
        const expected =
          protocol === 'json'
            ? { Code: 'AWS.SimpleQueueService.NonExistentQueue', QueryErrorCode: 'QueueDoesNotExist', Type: 'Sender', Message: 'The specified queue does not exist.' }
            : { Code: 'AWS.SimpleQueueService.NonExistentQueue', Type: 'Sender', Message: 'The specified queue does not exist for this wsdl version.' };
        expect({ protocol, ...result }).toEqual({ protocol, error: expected, status: 400 });
      }
    });

    // Snapshot "send_max_number_of_messages": Code InvalidParameterValue, QueryErrorCode
    // InvalidParameterValueException, AWS's message; the shape is not in the model (Coral's namespace on AWS).
    // SDK v3 names a query-compatible error by the header's code (it reads `code` before `__type`), so for
    // AWS's answer its error.name is InvalidParameterValue, as in public records of SDK v3 against AWS
    // (inferablehq/inferable#306: "InvalidParameterValue: ... Message must be shorter than 262144 bytes").
    it('a bad parameter: InvalidParameterValueException, query code InvalidParameterValue', async () => {
      const url = await createQueue('bad-parameter');
      const message = 'Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.';
      const wire = await jsonWire('ReceiveMessage', { QueueUrl: url, MaxNumberOfMessages: 11 });
      expect(wire).toEqual({
        status: 400,
        queryError: 'InvalidParameterValue;Sender',
        body: { __type: 'com.amazon.coral.service#InvalidParameterValueException', message },
      });
      await expect(sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 11 }))).rejects.toMatchObject({
        name: 'InvalidParameterValue',
        message,
        $metadata: { httpStatusCode: 400 },
      });
      // Snapshot "recieve_message_error_too_large": WaitTimeSeconds has its own wording.
      await expect(sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 21 }))).rejects.toMatchObject({
        message: 'Value 21 for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.',
      });
      for (const { protocol, result } of await eachBotocore('ReceiveMessage', { QueueUrl: url, MaxNumberOfMessages: 11 })) {
        const expected = { Code: 'InvalidParameterValue', Type: 'Sender', Message: message, ...(protocol === 'json' && { QueryErrorCode: 'InvalidParameterValueException' }) };
        expect({ protocol, ...result }).toEqual({ protocol, error: expected, status: 400 });
      }
    });

    // Snapshot "send_empty_message": Code MissingParameter, QueryErrorCode MissingRequiredParameterException.
    it('a missing parameter: MissingRequiredParameterException, query code MissingParameter', async () => {
      const url = await createQueue('missing-parameter');
      const wire = await jsonWire('SendMessage', { QueueUrl: url, MessageBody: '' });
      expect(wire).toEqual({
        status: 400,
        queryError: 'MissingParameter;Sender',
        body: { __type: 'com.amazon.coral.service#MissingRequiredParameterException', message: 'The request must contain the parameter MessageBody.' },
      });
      await expect(sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: '' }))).rejects.toMatchObject({ name: 'MissingParameter' });
      for (const { protocol, result } of await eachBotocore('SendMessage', { QueueUrl: url, MessageBody: '' })) {
        const expected = { Code: 'MissingParameter', Type: 'Sender', Message: 'The request must contain the parameter MessageBody.', ...(protocol === 'json' && { QueryErrorCode: 'MissingRequiredParameterException' }) };
        expect({ protocol, ...result }).toEqual({ protocol, error: expected, status: 400 });
      }
    });
  });

  describe('quotas: 1 MiB messages and batches', () => {
    // The model (CreateQueue's MaximumMessageSize: "Default: 1,048,576 bytes (1 MiB)"); snapshot
    // "send_oversized_message": body + attribute names, types and values count; one byte over is refused.
    it('defaults MaximumMessageSize to 1 MiB and refuses one byte more, attributes included', async () => {
      const url = await createQueue('quota');
      const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['MaximumMessageSize'] }));
      expect(Attributes).toEqual({ MaximumMessageSize: String(MIB) });
      const MessageAttributes = { k: { DataType: 'String', StringValue: 'x' } };
      const attributesSize = 'k'.length + 'String'.length + 'x'.length;
      await expect(sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'a'.repeat(MIB - attributesSize), MessageAttributes }))).resolves.toHaveProperty('MessageId');
      await expect(sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'a'.repeat(MIB - attributesSize + 1), MessageAttributes }))).rejects.toMatchObject({
        name: 'InvalidParameterValue',
        message: 'One or more parameters are invalid. Reason: Message must be shorter than 1048576 bytes.',
      });
      // The attribute's range is the model's: 1,024 to 1,048,576.
      await expect(sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { MaximumMessageSize: String(MIB + 1) } }))).rejects.toMatchObject({ name: 'InvalidAttributeValue' });
    });

    // Snapshot "send_oversized_message_batch": a batch over 1 MiB in all is refused as a whole.
    it('refuses a batch over 1 MiB in all with BatchRequestTooLong', async () => {
      const url = await createQueue('batch-quota');
      const MessageAttributes = { k: { DataType: 'String', StringValue: 'x' } };
      const entries = [
        { Id: '1', MessageBody: 'a'.repeat(MIB - 8), MessageAttributes },
        { Id: '2', MessageBody: 'a' },
      ];
      await expect(sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: entries }))).rejects.toMatchObject({
        name: 'BatchRequestTooLong',
        message: 'Batch requests cannot be longer than 1048576 bytes. You have sent 1048577 bytes.',
      });
      const wire = await jsonWire('SendMessageBatch', { QueueUrl: url, Entries: entries });
      expect(wire.queryError).toBe('AWS.SimpleQueueService.BatchRequestTooLong;Sender');
      expect(wire.body.__type).toBe('com.amazonaws.sqs#BatchRequestTooLong');
      expect((await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }))).Attributes).toEqual({ ApproximateNumberOfMessages: '0' });
    });
  });

  describe('batches fail entry by entry; their ids are validated', () => {
    // Snapshot "send-message-batch-result" (MaximumMessageSize 1024): the oversized entry is in Failed with
    // SenderFault and the query code, the other succeeds.
    it('reports an oversized entry in Failed and sends the rest, in both protocols', async () => {
      const url = await createQueue('per-entry', { MaximumMessageSize: '1024' });
      const Entries = [
        { Id: 'fits', MessageBody: 'a'.repeat(1024) },
        { Id: 'too-big', MessageBody: 'a'.repeat(1025) },
        { Id: 'also-fits', MessageBody: 'b' },
      ];
      const failed = [{ Id: 'too-big', SenderFault: true, Code: 'InvalidParameterValue', Message: 'One or more parameters cannot be validated. Reason: Message must be shorter than 1024 bytes.' }];
      const sent = await sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries }));
      expect(sent.Successful?.map((entry) => entry.Id)).toEqual(['fits', 'also-fits']);
      expect(sent.Failed).toEqual(failed);
      for (const { protocol, result } of await eachBotocore('SendMessageBatch', { QueueUrl: url, Entries })) {
        expect({ protocol, failed: result.response?.Failed }).toEqual({ protocol, failed });
        expect((result.response?.Successful as Array<{ Id: string }>).map((entry) => entry.Id)).toEqual(['fits', 'also-fits']);
      }
      const counts = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }));
      expect(counts.Attributes?.ApproximateNumberOfMessages).toBe(String(2 * (1 + Number(available.json) + Number(available.query))));
    });

    // Snapshots "test_invalid_batch_id" and "test_delete_message_batch_invalid_msg_id" ('', 100 characters,
    // 'invalid:id'), "test_too_many_entries_in_batch_request"; the model's EmptyBatchRequest and
    // BatchEntryIdsNotDistinct (query codes from @aws-sdk/client-sqs's awsQueryError traits).
    it('refuses bad, repeated, no or too many entry ids in every batch operation', async () => {
      const url = await createQueue('batch-ids');
      const invalidId = 'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.';
      const batches = {
        send: (Entries: Array<{ Id: string }>) => new SendMessageBatchCommand({ QueueUrl: url, Entries: Entries.map((entry) => ({ ...entry, MessageBody: 'x' })) }),
        delete: (Entries: Array<{ Id: string }>) => new DeleteMessageBatchCommand({ QueueUrl: url, Entries: Entries.map((entry) => ({ ...entry, ReceiptHandle: 'x' })) }),
        visibility: (Entries: Array<{ Id: string }>) =>
          new ChangeMessageVisibilityBatchCommand({ QueueUrl: url, Entries: Entries.map((entry) => ({ ...entry, ReceiptHandle: 'x', VisibilityTimeout: 1 })) }),
      };
      for (const batch of Object.values(batches)) {
        for (const Id of ['message:1', '', 'x'.repeat(81)]) {
          await expect(sqs.send(batch([{ Id }]) as SendMessageBatchCommand)).rejects.toMatchObject({ name: 'InvalidBatchEntryId', message: invalidId, Code: 'AWS.SimpleQueueService.InvalidBatchEntryId' });
        }
        await expect(sqs.send(batch([{ Id: 'a' }, { Id: 'a' }]) as SendMessageBatchCommand)).rejects.toMatchObject({ name: 'BatchEntryIdsNotDistinct', message: 'Id a repeated.' });
        await expect(sqs.send(batch([]) as SendMessageBatchCommand)).rejects.toMatchObject({ name: 'EmptyBatchRequest' });
        const twenty = Array.from({ length: 20 }, (_, index) => ({ Id: `message-${index}` }));
        await expect(sqs.send(batch(twenty) as SendMessageBatchCommand)).rejects.toMatchObject({
          name: 'TooManyEntriesInBatchRequest',
          message: 'Maximum number of entries per request are 10. You have sent 20.',
        });
      }
      for (const { protocol, result } of await eachBotocore('SendMessageBatch', { QueueUrl: url, Entries: [{ Id: 'message:1', MessageBody: 'x' }] })) {
        const expected = { Code: 'AWS.SimpleQueueService.InvalidBatchEntryId', Type: 'Sender', Message: invalidId, ...(protocol === 'json' && { QueryErrorCode: 'InvalidBatchEntryId' }) };
        expect({ protocol, ...result }).toEqual({ protocol, error: expected, status: 400 });
      }
    });
  });

  describe('visibility, purge, dead-letter moves and system attributes', () => {
    // Snapshot "visibility_timeout_expired": ChangeMessageVisibility with the handle of a message whose
    // visibility timeout has lapsed (not received again) answers 200 and hides it again.
    it('accepts ChangeMessageVisibility on a message whose visibility timeout has just lapsed', async () => {
      const url = await createQueue('lapsed');
      await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'test' }));
      const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, VisibilityTimeout: 1 }));
      const handle = Messages![0]!.ReceiptHandle!;
      await waitFor('the visibility timeout to lapse', async () => (await queueAttributes(url, 'ApproximateNumberOfMessages')).ApproximateNumberOfMessages === '1', 5000);
      await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: handle, VisibilityTimeout: 60 }));
      expect(await queueAttributes(url, 'ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible')).toEqual({
        ApproximateNumberOfMessages: '0',
        ApproximateNumberOfMessagesNotVisible: '1',
      });
      expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages).toBeUndefined();

      // LocalStack's AWS-validated test_change_visibility_on_deleted_message_raises_invalid_parameter_value.
      await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: handle }));
      await expect(sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: handle, VisibilityTimeout: 42 }))).rejects.toMatchObject({
        name: 'InvalidParameterValue',
        message: `Value ${handle} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.`,
      });
    });

    // Snapshot "purge_queue_error": the second PurgeQueue within 60 s is PurgeQueueInProgress, 403.
    it('refuses a second PurgeQueue within 60 seconds with PurgeQueueInProgress (403)', async () => {
      const url = await createQueue('purge-twice');
      const name = url.split('/').pop()!;
      await sqs.send(new PurgeQueueCommand({ QueueUrl: url }));
      await expect(sqs.send(new PurgeQueueCommand({ QueueUrl: url }))).rejects.toMatchObject({
        name: 'PurgeQueueInProgress',
        message: `Only one PurgeQueue operation on ${name} is allowed every 60 seconds.`,
        $metadata: { httpStatusCode: 403 },
      });
      clockOffsetMs += 60_000;
      await expect(sqs.send(new PurgeQueueCommand({ QueueUrl: url }))).resolves.toBeDefined();
      for (const protocol of PROTOCOLS.filter((candidate) => available[candidate])) {
        const queueUrl = await createQueue(`purge-twice-${protocol}`);
        await expect(botocoreCall(protocol, stack.url, 'sqs', 'PurgeQueue', { QueueUrl: queueUrl })).resolves.toEqual({ response: {} });
        const second = await botocoreCall(protocol, stack.url, 'sqs', 'PurgeQueue', { QueueUrl: queueUrl });
        expect({ protocol, ...second }).toEqual({
          protocol,
          status: 403,
          error: {
            Code: 'AWS.SimpleQueueService.PurgeQueueInProgress',
            Type: 'Sender',
            Message: `Only one PurgeQueue operation on ${queueUrl.split('/').pop()} is allowed every 60 seconds.`,
            ...(protocol === 'json' && { QueryErrorCode: 'PurgeQueueInProgress' }),
          },
        });
      }
    });

    // Snapshot "dlq-messages" (test_dead_letter_queue_message_attributes, maxReceiveCount 1): in the DLQ the
    // message keeps its id, attributes and AWSTraceHeader, its receive count goes on (2 at the first receive
    // from the DLQ) and DeadLetterQueueSourceArn names the source.
    it('keeps system attributes, attributes and the receive count when a message moves to the dead-letter queue', async () => {
      const dlqUrl = await createQueue('dlq');
      const dlqArn = (await queueAttributes(dlqUrl, 'QueueArn')).QueueArn!;
      const url = await createQueue('dlq-source', { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 1 }) });
      const sourceArn = (await queueAttributes(url, 'QueueArn')).QueueArn!;
      const MessageAttributes = { MyAttribute: { StringValue: 'foobar', DataType: 'String' } };
      const sent = await sqs.send(
        new SendMessageCommand({
          QueueUrl: url,
          MessageBody: 'message-1',
          MessageAttributes,
          MessageSystemAttributes: { AWSTraceHeader: { DataType: 'String', StringValue: TRACE_HEADER } },
        }),
      );
      const receive = (queueUrl: string) =>
        sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, VisibilityTimeout: 0, MessageSystemAttributeNames: ['All'], MessageAttributeNames: ['All'] }));
      const first = (await receive(url)).Messages![0]!;
      expect(first.Attributes).toMatchObject({ ApproximateReceiveCount: '1', AWSTraceHeader: TRACE_HEADER });
      expect((await receive(url)).Messages).toBeUndefined();

      const dead = (await receive(dlqUrl)).Messages![0]!;
      expect(dead).toMatchObject({ MessageId: sent.MessageId, Body: 'message-1', MessageAttributes, MD5OfMessageAttributes: 'adb59cd4678ea5a855436b949cd07ab6' });
      expect(dead.Attributes).toEqual({
        ApproximateReceiveCount: '2',
        ApproximateFirstReceiveTimestamp: first.Attributes!.ApproximateFirstReceiveTimestamp,
        SentTimestamp: first.Attributes!.SentTimestamp,
        SenderId: first.Attributes!.SenderId,
        AWSTraceHeader: TRACE_HEADER,
        DeadLetterQueueSourceArn: sourceArn,
      });
    });

    // LocalStack's AWS-validated test_system_attributes_have_no_effect_on_attr_md5 (MD5OfMessageSystemAttributes
    // 5ae4d5d7636402d80f4eb6d213245a88 for this trace header, MD5OfMessageAttributes unchanged) and
    // snapshot "xray-msg" (a SendMessage's X-Amzn-Trace-Id header becomes the message's AWSTraceHeader).
    it('honours AWSTraceHeader from MessageSystemAttributes and from the X-Amzn-Trace-Id header', async () => {
      const url = await createQueue('trace');
      const MessageAttributes = { timestamp: { StringValue: '1493147359900', DataType: 'Number' } };
      const plain = await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'test', MessageAttributes }));
      const traced = await sqs.send(
        new SendMessageCommand({ QueueUrl: url, MessageBody: 'test', MessageAttributes, MessageSystemAttributes: { AWSTraceHeader: { DataType: 'String', StringValue: TRACE_HEADER } } }),
      );
      expect(plain.MD5OfMessageSystemAttributes).toBeUndefined();
      expect(traced.MD5OfMessageSystemAttributes).toBe('5ae4d5d7636402d80f4eb6d213245a88');
      expect(traced.MD5OfMessageAttributes).toBe(plain.MD5OfMessageAttributes);

      const xray = 'Root=1-3152b799-8954dae64eda91bc9a23a7e8;Parent=7fa8c0f79203be72;Sampled=1';
      const traceClient = new SQSClient(stack.clientConfig);
      traceClient.middlewareStack.add(
        (next) => async (args) => {
          (args.request as { headers: Record<string, string> }).headers['x-amzn-trace-id'] = xray;
          return next(args);
        },
        { step: 'build', name: 'xrayTraceHeader' },
      );
      const headerUrl = await createQueue('trace-header');
      await traceClient.send(new SendMessageCommand({ QueueUrl: headerUrl, MessageBody: 'test', MessageAttributes }));
      traceClient.destroy();
      const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: headerUrl, MessageSystemAttributeNames: ['SentTimestamp', 'AWSTraceHeader'], MessageAttributeNames: ['All'] }));
      expect(Object.keys(Messages![0]!.Attributes!).sort()).toEqual(['AWSTraceHeader', 'SentTimestamp']);
      expect(Messages![0]!.Attributes!.AWSTraceHeader).toBe(xray);
      expect(Messages![0]!.MD5OfMessageAttributes).toBe('235c5c510d26fb653d073faed50ae77c');
    });

    itWithCli('honours `aws sqs send-message --message-system-attributes AWSTraceHeader=...`', async () => {
      const url = await createQueue('trace-cli');
      const home = temporaryDirectory('sqs-cli-home');
      try {
        const cli = new AwsCli(() => stack.url, home.dir, 60_000);
        const sent = await cli.json('sqs', 'send-message', '--queue-url', url, '--message-body', 'from the cli', '--message-system-attributes', `AWSTraceHeader={DataType=String,StringValue=${TRACE_HEADER}}`);
        expect(sent.MD5OfMessageSystemAttributes).toBe('5ae4d5d7636402d80f4eb6d213245a88');
        const received = await cli.json<{ Messages: Array<{ Attributes: Record<string, string> }> }>('sqs', 'receive-message', '--queue-url', url, '--attribute-names', 'AWSTraceHeader');
        expect(received.Messages[0]!.Attributes).toEqual({ AWSTraceHeader: TRACE_HEADER });
      } finally {
        home.remove();
      }
    }, 60_000);
  });

  describe('attribute filters on receive', () => {
    // Snapshots of test_receive_message_message_attribute_names_filters: which attributes each filter
    // selects and the MD5OfMessageAttributes AWS answers for the selection.
    it('selects message attributes by All, *, .*, prefix.* and names, with their MD5 as AWS computes it', async () => {
      const url = await createQueue('attribute-filters', { VisibilityTimeout: '0' });
      const sent = await sqs.send(
        new SendMessageCommand({
          QueueUrl: url,
          MessageBody: 'msg',
          MessageAttributes: {
            'Help.Me': { DataType: 'String', StringValue: 'Me' },
            Hello: { DataType: 'String', StringValue: 'There' },
            General: { DataType: 'String', StringValue: 'Kenobi' },
          },
        }),
      );
      expect(sent.MD5OfMessageAttributes).toBe('4c360f3fdafd970e05fae2f149d997f5');
      const cases: Array<[string[], string[], string | undefined]> = [
        [[], [], undefined],
        [['All'], ['General', 'Hello', 'Help.Me'], '4c360f3fdafd970e05fae2f149d997f5'],
        [['*'], ['General', 'Hello', 'Help.Me'], '4c360f3fdafd970e05fae2f149d997f5'],
        [['.*'], ['General', 'Hello', 'Help.Me'], '4c360f3fdafd970e05fae2f149d997f5'],
        [['Foo', 'Help'], [], undefined],
        [['Hello', 'General'], ['General', 'Hello'], 'fca026605781cb4126a1e9044df24232'],
        [['Foo', 'Hello'], ['Hello'], 'a311262e065454b75da111d535b8dacd'],
        [['Hel.*'], ['Hello', 'Help.Me'], '83fee93c1bcd8b9a5a923ffacdc636c7'],
        [['AWS.'], [], undefined],
        [['..foo'], [], undefined],
      ];
      for (const [MessageAttributeNames, names, md5] of cases) {
        const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MessageAttributeNames }));
        const message = Messages![0]!;
        expect({ MessageAttributeNames, names: Object.keys(message.MessageAttributes ?? {}).sort(), md5: message.MD5OfMessageAttributes }).toEqual({ MessageAttributeNames, names, md5 });
      }
      for (const { protocol, result } of await eachBotocore('ReceiveMessage', { QueueUrl: url, MessageAttributeNames: ['Hel.*'] })) {
        const [message] = result.response!.Messages as Array<{ MessageAttributes: Record<string, unknown>; MD5OfMessageAttributes: string }>;
        expect({ protocol, names: Object.keys(message!.MessageAttributes).sort(), md5: message!.MD5OfMessageAttributes }).toEqual({
          protocol,
          names: ['Hello', 'Help.Me'],
          md5: '83fee93c1bcd8b9a5a923ffacdc636c7',
        });
      }
    });

    // Snapshots of test_receive_message_message_system_attribute_names_filters and
    // test_message_system_attribute_names_with_attribute_names: a FIFO-only name on a standard queue selects
    // nothing, and MessageSystemAttributeNames and the older AttributeNames add up.
    it('selects system attributes by MessageSystemAttributeNames and AttributeNames together', async () => {
      const url = await createQueue('system-filters', { VisibilityTimeout: '0' });
      await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'msg' }));
      const receive = async (input: { MessageSystemAttributeNames?: string[]; AttributeNames?: string[] }) =>
        Object.keys((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, ...(input as object) }))).Messages![0]!.Attributes ?? {}).sort();
      const all = ['ApproximateFirstReceiveTimestamp', 'ApproximateReceiveCount', 'SenderId', 'SentTimestamp'];
      expect(await receive({ MessageSystemAttributeNames: ['All'] })).toEqual(all);
      expect(await receive({ MessageSystemAttributeNames: ['SenderId', 'SequenceNumber'] })).toEqual(['SenderId']);
      expect(await receive({ MessageSystemAttributeNames: ['All'], AttributeNames: ['SenderId'] })).toEqual(all);
      expect(await receive({ AttributeNames: ['SenderId'] })).toEqual(['SenderId']);
    });
  });

  describe('FIFO queues', () => {
    async function createFifo(prefix: string, attributes: Record<string, string> = {}): Promise<string> {
      const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `${prefix}-${++queueCount}.fifo`, Attributes: { FifoQueue: 'true', ...attributes } }));
      return QueueUrl!;
    }
    const bodies = (messages: Message[] | undefined) => (messages ?? []).map((message) => message.Body);
    const send = (QueueUrl: string, MessageBody: string, MessageGroupId: string, extra: Record<string, unknown> = {}) =>
      sqs.send(new SendMessageCommand({ QueueUrl, MessageBody, MessageGroupId, ...extra }));
    const receive = (QueueUrl: string, MaxNumberOfMessages = 10, extra: Record<string, unknown> = {}) =>
      sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages, ...extra })).then((response) => response.Messages);

    // The model's CreateQueue documentation (FIFO attributes and their defaults); LocalStack's AWS-validated
    // snapshots "set-to-high-throughput" (GetQueueAttributes of a FIFO queue), "queue-already-exists",
    // "invalid-attribute-*" (on a standard queue) and "invalid-attr-name-1/2" (SetQueueAttributes).
    it('creates FIFO queues with their attributes and refuses FIFO attributes where AWS does', async () => {
      const url = await createFifo('orders', { ContentBasedDeduplication: 'True' });
      expect(url).toMatch(/\/000000000000\/orders-\d+\.fifo$/);
      const name = url.split('/').pop()!;
      expect(await queueAttributes(url, 'All')).toMatchObject({
        FifoQueue: 'true',
        ContentBasedDeduplication: 'true',
        DeduplicationScope: 'queue',
        FifoThroughputLimit: 'perQueue',
        MaximumMessageSize: String(MIB),
        SqsManagedSseEnabled: 'true',
      });
      await expect(sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'true' } }))).resolves.toMatchObject({ QueueUrl: url });
      await expect(sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'false' } }))).rejects.toMatchObject({
        name: 'QueueNameExists',
        message: 'A queue already exists with the same name and a different value for attribute ContentBasedDeduplication',
      });
      await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { DeduplicationScope: 'messageGroup', FifoThroughputLimit: 'perMessageGroupId', FifoQueue: 'true' } }));
      expect(await queueAttributes(url, 'DeduplicationScope', 'FifoThroughputLimit')).toEqual({ DeduplicationScope: 'messageGroup', FifoThroughputLimit: 'perMessageGroupId' });
      await expect(sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { FifoQueue: 'false' } }))).rejects.toMatchObject({
        name: 'InvalidAttributeValue',
        message: 'Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported.',
      });

      // The .fifo suffix and FifoQueue go together (LocalStack's AWS-validated test_fifo_queue_requires_suffix,
      // test_standard_queue_cannot_have_fifo_suffix).
      await expect(sqs.send(new CreateQueueCommand({ QueueName: 'no-suffix', Attributes: { FifoQueue: 'true' } }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
      await expect(sqs.send(new CreateQueueCommand({ QueueName: 'suffix-only.fifo' }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });

      const standardName = `standard-${++queueCount}`;
      const refusals: Array<[Record<string, string>, string]> = [
        [{ FifoQueue: 'false' }, 'Unknown Attribute FifoQueue.'],
        [{ ContentBasedDeduplication: 'false' }, 'Unknown Attribute ContentBasedDeduplication.'],
        [{ DeduplicationScope: 'queue' }, 'You can specify the DeduplicationScope only when FifoQueue is set to true.'],
        [{ FifoThroughputLimit: 'perQueue' }, 'You can specify the FifoThroughputLimit only when FifoQueue is set to true.'],
      ];
      for (const [Attributes, message] of refusals) {
        await expect(sqs.send(new CreateQueueCommand({ QueueName: standardName, Attributes }))).rejects.toMatchObject({ name: 'InvalidAttributeName', message });
      }
      const standardUrl = await createQueue('standard');
      await expect(sqs.send(new SetQueueAttributesCommand({ QueueUrl: standardUrl, Attributes: { FifoQueue: 'true' } }))).rejects.toMatchObject({
        name: 'InvalidAttributeName',
        message: 'Unknown Attribute FifoQueue.',
      });
      for (const { protocol, result } of await eachBotocore('SetQueueAttributes', { QueueUrl: standardUrl, Attributes: { FifoQueue: 'true' } })) {
        const expected = { Code: 'InvalidAttributeName', Type: 'Sender', Message: 'Unknown Attribute FifoQueue.', ...(protocol === 'json' && { QueryErrorCode: 'InvalidAttributeName' }) };
        expect({ protocol, ...result }).toEqual({ protocol, error: expected, status: 400 });
      }

      // A FIFO queue's dead-letter queue is a FIFO queue (the developer guide, "Using dead-letter queues").
      const standardArn = (await queueAttributes(standardUrl, 'QueueArn')).QueueArn!;
      await expect(
        sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: standardArn, maxReceiveCount: 3 }) } })),
      ).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    });

    // LocalStack's AWS-validated snapshots: "missing-parameter" (SendMessage without MessageGroupId),
    // "test_missing_message_group_id_for_fifo_queue" and "test_missing_deduplication_id_for_fifo_queue" (a batch
    // fails whole), "invalid-parameter-value" (no deduplication id), "send_message" (DelaySeconds per message),
    // "error-response" (group id format); "get-message-with-deduplication-id" (a fair standard queue keeps
    // the MessageGroupId of a message).
    it("refuses what FIFO sends lack or may not have, in AWS's words; standard queues take a MessageGroupId", async () => {
      const url = await createFifo('fifo-errors');
      await expect(sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'x', MessageDeduplicationId: 'd' }))).rejects.toMatchObject({
        name: 'MissingParameter',
        message: 'The request must contain the parameter MessageGroupId.',
      });
      await expect(send(url, 'x', 'g')).rejects.toMatchObject({
        name: 'InvalidParameterValue',
        message: 'The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
      });
      await expect(send(url, 'x', 'g', { MessageDeduplicationId: 'd', DelaySeconds: 2 })).rejects.toMatchObject({
        name: 'InvalidParameterValue',
        message: 'Value 2 for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.',
      });
      await expect(send(url, 'x', 'g', { MessageDeduplicationId: 'zero-delay', DelaySeconds: 0 })).resolves.toHaveProperty('SequenceNumber');
      for (const MessageGroupId of ['', 'a'.repeat(129), 'group 123']) {
        await expect(send(url, 'x', MessageGroupId, { MessageDeduplicationId: 'd' })).rejects.toMatchObject({
          name: 'InvalidParameterValue',
          message: `Value ${MessageGroupId} for parameter MessageGroupId is invalid. Reason: MessageGroupId can only include alphanumeric and punctuation characters. 1 to 128 in length.`,
        });
      }
      const batch = (Entries: Array<Record<string, string>>) => sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: Entries.map((entry, index) => ({ Id: `e${index}`, MessageBody: 'b', ...entry })) }));
      await expect(batch([{ MessageGroupId: 'g', MessageDeduplicationId: 'd1' }, { MessageDeduplicationId: 'd2' }])).rejects.toMatchObject({
        name: 'InvalidParameterValue',
        message: 'The request must contain the parameter MessageGroupId.',
      });
      await expect(batch([{ MessageGroupId: 'g', MessageDeduplicationId: 'd1' }, { MessageGroupId: 'g' }])).rejects.toMatchObject({
        name: 'InvalidParameterValue',
        message: 'The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly',
      });
      expect(bodies(await receive(url))).toEqual(['x']);
      for (const { protocol, result } of await eachBotocore('SendMessage', { QueueUrl: url, MessageBody: 'x', MessageDeduplicationId: 'd' })) {
        const expected = { Code: 'MissingParameter', Type: 'Sender', Message: 'The request must contain the parameter MessageGroupId.', ...(protocol === 'json' && { QueryErrorCode: 'MissingRequiredParameterException' }) };
        expect({ protocol, ...result }).toEqual({ protocol, error: expected, status: 400 });
      }

      const standard = await createQueue('fair');
      await send(standard, 'message', 'test');
      const [fair] = (await receive(standard, 1, { MessageSystemAttributeNames: ['All'] }))!;
      expect(fair!.Attributes).toMatchObject({ MessageGroupId: 'test' });
      expect(Object.keys(fair!.Attributes!)).not.toContain('SequenceNumber');
      await expect(sqs.send(new SendMessageCommand({ QueueUrl: standard, MessageBody: 'x', MessageDeduplicationId: 'd' }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    });

    // LocalStack's AWS-validated test_fifo_receive_message_group_id_ordering, ..._visibility_timeout_shared_in_group,
    // test_fifo_message_group_visibility (a group is blocked while a message of it is in flight) and
    // ..._after_partial_delete, ..._after_terminate_visibility_timeout; snapshot "receive_message_0" (the
    // FIFO system attributes) and test_fifo_sequence_number_increases.
    it('hands out each group in order and blocks a group while a message of it is in flight', async () => {
      const url = await createFifo('groups', { ContentBasedDeduplication: 'true' });
      const sent = [];
      for (const [body, group] of [['g1-m1', 'group-1'], ['g2-m1', 'group-2'], ['g1-m2', 'group-1'], ['g1-m2', 'group-1'], ['g1-m3', 'group-1'], ['g3-m1', 'group-3']] as const) {
        sent.push(await send(url, body, group));
      }
      // The repeated g1-m2 is a duplicate (content-based deduplication): same id and sequence number.
      expect(sent[3]).toMatchObject({ MessageId: sent[2]!.MessageId, SequenceNumber: sent[2]!.SequenceNumber });
      const sequenceNumbers = [sent[0], sent[1], sent[2], sent[4], sent[5]].map((result) => BigInt(result!.SequenceNumber!));
      expect(sequenceNumbers.every((number, index) => index === 0 || number > sequenceNumbers[index - 1]!)).toBe(true);
      expect(sent.every((result) => /^\d{20}$/.test(result.SequenceNumber!))).toBe(true);

      const firstTwo = await receive(url, 2, { MessageSystemAttributeNames: ['All'] });
      expect(bodies(firstTwo)).toEqual(['g1-m1', 'g1-m2']);
      expect(firstTwo![0]!.Attributes).toMatchObject({
        MessageGroupId: 'group-1',
        MessageDeduplicationId: createHash('sha256').update('g1-m1').digest('hex'),
        SequenceNumber: sent[0]!.SequenceNumber,
        ApproximateReceiveCount: '1',
      });
      // group-1 is in flight: its g1-m3 waits; the other groups are handed out.
      expect(bodies(await receive(url))).toEqual(['g2-m1', 'g3-m1']);
      await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'g2-m2', MessageGroupId: 'group-2' }));
      expect(await receive(url)).toBeUndefined();

      // Deleting one of group-1's two in-flight messages leaves the group blocked; releasing the other
      // (visibility 0) makes it the group's next message again, before g1-m3.
      await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: firstTwo![0]!.ReceiptHandle! }));
      expect(await receive(url)).toBeUndefined();
      await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: firstTwo![1]!.ReceiptHandle!, VisibilityTimeout: 0 }));
      const again = await receive(url);
      expect(bodies(again)).toEqual(['g1-m2', 'g1-m3']);
      expect(again![0]!.MessageId).toBe(sent[2]!.MessageId);

      // A long poll waiting on a blocked group gets its next message as soon as the one in flight is
      // deleted (LocalStack's AWS-validated test_fifo_message_group_visibility: within 2 seconds).
      const name = url.split('/').pop()!;
      await send(url, 'g1-m4', 'group-1');
      const polling = receive(url, 1, { WaitTimeSeconds: 10 });
      await waitFor('the long poll to wait', () => stack.sqs.service.queueByName(name).waitingReceivers === 1, 5000);
      const deletedAt = Date.now();
      await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: again![0]!.ReceiptHandle! }));
      await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: again![1]!.ReceiptHandle! }));
      expect(bodies(await polling)).toEqual(['g1-m4']);
      expect(Date.now() - deletedAt).toBeLessThan(2000);
    });

    // The developer guide ("Exactly-once processing"): a message with the deduplication id of one sent in
    // the last 5 minutes is accepted and not delivered, even after that one was deleted (LocalStack's
    // AWS-validated test_fifo_deduplication_arrives_once_after_delete); DeduplicationScope messageGroup keys
    // by group (snapshot "same-dedup-different-grp-2"); a purge forgets (test_purge_queue_clears_fifo_deduplication_cache).
    it('deduplicates by id and by content for 5 minutes, per queue or per group', async () => {
      const url = await createFifo('dedup');
      const first = await send(url, 'one', 'g', { MessageDeduplicationId: 'same' });
      const duplicate = await send(url, 'two', 'g', { MessageDeduplicationId: 'same' });
      expect(duplicate).toMatchObject({ MessageId: first.MessageId, SequenceNumber: first.SequenceNumber, MD5OfMessageBody: createHash('md5').update('two').digest('hex') });
      const [message] = (await receive(url))!;
      expect(message!.Body).toBe('one');
      await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: message!.ReceiptHandle! }));
      await send(url, 'three', 'g', { MessageDeduplicationId: 'same' });
      expect(await receive(url)).toBeUndefined();

      clockOffsetMs += 5 * 60_000;
      const later = await send(url, 'four', 'g', { MessageDeduplicationId: 'same' });
      expect(later.MessageId).not.toBe(first.MessageId);
      expect(bodies(await receive(url))).toEqual(['four']);

      const perGroup = await createFifo('dedup-group', { DeduplicationScope: 'messageGroup', FifoThroughputLimit: 'perMessageGroupId' });
      await send(perGroup, 'Test1', 'group-a', { MessageDeduplicationId: 'same' });
      await send(perGroup, 'Test2', 'group-b', { MessageDeduplicationId: 'same' });
      await send(perGroup, 'Test3', 'group-b', { MessageDeduplicationId: 'same' });
      expect(bodies(await receive(perGroup))).toEqual(['Test1', 'Test2']);

      const content = await createFifo('dedup-content', { ContentBasedDeduplication: 'true' });
      await send(content, 'same body', 'g');
      await sqs.send(new PurgeQueueCommand({ QueueUrl: content }));
      await send(content, 'same body', 'g');
      expect(bodies(await receive(content))).toEqual(['same body']);
    });

    // LocalStack's AWS-validated snapshot "delete_after_timeout_fifo": on a FIFO queue a receipt handle past
    // its visibility timeout can no longer delete.
    it('refuses to delete with a FIFO receipt handle whose visibility timeout has run out', async () => {
      const url = await createFifo('expired-handle', { ContentBasedDeduplication: 'true' });
      await send(url, 'foobar', '1');
      const [message] = (await receive(url, 1, { VisibilityTimeout: 1 }))!;
      await waitFor('the visibility timeout to lapse', async () => (await queueAttributes(url, 'ApproximateNumberOfMessages')).ApproximateNumberOfMessages === '1', 5000);
      await expect(sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: message!.ReceiptHandle! }))).rejects.toMatchObject({
        name: 'InvalidParameterValue',
        message: `Value ${message!.ReceiptHandle} for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.`,
      });
      expect(bodies(await receive(url))).toEqual(['foobar']);
    });

    // The API reference, ReceiveMessage's ReceiveRequestAttemptId: on a FIFO queue a retry with the same
    // attempt id within 5 minutes retrieves "the same set of messages, even if their visibility timeout has
    // not yet expired", provided "none of the messages have been modified (deleted or had their visibility
    // changes)"; the parameter "applies only to FIFO (first-in-first-out) queues". A retry after one of its
    // messages changed: AWS's InvalidParameterValue as SQS answered it (quoted in
    // awslabs/amazon-sqs-java-messaging-lib#101 and #213, aws/aws-sdk-java#2613).
    it('answers a retried ReceiveRequestAttemptId with the same messages until one changes or 5 minutes pass', async () => {
      const url = await createFifo('attempt', { ContentBasedDeduplication: 'true' });
      for (const body of ['a1', 'a2', 'a3']) await send(url, body, 'a');
      await send(url, 'b1', 'b');
      const attempt = (ReceiveRequestAttemptId: string, MaxNumberOfMessages = 2) =>
        receive(url, MaxNumberOfMessages, { ReceiveRequestAttemptId, MessageSystemAttributeNames: ['ApproximateReceiveCount'] });
      const first = await attempt('attempt-1');
      expect(bodies(first)).toEqual(['a1', 'a2']);
      // The same messages, receipt handles and receive counts: the retry is not another receive.
      expect(await attempt('attempt-1')).toEqual(first);
      // Another attempt id is a new receive: group a is in flight, b1 is handed out.
      const second = await attempt('attempt-2', 10);
      expect(bodies(second)).toEqual(['b1']);
      // A deleted message makes its attempt not retryable.
      const notRetryable = (id: string) => ({
        name: 'InvalidParameterValue',
        message: `Value ${id} for parameter ReceiveRequestAttemptId is invalid. Reason: The receiveRequestAttemptId is not valid anymore since the receive call is not retryable.`,
        $metadata: { httpStatusCode: 400 },
      });
      await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: first![0]!.ReceiptHandle! }));
      await expect(attempt('attempt-1')).rejects.toMatchObject(notRetryable('attempt-1'));
      // So does a visibility change (even one that keeps it in flight).
      expect(await attempt('attempt-2', 10)).toEqual(second);
      await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: second![0]!.ReceiptHandle!, VisibilityTimeout: 60 }));
      await expect(attempt('attempt-2', 10)).rejects.toMatchObject(notRetryable('attempt-2'));
      // A new attempt id receives a2, once released, and a3.
      await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: first![1]!.ReceiptHandle!, VisibilityTimeout: 0 }));
      const third = await attempt('attempt-3');
      expect(bodies(third)).toEqual(['a2', 'a3']);
      expect(third![0]!.ReceiptHandle).not.toBe(first![1]!.ReceiptHandle);
      expect(third![0]!.Attributes?.ApproximateReceiveCount).toBe('2');
      // After 5 minutes an attempt id is forgotten: the same id is a new receive (nothing is visible).
      clockOffsetMs += 5 * 60_000;
      expect(await attempt('attempt-3')).toBeUndefined();

      // A standard queue ignores it: a second receive with the same id gets nothing while the message is in flight.
      const standard = await createQueue('attempt-standard');
      await sqs.send(new SendMessageCommand({ QueueUrl: standard, MessageBody: 'only' }));
      expect(bodies(await receive(standard, 1, { ReceiveRequestAttemptId: 'same' }))).toEqual(['only']);
      expect(await receive(standard, 1, { ReceiveRequestAttemptId: 'same' })).toBeUndefined();
    });

    // The developer guide ("Using dead-letter queues"): a FIFO queue's DLQ is FIFO and keeps each group's order.
    it('moves messages to a FIFO dead-letter queue keeping their group, deduplication id and order', async () => {
      const dlq = await createFifo('fifo-dlq');
      const dlqArn = (await queueAttributes(dlq, 'QueueArn')).QueueArn!;
      const url = await createFifo('fifo-source', { ContentBasedDeduplication: 'true', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 1 }) });
      for (const body of ['m1', 'm2', 'm3']) await send(url, body, 'g');
      expect(bodies(await receive(url, 10, { VisibilityTimeout: 0 }))).toEqual(['m1', 'm2', 'm3']);
      expect(await receive(url)).toBeUndefined();
      const dead = await receive(dlq, 10, { MessageSystemAttributeNames: ['All'] });
      expect(bodies(dead)).toEqual(['m1', 'm2', 'm3']);
      expect(dead![0]!.Attributes).toMatchObject({ MessageGroupId: 'g', MessageDeduplicationId: createHash('sha256').update('m1').digest('hex'), ApproximateReceiveCount: '2' });
    });

    it('speaks FIFO in both protocols through botocore', async () => {
      for (const protocol of PROTOCOLS.filter((candidate) => available[candidate])) {
        const url = await createFifo(`fifo-${protocol}`);
        const sent = await botocoreCall(protocol, stack.url, 'sqs', 'SendMessage', { QueueUrl: url, MessageBody: 'hello', MessageGroupId: 'g', MessageDeduplicationId: 'd' });
        expect(sent.response?.SequenceNumber).toMatch(/^\d{20}$/);
        const batch = await botocoreCall(protocol, stack.url, 'sqs', 'SendMessageBatch', {
          QueueUrl: url,
          Entries: [{ Id: 'a', MessageBody: 'second', MessageGroupId: 'g', MessageDeduplicationId: 'e' }],
        });
        expect((batch.response?.Successful as Array<{ SequenceNumber: string }>)[0]!.SequenceNumber).toMatch(/^\d{20}$/);
        const received = await botocoreCall(protocol, stack.url, 'sqs', 'ReceiveMessage', { QueueUrl: url, MaxNumberOfMessages: 10, AttributeNames: ['All'] });
        const messages = received.response?.Messages as Array<{ Body: string; Attributes: Record<string, string> }>;
        expect({ protocol, bodies: messages.map((message) => message.Body), group: messages[0]!.Attributes.MessageGroupId, sequence: messages[0]!.Attributes.SequenceNumber }).toEqual({
          protocol,
          bodies: ['hello', 'second'],
          group: 'g',
          sequence: sent.response?.SequenceNumber,
        });
      }
    });
  });

  // LocalStack's AWS-validated snapshots of test_sqs_permission_lifecycle: the Policy SQS writes, and the
  // errors for a label used twice or not there.
  it('adds and removes permissions as statements of the queue policy, in both protocols', async () => {
    const url = await createQueue('permissions');
    const arn = (await queueAttributes(url, 'QueueArn')).QueueArn!;
    const policyOf = async () => {
      const { Policy } = await queueAttributes(url, 'Policy');
      return Policy === undefined ? undefined : (JSON.parse(Policy) as Record<string, unknown>);
    };
    await sqs.send(new AddPermissionCommand({ QueueUrl: url, Label: 'crossaccountpermission', AWSAccountIds: ['000000000000', '668614515564'], Actions: ['ReceiveMessage'] }));
    expect(await policyOf()).toEqual({
      Version: '2008-10-17',
      Id: `${arn}/SQSDefaultPolicy`,
      Statement: [
        {
          Sid: 'crossaccountpermission',
          Effect: 'Allow',
          Principal: { AWS: ['arn:aws:iam::000000000000:root', 'arn:aws:iam::668614515564:root'] },
          Action: 'SQS:ReceiveMessage',
          Resource: arn,
        },
      ],
    });
    await expect(sqs.send(new AddPermissionCommand({ QueueUrl: url, Label: 'crossaccountpermission', AWSAccountIds: ['668614515564'], Actions: ['ReceiveMessage'] }))).rejects.toMatchObject({
      name: 'InvalidParameterValue',
      message: 'Value crossaccountpermission for parameter Label is invalid. Reason: Already exists.',
    });
    await sqs.send(new RemovePermissionCommand({ QueueUrl: url, Label: 'crossaccountpermission' }));
    expect(await policyOf()).toBeUndefined();
    await expect(sqs.send(new RemovePermissionCommand({ QueueUrl: url, Label: 'crossaccountpermission2' }))).rejects.toMatchObject({
      name: 'InvalidParameterValue',
      message: "Value crossaccountpermission2 for parameter Label is invalid. Reason: can't find label.",
    });
    for (const protocol of PROTOCOLS.filter((candidate) => available[candidate])) {
      const label = `by-${protocol}`;
      await expect(botocoreCall(protocol, stack.url, 'sqs', 'AddPermission', { QueueUrl: url, Label: label, AWSAccountIds: ['000000000000'], Actions: ['SendMessage', 'DeleteMessage'] })).resolves.toEqual({
        response: {},
      });
      const statement = ((await policyOf())!.Statement as Array<Record<string, unknown>>).find((candidate) => candidate.Sid === label);
      expect({ protocol, statement }).toEqual({
        protocol,
        statement: { Sid: label, Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::000000000000:root' }, Action: ['SQS:SendMessage', 'SQS:DeleteMessage'], Resource: arn },
      });
    }
  });
});
