/**
 * Deployment follows the registry: on `SageMaker Model Package State Change`, a version of the stage's group that is
 * Approved (read again: the event may be stale) is deployed blue/green like any model, whoever approved it (the
 * evaluation, `aws sagemaker update-model-package`, the console, Studio, `npm run rollback`).
 *
 * One deployment at a time, the last approved serving: the endpoint takes one update at a time (a busy endpoint fails
 * the invocation on purpose, and Lambda's retries try again, rollout.ts); before switching, a version approved before
 * the one the endpoint serves or deploys gives way to it (`superseded`), so retries that arrive out of order cannot put
 * an older approval back. The approval time is the version's LastModifiedTime (its CreationTime if never modified).
 */
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { DescribeEndpointConfigCommand } from '@aws-sdk/client-sagemaker';
import {
  evaluationReportKey,
  isNotFound,
  MODEL_PACKAGE_METADATA,
  MODEL_PACKAGE_TAG,
  parseS3Uri,
  ROLLBACK_DESCRIPTION_PREFIX,
  type EvaluationReport,
  type ModelDeployedDetail,
  type ModelPackageStateChangeEvent,
} from '@pipeline/shared';
import { announce } from '../announce';
import { deployModel, type DeploymentDeps } from '../deploy';
import { readReport } from '../evaluation/evaluate';
import { runRows } from '../manifest';
import type { RolloutAction } from '../rollout';
import { describeTrainingJob, findEndpoint, tagsOf, type EndpointDescription } from '../sagemaker';
import { describeVersion, type ModelPackageDescription } from './registry';

export type ApprovedOutcome =
  | { outcome: 'ignored'; why: string }
  | { outcome: 'already-deployed'; modelPackage: string }
  | { outcome: 'superseded'; modelPackage: string; by: string }
  | { outcome: 'artifact-missing'; modelPackage: string; artifact: string }
  | { outcome: 'deploying'; modelPackage: string; action: RolloutAction };

/** When the version was last approved (or otherwise changed). */
export const approvedAt = (version: Pick<ModelPackageDescription, 'LastModifiedTime' | 'CreationTime'>): Date =>
  version.LastModifiedTime ?? version.CreationTime ?? new Date(0);

/** The run and model of a pipeline version, from its lineage metadata and inference specification. */
export function versionModel(
  version: ModelPackageDescription,
): { runId: string; trainingJob: string; modelDataUrl: string; normalizationVersion?: string } | undefined {
  const metadata = version.CustomerMetadataProperties ?? {};
  const runId = metadata[MODEL_PACKAGE_METADATA.runId];
  const trainingJob = metadata[MODEL_PACKAGE_METADATA.trainingJob];
  const modelDataUrl = version.InferenceSpecification?.Containers?.[0]?.ModelDataUrl;
  if (!runId || !trainingJob || !modelDataUrl) return undefined;
  const normalizationVersion = metadata[MODEL_PACKAGE_METADATA.normalizationVersion];
  return { runId, trainingJob, modelDataUrl, ...(normalizationVersion ? { normalizationVersion } : {}) };
}

export async function handleModelPackageStateChange(event: ModelPackageStateChangeEvent, deps: DeploymentDeps): Promise<ApprovedOutcome> {
  const { config, sagemaker } = deps;
  const { ModelPackageGroupName: group, ModelPackageArn: arn } = event.detail;
  if (group !== config.modelPackageGroup) return { outcome: 'ignored', why: `group ${group} is not ${config.modelPackageGroup}` };
  if (event.detail.ModelApprovalStatus !== 'Approved') return { outcome: 'ignored', why: `status ${event.detail.ModelApprovalStatus}` };
  const version = await describeVersion(sagemaker, arn);
  if (version.ModelApprovalStatus !== 'Approved') return { outcome: 'ignored', why: `version is ${version.ModelApprovalStatus} now` };
  const model = versionModel(version);
  if (!model) return { outcome: 'ignored', why: `version ${arn} was not registered by the pipeline (no runId, trainingJob or model data)` };

  // Independent reads at once: this function's time is the registry's share of drop -> Model deployed.
  const [endpoint, artifactPresent, job, report] = await Promise.all([
    findEndpoint(sagemaker, config.endpointName),
    artifactExists(deps, model.modelDataUrl),
    describeTrainingJob(sagemaker, model.trainingJob),
    readReport(deps, evaluationReportKey(model.runId)).catch(() => undefined),
  ]);
  const newer = await newerApprovalInUse(deps, endpoint, version);
  if (newer) {
    deps.logger.info('a version approved later is in service or deploying: this approval gives way to it', { modelPackage: arn, by: newer });
    return { outcome: 'superseded', modelPackage: arn, by: newer };
  }
  if (!artifactPresent) {
    await announce(deps, 'Pipeline Failed', model.runId, {
      failedStep: 'deployment',
      resource: arn,
      reason: `version ${version.ModelPackageVersion} was approved but its model artifact ${model.modelDataUrl} no longer exists; nothing was deployed`,
      state: 'Approved',
      ...(await runRows(deps, model.runId)),
    });
    return { outcome: 'artifact-missing', modelPackage: arn, artifact: model.modelDataUrl };
  }
  const champion = report?.champion;
  const action = await deployModel(deps, {
    jobName: model.trainingJob,
    job,
    modelDataUrl: model.modelDataUrl,
    modelPackageArn: arn,
    ...(model.normalizationVersion ? { normalizationVersion: model.normalizationVersion } : {}),
    ...(champion ? { replaces: { modelName: champion.trainingJob, accuracy: champion.accuracy } } : {}),
  });
  if (action === 'already-deployed') return { outcome: 'already-deployed', modelPackage: arn };
  return { outcome: 'deploying', modelPackage: arn, action };
}

/** The version the endpoint serves or deploys, if it was approved after this one and still is. */
async function newerApprovalInUse(deps: DeploymentDeps, endpoint: EndpointDescription | undefined, version: ModelPackageDescription): Promise<string | undefined> {
  if (!endpoint || endpoint.EndpointStatus === 'Failed') return undefined;
  const configs = [endpoint.EndpointConfigName, endpoint.PendingDeploymentSummary?.EndpointConfigName].filter((name): name is string => !!name);
  for (const configName of configs) {
    const inUse = await versionOfConfig(deps, configName);
    if (!inUse || inUse.ModelPackageArn === version.ModelPackageArn) continue;
    if (inUse.ModelApprovalStatus === 'Approved' && approvedAt(inUse) > approvedAt(version)) return inUse.ModelPackageArn;
  }
  return undefined;
}

/** The registry version an endpoint config deploys (its MODEL_PACKAGE_TAG), when it records one that still exists. */
export async function versionOfConfig(deps: Pick<DeploymentDeps, 'sagemaker' | 'logger'>, endpointConfigName: string): Promise<ModelPackageDescription | undefined> {
  const config = await deps.sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: endpointConfigName }));
  const arn = (await tagsOf(deps.sagemaker, config.EndpointConfigArn))[MODEL_PACKAGE_TAG];
  if (!arn) return undefined;
  try {
    return await describeVersion(deps.sagemaker, arn);
  } catch (error) {
    deps.logger.warn('the endpoint config names a model package that cannot be read', { endpointConfigName, arn, error: String(error) });
    return undefined;
  }
}

async function artifactExists(deps: DeploymentDeps, uri: string): Promise<boolean> {
  const { bucket, key } = parseS3Uri(uri);
  try {
    await deps.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

export type ApprovalSummary = NonNullable<ModelDeployedDetail['approval']>;

/**
 * How a version came to be Approved: by the gate (registered Approved and not changed since) or by a person, and
 * whether that overrode the gate (which had refused it, saying why in the report).
 */
export function approvalOf(version: ModelPackageDescription, report: EvaluationReport | undefined): ApprovalSummary {
  const metadata = version.CustomerMetadataProperties ?? {};
  const created = version.CreationTime?.getTime() ?? 0;
  const modified = version.LastModifiedTime?.getTime();
  const byGate = metadata[MODEL_PACKAGE_METADATA.registeredAs] === 'Approved' && (modified === undefined || modified - created < 1000);
  const overrodeGate = metadata[MODEL_PACKAGE_METADATA.gateDecision] === 'reject' || report?.decision.deploy === false;
  const approver = version.LastModifiedBy?.IamIdentity?.Arn ?? version.LastModifiedBy?.UserProfileName;
  return {
    approvedAt: approvedAt(version).toISOString(),
    by: byGate ? 'gate' : 'manual',
    ...(version.ApprovalDescription ? { description: version.ApprovalDescription } : {}),
    ...(approver ? { approver } : {}),
    overrodeGate,
    ...(overrodeGate && report ? { gateReasons: report.decision.reasons } : {}),
  };
}

/** A version `npm run rollback` put back (and nobody approved again since with another description). */
export function isRollback(version: ModelPackageDescription): boolean {
  return (
    (version.CustomerMetadataProperties ?? {})[MODEL_PACKAGE_METADATA.rollbackFrom] !== undefined &&
    (version.ApprovalDescription ?? '').startsWith(ROLLBACK_DESCRIPTION_PREFIX)
  );
}
