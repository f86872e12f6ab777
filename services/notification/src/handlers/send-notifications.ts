import { S3Client } from '@aws-sdk/client-s3';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import type { SQSEvent } from 'aws-lambda';
import { eventHandler, sqsBatchEvent } from '@pipeline/shared';
import { loadConfig } from '../config';
import { notifyBatch } from '../notify';

/** The notification queue's consumer: one email per pipeline event, partial batch failures reported. */
export const handler = eventHandler({
  service: 'notification',
  schema: sqsBatchEvent,
  clients: { ses: SESv2Client, s3: S3Client },
  config: loadConfig,
  handle: (event: SQSEvent, deps) => notifyBatch(event.Records, deps),
});
