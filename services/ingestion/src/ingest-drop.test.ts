import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { ConcurrentRunsExceededException, StartJobRunCommand } from '@aws-sdk/client-glue';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { runIdFor, s3ObjectCreatedEvent, type S3ObjectCreatedEvent } from '@pipeline/shared';
import fixture from '../../../test/fixtures/aws-events/s3-object-created.json';
import { ingestDrop, keyCandidates } from './ingest-drop';
import { mockedIngestion } from './testing';

const BUCKET = 'ml-pipeline-test-data-123456789012-eu-west-1';
const ETAG = '"4e68adba0abe2dc8653dc3354e14c01d"';
const NOW = new Date('2026-11-25T11:05:00.000Z');

const { s3, glue, eventBridge, deps } = mockedIngestion(BUCKET, NOW);

/** The documented sample event, for a drop of `key` into the data bucket. */
function dropEvent(key: string, etag = ETAG.replaceAll('"', '')): S3ObjectCreatedEvent {
  const event = structuredClone(fixture);
  event.detail.bucket.name = BUCKET;
  event.detail.object.key = key;
  event.detail.object.etag = etag;
  return s3ObjectCreatedEvent.parse(event);
}
const RUN_ID = runIdFor(new Date(fixture.time), fixture.id);

/** S3 holds exactly these objects (as listings see them). */
function objects(present: Record<string, { size: number; etag?: string; lastModified?: Date }>): void {
  s3.on(ListObjectsV2Command).callsFake((input: { Prefix: string }) => {
    const key = Object.keys(present).find((candidate) => candidate.startsWith(input.Prefix));
    const object = key === undefined ? undefined : present[key]!;
    const contents = object ? [{ Key: key, Size: object.size, ETag: object.etag ?? ETAG, LastModified: object.lastModified }] : [];
    return { Contents: contents, KeyCount: contents.length };
  });
}

function sample(text: string, total = Buffer.byteLength(text)): void {
  const bytes = new TextEncoder().encode(text);
  s3.on(GetObjectCommand).resolves({
    Body: { transformToByteArray: async () => bytes } as never,
    ContentRange: `bytes 0-${bytes.length - 1}/${total}`,
    ETag: ETAG,
    ContentType: 'text/csv',
  });
}

beforeEach(() => {
  glue.on(StartJobRunCommand).resolves({ JobRunId: 'jr_1' });
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e1' }] });
});

describe('ingestDrop: accepted', () => {
  it('keeps the drop under labeled/, starts a run over labeled/, then deletes the drop', async () => {
    objects({ 'incoming/dbpedia/train.csv': { size: 42 } });
    sample('1,"Abbott","A coachbuilder"\n2,"Stabilo","Pens"\n');

    const outcome = await ingestDrop(deps(), dropEvent('incoming/dbpedia/train.csv'));

    const labeledKey = 'labeled/dbpedia/train.4e68adba0abe.csv';
    expect(outcome).toEqual({
      outcome: 'accepted',
      key: 'incoming/dbpedia/train.csv',
      labeledKey,
      run: { status: 'started', runId: RUN_ID, jobRunId: 'jr_1' },
    });
    expect(s3).toHaveReceivedCommandWith(GetObjectCommand, { Bucket: BUCKET, Key: 'incoming/dbpedia/train.csv', Range: 'bytes=0-65535' });
    expect(s3).toHaveReceivedCommandWith(CopyObjectCommand, {
      Bucket: BUCKET,
      Key: labeledKey,
      CopySource: `${BUCKET}/incoming/dbpedia/train.csv`,
      CopySourceIfMatch: ETAG,
      MetadataDirective: 'REPLACE',
      Metadata: { 'run-id': RUN_ID, 'source-key': 'incoming%2Fdbpedia%2Ftrain.csv', 'source-etag': ETAG.replaceAll('"', '') },
      ContentType: 'text/csv',
      ContentEncoding: undefined,
    });
    expect(glue).toHaveReceivedCommandWith(StartJobRunCommand, {
      JobName: 'ml-pipeline-test-preprocess',
      Arguments: {
        '--input_uri': `s3://${BUCKET}/labeled/`,
        '--output_uri': `s3://${BUCKET}/prepared/${RUN_ID}/`,
        '--run_id': RUN_ID,
      },
    });
    expect(s3).toHaveReceivedCommandWith(DeleteObjectCommand, { Bucket: BUCKET, Key: 'incoming/dbpedia/train.csv' });
    expect(s3).not.toHaveReceivedCommand(PutObjectCommand);
    expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
  });

  it('accepts a drop while a run is in progress: the follow-up check picks it up', async () => {
    objects({ 'incoming/a.txt': { size: 20 } });
    sample('__label__a some text\n');
    glue.on(StartJobRunCommand).rejects(new ConcurrentRunsExceededException({ message: 'Concurrent runs exceeded', $metadata: {} }));

    const outcome = await ingestDrop(deps(), dropEvent('incoming/a.txt'));

    expect(outcome).toMatchObject({ outcome: 'accepted', run: { status: 'busy', runId: RUN_ID } });
    expect(s3).toHaveReceivedCommandWith(DeleteObjectCommand, { Key: 'incoming/a.txt' });
  });

  it('keeps classes.txt as labeled/classes.txt', async () => {
    objects({ 'incoming/dbpedia/classes.txt': { size: 20 } });
    sample('Company\nArtist\n');

    const outcome = await ingestDrop(deps(), dropEvent('incoming/dbpedia/classes.txt'));

    expect(outcome).toMatchObject({ outcome: 'accepted', labeledKey: 'labeled/classes.txt', run: { status: 'not-needed' } });
    expect(s3).toHaveReceivedCommandWith(CopyObjectCommand, { Key: 'labeled/classes.txt' });
    expect(glue).not.toHaveReceivedCommand(StartJobRunCommand);
  });

  it('starts a run for new class names when labeled data is there to rename', async () => {
    objects({ 'incoming/classes.txt': { size: 20 }, 'labeled/train.4e68adba0abe.csv': { size: 100 } });
    sample('Company\nArtist\n');

    const outcome = await ingestDrop(deps(), dropEvent('incoming/classes.txt'));

    expect(outcome).toMatchObject({ outcome: 'accepted', run: { status: 'started', runId: RUN_ID } });
    expect(glue).toHaveReceivedCommandTimes(StartJobRunCommand, 1);
  });

  it('finds a drop whose key the event URL-encoded', async () => {
    objects({ 'incoming/my data.csv': { size: 10 } });
    sample('1,t,c\n');

    const outcome = await ingestDrop(deps(), dropEvent('incoming/my+data.csv'));

    expect(outcome).toMatchObject({ outcome: 'accepted', key: 'incoming/my data.csv', labeledKey: 'labeled/my data.4e68adba0abe.csv' });
    expect(s3).toHaveReceivedCommandWith(CopyObjectCommand, { CopySource: `${BUCKET}/incoming/my%20data.csv` });
  });

  it('fails, keeping the drop for the retry, when the run cannot be started', async () => {
    objects({ 'incoming/a.csv': { size: 10 } });
    sample('1,t,c\n');
    glue.on(StartJobRunCommand).rejects(new Error('throttled'));

    await expect(ingestDrop(deps(), dropEvent('incoming/a.csv'))).rejects.toThrow('throttled');
    expect(s3).not.toHaveReceivedCommand(DeleteObjectCommand);
  });

  it('on that retry, keeps the copy it made and starts the run', async () => {
    objects({ 'incoming/a.csv': { size: 10 }, 'labeled/a.4e68adba0abe.csv': { size: 10 } });
    sample('1,t,c\n');
    s3.on(HeadObjectCommand).resolves({ Metadata: { 'run-id': RUN_ID, 'source-etag': ETAG.replaceAll('"', '') } });

    const outcome = await ingestDrop(deps(), dropEvent('incoming/a.csv'));

    expect(outcome).toMatchObject({ outcome: 'accepted', run: { status: 'started' } });
    expect(s3).not.toHaveReceivedCommand(CopyObjectCommand);
    expect(glue).toHaveReceivedCommandTimes(StartJobRunCommand, 1);
  });

  it('starts nothing for content an earlier drop brought already', async () => {
    objects({ 'incoming/again.csv': { size: 10 }, 'labeled/again.4e68adba0abe.csv': { size: 10 } });
    sample('1,t,c\n');
    s3.on(HeadObjectCommand).resolves({ Metadata: { 'run-id': '20260101-000000-abcdef', 'source-etag': ETAG.replaceAll('"', '') } });

    const outcome = await ingestDrop(deps(), dropEvent('incoming/again.csv'));

    expect(outcome).toMatchObject({ outcome: 'accepted', run: { status: 'not-needed' } });
    expect(glue).not.toHaveReceivedCommand(StartJobRunCommand);
    expect(s3).toHaveReceivedCommandWith(DeleteObjectCommand, { Key: 'incoming/again.csv' });
  });
});

describe('ingestDrop: rejected', () => {
  it('keeps the drop under rejected/ with a report, announces it, then deletes the drop', async () => {
    objects({ 'incoming/bad.csv': { size: 12 } });
    sample('1,only two\n');

    const outcome = await ingestDrop(deps(), dropEvent('incoming/bad.csv'));

    const reason = 'Line 1: expected 3 columns (label,title,content), found 2.';
    expect(outcome).toEqual({ outcome: 'rejected', key: 'incoming/bad.csv', rejectedKey: 'rejected/bad.csv', reason });
    expect(s3).toHaveReceivedCommandWith(CopyObjectCommand, { Key: 'rejected/bad.csv', CopySource: `${BUCKET}/incoming/bad.csv` });
    const report = s3.commandCalls(PutObjectCommand)[0]!.args[0].input;
    expect(report).toMatchObject({ Bucket: BUCKET, Key: 'rejected/bad.csv.error.json', ContentType: 'application/json' });
    expect(JSON.parse(report.Body as string)).toEqual({
      bucket: BUCKET,
      key: 'incoming/bad.csv',
      reason,
      details: { code: 'bad-shape', line: 1, format: 'csv', expectedColumns: 3, foundColumns: 2 },
      size: 12,
      at: NOW.toISOString(),
      runId: RUN_ID,
    });
    expect(eventBridge).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [
        {
          Source: 'ml-pipeline.ingestion',
          DetailType: 'Dataset Rejected',
          Detail: JSON.stringify({
            runId: RUN_ID,
            stage: 'test',
            at: NOW.toISOString(),
            bucket: BUCKET,
            key: 'incoming/bad.csv',
            rejectedKey: 'rejected/bad.csv',
            reason,
            size: 12,
          }),
        },
      ],
    });
    expect(s3).toHaveReceivedCommandWith(DeleteObjectCommand, { Key: 'incoming/bad.csv' });
    expect(glue).not.toHaveReceivedCommand(StartJobRunCommand);
  });

  it('rejects by name or size without reading the drop', async () => {
    objects({ 'incoming/photo.jpg': { size: 5 }, 'incoming/empty.csv': { size: 0 } });

    await expect(ingestDrop(deps(), dropEvent('incoming/photo.jpg'))).resolves.toMatchObject({ outcome: 'rejected' });
    await expect(ingestDrop(deps(), dropEvent('incoming/empty.csv'))).resolves.toMatchObject({ reason: 'The file is empty.' });
    expect(s3).not.toHaveReceivedCommand(GetObjectCommand);
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 2);
  });

  it('leaves a drop too large to copy where it is, reporting it once', async () => {
    const dropped = new Date('2026-11-25T11:00:00Z');
    objects({ 'incoming/huge.csv': { size: 6 * 1024 ** 3, lastModified: dropped } });

    const outcome = await ingestDrop(deps(), dropEvent('incoming/huge.csv'));

    expect(outcome).toMatchObject({ outcome: 'rejected', rejectedKey: 'incoming/huge.csv', reason: expect.stringMatching(/larger than .* split it/) });
    expect(s3).not.toHaveReceivedCommand(CopyObjectCommand);
    expect(s3).not.toHaveReceivedCommand(DeleteObjectCommand);
    expect(s3).toHaveReceivedCommandWith(PutObjectCommand, { Key: 'rejected/huge.csv.error.json' });
    expect(JSON.parse(eventBridge.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries![0]!.Detail!)).toMatchObject({
      key: 'incoming/huge.csv',
      rejectedKey: 'incoming/huge.csv',
    });

    s3.reset();
    eventBridge.resetHistory();
    objects({ 'incoming/huge.csv': { size: 6 * 1024 ** 3, lastModified: dropped }, 'rejected/huge.csv.error.json': { size: 1, lastModified: NOW } });
    await expect(ingestDrop(deps(), dropEvent('incoming/huge.csv'))).resolves.toMatchObject({ outcome: 'duplicate', keptAs: 'incoming/huge.csv' });
    expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
  });

  it('keeps the drop when the announcement fails, so the retry announces it', async () => {
    objects({ 'incoming/bad.txt': { size: 4 } });
    sample('bad\n');
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure' }] });

    await expect(ingestDrop(deps(), dropEvent('incoming/bad.txt'))).rejects.toThrow(/EventBridge refused Dataset Rejected/);
    expect(s3).not.toHaveReceivedCommand(DeleteObjectCommand);
  });
});

describe('ingestDrop: duplicates and strays', () => {
  it('does nothing when the drop is gone and its labeled copy exists', async () => {
    objects({ 'labeled/dbpedia/train.4e68adba0abe.csv': { size: 42 } });

    const outcome = await ingestDrop(deps(), dropEvent('incoming/dbpedia/train.csv'));

    expect(outcome).toEqual({ outcome: 'duplicate', key: 'incoming/dbpedia/train.csv', keptAs: 'labeled/dbpedia/train.4e68adba0abe.csv' });
    expect(s3).toHaveReceivedCommandWith(ListObjectsV2Command, { Bucket: BUCKET, Prefix: 'incoming/dbpedia/train.csv', MaxKeys: 1 });
    expect(s3).not.toHaveReceivedCommand(CopyObjectCommand);
    expect(s3).not.toHaveReceivedCommand(DeleteObjectCommand);
    expect(glue).not.toHaveReceivedCommand(StartJobRunCommand);
    expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
  });

  it('does nothing when the drop is gone and its rejected copy exists', async () => {
    objects({ 'rejected/photo.jpg': { size: 5 } });
    await expect(ingestDrop(deps(), dropEvent('incoming/photo.jpg'))).resolves.toMatchObject({ outcome: 'duplicate', keptAs: 'rejected/photo.jpg' });
  });

  it('does nothing when the drop vanished without a copy', async () => {
    objects({});
    await expect(ingestDrop(deps(), dropEvent('incoming/a.csv'))).resolves.toEqual({ outcome: 'vanished', key: 'incoming/a.csv' });
    expect(s3).not.toHaveReceivedCommand(DeleteObjectCommand);
  });

  it('ignores folder placeholders', async () => {
    await expect(ingestDrop(deps(), dropEvent('incoming/new-folder/'))).resolves.toMatchObject({ outcome: 'ignored' });
    expect(s3).not.toHaveReceivedAnyCommand();
  });

  it('refuses an event for another bucket', async () => {
    const event = dropEvent('incoming/a.csv');
    event.detail.bucket.name = 'someone-elses-bucket';
    await expect(ingestDrop(deps(), event)).rejects.toThrow(/not the data bucket/);
  });
});

describe('keyCandidates', () => {
  it('tries the key as sent, then form-decoded', () => {
    expect(keyCandidates('incoming/a.csv')).toEqual(['incoming/a.csv']);
    expect(keyCandidates('incoming/a+b%C3%A9.csv')).toEqual(['incoming/a+b%C3%A9.csv', 'incoming/a bé.csv']);
    expect(keyCandidates('incoming/100%.csv')).toEqual(['incoming/100%.csv']);
  });
});
