import { GetJobRunCommand, type GlueClient, type JobRun } from '@aws-sdk/client-glue';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateTrainingJobCommand, type SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { Logger } from '@aws-lambda-powertools/logger';
import {
  DETAIL_TYPES,
  parseManifest,
  parseS3Uri,
  PIPELINE_SOURCES,
  publishPipelineEvent,
  trainingJobName,
  type GlueJobStateChangeEvent,
  preparedPrefix as preparedPrefixOf,
  type PipelineFailedDetail,
  type PreprocessManifest,
} from '@pipeline/shared';
import type { TrainingConfig } from './config';
import { datasetProblem, trainingJobRequest, type PreparedRun } from './training-job';

export interface TrainingDeps {
  glue: GlueClient;
  s3: S3Client;
  sagemaker: SageMakerClient;
  eventBridge: EventBridgeClient;
  config: TrainingConfig;
  logger: Logger;
  now: () => Date;
}

export type TrainingOutcome =
  | { outcome: 'started'; trainingJobName: string }
  | { outcome: 'already-started'; trainingJobName: string }
  | { outcome: 'failure-reported'; runId: string; failedStep: PipelineFailedDetail['failedStep']; reason: string }
  | { outcome: 'failure-already-reported'; runId: string };

type Failure = Pick<PipelineFailedDetail, 'failedStep' | 'resource' | 'reason' | 'state'>;

/**
 * Handles the end of a preprocessing run: on success, starts BlazingText on what it prepared; on
 * failure (or a dataset that cannot train a classifier), announces `Pipeline Failed`. A duplicate
 * event starts nothing: the training job's name comes from the run id, and a failure is announced
 * once (a marker beside the run's output records it).
 */
export async function startTraining(deps: TrainingDeps, event: GlueJobStateChangeEvent): Promise<TrainingOutcome> {
  const { config, glue, logger } = deps;
  const { jobName, jobRunId, state } = event.detail;
  if (jobName !== config.glueJobName) throw new Error(`event for Glue job ${jobName}, not ${config.glueJobName}`);
  const run = (await glue.send(new GetJobRunCommand({ JobName: jobName, RunId: jobRunId }))).JobRun;
  if (!run) throw new Error(`Glue run ${jobName}/${jobRunId} not found`);
  const runId = run.Arguments?.['--run_id'] ?? jobRunId;
  const resource = `${jobName}/${jobRunId}`;

  if (state !== 'SUCCEEDED') {
    const reason = run.ErrorMessage || event.detail.message || `The preprocessing run ended ${state}.`;
    return reportFailure(deps, runId, { failedStep: 'preprocessing', resource, reason, state });
  }
  const outputUri = run.Arguments?.['--output_uri'];
  if (!run.Arguments?.['--run_id'] || !outputUri) {
    const reason = 'The preprocessing run has no --run_id / --output_uri arguments: it was not started by the pipeline.';
    return reportFailure(deps, runId, { failedStep: 'preprocessing', resource, reason, state });
  }
  const { bucket, key: preparedPrefix } = parseS3Uri(outputUri.endsWith('/') ? outputUri : `${outputUri}/`);
  const manifest = await readManifest(deps.s3, bucket, `${preparedPrefix}manifest.json`);
  if (typeof manifest === 'string') return reportFailure(deps, runId, { failedStep: 'preprocessing', resource, reason: manifest, state });

  const trainingJob = trainingJobName(config.stage, runId);
  const problem = datasetProblem(manifest);
  if (problem) return reportFailure(deps, runId, { failedStep: 'training', resource: trainingJob, reason: problem });

  const prepared: PreparedRun = { runId, glueJobRunId: jobRunId, bucket, preparedPrefix, manifest, preprocessingSeconds: runSeconds(run) };
  try {
    await deps.sagemaker.send(new CreateTrainingJobCommand(trainingJobRequest(config, prepared)));
  } catch (error) {
    if (!isExistingJob(error)) throw error;
    logger.info('the training job exists already: a duplicate event', { trainingJobName: trainingJob });
    return { outcome: 'already-started', trainingJobName: trainingJob };
  }
  logger.info('training job created', { trainingJobName: trainingJob, runId, rows: manifest.rows });
  return { outcome: 'started', trainingJobName: trainingJob };
}

/** SageMaker refuses a second job of the same name with ResourceInUse (documented) or a ValidationException saying so. */
function isExistingJob(error: unknown): boolean {
  const { name, message } = (error ?? {}) as { name?: string; message?: string };
  return name === 'ResourceInUse' || (name === 'ValidationException' && /already exists/i.test(message ?? ''));
}

/** Wall-clock seconds of the run (start to completion), else Glue's execution time. */
function runSeconds(run: JobRun): number | undefined {
  if (run.StartedOn && run.CompletedOn) return Math.max(0, Math.round((run.CompletedOn.getTime() - run.StartedOn.getTime()) / 1000));
  return run.ExecutionTime;
}

/** Whether `key` exists, by listing (under a prefix-scoped s3:ListBucket, S3 answers HeadObject on a missing key with 403). */
async function exists(s3: S3Client, bucket: string, key: string): Promise<boolean> {
  const listing = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key, MaxKeys: 1 }));
  return listing.Contents?.[0]?.Key === key;
}

/** The run's manifest, or why it cannot be used. */
async function readManifest(s3: S3Client, bucket: string, key: string): Promise<PreprocessManifest | string> {
  if (!(await exists(s3, bucket, key))) return `The preprocessing run succeeded but wrote no manifest (s3://${bucket}/${key}).`;
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  try {
    return parseManifest((await object.Body?.transformToString('utf-8')) ?? '');
  } catch (error) {
    return `s3://${bucket}/${key}: ${(error as Error).message}`;
  }
}

/** Announces `Pipeline Failed` once per run: a marker object beside the run's output records that it was sent. */
async function reportFailure(deps: TrainingDeps, runId: string, failure: Failure): Promise<TrainingOutcome> {
  const { config, logger, s3 } = deps;
  const marker = `${preparedPrefixOf(runId)}pipeline-failed.json`;
  if (await exists(s3, config.dataBucket, marker)) {
    logger.info('failure reported already: a duplicate event', { runId, marker });
    return { outcome: 'failure-already-reported', runId };
  }
  const detail: PipelineFailedDetail = { runId, stage: config.stage, at: deps.now().toISOString(), ...failure };
  await publishPipelineEvent(deps.eventBridge, PIPELINE_SOURCES.training, { detailType: DETAIL_TYPES.pipelineFailed, detail });
  await s3.send(
    new PutObjectCommand({ Bucket: config.dataBucket, Key: marker, Body: JSON.stringify(detail, null, 2), ContentType: 'application/json' }),
  );
  logger.warn('pipeline failed', { ...detail });
  return { outcome: 'failure-reported', runId, failedStep: failure.failedStep, reason: failure.reason };
}
