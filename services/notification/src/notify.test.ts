import { Logger } from '@aws-lambda-powertools/logger';
import { DeleteObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { isArchivedNotification, parseNotificationArchiveKey } from '@pipeline/shared';
import { notifyBatch, type NotifyDeps } from './notify';
import { sampleJson, sqsRecord } from './testing';

const ses = mockClient(SESv2Client);
const s3 = mockClient(S3Client);
const deps: NotifyDeps = {
  ses: new SESv2Client({ region: 'us-east-1' }),
  s3: new S3Client({ region: 'us-east-1' }),
  config: { sender: 'ml-pipeline@example.com', recipients: ['ml-team@example.com', 'oncall@example.com'], markerBucket: 'markers', archiveBucket: 'data' },
  logger: new Logger({ logLevel: 'SILENT' }),
  now: () => new Date(),
};

const preconditionFailed = () =>
  new S3ServiceException({
    name: 'PreconditionFailed',
    $fault: 'client',
    $metadata: { httpStatusCode: 412 },
    message: 'At least one of the pre-conditions you specified did not hold',
  });

beforeEach(() => {
  ses.reset();
  s3.reset();
  ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
  s3.on(PutObjectCommand).resolves({ ETag: '"e"' });
});

describe('notifyBatch', () => {
  it('claims both markers, then sends the rendered email to every recipient', async () => {
    const deployed = sampleJson('Model Deployed');

    await expect(notifyBatch([sqsRecord('msg-1', deployed)], deps)).resolves.toEqual({ batchItemFailures: [] });

    expect(s3.commandCalls(PutObjectCommand).map((c) => [c.args[0].input.Key, c.args[0].input.IfNoneMatch, c.args[0].input.Bucket])).toEqual([
      ['sent/6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', '*', 'markers'],
      ['sent/model-deployed/20261125-110409-a1b2c3', '*', 'markers'],
      ['notifications/20261125-110409-a1b2c3/model-deployed-6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d.json', undefined, 'data'],
    ]);
    const input = ses.commandCalls(SendEmailCommand)[0]!.args[0].input;
    expect(input).toEqual({
      FromEmailAddress: 'ml-pipeline@example.com',
      Destination: { ToAddresses: ['ml-team@example.com', 'oncall@example.com'] },
      Content: {
        Simple: {
          Subject: { Data: '[local] Model deployed: ml-pipeline-local now serves run 20261125-110409-a1b2c3 (93.12%)', Charset: 'UTF-8' },
          Body: { Text: { Data: expect.stringContaining('Validation accuracy'), Charset: 'UTF-8' }, Html: { Data: expect.stringContaining('<table'), Charset: 'UTF-8' } },
        },
      },
    });
    expect(s3).not.toHaveReceivedCommand(DeleteObjectCommand);
  });

  it.each([
    ['Dataset Rejected', 'sent/dataset-rejected/20261125-110409-a1b2c3/incoming/reviews.xlsx'],
    ['Pipeline Failed', 'sent/pipeline-failed/20261125-110409-a1b2c3/training'],
    ['Model Rejected', 'sent/model-rejected/20261125-110409-a1b2c3'],
  ] as const)('keys the second marker of %s by what it announces', async (name, key) => {
    await notifyBatch([sqsRecord('msg-1', sampleJson(name))], deps);
    expect(s3).toHaveReceivedNthCommandWith(2, PutObjectCommand, { Key: key });
    expect(ses).toHaveReceivedCommandTimes(SendEmailCommand, 1);
  });

  it('skips a duplicate delivery of the same event', async () => {
    s3.on(PutObjectCommand, { Key: 'sent/6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d' }).rejects(preconditionFailed());

    await expect(notifyBatch([sqsRecord('msg-2', sampleJson('Model Deployed'))], deps)).resolves.toEqual({ batchItemFailures: [] });
    expect(ses).not.toHaveReceivedCommand(SendEmailCommand);
  });

  it('sends a republished Model Deployed of the same run once', async () => {
    const republished = { ...sampleJson('Model Deployed'), id: 'another-event-id' };
    s3.on(PutObjectCommand, { Key: 'sent/model-deployed/20261125-110409-a1b2c3' }).rejects(preconditionFailed());

    await expect(notifyBatch([sqsRecord('msg-3', republished)], deps)).resolves.toEqual({ batchItemFailures: [] });
    expect(ses).not.toHaveReceivedCommand(SendEmailCommand);
  });

  it('fails only the malformed messages of a batch; the others still go out', async () => {
    const wrongDetail = { ...sampleJson('Model Rejected'), detail: { runId: 'r', stage: 'local' } };
    const records = [
      sqsRecord('good-1', sampleJson('Pipeline Failed')),
      sqsRecord('not-json', '{oops'),
      sqsRecord('wrong-detail', wrongDetail),
      sqsRecord('unknown-type', { ...sampleJson('Model Rejected'), 'detail-type': 'Something Else' }),
      sqsRecord('good-2', sampleJson('Dataset Rejected')),
    ];

    await expect(notifyBatch(records, deps)).resolves.toEqual({
      batchItemFailures: [{ itemIdentifier: 'not-json' }, { itemIdentifier: 'wrong-detail' }, { itemIdentifier: 'unknown-type' }],
    });
    expect(ses).toHaveReceivedCommandTimes(SendEmailCommand, 2);
    // two markers and one archived copy per email sent
    expect(s3).toHaveReceivedCommandTimes(PutObjectCommand, 6);
  });

  it('archives the email as sent, with the event it announced, under notifications/<runId>/', async () => {
    await notifyBatch([sqsRecord('msg-6', sampleJson('Model Rejected'))], deps);

    const archived = s3.commandCalls(PutObjectCommand).map((c) => c.args[0].input).find((input) => input.Bucket === 'data')!;
    expect(archived.Key).toBe('notifications/20261125-110409-a1b2c3/model-rejected-7a2b3c4d-5e6f-4a7b-9c8d-0e1f2a3b4c5d.json');
    expect(archived.ContentType).toBe('application/json');
    const record: unknown = JSON.parse(String(archived.Body));
    if (!isArchivedNotification(record)) throw new Error('not an archived email');
    const sent = ses.commandCalls(SendEmailCommand)[0]!.args[0].input.Content!.Simple!;
    expect(record).toMatchObject({
      eventId: '7a2b3c4d-5e6f-4a7b-9c8d-0e1f2a3b4c5d',
      detailType: 'Model Rejected',
      runId: '20261125-110409-a1b2c3',
      stage: 'local',
      from: 'ml-pipeline@example.com',
      to: ['ml-team@example.com', 'oncall@example.com'],
      subject: sent.Subject!.Data,
      text: sent.Body!.Text!.Data,
      html: sent.Body!.Html!.Data,
      messageId: 'm-1',
    });
    expect(record.detail).toEqual(sampleJson('Model Rejected').detail);
    expect(parseNotificationArchiveKey(archived.Key!)).toMatchObject({ runId: record.runId, detailType: 'Model Rejected', eventId: record.eventId });
  });

  it('still succeeds when the copy cannot be archived: the email went out, and a redelivery would be skipped', async () => {
    s3.on(PutObjectCommand, { Bucket: 'data' }).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));

    await expect(notifyBatch([sqsRecord('msg-7', sampleJson('Pipeline Failed'))], deps)).resolves.toEqual({ batchItemFailures: [] });
    expect(ses).toHaveReceivedCommandTimes(SendEmailCommand, 1);
    expect(s3).not.toHaveReceivedCommand(DeleteObjectCommand);
  });

  it('releases the markers when SES refuses, so that the redelivery sends', async () => {
    ses.on(SendEmailCommand).rejects(Object.assign(new Error('Email address is not verified.'), { name: 'MessageRejected' }));

    await expect(notifyBatch([sqsRecord('msg-4', sampleJson('Model Rejected'))], deps)).resolves.toEqual({
      batchItemFailures: [{ itemIdentifier: 'msg-4' }],
    });
    expect(s3.commandCalls(DeleteObjectCommand).map((c) => c.args[0].input)).toEqual([
      { Bucket: 'markers', Key: 'sent/7a2b3c4d-5e6f-4a7b-9c8d-0e1f2a3b4c5d' },
      { Bucket: 'markers', Key: 'sent/model-rejected/20261125-110409-a1b2c3' },
    ]);
  });

  it('fails the message without sending when the marker cannot be written', async () => {
    s3.on(PutObjectCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }));

    await expect(notifyBatch([sqsRecord('msg-5', sampleJson('Model Rejected'))], deps)).resolves.toEqual({
      batchItemFailures: [{ itemIdentifier: 'msg-5' }],
    });
    expect(ses).not.toHaveReceivedCommand(SendEmailCommand);
  });
});
