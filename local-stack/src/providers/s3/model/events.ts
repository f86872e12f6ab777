/** S3's EventBridge notifications (`Object Created` / `Object Deleted`), in AWS's exact shape. */
import type { LocalStackLogger } from '../../../core/logger';
import type { EventPublisher } from '../../../core/types';
import type { ObjectRecord } from './types';
import type { S3Store } from './store';

export type CreationReason = 'PutObject' | 'CopyObject' | 'CompleteMultipartUpload';

export interface EventContext {
  bucket: string;
  region: string;
  accountId: string;
  requestId: string;
  sourceIp: string;
}

/** S3 sequencers are hex strings that order events for the same key. */
export function sequencer(sequence: number): string {
  return sequence.toString(16).toUpperCase().padStart(18, '0');
}

function eventTime(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function envelope(context: EventContext) {
  return {
    source: 'aws.s3',
    account: context.accountId,
    region: context.region,
    time: eventTime(),
    resources: [`arn:aws:s3:::${context.bucket}`],
  };
}

function requestFields(context: EventContext) {
  return {
    'request-id': context.requestId,
    requester: context.accountId,
    'source-ip-address': context.sourceIp,
  };
}

export async function publishObjectCreated(
  publisher: EventPublisher,
  context: EventContext,
  record: ObjectRecord,
  reason: CreationReason,
): Promise<void> {
  await publisher.publish({
    ...envelope(context),
    'detail-type': 'Object Created',
    detail: {
      version: '0',
      bucket: { name: context.bucket },
      object: {
        key: record.key,
        size: record.size,
        etag: record.etag,
        ...(record.versionId ? { 'version-id': record.versionId } : {}),
        sequencer: sequencer(record.sequence),
      },
      ...requestFields(context),
      reason,
    },
  });
}

export async function publishObjectDeleted(
  publisher: EventPublisher,
  context: EventContext,
  deletion: Deletion,
): Promise<void> {
  await publisher.publish({
    ...envelope(context),
    'detail-type': 'Object Deleted',
    detail: {
      version: '0',
      bucket: { name: context.bucket },
      object: {
        key: deletion.key,
        ...(deletion.versionId ? { 'version-id': deletion.versionId } : {}),
        sequencer: sequencer(deletion.sequence),
      },
      ...requestFields(context),
      reason: deletion.reason ?? 'DeleteObject',
      'deletion-type': deletion.deleteMarkerCreated ? 'Delete Marker Created' : 'Permanently Deleted',
    },
  });
}

export interface Deletion {
  key: string;
  sequence: number;
  versionId?: string;
  deleteMarkerCreated: boolean;
  /** `DeleteObject` (the default), or `Lifecycle Expiration` for what a lifecycle rule removes. */
  reason?: 'DeleteObject' | 'Lifecycle Expiration';
}

/**
 * Publishes for buckets whose notification configuration enables EventBridge. A publishing
 * failure is logged, not returned: the write has happened, as on AWS.
 */
export class S3EventNotifier {
  constructor(
    private readonly objects: S3Store,
    private readonly publisher: EventPublisher | undefined,
    private readonly logger: LocalStackLogger,
  ) {}

  /** The context of an event caused by a request (its ids and the client's address). */
  contextOf(request: { accountId: string; requestId: string; sourceIp?: string }, bucket: string): EventContext {
    return {
      bucket,
      region: this.objects.bucketConfig(bucket).region,
      accountId: request.accountId,
      requestId: request.requestId,
      sourceIp: (request.sourceIp ?? '127.0.0.1').replace(/^::ffff:/, ''),
    };
  }

  private enabled(bucket: string): EventPublisher | undefined {
    return this.objects.bucketConfig(bucket).eventBridgeEnabled ? this.publisher : undefined;
  }

  async created(context: EventContext, record: ObjectRecord, reason: CreationReason): Promise<void> {
    const publisher = this.enabled(context.bucket);
    if (!publisher) return;
    try {
      await publishObjectCreated(publisher, context, record, reason);
    } catch (error) {
      this.logger.error('failed to publish Object Created', { bucket: context.bucket, key: record.key, error: String(error) });
    }
  }

  async deleted(context: EventContext, deletion: Deletion): Promise<void> {
    const publisher = this.enabled(context.bucket);
    if (!publisher) return;
    try {
      await publishObjectDeleted(publisher, context, deletion);
    } catch (error) {
      this.logger.error('failed to publish Object Deleted', { bucket: context.bucket, key: deletion.key, error: String(error) });
    }
  }
}
