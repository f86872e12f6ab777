/**
 * The stage's registry versions as an operator sees them (`npm run models`, `npm run rollback`): newest first, with
 * status, test metrics, run, date, whether the artifact is still there, and which one the endpoint serves.
 */
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DescribeEndpointCommand, DescribeEndpointConfigCommand, ListTagsCommand, type SageMakerClient } from '@aws-sdk/client-sagemaker';
import { isNotFound, isSageMakerMissing, parseS3Uri } from '../../../shared/src';
import { endpointName, MODEL_PACKAGE_METADATA, MODEL_PACKAGE_TAG, modelPackageGroupName } from '../../../shared/src/names';
import { describeVersion, listVersions } from '../../../services/deployment/src/registry/registry';

export interface ModelVersionRow {
  version: number;
  arn: string;
  status: string;
  testAccuracy: number | undefined;
  macroF1: number | undefined;
  runId: string | undefined;
  trainingJob: string | undefined;
  createdAt: Date | undefined;
  /** When it was last approved or otherwise changed. */
  modifiedAt: Date | undefined;
  approvalDescription: string | undefined;
  artifact: string | undefined;
  serving: boolean;
}

export interface StageModels {
  group: string;
  endpointName: string;
  /** DescribeEndpoint's status, or undefined when there is no endpoint. */
  endpointStatus: string | undefined;
  /** The endpoint config in service, when there is an endpoint. */
  servingConfig: string | undefined;
  versions: ModelVersionRow[];
}

const numberOf = (text: string | undefined): number | undefined => (text === undefined || text === '' ? undefined : Number(text));

/** Which version the endpoint serves: its config's MODEL_PACKAGE_TAG, else the version of the config's model. */
async function servingOf(sagemaker: SageMakerClient, name: string): Promise<{ status?: string; config?: string; arn?: string; model?: string }> {
  let endpoint;
  try {
    endpoint = await sagemaker.send(new DescribeEndpointCommand({ EndpointName: name }));
  } catch (error) {
    if (isSageMakerMissing(error)) return {};
    throw error;
  }
  const configName = endpoint.EndpointConfigName;
  if (!configName) return { status: endpoint.EndpointStatus };
  const config = await sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: configName }));
  const tags = config.EndpointConfigArn ? ((await sagemaker.send(new ListTagsCommand({ ResourceArn: config.EndpointConfigArn }))).Tags ?? []) : [];
  const arn = tags.find((tag) => tag.Key === MODEL_PACKAGE_TAG)?.Value;
  return {
    ...(endpoint.EndpointStatus ? { status: endpoint.EndpointStatus } : {}),
    config: configName,
    ...(arn ? { arn } : {}),
    ...(config.ProductionVariants?.[0]?.ModelName ? { model: config.ProductionVariants[0].ModelName } : {}),
  };
}

export async function stageModels(sagemaker: SageMakerClient, stage: string): Promise<StageModels> {
  const group = modelPackageGroupName(stage);
  const endpoint = endpointName(stage);
  const [summaries, serving] = await Promise.all([listVersions(sagemaker, group), servingOf(sagemaker, endpoint)]);
  const described = await Promise.all(summaries.map((summary) => describeVersion(sagemaker, summary.ModelPackageArn!)));
  const versions = described.map((version): ModelVersionRow => {
    const metadata = version.CustomerMetadataProperties ?? {};
    const trainingJob = metadata[MODEL_PACKAGE_METADATA.trainingJob];
    return {
      version: version.ModelPackageVersion ?? 0,
      arn: version.ModelPackageArn ?? '',
      status: version.ModelApprovalStatus ?? '',
      testAccuracy: numberOf(metadata[MODEL_PACKAGE_METADATA.testAccuracy]),
      macroF1: numberOf(metadata[MODEL_PACKAGE_METADATA.macroF1]),
      runId: metadata[MODEL_PACKAGE_METADATA.runId],
      trainingJob,
      createdAt: version.CreationTime,
      modifiedAt: version.LastModifiedTime,
      approvalDescription: version.ApprovalDescription,
      artifact: version.InferenceSpecification?.Containers?.[0]?.ModelDataUrl,
      serving: serving.arn ? serving.arn === version.ModelPackageArn : serving.model !== undefined && serving.model === trainingJob,
    };
  });
  versions.sort((a, b) => b.version - a.version);
  return { group, endpointName: endpoint, endpointStatus: serving.status, servingConfig: serving.config, versions };
}

/** Whether the version's model artifact is still in S3 (the deployment prunes old ones, keepModels). */
export async function artifactExists(s3: S3Client, uri: string | undefined): Promise<boolean> {
  if (!uri) return false;
  const { bucket, key } = parseS3Uri(uri);
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

const percent = (value: number | undefined): string => (value === undefined ? '-' : `${(value * 100).toFixed(2)}%`);
const day = (date: Date | undefined): string => (date ? date.toISOString().replace('T', ' ').slice(0, 19) : '-');

/** The table `npm run models` prints. */
export function formatVersions(models: StageModels): string {
  const header = ['', 'version', 'status', 'test acc.', 'macro-F1', 'run', 'created (UTC)'];
  const rows = models.versions.map((v) => [v.serving ? '*' : '', String(v.version), v.status, percent(v.testAccuracy), percent(v.macroF1), v.runId ?? '-', day(v.createdAt)]);
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
