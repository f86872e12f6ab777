import middy from '@middy/core';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { clientConfig, createLogger, logContext, s3ObjectCreatedEvent, validateEvent, type S3ObjectCreatedEvent } from '@pipeline/shared';
import { loadConfig } from '../config';
import { ingestDrop, type IngestionDeps } from '../ingest-drop';

const logger = createLogger('ingestion');
let deps: IngestionDeps | undefined;

function dependencies(): IngestionDeps {
  deps ??= {
    s3: new S3Client(clientConfig),
    glue: new GlueClient(clientConfig),
    eventBridge: new EventBridgeClient(clientConfig),
    config: loadConfig(),
    logger,
    now: () => new Date(),
  };
  return deps;
}

/** `Object Created` under incoming/ of the data bucket. */
export const handler = middy(async (event: S3ObjectCreatedEvent) => ingestDrop(dependencies(), event))
  .use(logContext(logger))
  .use(validateEvent(s3ObjectCreatedEvent, logger));
