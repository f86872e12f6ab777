import { GetJobRunCommand, GlueClient } from '@aws-sdk/client-glue';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateTrainingJobCommand, ResourceInUse, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { Logger } from '@aws-lambda-powertools/logger';
import { mockClient } from 'aws-sdk-client-mock';
import { glueJobStateChangeEvent, type GlueJobStateChangeEvent } from '@pipeline/shared';
import succeeded from '../../../test/fixtures/aws-events/glue-job-succeeded.json';
import failed from '../../../test/fixtures/aws-events/glue-job-failed.json';
import timeout from '../../../test/fixtures/aws-events/glue-job-timeout.json';
import { startTraining, type TrainingDeps } from './start-training';
import { trainingConfig } from './testing';

const BUCKET = 'ml-pipeline-test-data-123456789012-us-west-2';
const JOB = 'ml-pipeline-test-preprocess';
const RUN_ID = '20261125-110409-abcdef';
const NOW = new Date('2026-11-25T11:10:00.000Z');

const glue = mockClient(GlueClient);
const s3 = mockClient(S3Client);
const sagemaker = mockClient(SageMakerClient);
const eventBridge = mockClient(EventBridgeClient);

const CONFIG = trainingConfig('test', {
  dataBucket: BUCKET,
  trainingImage: '433757028032.dkr.ecr.us-west-2.amazonaws.com/blazingtext:1',
  hyperParameters: { mode: 'supervised', epochs: '10' },
});

const deps = (): TrainingDeps => ({
  glue: new GlueClient({}),
  s3: new S3Client({}),
  sagemaker: new SageMakerClient({}),
  eventBridge: new EventBridgeClient({}),
  config: CONFIG,
  logger: new Logger({ logLevel: 'SILENT' }),
  now: () => NOW,
});

function stateChange(sample: typeof succeeded): GlueJobStateChangeEvent {
  const event = structuredClone(sample);
  event.detail.jobName = JOB;
  return glueJobStateChangeEvent.parse(event);
}

function glueRun(state: string, extra: Record<string, unknown> = {}): void {
  glue.on(GetJobRunCommand).resolves({
    JobRun: {
      Id: 'jr_x',
      JobRunState: state as never,
      StartedOn: new Date('2026-11-25T11:04:30Z'),
      CompletedOn: new Date('2026-11-25T11:06:00Z'),
      Arguments: { '--run_id': RUN_ID, '--output_uri': `s3://${BUCKET}/prepared/${RUN_ID}/`, '--input_uri': `s3://${BUCKET}/labeled/` },
      ...extra,
    },
  });
}

const MANIFEST_KEY = `prepared/${RUN_ID}/manifest.json`;
const MARKER_KEY = `prepared/${RUN_ID}/pipeline-failed.json`;

function manifest(body: unknown): void {
  s3.on(ListObjectsV2Command, { Prefix: MANIFEST_KEY }).resolves({ Contents: [{ Key: MANIFEST_KEY }] });
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  s3.on(GetObjectCommand, { Key: MANIFEST_KEY }).resolves({ Body: { transformToString: async () => text } as never });
}

const GOOD_MANIFEST = {
  run_id: RUN_ID,
  input_rows: 12,
  rejected_rows: 1,
  duplicate_rows: 1,
  rows: { train: 8, validation: 1, test: 1 },
  labels: { Company: { train: 4, validation: 1, test: 0 }, Artist: { train: 4, validation: 0, test: 1 } },
  sources: [{ uri: `s3://${BUCKET}/labeled/a.csv`, size: 100, etag: 'e', rows: 12, rejected: 1 }],
  normalization_version: '1',
};

/** The single Pipeline Failed detail that was published. */
function publishedFailure(): Record<string, unknown> {
  const calls = eventBridge.commandCalls(PutEventsCommand);
  expect(calls).toHaveLength(1);
  const entry = calls[0]!.args[0].input.Entries![0]!;
  expect(entry).toMatchObject({ Source: 'ml-pipeline.training', DetailType: 'Pipeline Failed' });
  return JSON.parse(entry.Detail!);
}

beforeEach(() => {
  glue.reset();
  s3.reset();
  sagemaker.reset();
  eventBridge.reset();
  s3.on(ListObjectsV2Command).resolves({ Contents: [] });
  sagemaker.on(CreateTrainingJobCommand).resolves({ TrainingJobArn: 'arn:aws:sagemaker:us-west-2:123456789012:training-job/x' });
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e' }] });
});

describe('startTraining: the run succeeded', () => {
  it('creates the training job named after the run, from the run arguments and manifest', async () => {
    glueRun('SUCCEEDED');
    manifest(GOOD_MANIFEST);
    const event = stateChange(succeeded);

    await expect(startTraining(deps(), event)).resolves.toEqual({ outcome: 'started', trainingJobName: `mlp-test-${RUN_ID}` });

    expect(glue).toHaveReceivedCommandWith(GetJobRunCommand, { JobName: JOB, RunId: event.detail.jobRunId });
    expect(s3).toHaveReceivedCommandWith(GetObjectCommand, { Bucket: BUCKET, Key: MANIFEST_KEY });
    expect(sagemaker).toHaveReceivedCommandTimes(CreateTrainingJobCommand, 1);
    expect(sagemaker).toHaveReceivedCommandWith(CreateTrainingJobCommand, {
      TrainingJobName: `mlp-test-${RUN_ID}`,
      AlgorithmSpecification: { TrainingImage: CONFIG.trainingImage, TrainingInputMode: 'File' },
      RoleArn: CONFIG.executionRoleArn,
      HyperParameters: { mode: 'supervised', epochs: '10' },
      InputDataConfig: [
        expect.objectContaining({ ChannelName: 'train', DataSource: { S3DataSource: expect.objectContaining({ S3Uri: `s3://${BUCKET}/prepared/${RUN_ID}/train/` }) } }),
        expect.objectContaining({
          ChannelName: 'validation',
          DataSource: { S3DataSource: expect.objectContaining({ S3Uri: `s3://${BUCKET}/prepared/${RUN_ID}/validation/` }) },
        }),
      ],
      OutputDataConfig: { S3OutputPath: `s3://${BUCKET}/models/` },
      ResourceConfig: { InstanceType: 'ml.c5.xlarge', InstanceCount: 1, VolumeSizeInGB: 30 },
      StoppingCondition: { MaxRuntimeInSeconds: 3600 },
      Tags: [
        { Key: 'runId', Value: RUN_ID },
        { Key: 'glueJobRunId', Value: event.detail.jobRunId },
        { Key: 'preprocessingSeconds', Value: '90' },
        { Key: 'droppedAt', Value: '2026-11-25T11:04:09.000Z' },
        { Key: 'ml-pipeline:normalization-version', Value: '1' },
      ],
    });
    expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
  });

  it('treats a duplicate event as started: the job exists already', async () => {
    glueRun('SUCCEEDED');
    manifest(GOOD_MANIFEST);
    sagemaker
      .on(CreateTrainingJobCommand)
      .rejects(new ResourceInUse({ message: 'Training job names must be unique ... already exists', $metadata: {} }));

    await expect(startTraining(deps(), stateChange(succeeded))).resolves.toEqual({
      outcome: 'already-started',
      trainingJobName: `mlp-test-${RUN_ID}`,
    });
    expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
  });

  it('also recognises the name clash as a ValidationException', async () => {
    glueRun('SUCCEEDED');
    manifest(GOOD_MANIFEST);
    const clash = Object.assign(new Error('a training job with this name already exists'), { name: 'ValidationException' });
    sagemaker.on(CreateTrainingJobCommand).rejects(clash);
    await expect(startTraining(deps(), stateChange(succeeded))).resolves.toMatchObject({ outcome: 'already-started' });
  });

  it('fails on any other SageMaker refusal, for the retry and the failed-events queue', async () => {
    glueRun('SUCCEEDED');
    manifest(GOOD_MANIFEST);
    const invalid = Object.assign(new Error('Invalid hyperparameter epochs'), { name: 'ValidationException' });
    sagemaker.on(CreateTrainingJobCommand).rejects(invalid);
    await expect(startTraining(deps(), stateChange(succeeded))).rejects.toThrow('Invalid hyperparameter epochs');
  });

  it('announces Pipeline Failed for a dataset with a single label', async () => {
    glueRun('SUCCEEDED');
    manifest({ ...GOOD_MANIFEST, labels: { Company: { train: 8, validation: 1, test: 1 } } });

    await expect(startTraining(deps(), stateChange(succeeded))).resolves.toMatchObject({ outcome: 'failure-reported', failedStep: 'training' });

    expect(publishedFailure()).toEqual({
      runId: RUN_ID,
      stage: 'test',
      at: NOW.toISOString(),
      failedStep: 'training',
      resource: `mlp-test-${RUN_ID}`,
      reason: 'A classifier needs at least 2 labels in the training split; it has 1.',
      // what became of the run's rows, from its manifest
      rows: { read: 12, kept: 10, duplicates: 1, rejected: 1, rejections: [] },
    });
    expect(s3).toHaveReceivedCommandWith(PutObjectCommand, { Bucket: BUCKET, Key: MARKER_KEY, ContentType: 'application/json' });
    expect(sagemaker).not.toHaveReceivedCommand(CreateTrainingJobCommand);
  });

  it('announces Pipeline Failed for an empty training split', async () => {
    glueRun('SUCCEEDED');
    manifest({ ...GOOD_MANIFEST, rows: { train: 0, validation: 0, test: 0 }, labels: {} });
    await startTraining(deps(), stateChange(succeeded));
    expect(publishedFailure().reason).toMatch(/no training rows/);
  });

  it('announces Pipeline Failed when the manifest is missing or malformed', async () => {
    glueRun('SUCCEEDED');
    await startTraining(deps(), stateChange(succeeded));
    expect(publishedFailure()).toMatchObject({ failedStep: 'preprocessing', reason: expect.stringMatching(/wrote no manifest/) });
    expect(s3).not.toHaveReceivedCommand(GetObjectCommand);

    eventBridge.resetHistory();
    manifest({ run_id: RUN_ID, rows: { train: 'many' } });
    await startTraining(deps(), stateChange(succeeded));
    expect(publishedFailure().reason).toMatch(/manifest has an unexpected shape: rows.train/);
  });

  it('announces Pipeline Failed for a run the pipeline did not start (no arguments)', async () => {
    glueRun('SUCCEEDED', { Arguments: {} });
    const event = stateChange(succeeded);
    await expect(startTraining(deps(), event)).resolves.toMatchObject({ outcome: 'failure-reported', runId: event.detail.jobRunId });
    expect(publishedFailure().reason).toMatch(/not started by the pipeline/);
  });
});

describe('startTraining: the run did not succeed', () => {
  it('announces Pipeline Failed with the Glue error message and the run id of the run', async () => {
    glueRun('FAILED', { ErrorMessage: 'ValueError: no rows in labeled/' });
    const event = stateChange(failed);

    await expect(startTraining(deps(), event)).resolves.toEqual({
      outcome: 'failure-reported',
      runId: RUN_ID,
      failedStep: 'preprocessing',
      reason: 'ValueError: no rows in labeled/',
    });
    expect(publishedFailure()).toEqual({
      runId: RUN_ID,
      stage: 'test',
      at: NOW.toISOString(),
      failedStep: 'preprocessing',
      resource: `${JOB}/${event.detail.jobRunId}`,
      reason: 'ValueError: no rows in labeled/',
      state: 'FAILED',
    });
    expect(s3).toHaveReceivedCommandWith(ListObjectsV2Command, { Bucket: BUCKET, Prefix: MARKER_KEY, MaxKeys: 1 });
    expect(s3).toHaveReceivedCommandWith(PutObjectCommand, { Key: MARKER_KEY });
    expect(sagemaker).not.toHaveReceivedAnyCommand();
  });

  it('says what started a run that no drop started (npm run retrain, the schedule) in its Pipeline Failed', async () => {
    glueRun('FAILED', {
      ErrorMessage: 'ValueError: no rows in labeled/',
      Arguments: { '--run_id': RUN_ID, '--output_uri': `s3://${BUCKET}/prepared/${RUN_ID}/`, '--trigger': 'Retrain Requested: new epochs' },
    });

    await startTraining(deps(), stateChange(failed));
    expect(publishedFailure()).toEqual(expect.objectContaining({ failedStep: 'preprocessing', trigger: 'Retrain Requested: new epochs' }));
  });

  it('reports the rows of a run that found nothing usable (its manifest says why)', async () => {
    glueRun('FAILED', { ErrorMessage: 'preprocess: error: no usable rows in 1 data file(s)' });
    manifest({
      ...GOOD_MANIFEST,
      input_rows: 3,
      rejected_rows: 3,
      duplicate_rows: 0,
      rows: { train: 0, validation: 0, test: 0 },
      labels: {},
      rejection_reasons: { unmapped_label: 3 },
      rejection_lines: { unmapped_label: [1, 2, 3].map((line) => ({ source: `s3://${BUCKET}/labeled/a.csv`, line })) },
    });
    await startTraining(deps(), stateChange(failed));
    expect(publishedFailure()).toMatchObject({
      failedStep: 'preprocessing',
      rows: { read: 3, kept: 0, rejected: 3, rejections: [{ reason: 'unmapped_label', count: 3 }] },
    });
  });

  it('falls back to the event message when Glue has no error message (timeout)', async () => {
    glueRun('TIMEOUT');
    await startTraining(deps(), stateChange(timeout));
    expect(publishedFailure()).toMatchObject({ state: 'TIMEOUT', reason: 'Job run timed out' });
  });

  it('announces a failure once: a duplicate event finds the marker', async () => {
    glueRun('FAILED', { ErrorMessage: 'boom' });
    s3.on(ListObjectsV2Command, { Prefix: MARKER_KEY }).resolves({ Contents: [{ Key: MARKER_KEY }] });

    await expect(startTraining(deps(), stateChange(failed))).resolves.toEqual({ outcome: 'failure-already-reported', runId: RUN_ID });
    expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
    expect(s3).not.toHaveReceivedCommand(PutObjectCommand);
  });

  it('leaves no marker when the announcement fails, so the retry announces it', async () => {
    glueRun('FAILED', { ErrorMessage: 'boom' });
    eventBridge.on(PutEventsCommand).rejects(new Error('throttled'));
    await expect(startTraining(deps(), stateChange(failed))).rejects.toThrow('throttled');
    expect(s3).not.toHaveReceivedCommand(PutObjectCommand);
  });

  it('refuses an event for another job', async () => {
    const event = stateChange(succeeded);
    event.detail.jobName = 'MyJob';
    await expect(startTraining(deps(), event)).rejects.toThrow(/not ml-pipeline-test-preprocess/);
    expect(glue).not.toHaveReceivedAnyCommand();
  });
});
