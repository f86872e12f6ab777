import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { eventHandler, s3ObjectCreatedEvent } from '@pipeline/shared';
import { loadConfig } from '../config';
import { ingestDrop } from '../ingest-drop';

/** `Object Created` under incoming/ of the data bucket. */
export const handler = eventHandler({
  service: 'ingestion',
  schema: s3ObjectCreatedEvent,
  clients: { s3: S3Client, glue: GlueClient, eventBridge: EventBridgeClient, sqs: SQSClient },
  config: loadConfig,
  handle: (event, deps) => ingestDrop(deps, event),
});
