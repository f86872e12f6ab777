import { DeleteObjectsCommand, ListObjectVersionsCommand, type ObjectIdentifier, type S3Client } from '@aws-sdk/client-s3';
import { ListTrainingJobsCommand, type SageMakerClient, type TrainingJobSummary } from '@aws-sdk/client-sagemaker';
import { PREFIXES } from '@pipeline/shared';

/**
 * The training output of the pipeline's jobs (`models/<job>/output/model.tar.gz`, tens of MB each) lives as long
 * as a model could use it: it is deleted, every version of it (the bucket is versioned: a plain delete would only
 * hide it), once its job is older than the oldest model kept and its model is not one of the kept ones. Kept: the
 * models the endpoint serves or deploys and the newest `keepModels` (see cleanup.ts). A job newer than the oldest
 * kept model is never touched: it may be training, or its model being judged or deployed right now. The jobs of
 * models the quality gate rejected go the same way once they are that old.
 */
export interface ArtifactPruning {
  /** The jobs whose artifacts were deleted. */
  deletedArtifactsOf: string[];
  /** Object versions (and delete markers) deleted. */
  deletedVersions: number;
}

async function pipelineJobs(sagemaker: SageMakerClient, prefix: string): Promise<TrainingJobSummary[]> {
  const jobs: TrainingJobSummary[] = [];
  let NextToken: string | undefined;
  do {
    const page = await sagemaker.send(new ListTrainingJobsCommand({ NameContains: prefix, MaxResults: 100, NextToken }));
    jobs.push(...(page.TrainingJobSummaries ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  // NameContains also matches the prefix in the middle of a name.
  return jobs.filter((job) => job.TrainingJobName?.startsWith(prefix));
}

/** The `models/<job>/` folders holding anything, current or not, by job name. */
async function artifactFolders(s3: S3Client, bucket: string): Promise<Set<string>> {
  const folders = new Set<string>();
  let KeyMarker: string | undefined;
  do {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: PREFIXES.models, Delimiter: '/', KeyMarker }));
    for (const common of page.CommonPrefixes ?? []) folders.add(common.Prefix!.slice(PREFIXES.models.length, -1));
    KeyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
  } while (KeyMarker);
  return folders;
}

/** Every version and delete marker under a prefix, deleted for good; returns how many. */
async function deleteAllVersions(s3: S3Client, bucket: string, prefix: string): Promise<number> {
  let deleted = 0;
  for (;;) {
    const page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: prefix, MaxKeys: 1000 }));
    const targets: ObjectIdentifier[] = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((entry) => ({
      Key: entry.Key!,
      VersionId: entry.VersionId,
    }));
    if (targets.length === 0) return deleted;
    for (let start = 0; start < targets.length; start += 1000) {
      const batch = targets.slice(start, start + 1000);
      const result = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch, Quiet: true } }));
      const failed = result.Errors ?? [];
      if (failed.length > 0) throw new Error(`could not delete ${failed.length} version(s) under ${prefix}: ${failed[0]!.Code} ${failed[0]!.Message}`);
      deleted += batch.length;
    }
    if (!page.IsTruncated) return deleted;
  }
}

export async function pruneModelArtifacts(
  deps: { s3: S3Client; sagemaker: SageMakerClient },
  options: { bucket: string; prefix: string; kept: ReadonlySet<string> },
): Promise<ArtifactPruning> {
  const { bucket, prefix, kept } = options;
  const jobs = await pipelineJobs(deps.sagemaker, prefix);
  const keptTimes = jobs.filter((job) => kept.has(job.TrainingJobName!)).map((job) => job.CreationTime!.getTime());
  if (keptTimes.length === 0) return { deletedArtifactsOf: [], deletedVersions: 0 };
  const oldestKept = Math.min(...keptTimes);
  const folders = await artifactFolders(deps.s3, bucket);
  const prunable = jobs
    .filter((job) => !kept.has(job.TrainingJobName!) && job.CreationTime!.getTime() < oldestKept && folders.has(job.TrainingJobName!))
    .map((job) => job.TrainingJobName!);
  let deletedVersions = 0;
  for (const job of prunable) deletedVersions += await deleteAllVersions(deps.s3, bucket, `${PREFIXES.models}${job}/`);
  return { deletedArtifactsOf: prunable, deletedVersions };
}
