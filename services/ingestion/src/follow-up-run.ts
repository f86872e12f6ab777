import { GetJobRunCommand, GetJobRunsCommand, type GlueClient, type JobRun } from '@aws-sdk/client-glue';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Logger } from '@aws-lambda-powertools/logger';
import {
  listObjects,
  PREFIXES,
  readManifest,
  runIdFor,
  runOutputOf,
  s3Uri,
  type GlueJobStateChangeEvent,
  type HandlerDeps,
  type ObjectSummary,
  type PreprocessManifest,
} from '@pipeline/shared';
import type { IngestionConfig } from './config';
import { isLabeledDataKey, unquoteEtag } from './drop-keys';
import { startPreprocessingRun, type RunStart } from './preprocessing-runs';

export interface FollowUpDeps extends HandlerDeps<IngestionConfig> {
  s3: S3Client;
  glue: GlueClient;
}

export type FollowUpOutcome =
  | { outcome: 'superseded'; byJobRunId: string }
  | { outcome: 'up-to-date' }
  | { outcome: 'follow-up'; unseenKeys: string[]; run: RunStart };

/**
 * When a preprocessing run ends (in any state), starts another if labeled/ changed after it began.
 *
 * The job runs one at a time, so a drop that arrives during a run cannot start its own: it is kept
 * under labeled/ and its start is refused. The run may or may not have read it: the run lists
 * labeled/ at some point after it started. So every labeled/ object written after the run's
 * StartedOn is a candidate (data files only), and the run's manifest (when the run got that far) names the sources it
 * did read; any candidate it does not name was missed, and a follow-up run reads all of labeled/
 * again. If a later run has started already (a drop right after this one ended), that run reads
 * everything and its own end does this check, so nothing is started twice.
 */
export async function startFollowUpRun(deps: FollowUpDeps, event: GlueJobStateChangeEvent): Promise<FollowUpOutcome> {
  const { config, glue, logger, s3 } = deps;
  const { jobName, jobRunId } = event.detail;
  if (jobName !== config.glueJobName) throw new Error(`event for Glue job ${jobName}, not ${config.glueJobName}`);
  const run = (await glue.send(new GetJobRunCommand({ JobName: jobName, RunId: jobRunId }))).JobRun;
  const startedOn = run?.StartedOn;
  if (!run || !startedOn) throw new Error(`Glue run ${jobName}/${jobRunId} has no start time`);

  const later = await laterRun(glue, jobName, run, startedOn);
  if (later) {
    logger.info('a later run started already; its end checks for missed drops', { jobRunId, laterRunId: later.Id });
    return { outcome: 'superseded', byJobRunId: later.Id ?? '' };
  }

  // Only data files: a sidecar is written before its data file, and a class-name list never renames kept data.
  // S3 gives LastModified to the second, so an object written in the second the run started counts too.
  const fromSecond = Math.floor(startedOn.getTime() / 1000) * 1000;
  const changed = (await listObjects(s3, config.dataBucket, PREFIXES.labeled)).filter(
    (object) => isLabeledDataKey(object.key) && object.lastModified !== undefined && object.lastModified.getTime() >= fromSecond,
  );
  const manifest = changed.length > 0 ? await readRunManifest(s3, run, logger) : undefined;
  const unseen = changed.filter((object) => !readBy(manifest, config.dataBucket, object));
  if (unseen.length === 0) {
    logger.info('the run read every labeled object', { jobRunId, state: event.detail.state });
    return { outcome: 'up-to-date' };
  }
  const runId = runIdFor(new Date(event.time), event.id);
  const unseenKeys = unseen.map((object) => object.key);
  logger.info('labeled/ changed during the run: starting a follow-up run', { jobRunId, runId, unseenKeys });
  const started = await startPreprocessingRun(glue, { jobName, bucket: config.dataBucket, runId }, logger);
  return { outcome: 'follow-up', unseenKeys, run: started };
}

/** A run of the job other than `run` that started after it, if any (Glue lists the newest runs first). */
async function laterRun(glue: GlueClient, jobName: string, run: JobRun, startedOn: Date): Promise<JobRun | undefined> {
  const { JobRuns: runs = [] } = await glue.send(new GetJobRunsCommand({ JobName: jobName, MaxResults: 50 }));
  return runs.find((other) => other.Id !== run.Id && other.StartedOn !== undefined && other.StartedOn > startedOn);
}

/** The manifest of the run, or undefined when the run wrote none (it failed before the end). */
export async function readRunManifest(s3: S3Client, run: JobRun, logger: Logger): Promise<PreprocessManifest | undefined> {
  const outputUri = run.Arguments?.['--output_uri'];
  if (!outputUri) return undefined;
  const read = await readManifest(s3, runOutputOf(outputUri).manifest);
  if (read.status === 'unreadable') {
    logger.warn('unreadable manifest: every newer labeled object counts as unread', { outputUri, error: read.reason });
  }
  return read.status === 'read' ? read.manifest : undefined;
}

/** The run (its manifest) read this version of the object. */
export function readBy(manifest: PreprocessManifest | undefined, bucket: string, object: ObjectSummary): boolean {
  if (!manifest) return false;
  const uri = s3Uri(bucket, object.key);
  return manifest.sources.some(
    (source) => source.uri === uri && (source.etag === undefined || unquoteEtag(source.etag) === unquoteEtag(object.etag)),
  );
}
