import middy from '@middy/core';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { clientConfig, createLogger, glueJobStateChangeEvent, logContext, validateEvent, type GlueJobStateChangeEvent } from '@pipeline/shared';
import { loadConfig } from '../config';
import { startTraining, type TrainingDeps } from '../start-training';

const logger = createLogger('training');
let deps: TrainingDeps | undefined;

function dependencies(): TrainingDeps {
  deps ??= {
    glue: new GlueClient(clientConfig),
    s3: new S3Client(clientConfig),
    sagemaker: new SageMakerClient(clientConfig),
    eventBridge: new EventBridgeClient(clientConfig),
    config: loadConfig(),
    logger,
    now: () => new Date(),
  };
  return deps;
}

/** `Glue Job State Change` of the preprocessing job: SUCCEEDED, FAILED, TIMEOUT, STOPPED or ERROR. */
export const handler = middy(async (event: GlueJobStateChangeEvent) => startTraining(dependencies(), event))
  .use(logContext(logger))
  .use(validateEvent(glueJobStateChangeEvent, logger));
