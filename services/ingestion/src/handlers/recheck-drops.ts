import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { eventHandler, sqsBatchEvent } from '@pipeline/shared';
import { loadConfig } from '../config';
import { recheckBatch } from '../rechecks';

/** The recheck queue's consumer: drops judged again (a numeric drop's wait for its classes.txt). */
export const handler = eventHandler({
  service: 'ingestion',
  schema: sqsBatchEvent,
  clients: { s3: S3Client, glue: GlueClient, eventBridge: EventBridgeClient, sqs: SQSClient },
  config: loadConfig,
  handle: (event: SQSEvent, deps) => recheckBatch(event.Records, deps),
});
