import {
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeTrainingJobCommand,
  type DescribeEndpointCommandOutput,
  type DescribeTrainingJobCommandOutput,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';

export const ACCURACY_METRIC = 'validation:accuracy';

export type EndpointDescription = DescribeEndpointCommandOutput;
export type TrainingJobDescription = DescribeTrainingJobCommandOutput;

/**
 * SageMaker answers most "not found" and "already exists" cases with a generic ValidationException
 * whose message says what happened (e.g. `Could not find endpoint "x".`,
 * `Cannot create already existing model "arn:..."`), so the message is what tells them apart.
 */
export function isSageMakerError(error: unknown, messagePattern: RegExp): boolean {
  const { name, message } = (error ?? {}) as { name?: string; message?: string };
  return name === 'ValidationException' && messagePattern.test(message ?? '');
}

export const isAlreadyExisting = (error: unknown): boolean => isSageMakerError(error, /^Cannot create already existing/);
export const isInProgressEndpoint = (error: unknown): boolean => isSageMakerError(error, /^Cannot update in-progress endpoint/);
export const isMissingResource = (error: unknown): boolean =>
  (error as { name?: string } | undefined)?.name === 'ResourceNotFound' ||
  isSageMakerError(error, /^(Could not find|Requested resource not found)/);

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
    if (isMissingResource(error)) return undefined;
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
    if (isMissingResource(error)) return { endpointConfigName, modelName, accuracy: undefined };
    throw error;
  }
}
