import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { eventHandler, glueJobStateChangeEvent } from '@pipeline/shared';
import { loadConfig } from '../config';
import { startFollowUpRun } from '../follow-up-run';

/** `Glue Job State Change` of the preprocessing job, any terminal state. */
export const handler = eventHandler({
  service: 'ingestion',
  schema: glueJobStateChangeEvent,
  clients: { s3: S3Client, glue: GlueClient },
  config: loadConfig,
  handle: (event, deps) => startFollowUpRun(deps, event),
});
