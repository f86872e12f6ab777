import middy from '@middy/core';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import {
  clientConfig,
  createLogger,
  logContext,
  trainingJobStateChangeEvent,
  validateEvent,
  type TrainingJobStateChangeEvent,
} from '@pipeline/shared';
import { loadConfig } from '../config';
import { handleTrainingJobStateChange } from '../deploy';

const logger = createLogger('deployment');
const deps = {
  sagemaker: new SageMakerClient(clientConfig),
  events: new EventBridgeClient(clientConfig),
  config: loadConfig(),
  logger,
  now: () => new Date(),
};

/** SageMaker Training Job State Change (Completed / Failed / Stopped) of a pipeline job. */
export const handler = middy(async (event: TrainingJobStateChangeEvent) => {
  const result = await handleTrainingJobStateChange(event, deps);
  logger.info('training job state change handled', { jobName: event.detail.TrainingJobName, ...result });
  return result;
})
  .use(logContext(logger))
  .use(validateEvent(trainingJobStateChangeEvent, logger));
