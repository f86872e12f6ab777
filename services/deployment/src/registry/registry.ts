/**
 * The stage's model registry: a SageMaker model package group (`ml-pipeline-<stage>-models`, the deployment stack's
 * AWS::SageMaker::ModelPackageGroup) with one version per evaluated model. A version carries its metrics (ModelMetrics
 * -> evaluations/<runId>/report.json), its lineage (CustomerMetadataProperties: MODEL_PACKAGE_METADATA) and an
 * approval status set from the gate (approvalStatusFor). Deployment follows approvals (approved.ts), whoever sets them.
 */
import {
  CreateModelPackageCommand,
  DescribeModelPackageCommand,
  ListModelPackagesCommand,
  type DescribeModelPackageCommandOutput,
  type ModelApprovalStatus,
  type ModelPackageSummary,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import {
  blazingTextImage,
  manifestKey,
  MODEL_PACKAGE_METADATA,
  s3Uri,
  type EvaluationReport,
  type ModelPackageRef,
  type PreprocessManifest,
} from '@pipeline/shared';
import type { DeploymentConfig } from '../config';

export type ModelApprovalMode = 'auto' | 'manual';
export type ModelPackageDescription = DescribeModelPackageCommandOutput;
export type ApprovalStatus = ModelPackageRef['approvalStatus'];

/** Rejected when the gate refuses; else Approved (auto) or PendingManualApproval (manual). */
export function approvalStatusFor(gateAccepts: boolean, mode: ModelApprovalMode): ApprovalStatus {
  if (!gateAccepts) return 'Rejected';
  return mode === 'manual' ? 'PendingManualApproval' : 'Approved';
}

/** A version's description starts with its run, which is how the version of a run is found again. */
const descriptionPrefix = (runId: string): string => `run ${runId}: `;

/** CustomerMetadataProperties values allow letters, digits, spaces and `_.:/=+-@` only, 256 at most. */
export function metadataValue(text: string): string {
  const value = text.replace(/[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu, '_').slice(0, 256);
  return value === '' ? '-' : value;
}

/** The corpus files a run read, as one metadata value (`labeled/a.csv labeled/b.csv +3 more`). */
export function dropsValue(sources: readonly string[]): string {
  const keys = sources.map(metadataValue);
  let value = '';
  for (let i = 0; i < keys.length; i++) {
    const more = i < keys.length - 1 ? ` +${keys.length - i - 1} more` : '';
    const next = value === '' ? keys[i]! : `${value} ${keys[i]}`;
    if (next.length + more.length > 256) return `${value} +${keys.length - i} more`.trim();
    value = next;
  }
  return value === '' ? '-' : value;
}

export interface RunLineage {
  runId: string;
  trainingJob: string;
  modelDataUrl: string;
  glueJobRunId?: string;
  trigger?: string;
  /** The training data's text normalisation (the job's tag), which the deployment puts on the model and config. */
  normalizationVersion?: string;
  manifest?: PreprocessManifest;
}

export function lineageMetadata(config: Pick<DeploymentConfig, 'dataBucket'>, run: RunLineage, report: EvaluationReport): Record<string, string> {
  const keys = MODEL_PACKAGE_METADATA;
  const sources = (run.manifest?.sources ?? []).map((source) => source.uri.replace(`s3://${config.dataBucket}/`, ''));
  return {
    [keys.runId]: run.runId,
    [keys.trainingJob]: run.trainingJob,
    ...(run.glueJobRunId ? { [keys.glueJobRunId]: metadataValue(run.glueJobRunId) } : {}),
    [keys.drops]: dropsValue(sources),
    ...(run.trigger ? { [keys.trigger]: metadataValue(run.trigger) } : {}),
    ...(run.normalizationVersion ? { [keys.normalizationVersion]: metadataValue(run.normalizationVersion) } : {}),
    manifest: metadataValue(s3Uri(config.dataBucket, manifestKey(run.runId))),
    [keys.testAccuracy]: report.challenger.accuracy.toFixed(4),
    [keys.macroF1]: report.challenger.macroF1.toFixed(4),
    [keys.gateDecision]: report.decision.deploy ? 'deploy' : 'reject',
  };
}

/** Every version of the group, newest first (ListModelPackages, all pages). */
export async function listVersions(sagemaker: SageMakerClient, group: string, status?: ModelApprovalStatus): Promise<ModelPackageSummary[]> {
  const versions: ModelPackageSummary[] = [];
  let NextToken: string | undefined;
  do {
    const page = await sagemaker.send(
      new ListModelPackagesCommand({
        ModelPackageGroupName: group,
        ModelPackageType: 'Versioned',
        SortBy: 'CreationTime',
        SortOrder: 'Descending',
        MaxResults: 100,
        ...(status ? { ModelApprovalStatus: status } : {}),
        NextToken,
      }),
    );
    versions.push(...(page.ModelPackageSummaryList ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return versions;
}

export async function describeVersion(sagemaker: SageMakerClient, arn: string): Promise<ModelPackageDescription> {
  return sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: arn }));
}

export function refOf(version: Pick<ModelPackageDescription, 'ModelPackageArn' | 'ModelPackageGroupName' | 'ModelPackageVersion' | 'ModelApprovalStatus'>): ModelPackageRef {
  return {
    arn: version.ModelPackageArn ?? '',
    group: version.ModelPackageGroupName ?? '',
    version: version.ModelPackageVersion ?? 1,
    approvalStatus: (version.ModelApprovalStatus ?? 'PendingManualApproval') as ApprovalStatus,
  };
}

/**
 * The run's version: the one registered already (a duplicate event, a retry), else a new one. ClientToken (the run
 * id) makes two concurrent registrations of a run one version on AWS.
 */
export async function registerModel(
  deps: { sagemaker: SageMakerClient; config: DeploymentConfig },
  run: RunLineage,
  report: EvaluationReport,
  reportKey: string,
): Promise<{ ref: ModelPackageRef; created: boolean }> {
  const { sagemaker, config } = deps;
  const existing = (await listVersions(sagemaker, config.modelPackageGroup)).find((version) =>
    version.ModelPackageDescription?.startsWith(descriptionPrefix(run.runId)),
  );
  if (existing) return { ref: refOf({ ...existing, ModelPackageGroupName: config.modelPackageGroup }), created: false };

  const status = approvalStatusFor(report.decision.deploy, config.modelApproval);
  const scores = `test accuracy ${(report.challenger.accuracy * 100).toFixed(2)}% macro-F1 ${(report.challenger.macroF1 * 100).toFixed(2)}% on ${report.testRows} rows`;
  const created = await sagemaker.send(
    new CreateModelPackageCommand({
      ModelPackageGroupName: config.modelPackageGroup,
      ModelPackageDescription: `${descriptionPrefix(run.runId)}${scores}`,
      InferenceSpecification: {
        Containers: [{ Image: blazingTextImage(config.region), ModelDataUrl: run.modelDataUrl }],
        SupportedContentTypes: ['application/json', 'application/jsonlines'],
        SupportedResponseMIMETypes: ['application/json', 'application/jsonlines'],
      },
      ModelApprovalStatus: status,
      ModelMetrics: { ModelQuality: { Statistics: { ContentType: 'application/json', S3Uri: s3Uri(config.dataBucket, reportKey) } } },
      CustomerMetadataProperties: { ...lineageMetadata(config, run, report), [MODEL_PACKAGE_METADATA.registeredAs]: status },
      ClientToken: run.runId,
    }),
  );
  const arn = created.ModelPackageArn ?? '';
  // A versioned ARN ends with the version (model-package/<group>/<version>); only another shape needs a look.
  const number = Number(/\/(\d+)$/.exec(arn)?.[1]);
  if (Number.isInteger(number) && number > 0) {
    return { ref: { arn, group: config.modelPackageGroup, version: number, approvalStatus: status }, created: true };
  }
  return { ref: refOf(await describeVersion(sagemaker, arn)), created: true };
}

/** The AWS CLI commands that approve or reject a version (the Model awaiting approval email gives them). */
export function approvalCommands(config: Pick<DeploymentConfig, 'region'>, arn: string): { approve: string; reject: string } {
  const base = `aws sagemaker update-model-package --region ${config.region} --model-package-arn ${arn}`;
  return {
    approve: `${base} --model-approval-status Approved --approval-description "approved by <you>: <why>"`,
    reject: `${base} --model-approval-status Rejected --approval-description "rejected by <you>: <why>"`,
  };
}
