/** What SageMaker's operations work on: the model's resources; and the shape of an operation. */
import type { AwsRequest } from '../../../core/types';
import type { EndpointConfigs } from '../model/endpoint-configs';
import type { ModelRegistry } from '../model/model-registry';
import type { Endpoints } from '../model/endpoints';
import type { Models } from '../model/models';
import type { TrainingJobs } from '../model/training-jobs';
import type { TransformJobs } from '../model/transform-jobs';
import type { ResourceTags } from './tags';

export interface SageMakerModel {
  trainingJobs: TrainingJobs;
  models: Models;
  configs: EndpointConfigs;
  endpoints: Endpoints;
  registry: ModelRegistry;
  transformJobs: TransformJobs;
  tags: ResourceTags;
}

/** Parses and validates `input` (SageMaker's wording), calls the model, shapes the answer. */
export type SageMakerOperation = (sagemaker: SageMakerModel, input: unknown, request: AwsRequest) => unknown;
