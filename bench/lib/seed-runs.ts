/**
 * Many recorded runs, cheaply, for the console's benchmark: what 1,000 runs of the pipeline leave behind,
 * without running them. The Glue runs and training jobs are written as the providers' own state before the
 * stack starts (with the providers' record types, so a change of format fails to compile here); the rest
 * (labeled/ drops with their run-id metadata, rejected/ drops with their reports, the archived emails,
 * optionally evaluation reports) is put through the S3 API once the stack is up, then given the times the
 * runs would have written it (`backdateObjects`, the stack stopped). Deterministic: the same seed gives the
 * same runs. No endpoint: a seeded model has no artifact to serve.
 *
 * Mix: 85% deployed, 8% refused by the quality gate, 5% refused drops, 2% failed preprocessing; one run
 * every 10 minutes, the newest an hour ago.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { GlueJobRun } from '../../local-stack/src/providers/glue/model/state';
import type { ObjectRecord as S3ObjectRecord } from '../../local-stack/src/providers/s3/model/types';
import { objectMetadataFile } from '../../local-stack/src/providers/s3/model/store';
import { RecordStore } from '../../local-stack/src/providers/sagemaker/model/record-store';
import type { TrainingJobRecord } from '../../local-stack/src/providers/sagemaker/model/training-jobs';
import { PIPELINE_EVENTS, type PipelineDetailType, type PipelineEventDetail } from '../../shared/src/events';
import { endpointName, glueJobName, PIPELINE_SOURCES, runIdFor, trainingJobName } from '../../shared/src/names';
import { notificationArchiveKey, type ArchivedNotification } from '../../shared/src/notification-archive';
import { seededRandom } from '../../shared/src/random';
import { mapLimit } from '../../console/src/data/limit';

export type SeededOutcome = 'deployed' | 'model-rejected' | 'data-rejected' | 'preprocess-failed';

export interface SeededRun {
  runId: string;
  outcome: SeededOutcome;
  startedAt: Date;
  accuracy?: number;
}

const STAGE = 'local';
const REGION = 'us-east-1';
const ACCOUNT = '000000000000';
const ENDPOINT = endpointName(STAGE);

export function plannedRuns(count: number, seed = 13): SeededRun[] {
  const random = seededRandom(seed);
  const newest = Date.now() - 3600_000;
  return Array.from({ length: count }, (_, index) => {
    const startedAt = new Date(Math.floor((newest - (count - 1 - index) * 600_000) / 1000) * 1000);
    const draw = random();
    const outcome: SeededOutcome = draw < 0.85 ? 'deployed' : draw < 0.93 ? 'model-rejected' : draw < 0.98 ? 'data-rejected' : 'preprocess-failed';
    const accuracy = outcome === 'deployed' ? 0.9 + random() * 0.08 : outcome === 'model-rejected' ? 0.6 + random() * 0.15 : undefined;
    return { runId: runIdFor(startedAt, `seed-${seed}-${index}`), outcome, startedAt, ...(accuracy !== undefined ? { accuracy } : {}) };
  });
}

const at = (run: SeededRun, seconds: number): number => run.startedAt.getTime() + seconds * 1000;

/** Glue runs and training jobs, as the providers keep them, under `<stateDir>` (before the stack starts). */
export async function writeProviderState(stateDir: string, runs: readonly SeededRun[]): Promise<void> {
  const glueDir = join(stateDir, 'glue');
  mkdirSync(join(glueDir, 'logs'), { recursive: true });
  const glueRuns: Record<string, GlueJobRun> = {};
  for (const run of runs) {
    if (run.outcome === 'data-rejected') continue;
    const id = `jr_seed${run.runId.replaceAll('-', '')}`;
    const failed = run.outcome === 'preprocess-failed';
    glueRuns[id] = {
      Id: id,
      JobName: glueJobName(STAGE),
      Attempt: 0,
      StartedOn: at(run, 1) / 1000,
      LastModifiedOn: at(run, failed ? 3 : 40) / 1000,
      CompletedOn: at(run, failed ? 3 : 40) / 1000,
      JobRunState: failed ? 'FAILED' : 'SUCCEEDED',
      Arguments: { '--run_id': run.runId, '--input_uri': `s3://bucket/labeled/`, '--output_uri': `s3://bucket/prepared/${run.runId}/` },
      ...(failed ? { ErrorMessage: 'ValueError: no usable rows in 1 data file(s)' } : {}),
      ExecutionTime: failed ? 2 : 39,
      Timeout: 60,
      LogFile: join(glueDir, 'logs', `${id}.log`),
    };
  }
  writeFileSync(join(glueDir, 'state.json'), JSON.stringify({ jobs: {}, runs: glueRuns }));

  const jobs = new RecordStore<TrainingJobRecord>(
    join(stateDir, 'sagemaker', 'training-jobs'),
    (job) => job.TrainingJobName,
    (name) => new Error(`no seeded training job ${name}`),
  );
  for (const run of runs) {
    if (run.accuracy === undefined) continue;
    const name = trainingJobName(STAGE, run.runId);
    await jobs.put({
      TrainingJobName: name,
      TrainingJobArn: `arn:aws:sagemaker:${REGION}:${ACCOUNT}:training-job/${name}`,
      Region: REGION,
      AccountId: ACCOUNT,
      Definition: {
        AlgorithmSpecification: { TrainingImage: `811284229777.dkr.ecr.${REGION}.amazonaws.com/blazingtext:1`, TrainingInputMode: 'File' },
        ResourceConfig: { InstanceType: 'ml.c5.xlarge', InstanceCount: 1, VolumeSizeInGB: 30 },
      },
      HyperParameters: { mode: 'supervised', epochs: '10', learning_rate: '0.5', word_ngrams: '2', vector_dim: '10' },
      Tags: [{ Key: 'runId', Value: run.runId }],
      TrainingJobStatus: 'Completed',
      SecondaryStatus: 'Completed',
      SecondaryStatusTransitions: [
        { Status: 'Starting', StartTime: at(run, 41), EndTime: at(run, 42), StatusMessage: 'Preparing the instances for training' },
        { Status: 'Training', StartTime: at(run, 43), EndTime: at(run, 160), StatusMessage: 'Training: epoch 10/10' },
        { Status: 'Completed', StartTime: at(run, 161), EndTime: at(run, 161), StatusMessage: 'Training job completed' },
      ],
      ModelArtifacts: { S3ModelArtifacts: `s3://bucket/models/${name}/output/model.tar.gz` },
      FinalMetricDataList: [{ MetricName: 'validation:accuracy', Value: run.accuracy, Timestamp: at(run, 161) }],
      CreationTime: at(run, 41),
      LastModifiedTime: at(run, 161),
      TrainingStartTime: at(run, 41),
      TrainingEndTime: at(run, 161),
      LogFile: join(stateDir, 'sagemaker', 'logs', `${name}.log`),
    });
  }
}

/** An object a run leaves in the data bucket, with the time it would have been written. */
export interface SeededObject {
  key: string;
  body: string;
  metadata?: Record<string, string>;
  at: Date;
}

/** The archived email of a pipeline event, its detail checked against the event's schema (PIPELINE_EVENTS). */
function email<T extends PipelineDetailType>(run: SeededRun, detailType: T, detail: Omit<PipelineEventDetail<T>, 'runId' | 'stage' | 'at'>, subject: string, seconds: number): SeededObject {
  const eventId = `00000000-0000-4000-8000-${run.runId.replaceAll('-', '').slice(-12)}`;
  const time = new Date(at(run, seconds));
  const sent = new Date(at(run, seconds + 1));
  const record: ArchivedNotification = {
    version: 1,
    eventId,
    detailType,
    source: detailType === 'Dataset Rejected' ? PIPELINE_SOURCES.ingestion : PIPELINE_SOURCES.deployment,
    time: time.toISOString(),
    runId: run.runId,
    stage: STAGE,
    detail: PIPELINE_EVENTS[detailType].detail.parse({ runId: run.runId, stage: STAGE, at: time.toISOString(), ...detail }),
    from: 'ml-pipeline@example.com',
    to: ['ml-team@example.com'],
    subject: `[${STAGE}] ${PIPELINE_EVENTS[detailType].emailSubject}: ${subject}`,
    text: `${PIPELINE_EVENTS[detailType].emailSubject}: ${subject}\n`,
    html: `<p>${PIPELINE_EVENTS[detailType].emailSubject}: ${subject}</p>`,
    sentAt: sent.toISOString(),
  };
  return { key: notificationArchiveKey(run.runId, detailType, eventId), body: JSON.stringify(record), at: sent };
}

/** `evaluations/<runId>/report.json` in the docs/contracts.md schema, for the console's evaluation views. */
function evaluationReport(run: SeededRun, champion: SeededRun | undefined): SeededObject {
  const labels = ['Company', 'EducationalInstitution', 'Artist', 'Athlete', 'OfficeHolder'];
  const model = (of: SeededRun) => {
    const accuracy = (of.accuracy ?? 0.9) - 0.01;
    return {
      trainingJob: trainingJobName(STAGE, of.runId),
      accuracy,
      macroF1: accuracy - 0.005,
      perClass: Object.fromEntries(labels.map((label, index) => [label, { precision: accuracy - index * 0.01, recall: accuracy + index * 0.005, f1: accuracy - index * 0.003, support: 100 }])),
      confusion: labels.map((_, truth) => labels.map((__, predicted) => (truth === predicted ? 90 - truth : (truth + predicted) % 3 === 0 ? 4 : 1))),
    };
  };
  const report = {
    runId: run.runId,
    testRows: 100 * labels.length,
    labels,
    challenger: model(run),
    champion: champion ? model(champion) : null,
    decision: { deploy: true, reasons: [champion ? 'test accuracy within the tolerance of the champion' : 'no model in service'] },
  };
  return { key: `evaluations/${run.runId}/report.json`, body: JSON.stringify(report), at: new Date(at(run, 170)) };
}

/**
 * What the runs leave in the data bucket: drops (labeled/ with their run-id metadata, rejected/ with their
 * reports), archived emails, and for the newest `evaluated` deployed runs an evaluation report.
 */
export function seededObjects(bucket: string, runs: readonly SeededRun[], evaluated = 0): SeededObject[] {
  const objects: SeededObject[] = [];
  const deployed = runs.filter((run) => run.outcome === 'deployed');
  const evaluatedRuns = new Set(deployed.slice(-evaluated).map((run) => run.runId));
  for (const run of runs) {
    const percent = run.accuracy !== undefined ? `${(run.accuracy * 100).toFixed(2)}%` : '';
    const job = trainingJobName(STAGE, run.runId);
    switch (run.outcome) {
      case 'deployed':
        objects.push(
          email(run, 'Model Deployed', { endpointName: ENDPOINT, endpointConfigName: job, modelName: job, trainingJobName: job, metrics: { validationAccuracy: run.accuracy! }, durations: { preprocessingSeconds: 39, trainingSeconds: 120, totalSeconds: 200 } }, `${ENDPOINT} now serves run ${run.runId} (${percent})`, 200),
        );
        if (evaluatedRuns.has(run.runId)) {
          const index = deployed.indexOf(run);
          objects.push(evaluationReport(run, deployed[index - 1]));
        }
        break;
      case 'model-rejected':
        objects.push(
          email(run, 'Model Rejected', { trainingJobName: job, metrics: { validationAccuracy: run.accuracy! }, gate: { minAccuracy: 0.8, tolerance: 0.01 }, reason: `validation accuracy ${percent} is below the minimum 80.00%` }, `run ${run.runId} (${percent})`, 162),
        );
        break;
      case 'data-rejected': {
        const key = `incoming/seed/${run.runId}.xlsx`;
        const rejectedKey = `rejected/seed/${run.runId}.xlsx`;
        const reason = 'unsupported file type .xlsx (drop .csv, .jsonl or .txt, optionally .gz)';
        const dropped = new Date(at(run, 1));
        objects.push({ key: rejectedKey, body: 'not a data set', at: dropped });
        objects.push({ key: `${rejectedKey}.error.json`, body: JSON.stringify({ bucket, key, reason, size: 14, at: dropped.toISOString(), runId: run.runId }), at: dropped });
        objects.push(email(run, 'Dataset Rejected', { bucket, key, rejectedKey, reason, size: 14 }, key, 2));
        break;
      }
      case 'preprocess-failed':
        objects.push(
          email(run, 'Pipeline Failed', { failedStep: 'preprocessing', resource: `${glueJobName(STAGE)}/jr_seed${run.runId.replaceAll('-', '')}`, reason: 'ValueError: no usable rows in 1 data file(s)', state: 'FAILED' }, `run ${run.runId} at preprocessing`, 4),
        );
        break;
    }
    if (run.outcome !== 'data-rejected') {
      const etag = run.runId.replaceAll('-', '').slice(-12).padStart(12, '0');
      objects.push({ key: `labeled/seed/part-${run.runId}.${etag}.csv`, body: '1,title,text\n', metadata: { 'run-id': run.runId }, at: run.startedAt });
    }
  }
  return objects;
}

/** Puts the objects through the S3 API of the running stack. */
export async function writeObjects(s3: S3Client, bucket: string, objects: readonly SeededObject[]): Promise<void> {
  await mapLimit(objects, 16, (object) =>
    s3.send(new PutObjectCommand({ Bucket: bucket, Key: object.key, Body: object.body, ...(object.metadata ? { Metadata: object.metadata } : {}) })),
  );
}

/**
 * Gives the objects the times their runs would have written them (S3 stamps the time of the put, and the
 * console attributes drops and orders emails by those times): rewrites `lastModified` in the S3 provider's
 * metadata files, with the stack stopped (it reads them when it starts).
 */
export function backdateObjects(stateDir: string, bucket: string, objects: readonly SeededObject[]): void {
  for (const object of objects) {
    const file = objectMetadataFile(join(stateDir, 's3', bucket), object.key);
    const record = JSON.parse(readFileSync(file, 'utf8')) as S3ObjectRecord;
    record.lastModified = new Date(Math.floor(object.at.getTime() / 1000) * 1000).toISOString();
    writeFileSync(file, JSON.stringify(record));
  }
}
