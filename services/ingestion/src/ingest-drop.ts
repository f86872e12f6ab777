import {
  CopyObjectCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { GlueClient } from '@aws-sdk/client-glue';
import type { SQSClient } from '@aws-sdk/client-sqs';
import {
  findObject,
  listObjects,
  PIPELINE_SOURCES,
  PREFIXES,
  publishPipelineEvent,
  runIdFor,
  type HandlerDeps,
  type ObjectSummary,
  type S3ObjectCreatedEvent,
} from '@pipeline/shared';
import { isNumericLabel, labelConflict, type SampleLabel } from './class-names';
import type { IngestionConfig } from './config';
import { claimContent, contentMd5, heldCopy, type ContentOwner } from './content';
import {
  dropFolder,
  errorReportKey,
  keptClassesKey,
  labeledKey,
  parseDropKey,
  rejectedKey,
  sidecarKey,
  unquoteEtag,
  type DropName,
} from './drop-keys';
import { inspectName, inspectSample, reject, SAMPLE_BYTES, type Rejection } from './drop-inspection';
import { chooseClassList, classListsOf, describeList, readClassList, sidecarDocument, type ClassList } from './label-binding';
import { startPreprocessingRun, type RunStart } from './preprocessing-runs';
import { scheduleRecheck } from './recheck-queue';
import { copySource, readSample } from './s3-objects';

export interface IngestionDeps extends HandlerDeps<IngestionConfig> {
  s3: S3Client;
  glue: GlueClient;
  eventBridge: EventBridgeClient;
  sqs: SQSClient;
}

export type IngestOutcome =
  | { outcome: 'ignored'; key: string; reason: string }
  | { outcome: 'duplicate'; key: string; keptAs: string }
  | { outcome: 'vanished'; key: string }
  | { outcome: 'accepted'; key: string; labeledKey: string; classes: string | null; run: RunStart | { status: 'not-needed'; runId: string } }
  | { outcome: 'unchanged'; key: string; duplicateOf: string }
  | { outcome: 'waiting'; key: string; until: string }
  | { outcome: 'classes-kept'; key: string; keptKey: string; rechecked: string[] }
  | { outcome: 'rejected'; key: string; rejectedKey: string; reason: string };

const seconds = (date: Date): number => Math.floor(date.getTime() / 1000);

/** The dropped object as it was inspected. */
interface DropSource {
  drop: DropName;
  size: number;
  etag: string;
  /** When it was dropped: S3's LastModified of the incoming object. */
  droppedAt: Date;
  contentType?: string;
  contentEncoding?: string;
}

/**
 * Handles one `Object Created` event under incoming/ (see judgeDrop). The incoming object is deleted last, so a
 * retry after any failure redoes only what is missing; once it is gone, a duplicate of the event does nothing.
 */
export async function ingestDrop(deps: IngestionDeps, event: S3ObjectCreatedEvent): Promise<IngestOutcome> {
  const { config, logger, s3 } = deps;
  const bucket = event.detail.bucket.name;
  if (bucket !== config.dataBucket) throw new Error(`event for bucket ${bucket}, not the data bucket ${config.dataBucket}`);
  const eventKey = event.detail.object.key;
  if (!parseDropKey(eventKey)) {
    logger.info('not a drop: ignored', { key: eventKey });
    return { outcome: 'ignored', key: eventKey, reason: 'not a file under incoming/' };
  }
  const runId = runIdFor(new Date(event.time), event.id);
  const drops = keyCandidates(eventKey).flatMap((key) => parseDropKey(key) ?? []);
  for (const drop of drops) {
    const object = await findObject(s3, bucket, drop.key);
    if (object) return judgeDrop(deps, drop, object, runId);
  }
  return alreadyHandled(deps, drops, event.detail.object.etag);
}

/**
 * Judges a drop still under incoming/: a classes.txt is kept for the data files dropped with it; a data file is
 * refused (rejected/ and `Dataset Rejected`), found to hold content the corpus has (`Dataset Unchanged`), left to
 * wait for its classes.txt, or kept under labeled/ with its class names beside it and a preprocessing run started.
 * Used for the drop's own event and for each check of it again (rechecks.ts).
 */
export async function judgeDrop(deps: IngestionDeps, drop: DropName, object: ObjectSummary, runId: string): Promise<IngestOutcome> {
  const byName = inspectName(drop, object.size);
  const listed = { drop, size: object.size, etag: object.etag, droppedAt: object.lastModified ?? deps.now() };
  if (byName) return rejectDrop(deps, listed, runId, byName);
  const sample = await readSample(deps.s3, deps.config.dataBucket, drop.key, SAMPLE_BYTES);
  const source: DropSource = {
    drop,
    size: object.size,
    etag: sample.etag,
    droppedAt: sample.lastModified ?? listed.droppedAt,
    contentType: sample.contentType,
    contentEncoding: sample.contentEncoding,
  };
  const verdict = inspectSample(drop, sample.bytes, sample.truncated);
  if (!verdict.accepted) return rejectDrop(deps, source, runId, verdict);
  return drop.format === 'classes' ? keepClassList(deps, source, runId) : acceptData(deps, source, verdict.labels, runId);
}

/** S3 notifications may URL-encode keys (a space as "+"): the key is tried as sent, then decoded. */
export function keyCandidates(key: string): string[] {
  let decoded = key;
  try {
    decoded = decodeURIComponent(key.replaceAll('+', ' '));
  } catch {
    // not valid percent-encoding: the key is literal
  }
  return decoded === key ? [key] : [key, decoded];
}

/**
 * A classes.txt: checked, kept as `labeled/<folder>/classes.<dropped at>.<etag>.txt`, and the data files of its
 * folder dropped before it within the window are judged again (those waiting for it are then kept). It starts no
 * run of its own: a list of names is nothing to train on, and it never renames what was kept before.
 */
async function keepClassList(deps: IngestionDeps, source: DropSource, runId: string): Promise<IngestOutcome> {
  const { s3, config, logger } = deps;
  const bucket = config.dataBucket;
  const folder = dropFolder(source.drop);
  const list: ClassList = {
    keptKey: keptClassesKey(folder, source.droppedAt, source.etag),
    droppedAt: source.droppedAt,
    incoming: { key: source.drop.key, etag: source.etag },
  };
  const read = await readClassList(s3, bucket, list);
  if (!read.ok) return rejectDrop(deps, source, runId, reject('bad-classes', read.reason));
  if (!(await findObject(s3, bucket, list.keptKey))) await copyDrop(s3, bucket, source, list.keptKey, runId);

  // Data files dropped into the folder up to the window before it (to the second, as S3 times go) may wait for it.
  const droppedAt = seconds(source.droppedAt);
  const waiting = (await listObjects(s3, bucket, `${PREFIXES.incoming}${folder}`)).filter((object) => {
    const data = parseDropKey(object.key);
    if (!data?.format || data.format === 'classes' || dropFolder(data) !== folder || !object.lastModified) return false;
    const at = seconds(object.lastModified);
    return at <= droppedAt && droppedAt - at <= config.classesWaitSeconds;
  });
  for (const object of waiting) {
    await scheduleRecheck(deps, { key: object.key, runId: runIdFor(source.droppedAt, `${runId}/${object.key}`) }, 0);
  }
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: source.drop.key }));
  const rechecked = waiting.map((object) => object.key);
  logger.info('class names kept', { key: source.drop.key, keptKey: list.keptKey, names: read.names.length, rechecked });
  return { outcome: 'classes-kept', key: source.drop.key, keptKey: list.keptKey, rechecked };
}

async function acceptData(deps: IngestionDeps, source: DropSource, labels: SampleLabel[], runId: string): Promise<IngestOutcome> {
  const { s3, config, logger } = deps;
  const bucket = config.dataBucket;
  const { drop } = source;
  const me: Omit<ContentOwner, 'labeledKey'> = { sourceKey: drop.key, sourceEtag: unquoteEtag(source.etag), droppedAt: source.droppedAt.toISOString() };
  const md5 = await contentMd5(s3, bucket, drop.key, source.etag);
  const held = await heldCopy(s3, bucket, md5, me);
  if (held) return announceUnchanged(deps, source, runId, held);

  const folder = dropFolder(drop);
  const firstNumber = labels.find(({ label }) => isNumericLabel(label));
  const choice = chooseClassList(await classListsOf(s3, bucket, folder), source.droppedAt, firstNumber !== undefined, config.classesWaitSeconds);
  let named: { list: ClassList; names: Array<string | null> } | undefined;
  if (choice.found) {
    const described = describeList(choice.list, folder);
    const read = await readClassList(s3, bucket, choice.list);
    if (!read.ok) return rejectDrop(deps, source, runId, reject('bad-classes', `The labels are to be named by ${described}, which is refused: ${read.reason}`));
    const conflict = labelConflict(labels, read.names, described);
    if (conflict) return rejectDrop(deps, source, runId, reject('label-conflict', conflict, { classes: choice.list.keptKey }));
    named = { list: choice.list, names: read.names };
  } else if (choice.waitUntil) {
    if (deps.now() >= choice.waitUntil) return rejectDrop(deps, source, runId, noClassesRejection(source, firstNumber!, config.classesWaitSeconds));
    const delay = Math.ceil((choice.waitUntil.getTime() - deps.now().getTime()) / 1000) + 1;
    await scheduleRecheck(deps, { key: drop.key, runId }, delay);
    logger.info('numeric labels: waiting for the classes.txt of the drop', { key: drop.key, folder, until: choice.waitUntil.toISOString() });
    return { outcome: 'waiting', key: drop.key, until: choice.waitUntil.toISOString() };
  }

  const target = labeledKey(drop, source.etag);
  const claimedBy = await claimContent(s3, bucket, md5, { ...me, labeledKey: target });
  if (claimedBy) return announceUnchanged(deps, source, runId, claimedBy);
  if (named?.list.incoming && !(await findObject(s3, bucket, named.list.keptKey))) {
    await copyObject(s3, bucket, named.list.incoming, named.list.keptKey, { 'run-id': runId, 'source-key': encodeURIComponent(named.list.incoming.key), 'source-etag': unquoteEtag(named.list.incoming.etag) });
  }
  const keptBy = await runThatKept(s3, bucket, target, source.etag);
  if (keptBy === undefined) {
    // The sidecar first: a run that lists the data file finds its class names beside it.
    const sidecar = sidecarDocument({ bucket, labeledKey: target, sourceKey: drop.key, droppedAt: source.droppedAt, list: named });
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: sidecarKey(target), Body: sidecar, ContentType: 'application/json' }));
    await copyDrop(s3, bucket, source, target, runId);
  }
  // Kept already by this very drop (a retry: its run may not have started) still needs the run.
  const needsRun = keptBy === undefined || keptBy === runId;
  const run = needsRun
    ? await startPreprocessingRun(deps.glue, { jobName: config.glueJobName, bucket, runId }, logger)
    : ({ status: 'not-needed', runId } as const);
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: drop.key }));
  const classes = named?.list.keptKey ?? null;
  logger.info('drop accepted', { key: drop.key, labeledKey: target, classes, run });
  return { outcome: 'accepted', key: drop.key, labeledKey: target, classes, run };
}

function noClassesRejection(source: DropSource, first: SampleLabel, waitSeconds: number): Rejection {
  const folder = dropFolder(source.drop);
  return reject(
    'no-classes',
    `The labels are numbers (line ${first.line}: ${first.label}) and no classes.txt naming them was dropped into ` +
      `incoming/${folder} within ${waitSeconds} s of the file. Drop the file again with its classes.txt (line N names ` +
      'label N) in the same folder, at most that far apart, or use names as labels.',
    { folder: `incoming/${folder}`, waitSeconds },
  );
}

/** The content is in the corpus already (`duplicateOf`): nothing new, no run; one email says so. */
async function announceUnchanged(deps: IngestionDeps, source: DropSource, runId: string, duplicateOf: string): Promise<IngestOutcome> {
  const { config, logger, s3 } = deps;
  const { key } = source.drop;
  await publishPipelineEvent(deps.eventBridge, PIPELINE_SOURCES.ingestion, {
    detailType: 'Dataset Unchanged',
    detail: { runId, stage: config.stage, at: deps.now().toISOString(), bucket: config.dataBucket, key, duplicateOf, size: source.size },
  });
  await s3.send(new DeleteObjectCommand({ Bucket: config.dataBucket, Key: key }));
  logger.info('nothing new: the corpus holds this content already', { key, duplicateOf });
  return { outcome: 'unchanged', key, duplicateOf };
}

async function rejectDrop(
  deps: IngestionDeps,
  source: Pick<DropSource, 'drop' | 'size' | 'etag' | 'droppedAt'> & Partial<DropSource>,
  runId: string,
  verdict: Rejection,
): Promise<IngestOutcome> {
  const { s3, config, logger } = deps;
  const bucket = config.dataBucket;
  const { key } = source.drop;
  const target = rejectedKey(source.drop);
  const report = errorReportKey(target);
  // CopyObject copies at most 5 GiB: a larger drop stays where it is, and its report marks it announced.
  const inPlace = verdict.code === 'too-large';
  if (inPlace && (await reportedSince(s3, bucket, report, source.droppedAt))) {
    logger.info('duplicate event: the oversized drop was reported already', { key, report });
    return { outcome: 'duplicate', key, keptAs: key };
  }
  const at = deps.now().toISOString();
  const body = JSON.stringify({ bucket, key, reason: verdict.reason, details: verdict.details, size: source.size, at, runId }, null, 2);
  const writeReport = () =>
    s3.send(new PutObjectCommand({ Bucket: bucket, Key: report, Body: body, ContentType: 'application/json' }));
  if (!inPlace) {
    await copyDrop(s3, bucket, source, target, runId);
    await writeReport();
  }
  const keptAt = inPlace ? key : target;
  await publishPipelineEvent(deps.eventBridge, PIPELINE_SOURCES.ingestion, {
    detailType: 'Dataset Rejected',
    detail: { runId, stage: config.stage, at, bucket, key, rejectedKey: keptAt, reason: verdict.reason, size: source.size },
  });
  if (inPlace) await writeReport();
  else await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
  logger.warn('drop rejected', { key, rejectedKey: keptAt, reason: verdict.reason, details: verdict.details });
  return { outcome: 'rejected', key, rejectedKey: keptAt, reason: verdict.reason };
}

async function reportedSince(s3: S3Client, bucket: string, report: string, since: Date): Promise<boolean> {
  const existing = await findObject(s3, bucket, report);
  return existing?.lastModified !== undefined && existing.lastModified >= since;
}

/** The run id recorded on the labeled copy when it holds this content already, else undefined. */
async function runThatKept(s3: S3Client, bucket: string, key: string, etag: string): Promise<string | undefined> {
  if (!(await findObject(s3, bucket, key))) return undefined;
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  return head.Metadata?.['source-etag'] === unquoteEtag(etag) ? (head.Metadata['run-id'] ?? '') : undefined;
}

function copyDrop(s3: S3Client, bucket: string, source: Pick<DropSource, 'drop' | 'etag'> & Partial<DropSource>, target: string, runId: string): Promise<void> {
  return copyObject(
    s3,
    bucket,
    { key: source.drop.key, etag: source.etag },
    target,
    { 'run-id': runId, 'source-key': encodeURIComponent(source.drop.key), 'source-etag': unquoteEtag(source.etag) },
    { contentType: source.contentType, contentEncoding: source.contentEncoding },
  );
}

async function copyObject(
  s3: S3Client,
  bucket: string,
  from: { key: string; etag: string },
  target: string,
  metadata: Record<string, string>,
  headers: { contentType?: string; contentEncoding?: string } = {},
): Promise<void> {
  await s3.send(
    new CopyObjectCommand({
      Bucket: bucket,
      Key: target,
      CopySource: copySource(bucket, from.key),
      // exactly the content that was inspected: a drop overwritten meanwhile fails the copy and is retried
      CopySourceIfMatch: from.etag,
      MetadataDirective: 'REPLACE',
      Metadata: metadata,
      ContentType: headers.contentType,
      ContentEncoding: headers.contentEncoding,
    }),
  );
}

/** The incoming object is gone: a duplicate of an event already handled, or a drop deleted before it was. */
async function alreadyHandled(deps: IngestionDeps, drops: DropName[], etag: string | undefined): Promise<IngestOutcome> {
  const { s3, config, logger } = deps;
  for (const drop of drops) {
    const copies = [...(drop.format && drop.format !== 'classes' && etag ? [labeledKey(drop, etag)] : []), rejectedKey(drop)];
    for (const copy of copies) {
      if (await findObject(s3, config.dataBucket, copy)) {
        logger.info('duplicate event: the drop was handled already', { key: drop.key, keptAs: copy });
        return { outcome: 'duplicate', key: drop.key, keptAs: copy };
      }
    }
  }
  const key = drops[0]?.key ?? '';
  logger.info('the dropped object is gone: handled already (kept, a list of names, or nothing new) or deleted', { key });
  return { outcome: 'vanished', key };
}
