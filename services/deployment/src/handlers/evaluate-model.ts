import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { eventHandler, transformJobStateChangeEvent } from '@pipeline/shared';
import { loadConfig } from '../config';
import { handleTransformJobStateChange } from '../evaluation/evaluate';

/** SageMaker Transform Job State Change of an evaluation job: the report, the gate, then deployment or Model Rejected. */
export const handler = eventHandler({
  service: 'deployment',
  schema: transformJobStateChangeEvent,
  clients: { sagemaker: SageMakerClient, eventBridge: EventBridgeClient, s3: S3Client },
  config: loadConfig,
  handle: handleTransformJobStateChange,
});
