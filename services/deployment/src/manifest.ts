import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Logger } from '@aws-lambda-powertools/logger';
import { manifestKey, parseManifest, type ModelDeployedDetail, type PreprocessManifest } from '@pipeline/shared';

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
 * read: they are a nice-to-have of the email, not worth withholding the news of a deployment.
 * (Without s3:ListBucket, which this function does not need otherwise, S3 answers a missing key with
 * 403 rather than 404, so "missing" and "not allowed" look alike anyway.)
 */
export async function readDatasetSummary(
  s3: S3Client,
  bucket: string,
  runId: string,
  logger: Logger,
): Promise<DatasetSummary | undefined> {
  const key = manifestKey(runId);
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return datasetSummary(parseManifest((await object.Body?.transformToString('utf-8')) ?? ''));
  } catch (error) {
    logger.warn('no readable manifest for the run; the email goes without dataset figures', {
      bucket,
      key,
      error: (error as Error).message,
    });
    return undefined;
  }
}
