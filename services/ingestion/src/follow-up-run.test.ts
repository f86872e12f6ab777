import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { ConcurrentRunsExceededException, GetJobRunCommand, GetJobRunsCommand, StartJobRunCommand } from '@aws-sdk/client-glue';
import { glueJobStateChangeEvent, runIdFor, type GlueJobStateChangeEvent } from '@pipeline/shared';
import succeeded from '../../../test/fixtures/aws-events/glue-job-succeeded.json';
import failed from '../../../test/fixtures/aws-events/glue-job-failed.json';
import { startFollowUpRun } from './follow-up-run';
import { GLUE_JOB as JOB, mockedIngestion } from './testing';

const BUCKET = 'ml-pipeline-test-data-123456789012-us-west-2';
const STARTED_ON = new Date('2026-11-25T11:00:00Z');
const before = new Date('2026-11-25T10:59:59Z');
const during = new Date('2026-11-25T11:00:30Z');

const { s3, glue, deps } = mockedIngestion(BUCKET);

function stateChange(sample: typeof succeeded): GlueJobStateChangeEvent {
  const event = structuredClone(sample);
  event.detail.jobName = JOB;
  return glueJobStateChangeEvent.parse(event);
}
const event = stateChange(succeeded);
const RUN = {
  Id: event.detail.jobRunId,
  JobName: JOB,
  StartedOn: STARTED_ON,
  JobRunState: 'SUCCEEDED' as const,
  Arguments: { '--run_id': 'r1', '--output_uri': `s3://${BUCKET}/prepared/r1/`, '--input_uri': `s3://${BUCKET}/labeled/` },
};
const FOLLOW_UP_RUN_ID = runIdFor(new Date(event.time), event.id);

function labeled(...objects: Array<[key: string, lastModified: Date, etag?: string]>): void {
  s3.on(ListObjectsV2Command, { Prefix: 'labeled/' }).resolves({
    Contents: objects.map(([key, lastModified, etag]) => ({ Key: key, LastModified: lastModified, ETag: etag ?? '"e1"', Size: 1 })),
  });
}

function manifest(sources: Array<{ uri: string; etag?: string }>): void {
  manifestListed();
  const text = JSON.stringify({
    run_id: 'r1',
    rows: { train: 8, validation: 1, test: 1 },
    labels: { a: { train: 4, validation: 1, test: 0 }, b: { train: 4, validation: 0, test: 1 } },
    sources,
  });
  s3.on(GetObjectCommand, { Key: 'prepared/r1/manifest.json' }).resolves({ Body: { transformToString: async () => text } as never });
}

function manifestListed(): void {
  s3.on(ListObjectsV2Command, { Prefix: 'prepared/r1/manifest.json' }).resolves({ Contents: [{ Key: 'prepared/r1/manifest.json' }] });
}

beforeEach(() => {
  s3.on(ListObjectsV2Command).resolves({ Contents: [] });
  glue.on(GetJobRunCommand).resolves({ JobRun: RUN });
  glue.on(GetJobRunsCommand).resolves({ JobRuns: [RUN] });
  glue.on(StartJobRunCommand).resolves({ JobRunId: 'jr_next' });
});

describe('startFollowUpRun', () => {
  it('counts an object S3 dates to the second the run started in (S3 times have no fraction)', async () => {
    glue.on(GetJobRunCommand).resolves({ JobRun: { ...RUN, StartedOn: new Date('2026-11-25T11:00:00.600Z') } });
    labeled(['labeled/same-second.dddddddddddd.csv', new Date('2026-11-25T11:00:00.000Z')], ['labeled/older.eeeeeeeeeeee.csv', before]);
    manifest([]);

    await expect(startFollowUpRun(deps(), event)).resolves.toMatchObject({ outcome: 'follow-up', unseenKeys: ['labeled/same-second.dddddddddddd.csv'] });
  });

  it('starts a follow-up run for a labeled object the run did not read', async () => {
    labeled(['labeled/old.aaaaaaaaaaaa.csv', before], ['labeled/read.bbbbbbbbbbbb.csv', during], ['labeled/late.cccccccccccc.csv', during]);
    manifest([{ uri: `s3://${BUCKET}/labeled/old.aaaaaaaaaaaa.csv`, etag: 'e1' }, { uri: `s3://${BUCKET}/labeled/read.bbbbbbbbbbbb.csv`, etag: '"e1"' }]);

    const outcome = await startFollowUpRun(deps(), event);

    expect(outcome).toEqual({
      outcome: 'follow-up',
      unseenKeys: ['labeled/late.cccccccccccc.csv'],
      run: { status: 'started', runId: FOLLOW_UP_RUN_ID, jobRunId: 'jr_next' },
    });
    expect(glue).toHaveReceivedCommandWith(GetJobRunCommand, { JobName: JOB, RunId: event.detail.jobRunId });
    expect(glue).toHaveReceivedCommandWith(GetJobRunsCommand, { JobName: JOB, MaxResults: 50 });
    expect(s3).toHaveReceivedCommandWith(ListObjectsV2Command, { Bucket: BUCKET, Prefix: 'labeled/' });
    expect(s3).toHaveReceivedCommandWith(GetObjectCommand, { Bucket: BUCKET, Key: 'prepared/r1/manifest.json' });
    expect(glue).toHaveReceivedCommandWith(StartJobRunCommand, {
      JobName: JOB,
      Arguments: {
        '--input_uri': `s3://${BUCKET}/labeled/`,
        '--output_uri': `s3://${BUCKET}/prepared/${FOLLOW_UP_RUN_ID}/`,
        '--run_id': FOLLOW_UP_RUN_ID,
      },
    });
  });

  it('starts nothing when the run read everything newer than its start', async () => {
    labeled(['labeled/old.csv', before], ['labeled/read.csv', during]);
    manifest([{ uri: `s3://${BUCKET}/labeled/read.csv` }]);

    await expect(startFollowUpRun(deps(), event)).resolves.toEqual({ outcome: 'up-to-date' });
    expect(glue).not.toHaveReceivedCommand(StartJobRunCommand);
  });

  it('starts nothing when nothing changed since the run started, without reading the manifest', async () => {
    labeled(['labeled/old.csv', before]);

    await expect(startFollowUpRun(deps(), event)).resolves.toEqual({ outcome: 'up-to-date' });
    expect(s3).not.toHaveReceivedCommand(GetObjectCommand);
  });

  it('counts an object replaced after the run read it (same key, new ETag) as unread', async () => {
    labeled(['labeled/legacy.csv', during, '"new"']);
    manifest([{ uri: `s3://${BUCKET}/labeled/legacy.csv`, etag: 'old' }]);

    await expect(startFollowUpRun(deps(), event)).resolves.toMatchObject({ outcome: 'follow-up', unseenKeys: ['labeled/legacy.csv'] });
  });

  it('counts only data files: class-name lists and sidecars change no label of the corpus', async () => {
    labeled(
      ['labeled/x/classes.20261125T110500Z.0123456789ab.txt', during],
      ['labeled/x/read.0123456789ab.csv.classes.json', during],
      ['labeled/x/read.0123456789ab.csv', during],
    );
    manifest([{ uri: `s3://${BUCKET}/labeled/x/read.0123456789ab.csv` }]);

    await expect(startFollowUpRun(deps(), event)).resolves.toEqual({ outcome: 'up-to-date' });
  });

  it('after a failed run without a manifest, counts every newer object as unread', async () => {
    const failedEvent = stateChange(failed);
    glue.on(GetJobRunCommand).resolves({ JobRun: { ...RUN, Id: failedEvent.detail.jobRunId, JobRunState: 'FAILED' } });
    labeled(['labeled/late.csv', during]);

    await expect(startFollowUpRun(deps(), failedEvent)).resolves.toMatchObject({ outcome: 'follow-up', unseenKeys: ['labeled/late.csv'] });
    // looked for by listing: without list permission on prepared/manifest.json itself, S3 answers a missing key with 403
    expect(s3).toHaveReceivedCommandWith(ListObjectsV2Command, { Bucket: BUCKET, Prefix: 'prepared/r1/manifest.json', MaxKeys: 1 });
    expect(s3).not.toHaveReceivedCommand(GetObjectCommand);
  });

  it('treats an unreadable manifest as absent', async () => {
    labeled(['labeled/late.csv', during]);
    manifestListed();
    s3.on(GetObjectCommand).resolves({ Body: { transformToString: async () => '{"rows":' } as never });

    await expect(startFollowUpRun(deps(), event)).resolves.toMatchObject({ outcome: 'follow-up' });
  });

  it('starts nothing when a later run started already (a drop right after, or a duplicate event)', async () => {
    glue.on(GetJobRunsCommand).resolves({ JobRuns: [{ Id: 'jr_later', StartedOn: during, JobRunState: 'RUNNING' }, RUN] });

    await expect(startFollowUpRun(deps(), event)).resolves.toEqual({ outcome: 'superseded', byJobRunId: 'jr_later' });
    expect(s3).not.toHaveReceivedAnyCommand();
    expect(glue).not.toHaveReceivedCommand(StartJobRunCommand);
  });

  it('is content when another run won the race to start', async () => {
    labeled(['labeled/late.csv', during]);
    manifest([]);
    glue.on(StartJobRunCommand).rejects(new ConcurrentRunsExceededException({ message: 'busy', $metadata: {} }));

    await expect(startFollowUpRun(deps(), event)).resolves.toMatchObject({ outcome: 'follow-up', run: { status: 'busy' } });
  });

  it('refuses an event for another job, and a run without a start time', async () => {
    const other = structuredClone(event);
    other.detail.jobName = 'someone-elses-job';
    await expect(startFollowUpRun(deps(), other)).rejects.toThrow(/not ml-pipeline-test-preprocess/);

    glue.on(GetJobRunCommand).resolves({ JobRun: { Id: 'jr_x' } });
    await expect(startFollowUpRun(deps(), event)).rejects.toThrow(/has no start time/);
  });
});
