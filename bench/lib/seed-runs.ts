/**
 * Many recorded runs, cheaply, for the console's benchmark: what 1,000 runs of the pipeline leave behind,
 * without running them. The Glue runs and training jobs are written as the providers' own state before the
 * stack starts (with the providers' record types, so a change of format fails to compile here); the rest
 * (labeled/ drops with their run-id metadata, rejected/ drops with their reports, the archived emails) is
 * put through the S3 API once the stack is up. Deterministic: the same seed gives the same runs.
 *
 * Mix: 85% deployed, 8% refused by the quality gate, 5% refused drops, 2% failed preprocessing; one run
 * every 10 minutes, the newest an hour ago.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { GlueJobRun } from '../../local-stack/src/providers/glue/state';
import { RecordStore } from '../../local-stack/src/providers/sagemaker/record-store';
import type { TrainingJobRecord } from '../../local-stack/src/providers/sagemaker/training/training-jobs';
import { glueJobName, runIdFor, trainingJobName } from '../../shared/src/names';
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

  const jobs = new RecordStore<TrainingJobRecord>(join(stateDir, 'sagemaker', 'training-jobs'), (job) => job.TrainingJobName);
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

function email(run: SeededRun, detailType: string, detail: Record<string, unknown>, subject: string, seconds: number): { key: string; body: string } {
  const eventId = `00000000-0000-4000-8000-${run.runId.replaceAll('-', '').slice(-12)}`;
  const time = new Date(at(run, seconds)).toISOString();
  const record: ArchivedNotification = {
    version: 1,
    eventId,
    detailType,
    source: 'ml-pipeline.deployment',
    time,
    runId: run.runId,
    stage: STAGE,
    detail: { runId: run.runId, stage: STAGE, at: time, ...detail },
    from: 'ml-pipeline@example.com',
    to: ['ml-team@example.com'],
    subject: `[${STAGE}] ${subject}`,
    text: `${subject}\n`,
    html: `<p>${subject}</p>`,
    sentAt: time,
  };
  return { key: notificationArchiveKey(run.runId, detailType, eventId), body: JSON.stringify(record) };
}

/** The S3 side of the runs, through the API of the running stack; returns the number of objects written. */
export async function writeObjects(s3: S3Client, bucket: string, runs: readonly SeededRun[]): Promise<number> {
  const objects: Array<{ key: string; body: string; metadata?: Record<string, string> }> = [];
  for (const run of runs) {
    const percent = run.accuracy !== undefined ? `${(run.accuracy * 100).toFixed(2)}%` : '';
    switch (run.outcome) {
      case 'deployed':
        objects.push(email(run, 'Model Deployed', { endpointName: 'ml-pipeline-local', metrics: { validationAccuracy: run.accuracy } }, `Model deployed: ml-pipeline-local now serves run ${run.runId} (${percent})`, 200));
        break;
      case 'model-rejected':
        objects.push(email(run, 'Model Rejected', { reason: `validation accuracy ${percent} is below the minimum 80.00%` }, `Model rejected: run ${run.runId} (${percent})`, 162));
        break;
      case 'data-rejected': {
        const key = `incoming/seed/${run.runId}.xlsx`;
        const reason = 'unsupported file type .xlsx (drop .csv, .jsonl or .txt, optionally .gz)';
        objects.push({ key: `rejected/seed/${run.runId}.xlsx`, body: 'not a data set' });
        objects.push({ key: `rejected/seed/${run.runId}.xlsx.error.json`, body: JSON.stringify({ bucket, key, reason, size: 14, at: new Date(at(run, 1)).toISOString(), runId: run.runId }) });
        objects.push(email(run, 'Dataset Rejected', { reason, key }, `Data rejected: ${key}`, 2));
        break;
      }
      case 'preprocess-failed':
        objects.push(email(run, 'Pipeline Failed', { failedStep: 'preprocessing', reason: 'ValueError: no usable rows in 1 data file(s)' }, `Pipeline failed: run ${run.runId} at preprocessing`, 4));
        break;
    }
    if (run.outcome !== 'data-rejected') {
      const etag = run.runId.replaceAll('-', '').slice(-12).padStart(12, '0');
      objects.push({ key: `labeled/seed/part-${run.runId}.${etag}.csv`, body: '1,title,text\n', metadata: { 'run-id': run.runId } });
    }
  }
  await mapLimit(objects, 16, (object) =>
    s3.send(new PutObjectCommand({ Bucket: bucket, Key: object.key, Body: object.body, ...(object.metadata ? { Metadata: object.metadata } : {}) })),
  );
  return objects.length;
}
