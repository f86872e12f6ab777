import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { eventHandler, modelPackageStateChangeEvent } from '@pipeline/shared';
import { loadConfig } from '../config';
import { handleModelPackageStateChange } from '../registry/approved';

/** SageMaker Model Package State Change of the stage's group: an Approved version is deployed, whoever approved it. */
export const handler = eventHandler({
  service: 'deployment',
  schema: modelPackageStateChangeEvent,
  clients: { sagemaker: SageMakerClient, eventBridge: EventBridgeClient, s3: S3Client },
  config: loadConfig,
  handle: handleModelPackageStateChange,
});
