import type { S3Client } from '@aws-sdk/client-s3';
import type { Logger } from '@aws-lambda-powertools/logger';
import { manifestKey, readManifest, type ModelDeployedDetail, type PreprocessManifest } from '@pipeline/shared';

export type DatasetSummary = NonNullable<ModelDeployedDetail['dataset']>;

/** Rows per split and examples per label (all splits together), as the deployed-model email shows them. */
export function datasetSummary(manifest: PreprocessManifest): DatasetSummary {
  const labels = Object.fromEntries(
    Object.entries(manifest.labels).map(([label, counts]) => [label, counts.train + counts.validation + counts.test]),
  );
  return { ...manifest.rows, labels };
}

/**
 * The run's dataset figures from `prepared/<runId>/manifest.json`, or undefined when it cannot be
 * read (missing, malformed, or S3 refused): they are a nice-to-have of the email, not worth
 * withholding the news of a deployment.
 */
export async function readDatasetSummary(
  s3: S3Client,
  bucket: string,
  runId: string,
  logger: Logger,
): Promise<DatasetSummary | undefined> {
  const key = manifestKey(runId);
  let problem: string;
  try {
    const read = await readManifest(s3, { bucket, key });
    if (read.status === 'read') return datasetSummary(read.manifest);
    problem = read.status === 'missing' ? 'no such object' : read.reason;
  } catch (error) {
    problem = (error as Error).message;
  }
  logger.warn('no readable manifest for the run; the email goes without dataset figures', { bucket, key, error: problem });
  return undefined;
}
