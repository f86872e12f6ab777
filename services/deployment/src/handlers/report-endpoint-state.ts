import middy from '@middy/core';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import {
  clientConfig,
  createLogger,
  endpointStateChangeEvent,
  logContext,
  validateEvent,
  type EndpointStateChangeEvent,
} from '@pipeline/shared';
import { loadConfig } from '../config';
import { handleEndpointStateChange } from '../report';

const logger = createLogger('deployment');
const deps = {
  sagemaker: new SageMakerClient(clientConfig),
  events: new EventBridgeClient(clientConfig),
  s3: new S3Client(clientConfig),
  config: loadConfig(),
  logger,
  now: () => new Date(),
};

/** SageMaker Endpoint State Change (IN_SERVICE / FAILED) of the pipeline's endpoint. */
export const handler = middy(async (event: EndpointStateChangeEvent) => {
  const result = await handleEndpointStateChange(event, deps);
  logger.info('endpoint state change handled', { endpointName: event.detail.EndpointName, ...result });
  return result;
})
  .use(logContext(logger))
  .use(validateEvent(endpointStateChangeEvent, logger));
