import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { eventHandler, trainingJobStateChangeEvent } from '@pipeline/shared';
import { loadConfig } from '../config';
import { handleTrainingJobStateChange } from '../deploy';

/** SageMaker Training Job State Change (Completed / Failed / Stopped) of a pipeline job: starts the evaluation, or reports the failure. */
export const handler = eventHandler({
  service: 'deployment',
  schema: trainingJobStateChangeEvent,
  clients: { sagemaker: SageMakerClient, eventBridge: EventBridgeClient, s3: S3Client },
  config: loadConfig,
  handle: handleTrainingJobStateChange,
});
