import { createHash } from 'node:crypto';
import { CopyObjectCommand, DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { ConcurrentRunsExceededException, StartJobRunCommand } from '@aws-sdk/client-glue';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { runIdFor, s3ObjectCreatedEvent, type S3ObjectCreatedEvent } from '@pipeline/shared';
import fixture from '../../../test/fixtures/aws-events/s3-object-created.json';
import { claimContent } from './content';
import { ingestDrop, keyCandidates } from './ingest-drop';
import { recheckBatch, recheckDrop } from './rechecks';
import { FakeBucket, mockedIngestion, RECHECK_QUEUE } from './testing';

const BUCKET = 'ml-pipeline-test-data-123456789012-eu-west-1';
const START = new Date('2026-11-25T11:05:00.000Z');
const WAIT = 600;

let now = START;
const { s3, glue, eventBridge, sqs, deps } = mockedIngestion(BUCKET, () => now, { classesWaitSeconds: WAIT });
let bucket: FakeBucket;

const later = (seconds: number) => {
  now = new Date(now.getTime() + seconds * 1000);
};

/** The documented sample event, for a drop of `key` into the data bucket. */
function dropEvent(key: string, id = `event-${key}-${now.getTime()}`): S3ObjectCreatedEvent {
  const event = structuredClone(fixture);
  event.id = id;
  event.time = now.toISOString();
  event.detail.bucket.name = BUCKET;
  event.detail.object.key = key;
  event.detail.object.etag = bucket.objects.get(key)?.etag.replaceAll('"', '') ?? 'gone';
  return s3ObjectCreatedEvent.parse(event);
}
const runIdOf = (event: S3ObjectCreatedEvent) => runIdFor(new Date(event.time), event.id);

/** Drops `body` at `key` now and handles its event; returns the outcome and the event. */
async function dropAndIngest(key: string, body: string) {
  bucket.put(key, body);
  const event = dropEvent(key);
  return { outcome: await ingestDrop(deps(), event), event };
}

const md5Start = (text: string) => createHash('md5').update(text).digest('hex').slice(0, 12);
const sidecarOf = (labeledKey: string) => JSON.parse(bucket.text(`${labeledKey}.classes.json`)) as { classes: Array<string | null> | null; classesUri: string | null };
const published = () =>
  eventBridge.commandCalls(PutEventsCommand).flatMap((call) =>
    (call.args[0].input.Entries ?? []).map((entry) => ({ type: entry.DetailType, detail: JSON.parse(entry.Detail ?? '{}') as Record<string, unknown> })),
  );
const rechecks = () =>
  sqs.commandCalls(SendMessageCommand).map((call) => ({ ...(JSON.parse(call.args[0].input.MessageBody!) as { key: string; runId: string }), delay: call.args[0].input.DelaySeconds }));

const NAMED = '"Company","Abbott","A coachbuilder"\n"Artist","Stabilo","A painter of pens"\n';
const NUMERIC = '"1","Abbott","A coachbuilder"\n"2","Stabilo","A maker of pens"\n';
const CLASSES = 'Company\nArtist\n';

beforeEach(() => {
  now = START;
  bucket = new FakeBucket(BUCKET, () => now);
  bucket.install(s3);
  glue.on(StartJobRunCommand).resolves({ JobRunId: 'jr_1' });
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e1' }] });
  sqs.on(SendMessageCommand).resolves({ MessageId: 'm1' });
});

describe('ingestDrop: accepted', () => {
  it('keeps the drop under labeled/ with its class-name sidecar first, starts a run over labeled/, then deletes the drop', async () => {
    const { outcome, event } = await dropAndIngest('incoming/dbpedia/train.csv', NAMED);

    const labeledKey = `labeled/dbpedia/train.${md5Start(NAMED)}.csv`;
    const runId = runIdOf(event);
    expect(outcome).toEqual({ outcome: 'accepted', key: 'incoming/dbpedia/train.csv', labeledKey, classes: null, run: { status: 'started', runId, jobRunId: 'jr_1' } });
    expect(s3).toHaveReceivedCommandWith(GetObjectCommand, { Bucket: BUCKET, Key: 'incoming/dbpedia/train.csv', Range: 'bytes=0-65535' });
    const copy = s3.commandCalls(CopyObjectCommand).map((call) => call.args[0].input);
    expect(copy).toEqual([
      expect.objectContaining({
        Bucket: BUCKET,
        Key: labeledKey,
        CopySource: `${BUCKET}/incoming/dbpedia/train.csv`,
        MetadataDirective: 'REPLACE',
        Metadata: { 'run-id': runId, 'source-key': 'incoming%2Fdbpedia%2Ftrain.csv', 'source-etag': bucket.objects.get(labeledKey)!.etag.replaceAll('"', '') },
      }),
    ]);
    expect(bucket.text(labeledKey)).toBe(NAMED);
    // names only: the sidecar says the drop came without a list
    expect(sidecarOf(labeledKey)).toMatchObject({ data: labeledKey, source: 'incoming/dbpedia/train.csv', classes: null, classesUri: null });
    const puts = s3.commandCalls(PutObjectCommand).map((call) => call.args[0].input.Key);
    expect(puts.indexOf(`${labeledKey}.classes.json`)).toBeGreaterThanOrEqual(0);
    expect(glue).toHaveReceivedCommandWith(StartJobRunCommand, {
      JobName: 'ml-pipeline-test-preprocess',
      Arguments: { '--input_uri': `s3://${BUCKET}/labeled/`, '--output_uri': `s3://${BUCKET}/prepared/${runId}/`, '--run_id': runId },
    });
    expect(bucket.keys('incoming/')).toEqual([]);
    expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
    // the content is claimed for this drop
    expect(bucket.keys('index/content/')).toHaveLength(1);
  });

  it('accepts a drop while a run is in progress: the follow-up check picks it up', async () => {
    glue.on(StartJobRunCommand).rejects(new ConcurrentRunsExceededException({ message: 'Concurrent runs exceeded', $metadata: {} }));
    const { outcome, event } = await dropAndIngest('incoming/a.txt', '__label__a some text\n');
    expect(outcome).toMatchObject({ outcome: 'accepted', run: { status: 'busy', runId: runIdOf(event) } });
    expect(bucket.keys('incoming/')).toEqual([]);
  });

  it('finds a drop whose key the event URL-encoded', async () => {
    bucket.put('incoming/my data.csv', NAMED);
    const outcome = await ingestDrop(deps(), dropEvent('incoming/my+data.csv'));
    expect(outcome).toMatchObject({ outcome: 'accepted', key: 'incoming/my data.csv', labeledKey: expect.stringMatching(/^labeled\/my data\.[0-9a-f]{12}\.csv$/) });
    expect(s3).toHaveReceivedCommandWith(CopyObjectCommand, { CopySource: `${BUCKET}/incoming/my%20data.csv` });
  });

  it('fails, keeping the drop, when the run cannot be started; the retry keeps the copy it made and starts the run', async () => {
    glue.on(StartJobRunCommand).rejectsOnce(new Error('throttled')).resolves({ JobRunId: 'jr_2' });
    bucket.put('incoming/a.csv', NAMED);
    const event = dropEvent('incoming/a.csv');
    await expect(ingestDrop(deps(), event)).rejects.toThrow('throttled');
    expect(bucket.keys('incoming/')).toEqual(['incoming/a.csv']);

    s3.resetHistory();
    const outcome = await ingestDrop(deps(), event);
    expect(outcome).toMatchObject({ outcome: 'accepted', run: { status: 'started', jobRunId: 'jr_2' } });
    expect(s3).not.toHaveReceivedCommand(CopyObjectCommand);
    expect(glue).toHaveReceivedCommandTimes(StartJobRunCommand, 2);
    expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
  });
});

function outcomeKey(outcome: unknown): string {
  return (outcome as { labeledKey: string }).labeledKey;
}

describe('ingestDrop: class names (a numeric label means what the drop that brought it said)', () => {
  it('classes.txt first: kept with its drop time, starts no run; the numeric data dropped after it is named by it', async () => {
    const classes = await dropAndIngest('incoming/dbpedia/classes.txt', CLASSES);
    const keptKey = `labeled/dbpedia/classes.20261125T110500Z.${md5Start(CLASSES)}.txt`;
    expect(classes.outcome).toEqual({ outcome: 'classes-kept', key: 'incoming/dbpedia/classes.txt', keptKey, rechecked: [] });
    expect(bucket.text(keptKey)).toBe(CLASSES);
    expect(glue).not.toHaveReceivedCommand(StartJobRunCommand);

    later(3);
    const data = await dropAndIngest('incoming/dbpedia/train.csv', NUMERIC);
    expect(data.outcome).toMatchObject({ outcome: 'accepted', classes: keptKey, run: { status: 'started' } });
    expect(sidecarOf(outcomeKey(data.outcome))).toMatchObject({ classes: ['Company', 'Artist'], classesUri: `s3://${BUCKET}/${keptKey}` });
  });

  it('data first: waits for its classes.txt (a delayed recheck), which then arrives and has it judged again and kept', async () => {
    const data = await dropAndIngest('incoming/dbpedia/train.csv', NUMERIC);
    expect(data.outcome).toEqual({ outcome: 'waiting', key: 'incoming/dbpedia/train.csv', until: new Date(START.getTime() + WAIT * 1000).toISOString() });
    expect(rechecks()).toEqual([{ key: 'incoming/dbpedia/train.csv', runId: runIdOf(data.event), delay: WAIT + 1 }]);
    expect(sqs).toHaveReceivedCommandWith(SendMessageCommand, { QueueUrl: RECHECK_QUEUE });
    expect(bucket.keys('incoming/')).toEqual(['incoming/dbpedia/train.csv']);
    expect(bucket.keys('labeled/')).toEqual([]);

    later(4);
    const classes = await dropAndIngest('incoming/dbpedia/classes.txt', CLASSES);
    expect(classes.outcome).toMatchObject({ outcome: 'classes-kept', rechecked: ['incoming/dbpedia/train.csv'] });
    const recheck = rechecks()[1]!;
    expect(recheck).toMatchObject({ key: 'incoming/dbpedia/train.csv', delay: 0 });

    later(1);
    const outcome = await recheckDrop(deps(), recheck);
    expect(outcome).toMatchObject({ outcome: 'accepted', classes: (classes.outcome as { keptKey: string }).keptKey, run: { status: 'started', runId: recheck.runId } });
    expect(sidecarOf(outcomeKey(outcome)).classes).toEqual(['Company', 'Artist']);
    // the wait's own recheck, when it comes, finds the drop handled
    await expect(recheckDrop(deps(), rechecks()[0]!)).resolves.toEqual({ outcome: 'gone', key: 'incoming/dbpedia/train.csv' });
  });

  it.each([
    ['classes.txt first in both folders', ['a/classes.txt', 'a/data.csv', 'b/classes.txt', 'b/data.csv']],
    ['data first in both folders', ['a/data.csv', 'b/data.csv', 'a/classes.txt', 'b/classes.txt']],
    ['one of each', ['a/classes.txt', 'b/data.csv', 'a/data.csv', 'b/classes.txt']],
  ])('two numeric drops with different lists keep their names apart (%s)', async (_, order) => {
    const bodies: Record<string, string> = {
      'a/classes.txt': 'Bakery\nMountain\n',
      'b/classes.txt': 'Software\nRiver\n',
      'a/data.csv': '"1","Crumbs","A bakery in town"\n"2","Peak","A tall mountain"\n',
      'b/data.csv': '"1","Editor","A text editor"\n"2","Nile","A long river"\n',
    };
    for (const relative of order) {
      later(2);
      await dropAndIngest(`incoming/${relative}`, bodies[relative]!);
    }
    // what waited is judged again, as the recheck queue would deliver it
    for (const message of rechecks().filter((message) => message.delay === 0)) await recheckDrop(deps(), message);
    const sidecars = bucket.keys('labeled/').filter((key) => key.endsWith('.classes.json'));
    expect(sidecars).toHaveLength(2);
    const names = Object.fromEntries(sidecars.map((key) => [key.split('/')[1], (JSON.parse(bucket.text(key)) as { classes: string[] }).classes]));
    expect(names).toEqual({ a: ['Bakery', 'Mountain'], b: ['Software', 'River'] });
    expect(bucket.keys('incoming/')).toEqual([]);
  });

  it('a later classes.txt renames nothing: the kept data keeps its sidecar, the new list names only what comes after it', async () => {
    await dropAndIngest('incoming/x/classes.txt', 'Bakery\nMountain\n');
    later(1);
    const first = await dropAndIngest('incoming/x/one.csv', '"1","Crumbs","A bakery"\n"2","Peak","A mountain"\n');
    const sidecarBefore = bucket.text(`${outcomeKey(first.outcome)}.classes.json`);
    later(5);
    const renaming = await dropAndIngest('incoming/x/classes.txt', 'Software\nRiver\n');
    expect(renaming.outcome).toMatchObject({ outcome: 'classes-kept', rechecked: [] });
    expect(bucket.text(`${outcomeKey(first.outcome)}.classes.json`)).toBe(sidecarBefore);
    later(1);
    const second = await dropAndIngest('incoming/x/two.csv', '"1","Editor","Software"\n"2","Nile","A river"\n');
    expect(sidecarOf(outcomeKey(second.outcome)).classes).toEqual(['Software', 'River']);
    expect(sidecarOf(outcomeKey(first.outcome)).classes).toEqual(['Bakery', 'Mountain']);
    expect(bucket.keys('labeled/x/classes.')).toHaveLength(2);
  });

  it('a classes.txt dropped longer ago than the window does not name new data, which waits for its own', async () => {
    await dropAndIngest('incoming/x/classes.txt', CLASSES);
    later(WAIT + 1);
    const data = await dropAndIngest('incoming/x/data.csv', NUMERIC);
    expect(data.outcome).toMatchObject({ outcome: 'waiting' });
  });

  it('rejects a numeric drop whose classes.txt never came, when the wait is over, with what to do', async () => {
    const data = await dropAndIngest('incoming/x/data.csv', NUMERIC);
    later(WAIT + 1);
    const outcome = await recheckDrop(deps(), rechecks()[0]!);
    expect(outcome).toMatchObject({ outcome: 'rejected', rejectedKey: 'rejected/x/data.csv' });
    const [event] = published();
    expect(event).toMatchObject({ type: 'Dataset Rejected', detail: { key: 'incoming/x/data.csv', runId: runIdOf(data.event) } });
    expect(event!.detail.reason).toMatch(/labels are numbers \(line 1: 1\) and no classes\.txt naming them was dropped into incoming\/x\/ within 600 s.*Drop the file again with its classes\.txt/);
    // a classes.txt dropped after that is not its, and judges nothing again
    later(5);
    await expect(dropAndIngest('incoming/x/classes.txt', CLASSES)).resolves.toMatchObject({ outcome: { rechecked: [] } });
  });

  it('refuses a drop whose labels are not the ones its classes.txt names, saying which line', async () => {
    await dropAndIngest('incoming/x/classes.txt', CLASSES);
    later(1);
    const beyond = await dropAndIngest('incoming/x/beyond.csv', '"1","Abbott","A coachbuilder"\n"3","Three","No third name"\n');
    expect(beyond.outcome).toMatchObject({ outcome: 'rejected', reason: expect.stringMatching(/^Line 2: label 3, but the classes\.txt dropped into incoming\/x\/ at 2026-11-25T11:05:00Z names labels 1 to 2\.$/) });
    const other = await dropAndIngest('incoming/x/other.csv', '"Company","Abbott","A coachbuilder"\n"Volcano","Etna","Not a class of the list"\n');
    expect(other.outcome).toMatchObject({ outcome: 'rejected', reason: expect.stringMatching(/^Line 2: label "Volcano" is not one of the names/) });
    expect(bucket.keys('labeled/')).toEqual([expect.stringMatching(/^labeled\/x\/classes\./)]);
  });

  it('refuses a classes.txt that names one class twice or renames a number', async () => {
    const twice = await dropAndIngest('incoming/x/classes.txt', 'Bakery\nMountain\nBakery\n');
    expect(twice.outcome).toMatchObject({ outcome: 'rejected', reason: 'Lines 1 and 3 both name the class "Bakery".' });
    later(1);
    const number = await dropAndIngest('incoming/y/classes.txt', 'Bakery\n7\n');
    expect(number.outcome).toMatchObject({ outcome: 'rejected', reason: expect.stringMatching(/^Line 2 names label 2 "7"/) });
    expect(published().map((event) => event.type)).toEqual(['Dataset Rejected', 'Dataset Rejected']);
  });

  it('keeps a drop of names at once; a classes.txt dropped after it is not its list', async () => {
    const data = await dropAndIngest('incoming/x/named.csv', NAMED);
    expect(data.outcome).toMatchObject({ outcome: 'accepted', classes: null });
    later(2);
    await dropAndIngest('incoming/x/classes.txt', CLASSES);
    expect(sidecarOf(outcomeKey(data.outcome)).classes).toBeNull();
  });

  it('refuses data files named like a kept list of class names', async () => {
    const { outcome } = await dropAndIngest('incoming/x/classes.2026.csv', NAMED);
    expect(outcome).toMatchObject({ outcome: 'rejected', reason: expect.stringMatching(/reserved for lists of class names/) });
  });
});

describe('ingestDrop: nothing new', () => {
  it('the same content under a new name: no run, no copy, one Dataset Unchanged naming the original', async () => {
    const first = await dropAndIngest('incoming/reviews.csv', NAMED);
    glue.resetHistory();
    later(60);
    const copy = await dropAndIngest('incoming/again/reviews-copy.csv', NAMED);
    expect(copy.outcome).toEqual({ outcome: 'unchanged', key: 'incoming/again/reviews-copy.csv', duplicateOf: outcomeKey(first.outcome) });
    expect(published()).toEqual([
      {
        type: 'Dataset Unchanged',
        detail: {
          runId: runIdOf(copy.event),
          stage: 'test',
          at: now.toISOString(),
          bucket: BUCKET,
          key: 'incoming/again/reviews-copy.csv',
          duplicateOf: outcomeKey(first.outcome),
          size: NAMED.length,
        },
      },
    ]);
    expect(glue).not.toHaveReceivedCommand(StartJobRunCommand);
    expect(bucket.keys('labeled/').filter((key) => key.includes('again'))).toEqual([]);
    expect(bucket.keys('incoming/')).toEqual([]);
    // a duplicate of the event finds the drop gone and announces nothing again
    await expect(ingestDrop(deps(), copy.event)).resolves.toMatchObject({ outcome: 'vanished' });
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 1);
  });

  it('the same name and content dropped again: not silent either', async () => {
    const first = await dropAndIngest('incoming/reviews.csv', NAMED);
    later(60);
    const again = await dropAndIngest('incoming/reviews.csv', NAMED);
    expect(again.outcome).toEqual({ outcome: 'unchanged', key: 'incoming/reviews.csv', duplicateOf: outcomeKey(first.outcome) });
  });

  it('content kept before claims existed is found by its ETag under labeled/', async () => {
    bucket.put('labeled/demo/synthetic-14000-seed2026.0123456789ab.csv', NUMERIC);
    bucket.put('labeled/classes.txt', CLASSES);
    const { outcome } = await dropAndIngest('incoming/demo/new-name.csv', NUMERIC);
    expect(outcome).toEqual({ outcome: 'unchanged', key: 'incoming/demo/new-name.csv', duplicateOf: 'labeled/demo/synthetic-14000-seed2026.0123456789ab.csv' });
  });

  it('a content claimed by another drop first (both judged at once) is that drop\'s; the same drop claims again', async () => {
    const owner = { sourceKey: 'incoming/a.csv', sourceEtag: 'e1', droppedAt: START.toISOString(), labeledKey: 'labeled/a.e1.csv' };
    await expect(claimContent(deps().s3, BUCKET, 'md5', owner)).resolves.toBeUndefined();
    await expect(claimContent(deps().s3, BUCKET, 'md5', owner)).resolves.toBeUndefined();
    await expect(claimContent(deps().s3, BUCKET, 'md5', { ...owner, sourceKey: 'incoming/b.csv', labeledKey: 'labeled/b.e1.csv' })).resolves.toBe('labeled/a.e1.csv');
  });
});

describe('ingestDrop: rejected', () => {
  it('keeps the drop under rejected/ with a report, announces it, then deletes the drop', async () => {
    const { outcome, event } = await dropAndIngest('incoming/bad.csv', '1,only two\n');

    const reason = 'Line 1: expected 3 columns (label,title,content), found 2.';
    expect(outcome).toEqual({ outcome: 'rejected', key: 'incoming/bad.csv', rejectedKey: 'rejected/bad.csv', reason });
    expect(s3).toHaveReceivedCommandWith(CopyObjectCommand, { Key: 'rejected/bad.csv', CopySource: `${BUCKET}/incoming/bad.csv` });
    expect(JSON.parse(bucket.text('rejected/bad.csv.error.json'))).toEqual({
      bucket: BUCKET,
      key: 'incoming/bad.csv',
      reason,
      details: { code: 'bad-shape', line: 1, format: 'csv', expectedColumns: 3, foundColumns: 2 },
      size: 11,
      at: START.toISOString(),
      runId: runIdOf(event),
    });
    expect(published()).toEqual([
      {
        type: 'Dataset Rejected',
        detail: { runId: runIdOf(event), stage: 'test', at: START.toISOString(), bucket: BUCKET, key: 'incoming/bad.csv', rejectedKey: 'rejected/bad.csv', reason, size: 11 },
      },
    ]);
    expect(bucket.keys('incoming/')).toEqual([]);
    expect(glue).not.toHaveReceivedCommand(StartJobRunCommand);
  });

  it('rejects by name or size without reading the drop', async () => {
    bucket.put('incoming/photo.jpg', 'jpeg!');
    bucket.put('incoming/empty.csv', '');
    await expect(ingestDrop(deps(), dropEvent('incoming/photo.jpg'))).resolves.toMatchObject({ outcome: 'rejected' });
    await expect(ingestDrop(deps(), dropEvent('incoming/empty.csv'))).resolves.toMatchObject({ reason: 'The file is empty.' });
    expect(s3).not.toHaveReceivedCommandWith(GetObjectCommand, { Key: 'incoming/photo.jpg' });
    expect(s3).not.toHaveReceivedCommandWith(GetObjectCommand, { Key: 'incoming/empty.csv', Range: 'bytes=0-65535' });
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 2);
  });

  it('leaves a drop too large to copy where it is, reporting it once', async () => {
    bucket.put('incoming/huge.csv', 'x', { size: 6 * 1024 ** 3 });
    const event = dropEvent('incoming/huge.csv');

    const outcome = await ingestDrop(deps(), event);

    expect(outcome).toMatchObject({ outcome: 'rejected', rejectedKey: 'incoming/huge.csv', reason: expect.stringMatching(/larger than .* split it/) });
    expect(s3).not.toHaveReceivedCommand(CopyObjectCommand);
    expect(s3).not.toHaveReceivedCommand(DeleteObjectCommand);
    expect(bucket.keys('rejected/')).toEqual(['rejected/huge.csv.error.json']);
    expect(published()[0]!.detail).toMatchObject({ key: 'incoming/huge.csv', rejectedKey: 'incoming/huge.csv' });

    later(1);
    await expect(ingestDrop(deps(), event)).resolves.toMatchObject({ outcome: 'duplicate', keptAs: 'incoming/huge.csv' });
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 1);
  });

  it('keeps the drop when the announcement fails, so the retry announces it', async () => {
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure' }] });
    bucket.put('incoming/bad.txt', 'bad\n');
    await expect(ingestDrop(deps(), dropEvent('incoming/bad.txt'))).rejects.toThrow(/EventBridge refused Dataset Rejected/);
    expect(bucket.keys('incoming/')).toEqual(['incoming/bad.txt']);
  });
});

describe('ingestDrop: duplicates and strays', () => {
  it('does nothing when the drop is gone and its labeled copy exists', async () => {
    const { outcome, event } = await dropAndIngest('incoming/dbpedia/train.csv', NAMED);
    s3.resetHistory();
    glue.resetHistory();
    const again = await ingestDrop(deps(), { ...event, detail: { ...event.detail, object: { ...event.detail.object, etag: bucket.objects.get(outcomeKey(outcome))!.etag.replaceAll('"', '') } } });
    expect(again).toEqual({ outcome: 'duplicate', key: 'incoming/dbpedia/train.csv', keptAs: outcomeKey(outcome) });
    expect(s3).toHaveReceivedCommandWith(ListObjectsV2Command, { Bucket: BUCKET, Prefix: 'incoming/dbpedia/train.csv', MaxKeys: 1 });
    expect(s3).not.toHaveReceivedCommand(CopyObjectCommand);
    expect(glue).not.toHaveReceivedCommand(StartJobRunCommand);
  });

  it('does nothing when the drop is gone and its rejected copy exists', async () => {
    const { event } = await dropAndIngest('incoming/photo.jpg', 'jpeg!');
    await expect(ingestDrop(deps(), event)).resolves.toMatchObject({ outcome: 'duplicate', keptAs: 'rejected/photo.jpg' });
  });

  it('does nothing when the drop vanished without a copy', async () => {
    await expect(ingestDrop(deps(), dropEvent('incoming/a.csv'))).resolves.toEqual({ outcome: 'vanished', key: 'incoming/a.csv' });
    expect(s3).not.toHaveReceivedCommand(DeleteObjectCommand);
  });

  it('a duplicate event of a waiting drop only schedules another recheck', async () => {
    const data = await dropAndIngest('incoming/x/data.csv', NUMERIC);
    await expect(ingestDrop(deps(), data.event)).resolves.toMatchObject({ outcome: 'waiting' });
    expect(rechecks()).toHaveLength(2);
    expect(bucket.keys('labeled/')).toEqual([]);
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

describe('recheckBatch', () => {
  it('reports a message that is not a recheck as a batch item failure, and handles the others', async () => {
    const batch = [
      { messageId: 'm1', body: '{"key": "incoming/gone.csv", "runId": "20261125-110500-abcdef"}' },
      { messageId: 'm2', body: 'not json' },
    ] as never;
    await expect(recheckBatch(batch, deps())).resolves.toEqual({ batchItemFailures: [{ itemIdentifier: 'm2' }] });
  });
});

describe('keyCandidates', () => {
  it('tries the key as sent, then form-decoded', () => {
    expect(keyCandidates('incoming/a.csv')).toEqual(['incoming/a.csv']);
    expect(keyCandidates('incoming/a+b%C3%A9.csv')).toEqual(['incoming/a+b%C3%A9.csv', 'incoming/a bé.csv']);
    expect(keyCandidates('incoming/100%.csv')).toEqual(['incoming/100%.csv']);
  });
});
