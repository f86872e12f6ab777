import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { GetJobRunsCommand } from '@aws-sdk/client-glue';
import { DescribeTrainingJobCommand, ListTrainingJobsCommand } from '@aws-sdk/client-sagemaker';
import 'aws-sdk-client-mock-jest';
import { dropRows } from './drops';
import { RunFollower, formatRunLine } from './follow';
import { modelsView } from './models';
import { PipelineStore } from './store';
import { archivedEmail, at, CONFIG, emptyState, fakeAws, glueRun, trainingJob, type FakeState } from './testing';

const A = '20261125-100000-aaaaaa';
const B = '20261125-110000-bbbbbb';
const C = '20261125-120000-cccccc';
const D = '20261125-130000-dddddd';
const LATE = '20261125-130003-eeeeee';
const F = '20261125-131000-ffffff';
const NOW = at('2026-11-25T13:00:30Z');

/** Four runs: deployed (A), model rejected (B), data rejected (C), training (D), and a drop that arrived during D. */
function pipelineState(): FakeState {
  const state = emptyState();
  state.glueRuns.push(
    glueRun(A, 'SUCCEEDED', at('2026-11-25T10:00:02Z'), at('2026-11-25T10:00:05Z')),
    glueRun(B, 'SUCCEEDED', at('2026-11-25T11:00:02Z'), at('2026-11-25T11:00:04Z')),
    glueRun(D, 'SUCCEEDED', at('2026-11-25T13:00:02Z'), at('2026-11-25T13:00:05Z')),
  );
  state.trainingJobs.push(
    trainingJob(A, 'Completed', { created: at('2026-11-25T10:00:06Z'), started: at('2026-11-25T10:00:06Z'), ended: at('2026-11-25T10:00:20Z') }, {
      FinalMetricDataList: [{ MetricName: 'validation:accuracy', Value: 0.9712, Timestamp: at('2026-11-25T10:00:20Z') }],
    }),
    trainingJob(B, 'Completed', { created: at('2026-11-25T11:00:05Z'), started: at('2026-11-25T11:00:05Z'), ended: at('2026-11-25T11:00:15Z') }, {
      FinalMetricDataList: [{ MetricName: 'validation:accuracy', Value: 0.5, Timestamp: at('2026-11-25T11:00:15Z') }],
    }),
    trainingJob(D, 'InProgress', { created: at('2026-11-25T13:00:06Z'), started: at('2026-11-25T13:00:06Z') }, {
      SecondaryStatusTransitions: [
        { Status: 'Starting', StartTime: at('2026-11-25T13:00:06Z'), EndTime: at('2026-11-25T13:00:07Z'), StatusMessage: 'Preparing the instances for training' },
        { Status: 'Training', StartTime: at('2026-11-25T13:00:08Z'), StatusMessage: 'Training: epoch 3/10, loss 0.5123, ~1000 words/sec/thread' },
      ],
    }),
  );
  state.endpointConfigs.push({ EndpointConfigName: `mlp-local-${A}`, CreationTime: at('2026-11-25T10:00:21Z') });
  state.endpoint = { EndpointConfigName: `mlp-local-${A}`, EndpointStatus: 'InService', LastModifiedTime: at('2026-11-25T10:00:39Z') };
  state.objects.push(
    { key: 'labeled/classes.txt', body: 'Company\nArtist\n', lastModified: at('2026-11-25T09:59:00Z'), metadata: { 'run-id': '20261125-095900-000000' } },
    { key: 'labeled/dbpedia/train.0123456789ab.csv', body: '1,a,b\n', lastModified: at('2026-11-25T10:00:01Z'), metadata: { 'run-id': A } },
    { key: 'labeled/more.abcdefabcdef.csv', body: '1,a,b\n', lastModified: at('2026-11-25T11:00:01Z'), metadata: { 'run-id': B } },
    { key: 'labeled/d.dddddddddddd.csv', body: '1,a,b\n', lastModified: at('2026-11-25T13:00:01Z'), metadata: { 'run-id': D } },
    { key: 'labeled/late.eeeeeeeeeeee.csv', body: '1,a,b\n', lastModified: at('2026-11-25T13:00:03Z'), metadata: { 'run-id': LATE } },
    { key: 'rejected/reviews.xlsx', body: 'xlsx', lastModified: at('2026-11-25T12:00:01Z') },
    {
      key: 'rejected/reviews.xlsx.error.json',
      lastModified: at('2026-11-25T12:00:01Z'),
      body: JSON.stringify({ bucket: CONFIG.dataBucket, key: 'incoming/reviews.xlsx', reason: 'unsupported file type .xlsx', size: 4, at: '2026-11-25T12:00:01.000Z', runId: C }),
    },
    archivedEmail(A, 'Model Deployed', '11111111-1111-4111-8111-111111111111', { endpointConfigName: `mlp-local-${A}` }, at('2026-11-25T10:00:40Z')),
    archivedEmail(B, 'Model Rejected', '22222222-2222-4222-8222-222222222222', { reason: 'validation accuracy 50.00% is below the minimum 80.00%' }, at('2026-11-25T11:00:16Z')),
    archivedEmail(C, 'Dataset Rejected', '33333333-3333-4333-8333-333333333333', { reason: 'unsupported file type .xlsx', key: 'incoming/reviews.xlsx' }, at('2026-11-25T12:00:02Z')),
    { key: 'prepared/some-run/manifest.json', body: '{}', lastModified: at('2026-11-25T10:00:05Z') },
  );
  return state;
}

function storeOver(state: FakeState) {
  const aws = fakeAws(state);
  const store = new PipelineStore(aws.clients, CONFIG, { requestCounter: aws.counter, now: () => NOW });
  return { ...aws, store };
}

async function loaded(state = pipelineState()) {
  const aws = storeOver(state);
  await aws.store.refresh();
  // what the run list shows, the way the page asks for it
  aws.store.want({ runs: aws.store.snapshot().runs.map((run) => run.runId) });
  const snapshot = await aws.store.refresh();
  return { ...aws, snapshot };
}

describe('runs reconstructed from the AWS APIs', () => {
  it('lists every run, newest first, by the time in its id', async () => {
    const { snapshot } = await loaded();
    expect(snapshot.runs.map((run) => run.runId)).toEqual([D, C, B, A]);
    expect(snapshot.error).toBeUndefined();
  });

  it('a deployed run: the drop that started it, every stage with its times, the accuracy, the outcome', async () => {
    const { snapshot } = await loaded();
    const run = snapshot.runs.find((candidate) => candidate.runId === A)!;
    // classes.txt, kept before any data, was read first by this run too
    expect(run.trigger).toEqual({
      kind: 'drops',
      drops: [
        { droppedKey: 'classes.txt', keptKey: 'labeled/classes.txt', size: 15, at: at('2026-11-25T09:59:00Z') },
        { droppedKey: 'incoming/dbpedia/train.csv', keptKey: 'labeled/dbpedia/train.0123456789ab.csv', size: 6, at: at('2026-11-25T10:00:01Z') },
      ],
    });
    // from the time in the run id to the start of the Glue run, ingestion's last act
    expect(run.stages.ingest).toMatchObject({ status: 'succeeded', startedAt: at('2026-11-25T10:00:00Z'), endedAt: at('2026-11-25T10:00:02Z') });
    expect(run.stages.preprocess).toEqual({ status: 'succeeded', startedAt: at('2026-11-25T10:00:02Z'), endedAt: at('2026-11-25T10:00:05Z') });
    expect(run.stages.train).toEqual({ status: 'succeeded', startedAt: at('2026-11-25T10:00:06Z'), endedAt: at('2026-11-25T10:00:20Z') });
    expect(run.stages.evaluate.status).toBe('skipped');
    expect(run.stages.deploy).toMatchObject({ status: 'succeeded', startedAt: at('2026-11-25T10:00:21Z'), endedAt: at('2026-11-25T10:00:40Z'), detail: 'serving on ml-pipeline-local' });
    expect(run.stages.notify).toMatchObject({ status: 'succeeded', endedAt: at('2026-11-25T10:00:40Z'), detail: `[local] Model Deployed: run ${A}` });
    expect(run.outcome).toEqual({ status: 'deployed', at: at('2026-11-25T10:00:40Z') });
    expect(run.validationAccuracy).toBe(0.9712);
    expect(run.current).toBeUndefined();
    expect(run.refs).toEqual({
      glueJobRunId: `jr_${A}`,
      preparedPrefix: `prepared/${A}/`,
      trainingJobName: `mlp-local-${A}`,
      endpointConfigName: `mlp-local-${A}`,
      notificationKeys: [`notifications/${A}/model-deployed-11111111-1111-4111-8111-111111111111.json`],
    });
  });

  it('a model the quality gate refused: rejected, with the reason from its email', async () => {
    const { snapshot } = await loaded();
    const run = snapshot.runs.find((candidate) => candidate.runId === B)!;
    expect(run.stages.deploy).toMatchObject({ status: 'rejected', detail: 'validation accuracy 50.00% is below the minimum 80.00%' });
    expect(run.outcome).toEqual({ status: 'rejected', reason: 'model rejected: validation accuracy 50.00% is below the minimum 80.00%', at: at('2026-11-25T11:00:16Z') });
    expect(run.validationAccuracy).toBe(0.5);
  });

  it('a refused drop: its own run, rejected at ingest with the reason of rejected/<key>.error.json', async () => {
    const { snapshot } = await loaded();
    const run = snapshot.runs.find((candidate) => candidate.runId === C)!;
    expect(run.trigger).toEqual({ kind: 'rejected-drop', drops: [{ droppedKey: 'incoming/reviews.xlsx', keptKey: 'rejected/reviews.xlsx', size: 4, at: at('2026-11-25T12:00:01Z') }] });
    expect(run.stages.ingest).toMatchObject({ status: 'rejected', detail: 'unsupported file type .xlsx' });
    expect(run.stages.preprocess.status).toBe('skipped');
    expect(run.stages.train.status).toBe('skipped');
    expect(run.outcome).toMatchObject({ status: 'rejected', reason: 'data rejected: unsupported file type .xlsx' });
  });

  it('a run in training: its current stage and epoch from the training job status message', async () => {
    const { snapshot } = await loaded();
    const run = snapshot.runs[0]!;
    expect(run.runId).toBe(D);
    expect(run.outcome.status).toBe('in-progress');
    expect(run.stages.train).toMatchObject({ status: 'running', detail: 'Training: Training: epoch 3/10, loss 0.5123, ~1000 words/sec/thread' });
    expect(run.current).toEqual({ stage: 'train', progress: { epoch: 3, epochs: 10, message: 'Training: epoch 3/10, loss 0.5123, ~1000 words/sec/thread' } });
    // the stages after it wait; the evaluate stage does not exist in this pipeline (no report anywhere)
    expect(run.stages.deploy).toEqual({ status: 'pending', detail: 'after train' });
    expect(run.stages.evaluate.status).toBe('skipped');
    expect(run.stages.notify.status).toBe('pending');
  });

  it('a drop kept while a run was going on waits, then belongs to the follow-up run that read it', async () => {
    const state = pipelineState();
    const { store, snapshot } = await loaded(state);
    expect(snapshot.drops.waiting.map((drop) => drop.droppedKey)).toEqual(['incoming/late.csv']);

    state.glueRuns.push(glueRun(F, 'RUNNING', at('2026-11-25T13:10:00Z')));
    await store.refresh();
    store.want({ heads: ['labeled/late.eeeeeeeeeeee.csv'] });
    const after = await store.refresh();
    const followUp = after.runs.find((run) => run.runId === F)!;
    expect(followUp.trigger).toEqual({
      kind: 'drops',
      drops: [{ droppedKey: 'incoming/late.csv', keptKey: 'labeled/late.eeeeeeeeeeee.csv', size: 6, at: at('2026-11-25T13:00:03Z'), ownRunId: LATE }],
    });
    expect(followUp.stages.preprocess).toMatchObject({ status: 'running', detail: 'Glue RUNNING' });
    expect(followUp.current).toEqual({ stage: 'preprocess' });
    expect(after.drops.waiting).toEqual([]);
    // The late drop's own run id never had a Glue run: it is not a run of its own.
    expect(after.runs.map((run) => run.runId)).not.toContain(LATE);
  });

  it('failures: the Glue error message, the training job failure reason', async () => {
    const state = emptyState();
    const G = '20261125-140000-111111';
    const T = '20261125-150000-222222';
    state.glueRuns.push(
      glueRun(G, 'FAILED', at('2026-11-25T14:00:02Z'), at('2026-11-25T14:00:03Z'), 'ValueError: no usable rows'),
      glueRun(T, 'SUCCEEDED', at('2026-11-25T15:00:02Z'), at('2026-11-25T15:00:03Z')),
    );
    state.trainingJobs.push(
      trainingJob(T, 'Failed', { created: at('2026-11-25T15:00:04Z'), ended: at('2026-11-25T15:00:05Z') }, { FailureReason: 'ClientError: buckets x vector_dim needs 9.0 GiB' }),
    );
    const { snapshot } = await loaded(state);
    const [trainFailed, glueFailed] = snapshot.runs;
    expect(glueFailed!.outcome).toMatchObject({ status: 'failed', reason: 'preprocess failed: ValueError: no usable rows' });
    expect(glueFailed!.stages.train.status).toBe('skipped');
    expect(trainFailed!.outcome).toMatchObject({ status: 'failed', reason: 'train failed: ClientError: buckets x vector_dim needs 9.0 GiB' });
    expect(trainFailed!.stages.deploy.status).toBe('skipped');
  });

  it('a run with an evaluation report: the evaluate stage, the test accuracy', async () => {
    const state = pipelineState();
    const report = {
      runId: A,
      testRows: 1400,
      labels: ['Company', 'Artist'],
      challenger: { trainingJob: `mlp-local-${A}`, accuracy: 0.955, macroF1: 0.95, perClass: {}, confusion: [[680, 20], [43, 657]] },
      champion: null,
      decision: { deploy: true, reasons: ['first model'] },
    };
    state.objects.push({ key: `evaluations/${A}/report.json`, body: JSON.stringify(report), lastModified: at('2026-11-25T10:00:30Z') });
    state.objects.push({ key: `evaluations/${A}/transform/test.out`, body: '', lastModified: at('2026-11-25T10:00:29Z') });
    const { snapshot } = await loaded(state);
    const run = snapshot.runs.find((candidate) => candidate.runId === A)!;
    expect(snapshot.hasEvaluations).toBe(true);
    expect(run.stages.evaluate).toEqual({
      status: 'succeeded',
      startedAt: at('2026-11-25T10:00:20Z'),
      endedAt: at('2026-11-25T10:00:30Z'),
      detail: 'test accuracy 95.50% on 1400 rows',
    });
    expect(run.testAccuracy).toBe(0.955);
    expect(run.refs.reportKey).toBe(`evaluations/${A}/report.json`);
    // the endpoint config tells when the deployment began; without it, the end of the evaluation
    expect(run.stages.deploy.startedAt).toEqual(at('2026-11-25T10:00:21Z'));
    state.endpointConfigs.length = 0;
    const { snapshot: withoutConfig } = await loaded(state);
    expect(withoutConfig.runs.find((candidate) => candidate.runId === A)!.stages.deploy.startedAt).toEqual(at('2026-11-25T10:00:30Z'));

    // the lists taken in full again keep the report's time (the report is not read twice) and forget a removed evaluation
    const { clients, mocks } = fakeAws(state);
    const store = new PipelineStore(clients, CONFIG, { now: () => NOW, fullEvery: 1 });
    store.want({ runs: [A] });
    await store.refresh();
    await store.refresh();
    expect(mocks.s3.commandCalls(GetObjectCommand, { Key: `evaluations/${A}/report.json` })).toHaveLength(1);
    expect(store.snapshot().runs.find((candidate) => candidate.runId === A)!.stages.evaluate.endedAt).toEqual(at('2026-11-25T10:00:30Z'));
    state.objects = state.objects.filter((object) => !object.key.startsWith('evaluations/'));
    const after = await store.refresh();
    expect(after.hasEvaluations).toBe(false);
    expect(after.reports.has(A)).toBe(false);
  });

  it('an evaluation under way (batch input written, no report, no outcome) runs; a failed one fails', async () => {
    const state = pipelineState();
    const E = '20261125-140000-eeeeee';
    state.glueRuns.push(glueRun(E, 'SUCCEEDED', at('2026-11-25T14:00:02Z'), at('2026-11-25T14:00:05Z')));
    state.trainingJobs.push(trainingJob(E, 'Completed', { created: at('2026-11-25T14:00:06Z'), started: at('2026-11-25T14:00:06Z'), ended: at('2026-11-25T14:00:20Z') }));
    state.objects.push({ key: `evaluations/${E}/input/test.jsonl`, body: '{"source":"a b"}\n', lastModified: at('2026-11-25T14:00:21Z') });
    const { snapshot } = await loaded(state);
    const run = snapshot.runs.find((candidate) => candidate.runId === E)!;
    expect(run.stages.evaluate).toEqual({ status: 'running', startedAt: at('2026-11-25T14:00:20Z'), detail: 'batch transform on the test split' });
    expect(run.outcome.status).toBe('in-progress');

    state.objects.push(
      archivedEmail(E, 'Pipeline Failed', '44444444-4444-4444-8444-444444444444', { failedStep: 'evaluation', reason: 'ClientError: bad record' }, at('2026-11-25T14:00:30Z')),
    );
    const { snapshot: failed } = await loaded(state);
    expect(failed.runs.find((candidate) => candidate.runId === E)!.stages.evaluate).toMatchObject({ status: 'failed', detail: 'ClientError: bad record' });
    expect(failed.runs.find((candidate) => candidate.runId === E)!.stages.deploy.status).toBe('skipped');
  });
});

describe('refreshing', () => {
  it('after the first refresh asks only for what can change: the newest runs and jobs, keys from the oldest run going on', async () => {
    const { store, mocks, counter } = await loaded();
    mocks.s3.resetHistory();
    mocks.glue.resetHistory();
    mocks.sagemaker.resetHistory();
    const before = counter.count;

    const snapshot = await store.refresh();

    expect(mocks.glue).toHaveReceivedCommandWith(GetJobRunsCommand, { MaxResults: 20 });
    expect(mocks.sagemaker).toHaveReceivedCommandWith(ListTrainingJobsCommand, { MaxResults: 10 });
    expect(mocks.s3).toHaveReceivedCommandWith(ListObjectsV2Command, { Prefix: 'notifications/', StartAfter: `notifications/${D}` });
    expect(mocks.s3).toHaveReceivedCommandWith(ListObjectsV2Command, { Prefix: 'evaluations/', Delimiter: '/', StartAfter: `evaluations/${D}` });
    // the job in progress is described again (its epoch); the finished ones are not
    expect(mocks.sagemaker.commandCalls(DescribeTrainingJobCommand).map((call) => call.args[0].input.TrainingJobName)).toEqual([`mlp-local-${D}`]);
    // no email, report or rejection is read again
    expect(counter.count - before).toBe(snapshot.lastRefresh.requests);
    expect(snapshot.lastRefresh).toMatchObject({ requests: 8, full: false });
  });

  it('the accuracies of runs not on screen (the models chart): their training jobs described and shown as they come, none of their emails read', async () => {
    const { clients, mocks } = fakeAws(pipelineState());
    const store = new PipelineStore(clients, CONFIG, { now: () => NOW, progressEveryMs: 0 });
    await store.refresh();
    mocks.s3.resetHistory();
    mocks.sagemaker.resetHistory();
    store.want({ accuracies: [A, B] });
    // what is read so far is published while the rest is read
    const progress: number[] = [];
    const snapshot = await store.refresh(undefined, (partial) => progress.push(partial.runs.filter((run) => run.validationAccuracy !== undefined).length));
    expect(progress.length).toBeGreaterThan(0);
    expect(progress[0]).toBeGreaterThanOrEqual(1);
    const described = mocks.sagemaker.commandCalls(DescribeTrainingJobCommand).map((call) => call.args[0].input.TrainingJobName);
    expect(described.sort()).toEqual([`mlp-local-${A}`, `mlp-local-${B}`, `mlp-local-${D}`]);
    expect(mocks.s3.commandCalls(GetObjectCommand)).toHaveLength(0);
    expect(snapshot.runs.find((run) => run.runId === A)!.validationAccuracy).toBe(0.9712);
  });

  it('shows a new epoch at the next refresh', async () => {
    const state = pipelineState();
    const { store } = await loaded(state);
    const job = state.trainingJobs.find((candidate) => candidate.TrainingJobName === `mlp-local-${D}`)!;
    job.SecondaryStatusTransitions![1]!.StatusMessage = 'Training: epoch 4/10, loss 0.4, ~1000 words/sec/thread';
    const snapshot = await store.refresh();
    expect(snapshot.runs[0]!.current?.progress).toMatchObject({ epoch: 4, epochs: 10 });
  });

  it('reports an API error in the snapshot and keeps what it knew', async () => {
    const { store, mocks, snapshot: before } = await loaded();
    mocks.glue.on(GetJobRunsCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const snapshot = await store.refresh();
    expect(snapshot.error).toBe('ThrottlingException: Rate exceeded');
    expect(snapshot.runs.map((run) => run.runId)).toEqual(before.runs.map((run) => run.runId));
  });

  it('an email that is not one the notification service archives is left alone, not read again and again', async () => {
    const state = pipelineState();
    state.objects.push({ key: `notifications/${D}/model-deployed-44444444-4444-4444-8444-444444444444.json`, body: '{"oops": true}', lastModified: at('2026-11-25T13:00:20Z') });
    const { store, snapshot, mocks } = await loaded(state);
    expect(snapshot.error).toBeUndefined();
    expect(snapshot.emails.has(`notifications/${D}/model-deployed-44444444-4444-4444-8444-444444444444.json`)).toBe(false);
    mocks.s3.resetHistory();
    store.want({ runs: [D] });
    expect((await store.refresh()).error).toBeUndefined();
    expect(mocks.s3.commandCalls(GetObjectCommand)).toHaveLength(0);
  });
});

describe('models and drops', () => {
  it('models: every trained model with its accuracy and decision; the endpoint versions; the model in service', async () => {
    const state = pipelineState();
    const E = '20261125-090000-eeeeee';
    state.glueRuns.push(glueRun(E, 'SUCCEEDED', at('2026-11-25T09:00:02Z'), at('2026-11-25T09:00:04Z')));
    state.trainingJobs.push(
      trainingJob(E, 'Completed', { created: at('2026-11-25T09:00:05Z'), started: at('2026-11-25T09:00:05Z'), ended: at('2026-11-25T09:00:15Z') }, {
        FinalMetricDataList: [{ MetricName: 'validation:accuracy', Value: 0.93, Timestamp: at('2026-11-25T09:00:15Z') }],
      }),
    );
    state.objects.push(archivedEmail(E, 'Model Deployed', '55555555-5555-4555-8555-555555555555', {}, at('2026-11-25T09:00:30Z')));
    const { snapshot } = await loaded(state);
    const view = await modelsView(snapshot);
    expect(view.versions.map((version) => [version.runId, version.validationAccuracy, version.decision])).toEqual([
      [E, 0.93, 'deployed'],
      [A, 0.9712, 'deployed'],
      [B, 0.5, 'rejected'],
      [D, undefined, 'training'],
    ]);
    expect(view.endpointHistory).toEqual([
      { configName: `mlp-local-${A}`, modelName: `mlp-local-${A}`, runId: A, from: at('2026-11-25T10:00:40Z'), validationAccuracy: 0.9712 },
      { configName: `mlp-local-${E}`, modelName: `mlp-local-${E}`, runId: E, from: at('2026-11-25T09:00:30Z'), to: at('2026-11-25T10:00:40Z'), validationAccuracy: 0.93 },
    ]);
    expect(view.inService?.version?.runId).toBe(A);
    expect(view.inService?.endpoint.status).toBe('InService');
  });

  it('drops: accepted with the run that read them, rejected with the reason, waiting, and being inspected', async () => {
    const state = pipelineState();
    state.objects.push({ key: 'incoming/new.csv', body: '1,a,b\n', lastModified: at('2026-11-25T13:00:25Z') });
    const { snapshot } = await loaded(state);
    expect(dropRows(snapshot).map((row) => [row.droppedKey, row.status, row.runId, row.reason])).toEqual([
      ['incoming/new.csv', 'inspecting', undefined, undefined],
      ['incoming/late.csv', 'waiting-for-run', undefined, undefined],
      ['incoming/d.csv', 'accepted', D, undefined],
      ['incoming/reviews.xlsx', 'rejected', C, 'unsupported file type .xlsx'],
      ['incoming/more.csv', 'accepted', B, undefined],
      ['incoming/dbpedia/train.csv', 'accepted', A, undefined],
      ['classes.txt', 'accepted', A, undefined],
    ]);
  });

  it("drops kept as the corpus keeps them today: a classes.txt under its folder's name, a data file's class-name sidecar no drop", async () => {
    const state = pipelineState();
    state.objects.push(
      { key: 'labeled/d/classes.20261125T130000Z.0123456789ab.txt', body: 'Company\n', lastModified: at('2026-11-25T13:00:00Z'), metadata: { 'run-id': '20261125-130000-cccccc' } },
      { key: 'labeled/d.dddddddddddd.csv.classes.json', body: '{}', lastModified: at('2026-11-25T13:00:01Z') },
    );
    const { store } = await loaded(state);
    // the run-id metadata ingestion gave the list (read when the page shows the drops) names no run of its own
    store.want({ runs: [D], heads: ['labeled/d/classes.20261125T130000Z.0123456789ab.txt'] });
    const snapshot = await store.refresh();
    const run = snapshot.runs.find((candidate) => candidate.runId === D)!;
    expect(snapshot.labeledRunIds.get('labeled/d/classes.20261125T130000Z.0123456789ab.txt')).toBe('20261125-130000-cccccc');
    expect(run.trigger.drops.every((drop) => drop.ownRunId === undefined)).toBe(true);
    // in the listing's order
    expect(run.trigger.drops.map((drop) => [drop.droppedKey, drop.keptKey])).toEqual([
      ['incoming/d.csv', 'labeled/d.dddddddddddd.csv'],
      ['incoming/d/classes.txt', 'labeled/d/classes.20261125T130000Z.0123456789ab.txt'],
    ]);
    expect(dropRows(snapshot).filter((row) => row.keptKey?.endsWith('.classes.json'))).toEqual([]);
  });
});

describe('the terminal follower', () => {
  it('prints nothing for the history, then one line per new thing that happens to a run', async () => {
    const state = pipelineState();
    const { store } = await loaded(state);
    const follower = new RunFollower();
    expect(follower.update(store.snapshot())).toEqual([]);

    const job = state.trainingJobs.find((candidate) => candidate.TrainingJobName === `mlp-local-${D}`)!;
    job.SecondaryStatusTransitions![1]!.StatusMessage = 'Training: epoch 4/10, loss 0.4, ~1000 words/sec/thread';
    expect((await store.refresh(), follower.update(store.snapshot())).map(formatRunLine)).toEqual([`run ${D}  train      epoch 4/10, loss 0.4, ~1000 words/sec/thread`]);

    Object.assign(job, {
      TrainingJobStatus: 'Completed',
      SecondaryStatus: 'Completed',
      TrainingEndTime: at('2026-11-25T13:00:26Z'),
      FinalMetricDataList: [{ MetricName: 'validation:accuracy', Value: 0.9601 }],
    });
    state.endpointConfigs.push({ EndpointConfigName: `mlp-local-${D}`, CreationTime: at('2026-11-25T13:00:27Z') });
    state.endpoint = { EndpointConfigName: `mlp-local-${A}`, EndpointStatus: 'Updating', LastModifiedTime: at('2026-11-25T13:00:27Z'), PendingConfig: `mlp-local-${D}` };
    await store.refresh();
    expect(follower.update(store.snapshot()).map(formatRunLine)).toEqual([
      `run ${D}  train      Completed in 20 s, validation accuracy 0.9601`,
      `run ${D}  deploy     endpoint Updating`,
    ]);

    state.endpoint = { EndpointConfigName: `mlp-local-${D}`, EndpointStatus: 'InService', LastModifiedTime: at('2026-11-25T13:00:35Z') };
    state.objects.push(archivedEmail(D, 'Model Deployed', '66666666-6666-4666-8666-666666666666', {}, at('2026-11-25T13:00:36Z')));
    store.want({ runs: [D] });
    await store.refresh();
    expect(follower.update(store.snapshot()).map(formatRunLine)).toEqual([
      `run ${D}  deploy     serving on ml-pipeline-local (9.0 s)`,
      `run ${D}  notify     email to ml-team@example.com: [local] Model Deployed: run ${D}`,
    ]);
    expect(follower.update(store.snapshot())).toEqual([]);
  });
});
