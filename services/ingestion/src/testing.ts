/** Helpers for this service's unit tests. */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { Logger } from '@aws-lambda-powertools/logger';
import { mockClient } from 'aws-sdk-client-mock';
import type { IngestionDeps } from './ingest-drop';

export const GLUE_JOB = 'ml-pipeline-test-preprocess';

/**
 * Mocked S3, Glue and EventBridge clients, and `deps()` building the functions' dependencies on them
 * for the data bucket `bucket` at time `now`. Call at the top of a test file; the mocks are reset before each test.
 */
export function mockedIngestion(bucket: string, now = new Date()) {
  const s3 = mockClient(S3Client);
  const glue = mockClient(GlueClient);
  const eventBridge = mockClient(EventBridgeClient);
  const deps = (): IngestionDeps => ({
    s3: new S3Client({}),
    glue: new GlueClient({}),
    eventBridge: new EventBridgeClient({}),
    config: { stage: 'test', dataBucket: bucket, glueJobName: GLUE_JOB },
    logger: new Logger({ logLevel: 'SILENT' }),
    now: () => now,
  });
  beforeEach(() => {
    s3.reset();
    glue.reset();
    eventBridge.reset();
  });
  return { s3, glue, eventBridge, deps };
}
