import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { eventHandler, trainingJobStateChangeEvent } from '@pipeline/shared';
import { loadConfig } from '../config';
import { handleTrainingJobStateChange } from '../deploy';

/** SageMaker Training Job State Change (Completed / Failed / Stopped) of a pipeline job. */
export const handler = eventHandler({
  service: 'deployment',
  schema: trainingJobStateChangeEvent,
  clients: { sagemaker: SageMakerClient, eventBridge: EventBridgeClient },
  config: loadConfig,
  handle: handleTrainingJobStateChange,
});
