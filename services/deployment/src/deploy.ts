import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import {
  blazingTextImage,
  NORMALIZATION_VERSION_TAG,
  runIdFromTrainingJobName,
  type HandlerDeps,
  type TrainingJobStateChangeEvent,
} from '@pipeline/shared';
import { announce } from './announce';
import type { DeploymentConfig } from './config';
import { runRows } from './manifest';
import { startEvaluation, type EvaluationStart } from './evaluation/start';
import { createModelVersion, isServingOrDeploying, pointEndpointAt, type PipelineModel, type RolloutAction } from './rollout';
import { describeTrainingJob, findEndpoint, tagsOf, validationAccuracy, ACCURACY_METRIC, type TrainingJobDescription } from './sagemaker';

export interface DeploymentDeps extends HandlerDeps<DeploymentConfig> {
  sagemaker: SageMakerClient;
  eventBridge: EventBridgeClient;
  /** Reads the run's manifest, for the rows its emails report. */
  s3: S3Client;
}

export type DeployOutcome =
  | { outcome: 'training-failed' }
  | { outcome: 'no-metric' }
  | { outcome: 'already-deployed' }
  | ({ outcome: 'evaluating' } & EvaluationStart);

/** Reacts to a pipeline training job reaching Completed, Failed or Stopped. */
export async function handleTrainingJobStateChange(event: TrainingJobStateChangeEvent, deps: DeploymentDeps): Promise<DeployOutcome> {
  const { config } = deps;
  const jobName = event.detail.TrainingJobName;
  const runId = runIdFromTrainingJobName(config.stage, jobName);
  if (runId === undefined) throw new Error(`training job ${jobName} is not one of stage ${config.stage}'s`);
  const job = await describeTrainingJob(deps.sagemaker, jobName);

  const status = job.TrainingJobStatus;
  if (status === 'Failed' || status === 'Stopped') {
    await announce(deps, 'Pipeline Failed', runId, {
      failedStep: 'training',
      resource: jobName,
      reason: job.FailureReason ?? event.detail.FailureReason ?? `training job ${status} (${job.SecondaryStatus ?? 'no detail'})`,
      state: status,
      ...(await runRows(deps, runId)),
    });
    return { outcome: 'training-failed' };
  }
  if (status !== 'Completed') {
    // The event said the job ended but SageMaker does not (yet): fail so the retry looks again.
    throw new Error(`training job ${jobName} is ${status}, though the event said ${event.detail.TrainingJobStatus}`);
  }

  const accuracy = validationAccuracy(job);
  const modelDataUrl = job.ModelArtifacts?.S3ModelArtifacts;
  if (accuracy === undefined || modelDataUrl === undefined) {
    await announce(deps, 'Pipeline Failed', runId, {
      failedStep: 'deployment',
      resource: jobName,
      reason:
        accuracy === undefined
          ? `training job ${jobName} reported no ${ACCURACY_METRIC}, so the quality gate cannot judge it`
          : `training job ${jobName} has no model artifact`,
      state: 'Completed',
      ...(await runRows(deps, runId)),
    });
    return { outcome: 'no-metric' };
  }

  const endpoint = await findEndpoint(deps.sagemaker, config.endpointName);
  if (isServingOrDeploying(endpoint, jobName)) {
    deps.logger.info('endpoint already serves or deploys this model; nothing to do', { jobName });
    return { outcome: 'already-deployed' };
  }
  const evaluation = await startEvaluation(deps, { runId, jobName, job, modelDataUrl, endpoint });
  deps.logger.info('evaluation started', { jobName, ...evaluation });
  return { outcome: 'evaluating', ...evaluation };
}

/** The model, its endpoint config and the endpoint's switch to it, once its registry version is Approved (registry/approved.ts). */
export async function deployModel(
  deps: DeploymentDeps,
  model: {
    jobName: string;
    job: TrainingJobDescription;
    modelDataUrl: string;
    /** The registry version being deployed, recorded on the endpoint config (MODEL_PACKAGE_TAG). */
    modelPackageArn?: string;
    /** The training data's normalisation version when known (the version's metadata); else the job's tag is read. */
    normalizationVersion?: string;
    replaces?: { modelName: string; accuracy: number | undefined };
  },
): Promise<RolloutAction | 'already-deployed'> {
  const { config } = deps;
  const { jobName, job } = model;
  const normalizationVersion = model.normalizationVersion ?? (await tagsOf(deps.sagemaker, job.TrainingJobArn))[NORMALIZATION_VERSION_TAG];
  if (normalizationVersion === undefined) {
    deps.logger.warn('the training job records no normalisation version: prediction clients will refuse the model', { jobName });
  }
  await createModelVersion(deps.sagemaker, {
    ...modelOf(deps, jobName, model.modelDataUrl, normalizationVersion),
    instanceType: config.instanceType,
    instanceCount: config.instanceCount,
    ...(model.replaces ? { replaces: model.replaces } : {}),
    ...(model.modelPackageArn ? { modelPackageArn: model.modelPackageArn } : {}),
  });
  // Looked at right before the switch, not before the model and config calls: a concurrent invocation for the
  // same run (a duplicate event) may have switched the endpoint meanwhile, and a stale look would switch it again.
  // If both look at once, SageMaker refuses the second UpdateEndpoint (in progress) and its retry sees this model.
  const endpoint = await findEndpoint(deps.sagemaker, config.endpointName);
  if (isServingOrDeploying(endpoint, jobName)) return 'already-deployed';
  const action = await pointEndpointAt(deps.sagemaker, config.endpointName, jobName, endpoint);
  deps.logger.info('deployment started', { jobName, action, endpointName: config.endpointName });
  return action;
}

/** The SageMaker model of a run's training job (named after it). */
export function modelOf(deps: Pick<DeploymentDeps, 'config'>, jobName: string, modelDataUrl: string, normalizationVersion: string | undefined): PipelineModel {
  return { name: jobName, normalizationVersion, image: blazingTextImage(deps.config.region), modelDataUrl, executionRoleArn: deps.config.modelExecutionRoleArn };
}
