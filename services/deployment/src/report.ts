import { ListEndpointConfigsCommand } from '@aws-sdk/client-sagemaker';
import {
  evaluationReportKey,
  MODEL_PACKAGE_METADATA,
  MODEL_PACKAGE_TAG,
  TRIGGER_TAG,
  runIdFor,
  summarizeEvaluation,
  runIdFromTrainingJobName,
  trainingJobPrefix,
  type EndpointStateChangeEvent,
} from '@pipeline/shared';
import { announce } from './announce';
import { pruneModelArtifacts, type ArtifactPruning } from './artifacts';
import { cleanUpOldVersions, type CleanupResult } from './cleanup';
import type { DeploymentDeps } from './deploy';
import { runDurations } from './durations';
import { readReport } from './evaluation/evaluate';
import { readRunFigures, runRows } from './manifest';
import { approvalOf, isRollback } from './registry/approved';
import { describeVersion, refOf, type ModelPackageDescription } from './registry/registry';
import { PREVIOUS_ACCURACY_TAG, PREVIOUS_MODEL_TAG } from './rollout';
import {
  describeTrainingJob,
  findEndpoint,
  modelOfEndpointConfig,
  tagsOf,
  validationAccuracy,
  type EndpointDescription,
} from './sagemaker';

export type ReportDeps = DeploymentDeps;

export type ReportOutcome =
  | { outcome: 'deployed'; runId: string; cleanup: CleanupResult; artifacts: ArtifactPruning }
  | { outcome: 'update-rolled-back'; runId: string }
  | { outcome: 'failed'; runId: string }
  | { outcome: 'ignored'; why: string };

/** Reacts to the pipeline endpoint reaching IN_SERVICE or FAILED. */
export async function handleEndpointStateChange(event: EndpointStateChangeEvent, deps: ReportDeps): Promise<ReportOutcome> {
  const status = event.detail.EndpointStatus;
  if (status === 'FAILED') return reportFailedEndpoint(event, deps);
  if (status !== 'IN_SERVICE') return { outcome: 'ignored', why: `status ${status}` };

  const { config, sagemaker } = deps;
  const endpoint = await findEndpoint(sagemaker, config.endpointName);
  if (!endpoint?.EndpointConfigName) return { outcome: 'ignored', why: 'the endpoint no longer exists' };
  if (endpoint.FailureReason) {
    // The reason may be left from an earlier failed update: only a newer config than the serving one means this one failed.
    const newest = await newestPipelineConfig(deps);
    if (newest !== undefined && newest !== endpoint.EndpointConfigName) return reportRolledBackUpdate(event, endpoint, newest, deps);
  }

  const { endpointConfigName, endpointConfigArn, modelName } = await modelOfEndpointConfig(sagemaker, endpoint.EndpointConfigName);
  const runId = runIdFromTrainingJobName(config.stage, modelName);
  if (runId === undefined) return { outcome: 'ignored', why: `model ${modelName} was not deployed by this pipeline` };

  const job = await describeTrainingJob(sagemaker, modelName);
  const accuracy = validationAccuracy(job);
  if (accuracy === undefined) throw new Error(`training job ${modelName} reports no validation accuracy`);
  const reportKey = evaluationReportKey(runId);
  const [jobTags, configTags, figures, report] = await Promise.all([
    tagsOf(sagemaker, job.TrainingJobArn),
    tagsOf(sagemaker, endpointConfigArn),
    readRunFigures(deps.s3, config.dataBucket, runId, deps.logger),
    readReport(deps, reportKey).catch((error: unknown) => {
      deps.logger.warn('the run has no readable evaluation report; the email goes without test metrics', { reportKey, error: String(error) });
      return undefined;
    }),
  ]);
  const previousAccuracy = Number(configTags[PREVIOUS_ACCURACY_TAG] ?? NaN);
  const version = await registryVersion(deps, configTags[MODEL_PACKAGE_TAG]);
  const evaluation = report ? { evaluation: summarizeEvaluation(report, config.dataBucket, reportKey) } : {};
  const registry = version ? { modelPackage: refOf(version), approval: approvalOf(version, report) } : {};

  if (version && isRollback(version)) {
    const fromVersion = Number((version.CustomerMetadataProperties ?? {})[MODEL_PACKAGE_METADATA.rollbackFrom]);
    await announce(deps, 'Model Rolled Back', runId, {
      endpointName: config.endpointName,
      endpointConfigName,
      modelName,
      modelPackage: refOf(version),
      ...(Number.isInteger(fromVersion) && fromVersion > 0 ? { fromVersion } : {}),
      reason: version.ApprovalDescription ?? 'rolled back',
      approval: approvalOf(version, report),
      ...evaluation,
    });
  } else {
    await announce(deps, 'Model Deployed', runId, {
      endpointName: config.endpointName,
      endpointConfigName,
      modelName,
      trainingJobName: modelName,
      metrics: { validationAccuracy: accuracy, ...(Number.isFinite(previousAccuracy) ? { previousAccuracy } : {}) },
      ...figures,
      ...evaluation,
      ...registry,
      ...(jobTags[TRIGGER_TAG] ? { trigger: jobTags[TRIGGER_TAG] } : {}),
      durations: runDurations({
        runId,
        jobTags,
        trainingStartTime: job.TrainingStartTime,
        trainingEndTime: job.TrainingEndTime,
        inServiceAt: endpoint.LastModifiedTime,
      }),
    });
  }
  deps.logger.info('model deployed', { runId, modelName, previousModel: configTags[PREVIOUS_MODEL_TAG] });

  const inUse = inUseNames(endpoint);
  const prefix = trainingJobPrefix(config.stage);
  const cleanup = await cleanUpOldVersions(sagemaker, { prefix, keep: config.keepModels, inUse });
  deps.logger.info('old model versions deleted', { ...cleanup });
  const artifacts = await pruneModelArtifacts(deps, { bucket: config.dataBucket, prefix, kept: new Set([...cleanup.keptModels, ...inUse]) });
  deps.logger.info('artifacts of models no longer kept deleted', { ...artifacts });
  return { outcome: 'deployed', runId, cleanup, artifacts };
}

/** The registry version an endpoint config records, when it still can be read (the email goes without it otherwise). */
async function registryVersion(deps: ReportDeps, arn: string | undefined): Promise<ModelPackageDescription | undefined> {
  if (!arn) return undefined;
  return describeVersion(deps.sagemaker, arn).catch((error: unknown) => {
    deps.logger.warn('the deployed model package cannot be read; the email goes without its approval', { arn, error: String(error) });
    return undefined;
  });
}

function inUseNames(endpoint: EndpointDescription): Set<string> {
  return new Set(
    [endpoint.EndpointConfigName, endpoint.PendingDeploymentSummary?.EndpointConfigName].filter(
      (name): name is string => name !== undefined,
    ),
  );
}

/**
 * For a failure that no pipeline config explains: a run id of its own, the same for a duplicate
 * delivery of the event (so the notification service still sends one email) and new for another failure.
 */
function runIdOfEvent(event: EndpointStateChangeEvent): string {
  return runIdFor(new Date(event.time), event.id);
}

async function newestPipelineConfig(deps: ReportDeps): Promise<string | undefined> {
  const prefix = trainingJobPrefix(deps.config.stage);
  const { EndpointConfigs } = await deps.sagemaker.send(
    new ListEndpointConfigsCommand({ NameContains: prefix, SortBy: 'CreationTime', SortOrder: 'Descending', MaxResults: 10 }),
  );
  return EndpointConfigs?.map((c) => c.EndpointConfigName ?? '').find((name) => name.startsWith(prefix));
}

/**
 * An update that fails leaves the endpoint IN_SERVICE on the old config, with FailureReason set. The
 * failed config is the newest one the pipeline created (configs are created only to be deployed).
 */
async function reportRolledBackUpdate(
  event: EndpointStateChangeEvent,
  endpoint: EndpointDescription,
  failedConfig: string,
  deps: ReportDeps,
): Promise<ReportOutcome> {
  const { config } = deps;
  const runId = runIdFromTrainingJobName(config.stage, failedConfig) ?? runIdOfEvent(event);
  await announce(deps, 'Pipeline Failed', runId, {
    failedStep: 'deployment',
    resource: config.endpointName,
    reason: `the update to ${failedConfig} failed and SageMaker rolled back to ${endpoint.EndpointConfigName}: ${endpoint.FailureReason}`,
    state: 'IN_SERVICE',
    ...(await runRows(deps, runId)),
  });
  return { outcome: 'update-rolled-back', runId };
}

async function reportFailedEndpoint(event: EndpointStateChangeEvent, deps: ReportDeps): Promise<ReportOutcome> {
  const { config } = deps;
  const endpoint = await findEndpoint(deps.sagemaker, config.endpointName);
  const endpointConfigName = endpoint?.EndpointConfigName ?? event.detail.EndpointConfigName;
  const runId = (endpointConfigName && runIdFromTrainingJobName(config.stage, endpointConfigName)) || runIdOfEvent(event);
  await announce(deps, 'Pipeline Failed', runId, {
    failedStep: 'deployment',
    resource: config.endpointName,
    reason: endpoint?.FailureReason ?? event.detail.FailureReason ?? `endpoint ${config.endpointName} failed without a reason`,
    state: 'FAILED',
    ...(await runRows(deps, runId)),
  });
  return { outcome: 'failed', runId };
}
