import { S3Client } from '@aws-sdk/client-s3';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import type { SQSEvent } from 'aws-lambda';
import { eventHandler } from '@pipeline/shared';
import { z } from 'zod';
import { loadConfig } from '../config';
import { notifyBatch } from '../notify';

/** The SQS envelope; each body is checked on its own so one bad message does not fail the batch. */
const sqsEvent = z.object({
  Records: z.array(z.looseObject({ messageId: z.string().min(1), body: z.string() })).min(1),
});

/** The notification queue's consumer: one email per pipeline event, partial batch failures reported. */
export const handler = eventHandler({
  service: 'notification',
  schema: sqsEvent,
  clients: { ses: SESv2Client, s3: S3Client },
  config: loadConfig,
  handle: (event: SQSEvent, deps) => notifyBatch(event.Records, deps),
});
