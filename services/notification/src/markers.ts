import { DeleteObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { detailTypeSlug, isPreconditionFailed, type PipelineEventEnvelope } from '@pipeline/shared';
import { announcementOf } from './render';

export const MARKER_PREFIX = 'sent/';

/**
 * The markers that say an event's email went out: one for the event itself (a duplicate delivery)
 * and one for what it announces (the same news published again, e.g. Model Deployed of a run after
 * a repeated endpoint event).
 */
export function markerKeys(event: PipelineEventEnvelope): string[] {
  const kind = detailTypeSlug(event['detail-type']);
  return [`${MARKER_PREFIX}${event.id}`, `${MARKER_PREFIX}${kind}/${announcementOf(event['detail-type'], event.detail)}`];
}

/**
 * Writes the marker only if it does not exist (S3 conditional write). Returns false when it existed:
 * the email was sent already (or is being sent by a concurrent delivery).
 */
export async function claimMarker(s3: S3Client, bucket: string, key: string, event: PipelineEventEnvelope): Promise<boolean> {
  try {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        IfNoneMatch: '*',
        ContentType: 'application/json',
        Body: JSON.stringify({ eventId: event.id, detailType: event['detail-type'], runId: event.detail.runId }),
      }),
    );
    return true;
  } catch (error) {
    if (isPreconditionFailed(error)) return false;
    throw error;
  }
}

export async function releaseMarker(s3: S3Client, bucket: string, key: string): Promise<void> {
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
}
