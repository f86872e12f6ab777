import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { endpointStateChangeEvent, eventHandler } from '@pipeline/shared';
import { loadConfig } from '../config';
import { handleEndpointStateChange } from '../report';

/** SageMaker Endpoint State Change (IN_SERVICE / FAILED) of the pipeline's endpoint. */
export const handler = eventHandler({
  service: 'deployment',
  schema: endpointStateChangeEvent,
  clients: { sagemaker: SageMakerClient, eventBridge: EventBridgeClient, s3: S3Client },
  config: loadConfig,
  handle: handleEndpointStateChange,
});
