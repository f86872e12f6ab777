import type { SQSEvent } from 'aws-lambda';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { InvalidEventError } from '@pipeline/shared';
import { handlerEnvironment } from '@pipeline/shared/testing';
import { sampleJson, sqsRecord } from '../testing';

const context = handlerEnvironment(
  { SENDER: 'ml-pipeline@example.com', RECIPIENTS: 'ml-team@example.com, oncall@example.com', MARKER_BUCKET: 'markers', DATA_BUCKET: 'data', AWS_REGION: 'us-east-1' },
  'sendNotifications',
);
const ses = mockClient(SESv2Client);
const s3 = mockClient(S3Client);

beforeEach(() => {
  ses.reset();
  s3.reset();
  ses.on(SendEmailCommand).resolves({ MessageId: 'm' });
  s3.on(PutObjectCommand).resolves({});
});

describe('sendNotifications handler', () => {
  it('answers SQS with the messages that failed', async () => {
    const { handler } = await import('./send-notifications');
    const event: SQSEvent = { Records: [sqsRecord('ok', sampleJson('Model Deployed')), sqsRecord('bad', 'not json')] };

    await expect(handler(event, context)).resolves.toEqual({ batchItemFailures: [{ itemIdentifier: 'bad' }] });
    expect(ses).toHaveReceivedCommandWith(SendEmailCommand, {
      Destination: { ToAddresses: ['ml-team@example.com', 'oncall@example.com'] },
    });
  });

  it('refuses an event that is not an SQS batch', async () => {
    const { handler } = await import('./send-notifications');
    await expect(handler(sampleJson('Model Deployed') as never, context)).rejects.toThrow(InvalidEventError);
    expect(ses).not.toHaveReceivedCommand(SendEmailCommand);
  });
});
