import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { eventHandler, retrainRequestedEvent, scheduledEvent } from '@pipeline/shared';
import { loadConfig } from '../config';
import { startRequestedRun } from '../requested-run';

/** `Retrain Requested` (ml-pipeline.operator) or the retrainSchedule rule's `Scheduled Event`: a run over the corpus as it is. */
export const handler = eventHandler({
  service: 'ingestion',
  schema: retrainRequestedEvent.or(scheduledEvent),
  clients: { s3: S3Client, glue: GlueClient },
  config: loadConfig,
  handle: (event, deps) => startRequestedRun(deps, event),
});
