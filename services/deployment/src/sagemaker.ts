import {
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeTrainingJobCommand,
  ListTagsCommand,
  type DescribeEndpointCommandOutput,
  type DescribeTrainingJobCommandOutput,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { isSageMakerMissing } from '@pipeline/shared';

export const ACCURACY_METRIC = 'validation:accuracy';

export type EndpointDescription = DescribeEndpointCommandOutput;
export type TrainingJobDescription = DescribeTrainingJobCommandOutput;

/** The validation accuracy BlazingText reported, if it did. */
export function validationAccuracy(job: TrainingJobDescription): number | undefined {
  return job.FinalMetricDataList?.find((metric) => metric.MetricName === ACCURACY_METRIC)?.Value;
}

export async function describeTrainingJob(sagemaker: SageMakerClient, jobName: string): Promise<TrainingJobDescription> {
  return sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: jobName }));
}

/** The endpoint, or undefined when it does not exist yet. */
export async function findEndpoint(sagemaker: SageMakerClient, name: string): Promise<EndpointDescription | undefined> {
  try {
    return await sagemaker.send(new DescribeEndpointCommand({ EndpointName: name }));
  } catch (error) {
    if (isSageMakerMissing(error)) return undefined;
    throw error;
  }
}

export interface EndpointConfigModel {
  endpointConfigName: string;
  endpointConfigArn: string | undefined;
  modelName: string;
}

/** The model an endpoint config serves (the pipeline's configs have exactly one variant). */
export async function modelOfEndpointConfig(sagemaker: SageMakerClient, endpointConfigName: string): Promise<EndpointConfigModel> {
  const config = await sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: endpointConfigName }));
  const modelName = config.ProductionVariants?.[0]?.ModelName;
  if (!modelName) throw new Error(`endpoint config ${endpointConfigName} names no model`);
  return { endpointConfigName, endpointConfigArn: config.EndpointConfigArn, modelName };
}

export interface ServingModel {
  endpointConfigName: string;
  modelName: string;
  /** Undefined when the model was not trained by this pipeline or its job no longer reports the metric. */
  accuracy: number | undefined;
}

/**
 * The model the endpoint serves now and its validation accuracy. The pipeline names every model after
 * its training job, so the model name leads back to the job and its metrics.
 */
export async function servingModel(
  sagemaker: SageMakerClient,
  endpoint: EndpointDescription,
  isPipelineModel: (modelName: string) => boolean,
): Promise<ServingModel | undefined> {
  // A Failed endpoint serves nothing, whatever config it names.
  if (!endpoint.EndpointConfigName || endpoint.EndpointStatus === 'Failed') return undefined;
  const { endpointConfigName, modelName } = await modelOfEndpointConfig(sagemaker, endpoint.EndpointConfigName);
  if (!isPipelineModel(modelName)) return { endpointConfigName, modelName, accuracy: undefined };
  try {
    const job = await describeTrainingJob(sagemaker, modelName);
    return { endpointConfigName, modelName, accuracy: validationAccuracy(job) };
  } catch (error) {
    if (isSageMakerMissing(error)) return { endpointConfigName, modelName, accuracy: undefined };
    throw error;
  }
}

/** A resource's tags as a record (none when the ARN is unknown). */
export async function tagsOf(sagemaker: SageMakerClient, resourceArn: string | undefined): Promise<Record<string, string>> {
  if (!resourceArn) return {};
  const { Tags } = await sagemaker.send(new ListTagsCommand({ ResourceArn: resourceArn }));
  return Object.fromEntries((Tags ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? '']));
}
