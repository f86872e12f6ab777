import type { S3Client } from '@aws-sdk/client-s3';
import type { Logger } from '@aws-lambda-powertools/logger';
import {
  manifestKey,
  readManifest,
  summarizeRows,
  type ModelDeployedDetail,
  type PreprocessManifest,
  type RowsSummary,
} from '@pipeline/shared';

export type DatasetSummary = NonNullable<ModelDeployedDetail['dataset']>;

/** Rows per split and examples per label (all splits together), as the deployed-model email shows them. */
export function datasetSummary(manifest: PreprocessManifest): DatasetSummary {
  const labels = Object.fromEntries(
    Object.entries(manifest.labels).map(([label, counts]) => [label, counts.train + counts.validation + counts.test]),
  );
  return { ...manifest.rows, labels };
}

/** What a run's emails say about its data: the splits and labels, and what became of its rows. */
export interface RunFigures {
  dataset?: DatasetSummary;
  rows?: RowsSummary;
}

/**
 * The run's figures from `prepared/<runId>/manifest.json`, or none when it cannot be read (missing, malformed,
 * or S3 refused): they are a nice-to-have of the emails, not worth withholding the news.
 */
export async function readRunFigures(s3: S3Client, bucket: string, runId: string, logger: Logger): Promise<RunFigures> {
  const key = manifestKey(runId);
  let problem: string;
  try {
    const read = await readManifest(s3, { bucket, key });
    if (read.status === 'read') {
      const rows = summarizeRows(read.manifest);
      return { dataset: datasetSummary(read.manifest), ...(rows ? { rows } : {}) };
    }
    problem = read.status === 'missing' ? 'no such object' : read.reason;
  } catch (error) {
    problem = (error as Error).message;
  }
  logger.warn('no readable manifest for the run; the email goes without dataset figures', { bucket, key, error: problem });
  return {};
}

/** Only the rows of the run's figures, as an optional field of a detail. */
export async function runRows(deps: { s3: S3Client; config: { dataBucket: string }; logger: Logger }, runId: string): Promise<{ rows?: RowsSummary }> {
  const { rows } = await readRunFigures(deps.s3, deps.config.dataBucket, runId, deps.logger);
  return rows ? { rows } : {};
}
