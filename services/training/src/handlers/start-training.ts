import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { eventHandler, glueJobStateChangeEvent } from '@pipeline/shared';
import { loadConfig } from '../config';
import { startTraining } from '../start-training';

/** `Glue Job State Change` of the preprocessing job: SUCCEEDED, FAILED, TIMEOUT, STOPPED or ERROR. */
export const handler = eventHandler({
  service: 'training',
  schema: glueJobStateChangeEvent,
  clients: { glue: GlueClient, s3: S3Client, sagemaker: SageMakerClient, eventBridge: EventBridgeClient },
  config: loadConfig,
  handle: (event, deps) => startTraining(deps, event),
});
