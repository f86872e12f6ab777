import { GetJobRunCommand, type GlueClient, type JobRun } from '@aws-sdk/client-glue';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateTrainingJobCommand, type SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  isSageMakerAlreadyExisting,
  runOutputOf,
  objectExists,
  PIPELINE_SOURCES,
  publishPipelineEvent,
  readManifest,
  summarizeRows,
  trainingJobName,
  TRIGGER_ARGUMENT,
  type GlueJobStateChangeEvent,
  type HandlerDeps,
  preparedPrefix as preparedPrefixOf,
  type PipelineFailedDetail,
} from '@pipeline/shared';
import type { TrainingConfig } from './config';
import { datasetProblem, trainingJobRequest, type PreparedRun } from './training-job';

export interface TrainingDeps extends HandlerDeps<TrainingConfig> {
  glue: GlueClient;
  s3: S3Client;
  sagemaker: SageMakerClient;
  eventBridge: EventBridgeClient;
}

export type TrainingOutcome =
  | { outcome: 'started'; trainingJobName: string }
  | { outcome: 'already-started'; trainingJobName: string }
  | { outcome: 'failure-reported'; runId: string; failedStep: PipelineFailedDetail['failedStep']; reason: string }
  | { outcome: 'failure-already-reported'; runId: string };

type Failure = Pick<PipelineFailedDetail, 'failedStep' | 'resource' | 'reason' | 'state' | 'rows' | 'trigger'>;

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
  const trigger = run.Arguments?.[TRIGGER_ARGUMENT] ? { trigger: run.Arguments[TRIGGER_ARGUMENT] } : {};

  const outputUri = run.Arguments?.['--output_uri'];
  if (state !== 'SUCCEEDED') {
    const reason = run.ErrorMessage || event.detail.message || `The preprocessing run ended ${state}.`;
    // A run that found nothing usable still wrote its manifest: its rows say why.
    const read = outputUri ? await readManifest(deps.s3, runOutputOf(outputUri).manifest).catch(() => undefined) : undefined;
    const rows = read?.status === 'read' ? summarizeRows(read.manifest) : undefined;
    return reportFailure(deps, runId, { failedStep: 'preprocessing', ...trigger, resource, reason, state, ...(rows ? { rows } : {}) });
  }
  if (!run.Arguments?.['--run_id'] || !outputUri) {
    const reason = 'The preprocessing run has no --run_id / --output_uri arguments: it was not started by the pipeline.';
    return reportFailure(deps, runId, { failedStep: 'preprocessing', ...trigger, resource, reason, state });
  }
  const output = runOutputOf(outputUri);
  const read = await readManifest(deps.s3, output.manifest);
  if (read.status !== 'read') {
    const reason =
      read.status === 'missing' ? `The preprocessing run succeeded but wrote no manifest (${read.uri}).` : `${read.uri}: ${read.reason}`;
    return reportFailure(deps, runId, { failedStep: 'preprocessing', ...trigger, resource, reason, state });
  }
  const { manifest } = read;

  const trainingJob = trainingJobName(config.stage, runId);
  const problem = datasetProblem(manifest);
  if (problem) {
    const rows = summarizeRows(manifest);
    return reportFailure(deps, runId, { failedStep: 'training', ...trigger, resource: trainingJob, reason: problem, ...(rows ? { rows } : {}) });
  }

  const prepared: PreparedRun = {
    runId,
    glueJobRunId: jobRunId,
    bucket: output.bucket,
    preparedPrefix: output.prefix,
    manifest,
    preprocessingSeconds: runSeconds(run),
    ...trigger,
  };
  try {
    await deps.sagemaker.send(new CreateTrainingJobCommand(trainingJobRequest(config, prepared)));
  } catch (error) {
    if (!isSageMakerAlreadyExisting(error)) throw error;
    logger.info('the training job exists already: a duplicate event', { trainingJobName: trainingJob });
    return { outcome: 'already-started', trainingJobName: trainingJob };
  }
  logger.info('training job created', { trainingJobName: trainingJob, runId, rows: manifest.rows });
  return { outcome: 'started', trainingJobName: trainingJob };
}

/** Wall-clock seconds of the run (start to completion), else Glue's execution time. */
function runSeconds(run: JobRun): number | undefined {
  if (run.StartedOn && run.CompletedOn) return Math.max(0, Math.round((run.CompletedOn.getTime() - run.StartedOn.getTime()) / 1000));
  return run.ExecutionTime;
}

/** Announces `Pipeline Failed` once per run: a marker object beside the run's output records that it was sent. */
async function reportFailure(deps: TrainingDeps, runId: string, failure: Failure): Promise<TrainingOutcome> {
  const { config, logger, s3 } = deps;
  const marker = `${preparedPrefixOf(runId)}pipeline-failed.json`;
  if (await objectExists(s3, config.dataBucket, marker)) {
    logger.info('failure reported already: a duplicate event', { runId, marker });
    return { outcome: 'failure-already-reported', runId };
  }
  const detail: PipelineFailedDetail = { runId, stage: config.stage, at: deps.now().toISOString(), ...failure };
  await publishPipelineEvent(deps.eventBridge, PIPELINE_SOURCES.training, { detailType: 'Pipeline Failed', detail });
  await s3.send(
    new PutObjectCommand({ Bucket: config.dataBucket, Key: marker, Body: JSON.stringify(detail, null, 2), ContentType: 'application/json' }),
  );
  logger.warn('pipeline failed', { ...detail });
  return { outcome: 'failure-reported', runId, failedStep: failure.failedStep, reason: failure.reason };
}
