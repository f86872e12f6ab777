import { listEnv, requiredEnv } from '@pipeline/shared';

export interface NotificationConfig {
  sender: string;
  recipients: string[];
  /** Bucket of the "already sent" markers that make sending idempotent. */
  markerBucket: string;
  /** The data bucket, where every email sent is archived under notifications/ (shared/src/notification-archive.ts). */
  archiveBucket: string;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): NotificationConfig {
  const recipients = listEnv('RECIPIENTS', env);
  if (recipients.length === 0) throw new Error('environment variable RECIPIENTS names no recipient');
  return { sender: requiredEnv('SENDER', env), recipients, markerBucket: requiredEnv('MARKER_BUCKET', env), archiveBucket: requiredEnv('DATA_BUCKET', env) };
}
