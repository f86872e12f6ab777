import { StartJobRunCommand, type GlueClient } from '@aws-sdk/client-glue';
import type { Logger } from '@aws-lambda-powertools/logger';
import { isConcurrentRunsExceeded, PREFIXES, preparedPrefix, s3Uri, TRIGGER_ARGUMENT } from '@pipeline/shared';

export type RunStart = { status: 'started'; runId: string; jobRunId: string } | { status: 'busy'; runId: string };

/** The arguments the Glue script reads (see glue_scripts/preprocess.py). */
export function preprocessingArguments(bucket: string, runId: string, trigger?: string): Record<string, string> {
  return {
    '--input_uri': s3Uri(bucket, PREFIXES.labeled),
    '--output_uri': s3Uri(bucket, preparedPrefix(runId)),
    '--run_id': runId,
    // What started the run, when not a drop (npm run retrain, the schedule): training tags its job with it.
    ...(trigger ? { [TRIGGER_ARGUMENT]: trigger } : {}),
  };
}

/**
 * Starts a preprocessing run over all of labeled/. The job allows one run at a time; when one is in
 * progress the start is refused, which is fine: when that run ends, the follow-up check sees every
 * labeled/ object it did not read and starts the next run.
 */
export async function startPreprocessingRun(
  glue: GlueClient,
  request: { jobName: string; bucket: string; runId: string; trigger?: string },
  logger: Logger,
): Promise<RunStart> {
  const { jobName, bucket, runId, trigger } = request;
  try {
    const result = await glue.send(
      new StartJobRunCommand({ JobName: jobName, Arguments: preprocessingArguments(bucket, runId, trigger) }),
    );
    logger.info('preprocessing run started', { jobName, runId, jobRunId: result.JobRunId });
    return { status: 'started', runId, jobRunId: result.JobRunId ?? '' };
  } catch (error) {
    if (!isConcurrentRunsExceeded(error)) throw error;
    logger.info('a preprocessing run is in progress; its follow-up check will pick this change up', { jobName, runId });
    return { status: 'busy', runId };
  }
}
