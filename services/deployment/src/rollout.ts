import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DeleteEndpointCommand,
  UpdateEndpointCommand,
  type ProductionVariantInstanceType,
  type SageMakerClient,
  type Tag,
} from '@aws-sdk/client-sagemaker';
import { isSageMakerAlreadyExisting, isSageMakerEndpointInProgress, MODEL_PACKAGE_TAG, NORMALIZATION_VERSION_TAG } from '@pipeline/shared';
import type { EndpointDescription } from './sagemaker';

/**
 * The endpoint cannot take this deployment right now (it is being created, updated or deleted).
 * The function fails with it on purpose: Lambda's asynchronous retries (two, about one and three
 * minutes later) run the whole deployment again, and the event goes to the failed-events queue if
 * the endpoint is still busy after them.
 */
export class EndpointBusyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EndpointBusyError';
  }
}

/** Tag keys on an endpoint config recording what it replaced, read back when it is in service. */
export const PREVIOUS_MODEL_TAG = 'ml-pipeline:previous-model';
export const PREVIOUS_ACCURACY_TAG = 'ml-pipeline:previous-accuracy';

/** A run's SageMaker model (named after its training job). */
export interface PipelineModel {
  name: string;
  image: string;
  modelDataUrl: string;
  executionRoleArn: string;
  /** The text normalisation the model's training data had (the training job's tag); clients check it. */
  normalizationVersion: string | undefined;
}

export interface ModelVersion extends PipelineModel {
  /** Model and endpoint config share the training job's name. */
  instanceType: string;
  instanceCount: number;
  replaces?: { modelName: string; accuracy: number | undefined };
  /** The registry version this config deploys (MODEL_PACKAGE_TAG). */
  modelPackageArn?: string;
}

/**
 * Creates the model and its endpoint config; either may exist already from an earlier delivery. Both
 * carry the normalisation version (NORMALIZATION_VERSION_TAG), which the prediction client reads from the
 * endpoint config the endpoint serves before it sends normalised text.
 */
export async function createModelVersion(sagemaker: SageMakerClient, version: ModelVersion): Promise<void> {
  await createModel(sagemaker, version);
  const tags: Tag[] = versionTags(version);
  if (version.modelPackageArn) tags.push({ Key: MODEL_PACKAGE_TAG, Value: version.modelPackageArn });
  if (version.replaces) {
    tags.push({ Key: PREVIOUS_MODEL_TAG, Value: version.replaces.modelName });
    if (version.replaces.accuracy !== undefined) {
      tags.push({ Key: PREVIOUS_ACCURACY_TAG, Value: String(version.replaces.accuracy) });
    }
  }
  await ignoreAlreadyExisting(
    sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: version.name,
        ProductionVariants: [
          {
            VariantName: 'AllTraffic',
            ModelName: version.name,
            InstanceType: version.instanceType as ProductionVariantInstanceType,
            InitialInstanceCount: version.instanceCount,
            InitialVariantWeight: 1,
          },
        ],
        ...(tags.length > 0 ? { Tags: tags } : {}),
      }),
    ),
  );
}

const versionTags = (model: PipelineModel): Tag[] =>
  model.normalizationVersion === undefined ? [] : [{ Key: NORMALIZATION_VERSION_TAG, Value: model.normalizationVersion }];

/** The model (batch transform evaluates it before it is deployed); an earlier delivery may have created it. */
export async function createModel(sagemaker: SageMakerClient, model: PipelineModel): Promise<void> {
  const tags = versionTags(model);
  await ignoreAlreadyExisting(
    sagemaker.send(
      new CreateModelCommand({
        ModelName: model.name,
        PrimaryContainer: { Image: model.image, ModelDataUrl: model.modelDataUrl },
        ExecutionRoleArn: model.executionRoleArn,
        ...(tags.length > 0 ? { Tags: tags } : {}),
      }),
    ),
  );
}

async function ignoreAlreadyExisting(request: Promise<unknown>): Promise<void> {
  try {
    await request;
  } catch (error) {
    if (!isSageMakerAlreadyExisting(error)) throw error;
  }
}

/** True when the endpoint already serves this config or is already rolling it out. */
export function isServingOrDeploying(endpoint: EndpointDescription | undefined, endpointConfigName: string): boolean {
  return (
    endpoint !== undefined &&
    endpoint.EndpointStatus !== 'Failed' &&
    (endpoint.EndpointConfigName === endpointConfigName ||
      endpoint.PendingDeploymentSummary?.EndpointConfigName === endpointConfigName)
  );
}

export type RolloutAction = 'created' | 'updated';

/**
 * Points the endpoint at the config: CreateEndpoint the first time, UpdateEndpoint after (SageMaker
 * keeps the old model serving until the new one is in service, and rolls back if it fails).
 */
export async function pointEndpointAt(
  sagemaker: SageMakerClient,
  endpointName: string,
  endpointConfigName: string,
  endpoint: EndpointDescription | undefined,
): Promise<RolloutAction> {
  if (endpoint === undefined) {
    try {
      await sagemaker.send(new CreateEndpointCommand({ EndpointName: endpointName, EndpointConfigName: endpointConfigName }));
      return 'created';
    } catch (error) {
      if (isSageMakerAlreadyExisting(error)) throw new EndpointBusyError(`endpoint ${endpointName} was created meanwhile`);
      throw error;
    }
  }
  const status = endpoint.EndpointStatus;
  if (status === 'Failed') {
    // DeleteEndpoint is the only call SageMaker accepts on a Failed endpoint; a retry then creates it anew.
    await sagemaker.send(new DeleteEndpointCommand({ EndpointName: endpointName }));
    throw new EndpointBusyError(`endpoint ${endpointName} was Failed (${endpoint.FailureReason ?? 'no reason given'}); deleted it`);
  }
  if (status !== 'InService') {
    throw new EndpointBusyError(`endpoint ${endpointName} is ${status}; cannot deploy ${endpointConfigName} now`);
  }
  try {
    await sagemaker.send(new UpdateEndpointCommand({ EndpointName: endpointName, EndpointConfigName: endpointConfigName }));
    return 'updated';
  } catch (error) {
    if (isSageMakerEndpointInProgress(error)) throw new EndpointBusyError(`endpoint ${endpointName} started another update meanwhile`);
    throw error;
  }
}
