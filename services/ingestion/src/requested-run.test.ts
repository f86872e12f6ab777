import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { ConcurrentRunsExceededException, GetJobRunsCommand, StartJobRunCommand } from '@aws-sdk/client-glue';
import 'aws-sdk-client-mock-jest';
import { retrainRequestedEvent, runIdFor, scheduledEvent } from '@pipeline/shared';
import { startRequestedRun } from './requested-run';
import { GLUE_JOB as JOB, mockedIngestion } from './testing';

const BUCKET = 'ml-pipeline-test-data-123456789012-us-west-2';
const { s3, glue, deps } = mockedIngestion(BUCKET);

const envelope = { version: '0', account: '123456789012', time: '2026-12-07T03:00:00Z', region: 'us-west-2', resources: [] };
const requested = (detail: Record<string, unknown>) =>
  retrainRequestedEvent.parse({ ...envelope, id: 'req-1', 'detail-type': 'Retrain Requested', source: 'ml-pipeline.operator', detail });
const scheduled = scheduledEvent.parse({
  ...envelope,
  id: 'sched-1',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  resources: ['arn:aws:events:us-west-2:123456789012:rule/ml-pipeline-test-retrain-schedule'],
  detail: {},
});

function corpus(...keys: string[]): void {
  s3.on(ListObjectsV2Command, { Prefix: 'labeled/' }).resolves({ Contents: keys.map((Key) => ({ Key, ETag: '"e1"', LastModified: new Date('2026-12-01T00:00:00Z'), Size: 10 })) });
}

/** The last run that succeeded read these labeled keys (its manifest). */
function lastRunRead(...keys: string[]): void {
  glue.on(GetJobRunsCommand).resolves({
    JobRuns: [
      { Id: 'jr_failed', JobRunState: 'FAILED', Arguments: { '--run_id': 'r2', '--output_uri': `s3://${BUCKET}/prepared/r2/` } },
      { Id: 'jr_ok', JobRunState: 'SUCCEEDED', Arguments: { '--run_id': 'r1', '--output_uri': `s3://${BUCKET}/prepared/r1/` } },
    ],
  });
  s3.on(ListObjectsV2Command, { Prefix: 'prepared/r1/manifest.json' }).resolves({ Contents: [{ Key: 'prepared/r1/manifest.json' }] });
  const manifest = JSON.stringify({
    run_id: 'r1',
    rows: { train: 8, validation: 1, test: 1 },
    labels: { a: { train: 4, validation: 1, test: 0 }, b: { train: 4, validation: 0, test: 1 } },
    sources: keys.map((key) => ({ uri: `s3://${BUCKET}/${key}`, etag: '"e1"' })),
  });
  s3.on(GetObjectCommand, { Key: 'prepared/r1/manifest.json' }).resolves({ Body: { transformToString: async () => manifest } as never });
}

beforeEach(() => {
  s3.on(ListObjectsV2Command).resolves({ Contents: [] });
  glue.on(StartJobRunCommand).resolves({ JobRunId: 'jr_new' });
});

describe('startRequestedRun', () => {
  it('starts a run over the corpus as it is for Retrain Requested, its id from the event and the reason in its arguments', async () => {
    corpus('labeled/a.0123456789ab.csv');
    const runId = runIdFor(new Date(envelope.time), 'req-1');
    await expect(startRequestedRun(deps(), requested({ stage: 'test', reason: 'epochs 10 -> 20' }))).resolves.toEqual({
      outcome: 'run',
      trigger: 'Retrain Requested: epochs 10 -> 20',
      run: { status: 'started', runId, jobRunId: 'jr_new' },
    });
    expect(glue).toHaveReceivedCommandWith(StartJobRunCommand, {
      JobName: JOB,
      Arguments: {
        '--input_uri': `s3://${BUCKET}/labeled/`,
        '--output_uri': `s3://${BUCKET}/prepared/${runId}/`,
        '--run_id': runId,
        '--trigger': 'Retrain Requested: epochs 10 -> 20',
      },
    });
  });

  it('retrains on request even when nothing is new (a hyperparameter changed), and coalesces into a run in progress', async () => {
    corpus('labeled/a.0123456789ab.csv');
    lastRunRead('labeled/a.0123456789ab.csv');
    glue.on(StartJobRunCommand).rejects(new ConcurrentRunsExceededException({ message: 'Concurrent runs exceeded', $metadata: {} }));
    await expect(startRequestedRun(deps(), requested({ stage: 'test' }))).resolves.toMatchObject({ outcome: 'run', trigger: 'Retrain Requested', run: { status: 'busy' } });
  });

  it('ignores a request for another stage, and starts nothing on an empty corpus', async () => {
    await expect(startRequestedRun(deps(), requested({ stage: 'prod' }))).resolves.toEqual({ outcome: 'ignored', why: 'the request is for stage prod' });
    await expect(startRequestedRun(deps(), requested({ stage: 'test' }))).resolves.toMatchObject({ outcome: 'empty-corpus' });
    expect(glue).not.toHaveReceivedCommand(StartJobRunCommand);
  });

  it('skips a scheduled run when the last successful run read every labeled file, and says which run', async () => {
    corpus('labeled/a.0123456789ab.csv', 'labeled/a.0123456789ab.csv.classes.json');
    lastRunRead('labeled/a.0123456789ab.csv');
    await expect(startRequestedRun(deps(), scheduled)).resolves.toEqual({ outcome: 'no-new-data', runId: runIdFor(new Date(envelope.time), 'sched-1'), lastRun: 'r1' });
    expect(glue).not.toHaveReceivedCommand(StartJobRunCommand);
  });

  it('retrains on schedule when a labeled file is new since the last successful run', async () => {
    corpus('labeled/a.0123456789ab.csv', 'labeled/b.fedcba987654.csv');
    lastRunRead('labeled/a.0123456789ab.csv');
    await expect(startRequestedRun(deps(), scheduled)).resolves.toMatchObject({ outcome: 'run', trigger: 'schedule ml-pipeline-test-retrain-schedule', run: { status: 'started' } });
  });
});
