/** CreateModel / DescribeModel / ListModels / DeleteModel: BlazingText models (an image and a ModelDataUrl). */
import { z } from 'zod';
import type { ModelRecord } from '../model/models';
import { recordOperations } from './records';
import { resourceName, ROLE_ARN_PATTERN, S3_URI_PATTERN, tagList } from './validation';

const containerSchema = z.looseObject({
  Image: z.string().max(255).optional(),
  ModelDataUrl: z.string().max(1024).regex(S3_URI_PATTERN).optional(),
  Environment: z.record(z.string(), z.string()).optional(),
});

const createModelInput = z.looseObject({
  ModelName: resourceName,
  PrimaryContainer: containerSchema.optional(),
  Containers: z.array(containerSchema).max(15).optional(),
  ExecutionRoleArn: z.string().min(20).max(2048).regex(ROLE_ARN_PATTERN).optional(),
  Tags: tagList,
});

export const MODEL_OPERATIONS = recordOperations('Model', {
  resources: (sagemaker) => sagemaker.models,
  createInput: createModelInput,
  echoedMembers: ['VpcConfig', 'EnableNetworkIsolation', 'InferenceExecutionConfig'],
  describe: (model: ModelRecord) => ({
    ModelName: model.ModelName,
    PrimaryContainer: model.PrimaryContainer,
    ...(model.ExecutionRoleArn !== undefined ? { ExecutionRoleArn: model.ExecutionRoleArn } : {}),
    EnableNetworkIsolation: false,
    ...model.Definition,
    CreationTime: model.CreationTime / 1000,
    ModelArn: model.ModelArn,
  }),
});
