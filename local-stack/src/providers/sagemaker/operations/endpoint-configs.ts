/** CreateEndpointConfig / DescribeEndpointConfig / ListEndpointConfigs / DeleteEndpointConfig. */
import { z } from 'zod';
import type { EndpointConfigRecord } from '../model/endpoint-configs';
import { recordOperations } from './records';
import { NAME_PATTERN, resourceName, tagList } from './validation';

const variantSchema = z.looseObject({
  VariantName: z.string().max(63).regex(NAME_PATTERN),
  ModelName: resourceName,
  InitialInstanceCount: z.number().int().min(1).optional(),
  InstanceType: z.string().optional(),
  InitialVariantWeight: z.number().min(0).optional(),
  ServerlessConfig: z.looseObject({}).optional(),
});

const createInput = z.looseObject({
  EndpointConfigName: resourceName,
  ProductionVariants: z.array(variantSchema).min(1).max(10),
  Tags: tagList,
});

export const ENDPOINT_CONFIG_OPERATIONS = recordOperations('EndpointConfig', {
  resources: (sagemaker) => sagemaker.configs,
  createInput,
  echoedMembers: ['DataCaptureConfig', 'KmsKeyId', 'AsyncInferenceConfig', 'ExplainerConfig'],
  describe: (config: EndpointConfigRecord) => ({
    EndpointConfigName: config.EndpointConfigName,
    EndpointConfigArn: config.EndpointConfigArn,
    ProductionVariants: config.ProductionVariants,
    ...config.Definition,
    CreationTime: config.CreationTime / 1000,
  }),
});
