import {
  DeleteMessageCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { redrive, resolveTarget } from './redrive';
import { sampleJson } from './testing';

const sqs = mockClient(SQSClient);
const queueUrl = 'http://127.0.0.1:4566/000000000000/ml-pipeline-local-notifications';
const dlqUrl = 'http://127.0.0.1:4566/000000000000/ml-pipeline-local-notifications-dlq';

const message = (id: string, body: string) => ({ MessageId: id, ReceiptHandle: `rh-${id}`, Body: body });

beforeEach(() => {
  sqs.reset();
  sqs.on(GetQueueUrlCommand, { QueueName: 'ml-pipeline-local-notifications' }).resolves({ QueueUrl: queueUrl });
  sqs.on(GetQueueUrlCommand, { QueueName: 'ml-pipeline-local-notifications-dlq' }).resolves({ QueueUrl: dlqUrl });
});

describe('redrive', () => {
  it('sends each dead letter back to the queue, then deletes it, until the DLQ is empty', async () => {
    const deployed = JSON.stringify(sampleJson('Model Deployed'));
    sqs
      .on(ReceiveMessageCommand)
      .resolvesOnce({ Messages: [message('m1', deployed), message('m2', 'garbage')] })
      .resolvesOnce({ Messages: [] });

    const moved = await redrive(new SQSClient({ region: 'us-east-1' }), 'local', Number.POSITIVE_INFINITY);

    expect(moved).toEqual([
      { messageId: 'm1', summary: 'Model Deployed 20261125-110409-a1b2c3' },
      { messageId: 'm2', summary: '(not a pipeline event: garbage)' },
    ]);
    expect(sqs).toHaveReceivedCommandWith(ReceiveMessageCommand, { QueueUrl: dlqUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 });
    expect(sqs.commandCalls(SendMessageCommand).map((c) => c.args[0].input)).toEqual([
      { QueueUrl: queueUrl, MessageBody: deployed },
      { QueueUrl: queueUrl, MessageBody: 'garbage' },
    ]);
    expect(sqs.commandCalls(DeleteMessageCommand).map((c) => c.args[0].input)).toEqual([
      { QueueUrl: dlqUrl, ReceiptHandle: 'rh-m1' },
      { QueueUrl: dlqUrl, ReceiptHandle: 'rh-m2' },
    ]);
  });

  it('stops at --max', async () => {
    sqs.on(ReceiveMessageCommand).resolves({ Messages: [message('m1', '{}')] });
    const moved = await redrive(new SQSClient({ region: 'us-east-1' }), 'local', 1);
    expect(moved).toHaveLength(1);
    expect(sqs).toHaveReceivedCommandWith(ReceiveMessageCommand, { MaxNumberOfMessages: 1 });
    expect(sqs).toHaveReceivedCommandTimes(ReceiveMessageCommand, 1);
  });

  it('keeps a message in the DLQ when it could not be sent back', async () => {
    sqs.on(ReceiveMessageCommand).resolves({ Messages: [message('m1', '{}')] });
    sqs.on(SendMessageCommand).rejects(new Error('queue does not exist'));
    await expect(redrive(new SQSClient({ region: 'us-east-1' }), 'local', 5)).rejects.toThrow('queue does not exist');
    expect(sqs).not.toHaveReceivedCommand(DeleteMessageCommand);
  });
});

describe('resolveTarget', () => {
  const localStack = { endpoint: 'http://127.0.0.1:4566', region: 'us-east-1', stage: 'local' };

  it('uses the running local stack by default', () => {
    expect(resolveTarget({}, {}, localStack)).toEqual({ stage: 'local', endpoint: 'http://127.0.0.1:4566', region: 'us-east-1', max: Infinity });
  });

  it('leaves the endpoint to the SDK for another stage or when AWS_ENDPOINT_URL is set', () => {
    expect(resolveTarget({ stage: 'prod', max: '5' }, {}, localStack)).toEqual({ stage: 'prod', endpoint: undefined, region: undefined, max: 5 });
    expect(resolveTarget({}, { AWS_ENDPOINT_URL: 'http://x' }, localStack).endpoint).toBeUndefined();
    expect(resolveTarget({}, {}, undefined)).toMatchObject({ stage: 'dev', endpoint: undefined });
  });

  it('refuses a --max that is not a positive whole number', () => {
    expect(() => resolveTarget({ max: '0' }, {}, undefined)).toThrow(/--max/);
    expect(() => resolveTarget({ max: 'lots' }, {}, undefined)).toThrow(/--max/);
    expect(() => resolveTarget({ max: '1.5' }, {}, undefined)).toThrow(/--max/);
  });
});
