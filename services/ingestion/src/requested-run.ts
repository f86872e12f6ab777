/**
 * A run nobody dropped data for: `Retrain Requested` (source ml-pipeline.operator: `npm run retrain`, `aws events
 * put-events`, any tool) or the `retrainSchedule` rule's `Scheduled Event`. It starts a preprocessing run over the
 * corpus as it is, the way a drop does (startPreprocessingRun: one run at a time, the run id from the event, so a
 * duplicate delivery names the same run and Glue refuses the second start while the first runs), with the trigger in
 * the run's arguments, which the training job, the registry version and the emails carry on.
 *
 * A scheduled run retrains only when the corpus changed: when every labeled data file is one the last successful run
 * read (its manifest), it logs why and starts nothing. A requested retrain always runs (a hyperparameter may have
 * changed); while a run is in progress it is that run (it reads the corpus as it is), as a drop's would be.
 */
import { GetJobRunsCommand, type GlueClient, type JobRun } from '@aws-sdk/client-glue';
import type { S3Client } from '@aws-sdk/client-s3';
import { listObjects, PREFIXES, runIdFor, type HandlerDeps, type RetrainRequestedEvent, type ScheduledEvent } from '@pipeline/shared';
import type { IngestionConfig } from './config';
import { isLabeledDataKey } from './drop-keys';
import { readBy, readRunManifest } from './follow-up-run';
import { startPreprocessingRun, type RunStart } from './preprocessing-runs';

export interface RequestedRunDeps extends HandlerDeps<IngestionConfig> {
  s3: S3Client;
  glue: GlueClient;
}

export type RequestedRunOutcome =
  | { outcome: 'ignored'; why: string }
  | { outcome: 'empty-corpus'; runId: string }
  | { outcome: 'no-new-data'; runId: string; lastRun: string }
  | { outcome: 'run'; trigger: string; run: RunStart };

export async function startRequestedRun(deps: RequestedRunDeps, event: RetrainRequestedEvent | ScheduledEvent): Promise<RequestedRunOutcome> {
  const { config, glue, logger, s3 } = deps;
  const scheduled = event['detail-type'] === 'Scheduled Event';
  if (!scheduled && (event as RetrainRequestedEvent).detail.stage !== config.stage) {
    return { outcome: 'ignored', why: `the request is for stage ${(event as RetrainRequestedEvent).detail.stage}` };
  }
  const reason = scheduled ? undefined : (event as RetrainRequestedEvent).detail.reason;
  // Named by the rule (tags and registry metadata cannot hold a schedule expression's parentheses, ? or *).
  const rule = event.resources[0]?.split('/').pop();
  const trigger = scheduled ? `schedule ${rule ?? 'rule'}` : `Retrain Requested${reason ? `: ${reason}` : ''}`;
  const runId = runIdFor(new Date(event.time), event.id);

  const corpus = (await listObjects(s3, config.dataBucket, PREFIXES.labeled)).filter((object) => isLabeledDataKey(object.key));
  if (corpus.length === 0) {
    logger.warn('the corpus (labeled/) is empty: nothing to retrain on; drop labeled data under incoming/ first', { trigger, runId });
    return { outcome: 'empty-corpus', runId };
  }
  if (scheduled) {
    const last = await lastSucceededRun(glue, config.glueJobName);
    const manifest = last && (await readRunManifest(s3, last, logger));
    if (last && manifest && corpus.every((object) => readBy(manifest, config.dataBucket, object))) {
      const lastRun = last.Arguments?.['--run_id'] ?? last.Id ?? '';
      logger.info('scheduled retrain skipped: no new data since the last successful run, which read every labeled file', {
        runId,
        lastRun,
        files: corpus.length,
        schedule: config.retrainSchedule,
      });
      return { outcome: 'no-new-data', runId, lastRun };
    }
  }
  logger.info('retraining on the corpus as it is', { trigger, runId, files: corpus.length });
  const run = await startPreprocessingRun(glue, { jobName: config.glueJobName, bucket: config.dataBucket, runId, trigger }, logger);
  return { outcome: 'run', trigger, run };
}

/** The newest run of the job that SUCCEEDED (Glue lists the newest first), if any. */
async function lastSucceededRun(glue: GlueClient, jobName: string): Promise<JobRun | undefined> {
  let NextToken: string | undefined;
  do {
    const page = await glue.send(new GetJobRunsCommand({ JobName: jobName, MaxResults: 50, NextToken }));
    const found = (page.JobRuns ?? []).find((run) => run.JobRunState === 'SUCCEEDED');
    if (found) return found;
    NextToken = page.NextToken;
  } while (NextToken);
  return undefined;
}
