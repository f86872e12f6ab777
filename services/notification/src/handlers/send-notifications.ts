import middy from '@middy/core';
import { S3Client } from '@aws-sdk/client-s3';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import type { SQSEvent } from 'aws-lambda';
import { clientConfig, createLogger, logContext, validateEvent } from '@pipeline/shared';
import { z } from 'zod';
import { loadConfig } from '../config';
import { notifyBatch } from '../notify';

const logger = createLogger('notification');
const deps = { ses: new SESv2Client(clientConfig), s3: new S3Client(clientConfig), config: loadConfig(), logger };

/** The SQS envelope; each body is checked on its own so one bad message does not fail the batch. */
const sqsEvent = z.object({
  Records: z.array(z.looseObject({ messageId: z.string().min(1), body: z.string() })).min(1),
});

/** The notification queue's consumer: one email per pipeline event, partial batch failures reported. */
export const handler = middy(async (event: SQSEvent) => notifyBatch(event.Records, deps))
  .use(logContext(logger))
  .use(validateEvent(sqsEvent, logger));
