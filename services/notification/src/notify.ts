import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import {
  describeIssues,
  notificationArchiveKey,
  pipelineEventEnvelope,
  type ArchivedNotification,
  type HandlerDeps,
  type PipelineEventEnvelope,
} from '@pipeline/shared';
import type { NotificationConfig } from './config';
import { claimMarker, markerKeys, releaseMarker } from './markers';
import { renderEmail, type Email } from './render';

export interface NotifyDeps extends HandlerDeps<NotificationConfig> {
  ses: SESv2Client;
  s3: S3Client;
}

export type RecordOutcome = 'sent' | 'duplicate';

/** The pipeline event in an SQS message body (EventBridge puts the whole event there). */
export function parseRecord(body: string): PipelineEventEnvelope {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new Error('message body is not JSON');
  }
  const parsed = pipelineEventEnvelope.safeParse(json);
  if (!parsed.success) throw new Error(`not a pipeline event: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

async function sendEmail(deps: NotifyDeps, email: Email): Promise<string | undefined> {
  const utf8 = (Data: string) => ({ Data, Charset: 'UTF-8' });
  const sent = await deps.ses.send(
    new SendEmailCommand({
      FromEmailAddress: deps.config.sender,
      Destination: { ToAddresses: deps.config.recipients },
      Content: { Simple: { Subject: utf8(email.subject), Body: { Text: utf8(email.text), Html: utf8(email.html) } } },
    }),
  );
  return sent.MessageId;
}

/**
 * Keeps a copy of the sent email in the data bucket (SES has no API to read sent mail). A copy that cannot
 * be written is logged, not retried: the email went out, and a redelivery would be skipped as a duplicate.
 */
async function archiveEmail(deps: NotifyDeps, event: PipelineEventEnvelope, email: Email, messageId: string | undefined): Promise<void> {
  const record: ArchivedNotification = {
    version: 1,
    eventId: event.id,
    detailType: event['detail-type'],
    source: event.source,
    time: event.time,
    runId: event.detail.runId,
    stage: event.detail.stage,
    detail: event.detail,
    from: deps.config.sender,
    to: deps.config.recipients,
    ...email,
    sentAt: new Date().toISOString(),
    ...(messageId ? { messageId } : {}),
  };
  const key = notificationArchiveKey(event.detail.runId, event['detail-type'], event.id);
  try {
    await deps.s3.send(
      new PutObjectCommand({ Bucket: deps.config.archiveBucket, Key: key, Body: JSON.stringify(record, null, 2), ContentType: 'application/json' }),
    );
  } catch (error) {
    deps.logger.error('email sent, but its copy could not be archived', { eventId: event.id, bucket: deps.config.archiveBucket, key, error: error as Error });
  }
}

/**
 * Sends the email for one message, once: the markers are claimed before sending, so a duplicate
 * finds them and skips; if sending fails they are released, so the retry sends.
 */
export async function notifyRecord(record: SQSRecord, deps: NotifyDeps): Promise<RecordOutcome> {
  const event = parseRecord(record.body);
  const email = renderEmail(event);
  const { markerBucket } = deps.config;
  const claimed: string[] = [];
  for (const key of markerKeys(event)) {
    if (!(await claimMarker(deps.s3, markerBucket, key, event))) {
      deps.logger.info('already sent; skipping', { eventId: event.id, marker: key });
      return 'duplicate';
    }
    claimed.push(key);
  }
  let messageId: string | undefined;
  try {
    messageId = await sendEmail(deps, email);
  } catch (error) {
    await Promise.all(claimed.map((key) => releaseMarker(deps.s3, markerBucket, key)));
    throw error;
  }
  await archiveEmail(deps, event, email, messageId);
  deps.logger.info('email sent', { eventId: event.id, detailType: event['detail-type'], subject: email.subject });
  return 'sent';
}

/**
 * Handles a batch; a message that fails (malformed, unrenderable, or SES refused) is reported as a
 * batch item failure so SQS redelivers only it (and moves it to the DLQ after maxReceiveCount).
 */
export async function notifyBatch(records: readonly SQSRecord[], deps: NotifyDeps): Promise<SQSBatchResponse> {
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of records) {
    try {
      await notifyRecord(record, deps);
    } catch (error) {
      deps.logger.error('could not notify', { messageId: record.messageId, error: error as Error });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
}
