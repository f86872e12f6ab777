/**
 * The SQS provider through the AWS SDK v3 client (JSON protocol) and the query protocol:
 * queues and attributes, MD5s, long polling, visibility, redrive to a DLQ, DLQ move tasks,
 * batches, errors, and persistence across a restart.
 */
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListDeadLetterSourceQueuesCommand,
  ListMessageMoveTasksCommand,
  ListQueuesCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  StartMessageMoveTaskCommand,
} from '@aws-sdk/client-sqs';
import { createHash } from 'node:crypto';
import { AwsCli, itWithCli } from '../support/aws-cli';
import { clientsOf, REGION, useProviderStack } from '../support/stack';
import { percentile } from '../support/statistics';
import { waitFor } from '../support/wait';
import { rawRequest } from '../support/http';

describe('SQS provider', () => {
  const stack = useProviderStack();
  const { sqs } = clientsOf(stack);

  async function createQueue(name: string, attributes: Record<string, string> = {}): Promise<string> {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
    return QueueUrl!;
  }

  async function queueArn(queueUrl: string): Promise<string> {
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
    return Attributes!.QueueArn!;
  }

  it('creates, finds, lists, configures and deletes queues', async () => {
    const url = await createQueue('orders-in', { VisibilityTimeout: '45' });
    expect(url).toBe(`${stack.url}/000000000000/orders-in`);
    await expect(createQueue('orders-in', { VisibilityTimeout: '45' })).resolves.toBe(url);
    await expect(createQueue('orders-in', { VisibilityTimeout: '10' })).rejects.toMatchObject({ name: 'QueueNameExists' });
    await createQueue('orders-out');
    await createQueue('billing');

    expect((await sqs.send(new GetQueueUrlCommand({ QueueName: 'orders-in' }))).QueueUrl).toBe(url);
    const listed = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'orders-' }));
    expect(listed.QueueUrls).toEqual([url, `${stack.url}/000000000000/orders-out`]);

    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: { DelaySeconds: '2', MessageRetentionPeriod: '600' } }));
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }));
    expect(Attributes).toMatchObject({
      QueueArn: `arn:aws:sqs:${REGION}:000000000000:orders-in`,
      VisibilityTimeout: '45',
      DelaySeconds: '2',
      MessageRetentionPeriod: '600',
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
    });

    await sqs.send(new DeleteQueueCommand({ QueueUrl: url }));
    await expect(sqs.send(new GetQueueUrlCommand({ QueueName: 'orders-in' }))).rejects.toMatchObject({
      name: 'QueueDoesNotExist',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('refuses a FIFO queue without its .fifo name, unknown attributes and bad values with AWS error codes', async () => {
    await expect(createQueue('jobs', { FifoQueue: 'true' })).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(createQueue('jobs', { Colour: 'blue' })).rejects.toMatchObject({ name: 'InvalidAttributeName' });
    await expect(createQueue('jobs', { VisibilityTimeout: '99999' })).rejects.toMatchObject({ name: 'InvalidAttributeValue' });
    await expect(createQueue('jobs', { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:nope', maxReceiveCount: 3 }) })).rejects.toMatchObject({
      name: 'InvalidParameterValue',
    });
    const url = await createQueue('jobs');
    await expect(sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: 'garbage' }))).rejects.toMatchObject({ name: 'ReceiptHandleIsInvalid' });
    await expect(sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 11 }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'bad \u0000 char' }))).rejects.toMatchObject({ name: 'InvalidMessageContents' });
  });

  it('returns the MD5s of body and attributes that AWS computes', async () => {
    const url = await createQueue('digests');
    const sent = await sqs.send(
      new SendMessageCommand({
        QueueUrl: url,
        MessageBody: 'derp',
        MessageAttributes: { timestamp: { DataType: 'Number', StringValue: '1493147359900' } },
      }),
    );
    // The SDK itself rejects a wrong body digest; the attribute digest is the one AWS returns for it.
    expect(sent.MD5OfMessageBody).toBe(createHash('md5').update('derp').digest('hex'));
    expect(sent.MD5OfMessageAttributes).toBe('235c5c510d26fb653d073faed50ae77c');

    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MessageAttributeNames: ['All'] }));
    expect(Messages).toHaveLength(1);
    expect(Messages![0]).toMatchObject({
      Body: 'derp',
      MD5OfMessageAttributes: '235c5c510d26fb653d073faed50ae77c',
      MessageAttributes: { timestamp: { DataType: 'Number', StringValue: '1493147359900' } },
    });
  });

  it('answers a long poll as soon as a message arrives', async () => {
    const url = await createQueue('long-poll');
    const started = Date.now();
    const receiving = sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 10, MessageSystemAttributeNames: ['All'] }));
    await waitFor('the long poll to wait', () => stack.sqs.service.queueByName('long-poll').waitingReceivers === 1, 5000);
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'wake up' }));
    const { Messages } = await receiving;
    expect(Date.now() - started).toBeLessThan(2000);
    expect(Messages?.[0]?.Body).toBe('wake up');
    expect(Messages?.[0]?.Attributes).toMatchObject({ ApproximateReceiveCount: '1', SenderId: '000000000000' });
  });

  it('ends an empty long poll after WaitTimeSeconds', async () => {
    const url = await createQueue('empty-poll');
    const started = Date.now();
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 1 }));
    const elapsed = Date.now() - started;
    expect(Messages).toBeUndefined();
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(elapsed).toBeLessThan(3000);
  });

  it('hides received messages for the visibility timeout and shows them again', async () => {
    const url = await createQueue('visibility');
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'hide me' }));
    // Hidden for long enough that the checks below cannot race its return, however loaded the machine.
    const first = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, VisibilityTimeout: 600 }));
    expect(first.Messages).toHaveLength(1);
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages).toBeUndefined();
    const counts = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessagesNotVisible'] }));
    expect(counts.Attributes).toEqual({ ApproximateNumberOfMessagesNotVisible: '1' });

    // A long poll is woken when the visibility timeout runs out, and not before.
    const shortened = Date.now();
    await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: first.Messages![0]!.ReceiptHandle!, VisibilityTimeout: 1 }));
    const again = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 5, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }));
    expect(again.Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe('2');
    expect(Date.now() - shortened).toBeGreaterThanOrEqual(1000);

    // Only the latest receipt handle counts (an older one is refused as a deleted message's is: see
    // sqs-aws-answers.test.ts); ChangeMessageVisibility 0 releases at once.
    await expect(
      sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: first.Messages![0]!.ReceiptHandle!, VisibilityTimeout: 0 })),
    ).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: again.Messages![0]!.ReceiptHandle!, VisibilityTimeout: 0 }));
    const third = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }));
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: third.Messages![0]!.ReceiptHandle! }));
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, VisibilityTimeout: 0 }))).Messages).toBeUndefined();
  });

  it('delays messages by DelaySeconds', async () => {
    const url = await createQueue('delayed');
    // The checks that must run while a message is delayed use the longest delay (no race with a loaded
    // machine: a one-second delay could end before them) ...
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'much later', DelaySeconds: 900 }));
    const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessagesDelayed'] }));
    expect(attributes.Attributes?.ApproximateNumberOfMessagesDelayed).toBe('1');
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages).toBeUndefined();
    // ... and a long poll waits for a one-second delay to end, not less, and is woken when it does.
    const sent = Date.now();
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'later', DelaySeconds: 1 }));
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 5 }));
    expect(Messages?.[0]?.Body).toBe('later');
    expect(Date.now() - sent).toBeGreaterThanOrEqual(1000);
  });

  it('moves a message to the dead-letter queue after maxReceiveCount receives, and back with a move task', async () => {
    const dlqUrl = await createQueue('work-dlq');
    const dlqArn = await queueArn(dlqUrl);
    const url = await createQueue('work', { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: '2' }) });
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['RedrivePolicy'] }));
    expect(JSON.parse(Attributes!.RedrivePolicy!)).toEqual({ deadLetterTargetArn: dlqArn, maxReceiveCount: 2 });
    expect((await sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: dlqUrl }))).queueUrls).toEqual([url]);

    const { MessageId } = await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'poison' }));
    for (let attempt = 1; attempt <= 2; attempt++) {
      const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, VisibilityTimeout: 0, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }));
      expect(Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe(String(attempt));
    }
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages).toBeUndefined();
    const dead = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, VisibilityTimeout: 0, MessageSystemAttributeNames: ['All'] }));
    expect(dead.Messages?.[0]).toMatchObject({ MessageId, Body: 'poison' });
    expect(dead.Messages?.[0]?.Attributes?.DeadLetterQueueSourceArn).toBe(await queueArn(url));

    const { TaskHandle } = await sqs.send(new StartMessageMoveTaskCommand({ SourceArn: dlqArn }));
    expect(TaskHandle).toBeTruthy();
    await waitFor('move task', async () => (await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: dlqArn }))).Results?.[0]?.Status === 'COMPLETED', 5000);
    const redriven = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }));
    expect(redriven.Messages?.[0]?.Body).toBe('poison');
  });

  it('sends and deletes in batches, reporting failed entries', async () => {
    const url = await createQueue('batches');
    const sent = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: url,
        Entries: [
          { Id: 'one', MessageBody: 'first' },
          { Id: 'two', MessageBody: 'second', MessageAttributes: { kind: { DataType: 'String', StringValue: 'x' } } },
          { Id: 'bad', MessageBody: 'third', DelaySeconds: 5000 },
        ],
      }),
    );
    expect(sent.Successful?.map((entry) => entry.Id)).toEqual(['one', 'two']);
    expect(sent.Failed).toEqual([expect.objectContaining({ Id: 'bad', SenderFault: true, Code: 'InvalidParameterValue' })]);
    await expect(sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [] }))).rejects.toMatchObject({ name: 'EmptyBatchRequest' });
    await expect(
      sqs.send(new SendMessageBatchCommand({ QueueUrl: url, Entries: [{ Id: 'a', MessageBody: 'x' }, { Id: 'a', MessageBody: 'y' }] })),
    ).rejects.toMatchObject({ name: 'BatchEntryIdsNotDistinct' });

    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
    expect(Messages?.map((message) => message.Body).sort()).toEqual(['first', 'second']);
    const deleted = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: url,
        Entries: [...Messages!.map((message, index) => ({ Id: `m${index}`, ReceiptHandle: message.ReceiptHandle! })), { Id: 'junk', ReceiptHandle: 'junk' }],
      }),
    );
    expect(deleted.Successful).toHaveLength(2);
    expect(deleted.Failed).toEqual([expect.objectContaining({ Id: 'junk', Code: 'ReceiptHandleIsInvalid' })]);
  });

  it('ensureQueue (for the deployer) creates a queue or updates it in place, keeping its messages', async () => {
    const created = stack.sqs.service.ensureQueue('deployed', { VisibilityTimeout: '20' });
    const url = stack.sqs.service.queueUrl(created.name);
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'kept' }));
    const updated = stack.sqs.service.ensureQueue('deployed', { VisibilityTimeout: '40' });
    expect(updated).toBe(created);
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['VisibilityTimeout', 'ApproximateNumberOfMessages'] }));
    expect(Attributes).toEqual({ VisibilityTimeout: '40', ApproximateNumberOfMessages: '1' });

    // A template's FifoQueue: false means a standard queue; a FIFO queue's properties are applied again on an update.
    expect(stack.sqs.service.ensureQueue('deployed-standard', { FifoQueue: 'false' }).fifo).toBe(false);
    const fifo = stack.sqs.service.ensureQueue('deployed.fifo', { FifoQueue: 'true', ContentBasedDeduplication: 'true' });
    expect(stack.sqs.service.ensureQueue('deployed.fifo', { FifoQueue: 'true', ContentBasedDeduplication: 'false' })).toBe(fifo);
    expect(stack.sqs.service.attributesOf(fifo, ['FifoQueue', 'ContentBasedDeduplication'])).toEqual({ FifoQueue: 'true', ContentBasedDeduplication: 'false' });
  });

  it('purges a queue', async () => {
    const url = await createQueue('purged');
    await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'gone soon' }));
    await sqs.send(new PurgeQueueCommand({ QueueUrl: url }));
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: url }))).Messages).toBeUndefined();
  });

  it('speaks the query protocol (form-encoded Action, XML answers)', async () => {
    const url = await createQueue('query-mode');
    const post = async (params: Record<string, string>) => {
      const response = await rawRequest(stack.url, {
        method: 'POST',
        path: '/',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        sign: 'sqs',
        body: new URLSearchParams({ Version: '2012-11-05', ...params }).toString(),
      });
      return { status: response.status, text: response.body.toString('utf8') };
    };
    const sent = await post({
      Action: 'SendMessage',
      QueueUrl: url,
      MessageBody: 'line one\r\nline <two>',
      'MessageAttribute.1.Name': 'kind',
      'MessageAttribute.1.Value.DataType': 'String',
      'MessageAttribute.1.Value.StringValue': 'note',
    });
    expect(sent.status).toBe(200);
    expect(sent.text).toContain('<SendMessageResult><MessageId>');
    const received = await post({ Action: 'ReceiveMessage', QueueUrl: url, 'AttributeName.1': 'All', 'MessageAttributeName.1': 'All' });
    expect(received.text).toContain('<Body>line one&#13;\nline &lt;two&gt;</Body>');
    expect(received.text).toContain('<MessageAttribute><Name>kind</Name><Value><DataType>String</DataType><StringValue>note</StringValue></Value></MessageAttribute>');
    expect(received.text).toContain('<Attribute><Name>ApproximateReceiveCount</Name><Value>1</Value></Attribute>');
    const missing = await post({ Action: 'GetQueueUrl', QueueName: 'no-such-queue' });
    expect(missing.status).toBe(400);
    expect(missing.text).toContain('<Code>AWS.SimpleQueueService.NonExistentQueue</Code>');
  });

  itWithCli('works with the AWS CLI (v1: JSON protocol, v2.9: query protocol)', async () => {
    const url = await createQueue('cli-queue');
    // Asynchronous: the stack serves the CLI from this very process.
    const cli = new AwsCli(() => stack.url, stack.stateDir, 30_000);
    const aws = (...args: string[]) => cli.json(...args);
    expect((await aws('sqs', 'list-queues', '--queue-name-prefix', 'cli-')).QueueUrls).toEqual([url]);
    const sent = await aws('sqs', 'send-message', '--queue-url', url, '--message-body', 'from the cli');
    expect(sent.MD5OfMessageBody).toBe(createHash('md5').update('from the cli').digest('hex'));
    const received = (await aws('sqs', 'receive-message', '--queue-url', url, '--attribute-names', 'All')) as { Messages: Array<{ Body: string; Attributes: Record<string, string> }> };
    expect(received.Messages[0]?.Body).toBe('from the cli');
    expect(received.Messages[0]?.Attributes.ApproximateReceiveCount).toBe('1');
    const attributes = (await aws('sqs', 'get-queue-attributes', '--queue-url', url, '--attribute-names', 'All')) as { Attributes: Record<string, string> };
    expect(attributes.Attributes.ApproximateNumberOfMessagesNotVisible).toBe('1');
  }, 60_000);

  it('keeps messages across a restart; in-flight messages become visible again', async () => {
    const url = await createQueue('durable');
    for (const body of ['keep-1', 'keep-2', 'drop-me']) await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 3, VisibilityTimeout: 600 }));
    const drop = Messages!.find((message) => message.Body === 'drop-me')!;
    await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: drop.ReceiptHandle! }));

    await stack.restart();

    const restartedUrl = (await sqs.send(new GetQueueUrlCommand({ QueueName: 'durable' }))).QueueUrl!;
    const after = await sqs.send(new ReceiveMessageCommand({ QueueUrl: restartedUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }));
    expect(after.Messages?.map((message) => message.Body).sort()).toEqual(['keep-1', 'keep-2']);
    expect(after.Messages?.map((message) => message.Attributes?.ApproximateReceiveCount)).toEqual(['2', '2']);
    // Queue settings survive too.
    const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: restartedUrl, AttributeNames: ['QueueArn'] }));
    expect(attributes.Attributes?.QueueArn).toBe(`arn:aws:sqs:${REGION}:000000000000:durable`);
  });

  it('keeps a FIFO queue across a restart: group order, sequence numbers and the deduplication of live messages', async () => {
    const url = await createQueue('durable.fifo', { FifoQueue: 'true', ContentBasedDeduplication: 'true' });
    const sent = [];
    for (const body of ['first', 'second', 'third']) sent.push(await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body, MessageGroupId: 'g' })));

    await stack.restart();

    const duplicate = await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'second', MessageGroupId: 'g' }));
    expect(duplicate).toMatchObject({ MessageId: sent[1]!.MessageId, SequenceNumber: sent[1]!.SequenceNumber });
    const later = await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: 'fourth', MessageGroupId: 'g' }));
    expect(BigInt(later.SequenceNumber!)).toBeGreaterThan(BigInt(sent[2]!.SequenceNumber!));
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['SequenceNumber'] }));
    expect(Messages?.map((message) => message.Body)).toEqual(['first', 'second', 'third', 'fourth']);
    expect(Messages?.map((message) => message.Attributes?.SequenceNumber)).toEqual([...sent, later].map((result) => result.SequenceNumber));
  });

  // 40 samples, each step bounded: the test's own timeout is only a hang guard (jest's 5 s default is not a
  // budget for the loop on a busy machine); the figure under test is the p50.
  it('delivers a sent message to a long-polling consumer quickly (send -> consumer latency)', async () => {
    const url = await createQueue('latency');
    const samples: number[] = [];
    for (let index = 0; index < 40; index++) {
      const receiving = sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 5 }));
      // Measure the long-poll wake-up path: the consumer is waiting before the message is sent.
      await waitFor('the consumer to wait', () => stack.sqs.service.queueByName('latency').waitingReceivers === 1, 5000, 10);
      const sentAt = performance.now();
      await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: `m${index}` }));
      const { Messages } = await receiving;
      samples.push(performance.now() - sentAt);
      await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: Messages![0]!.ReceiptHandle! }));
    }
    const p50 = percentile(samples, 50);
    console.log(`SQS send -> long-polling SDK consumer: p50 ${p50.toFixed(1)} ms, p99 ${percentile(samples, 99).toFixed(1)} ms (n=${samples.length})`);
    // The target is p50 <= 50 ms; the bound leaves room for a loaded CI machine.
    expect(p50).toBeLessThanOrEqual(100);
  }, 60_000);
});
