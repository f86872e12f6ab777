import middy from '@middy/core';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { clientConfig, createLogger, glueJobStateChangeEvent, logContext, validateEvent, type GlueJobStateChangeEvent } from '@pipeline/shared';
import { loadConfig } from '../config';
import { startFollowUpRun, type FollowUpDeps } from '../follow-up-run';

const logger = createLogger('ingestion');
let deps: FollowUpDeps | undefined;

function dependencies(): FollowUpDeps {
  deps ??= { s3: new S3Client(clientConfig), glue: new GlueClient(clientConfig), config: loadConfig(), logger };
  return deps;
}

/** `Glue Job State Change` of the preprocessing job, any terminal state. */
export const handler = middy(async (event: GlueJobStateChangeEvent) => startFollowUpRun(dependencies(), event))
  .use(logContext(logger))
  .use(validateEvent(glueJobStateChangeEvent, logger));
