import {
  CopyObjectCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { GlueClient } from '@aws-sdk/client-glue';
import {
  CLASSES_FILE,
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
import type { IngestionConfig } from './config';
import { errorReportKey, labeledKey, parseDropKey, rejectedKey, unquoteEtag, type DropName } from './drop-keys';
import { inspectName, inspectSample, SAMPLE_BYTES, type Rejection } from './drop-inspection';
import { startPreprocessingRun, type RunStart } from './preprocessing-runs';
import { copySource, readSample } from './s3-objects';

export interface IngestionDeps extends HandlerDeps<IngestionConfig> {
  s3: S3Client;
  glue: GlueClient;
  eventBridge: EventBridgeClient;
}

export type IngestOutcome =
  | { outcome: 'ignored'; key: string; reason: string }
  | { outcome: 'duplicate'; key: string; keptAs: string }
  | { outcome: 'vanished'; key: string }
  | { outcome: 'accepted'; key: string; labeledKey: string; run: RunStart | { status: 'not-needed'; runId: string } }
  | { outcome: 'rejected'; key: string; rejectedKey: string; reason: string };

/** The dropped object as it was inspected. */
interface DropSource {
  drop: DropName;
  size: number;
  etag: string;
  lastModified?: Date;
  contentType?: string;
  contentEncoding?: string;
}

/**
 * Handles one `Object Created` event under incoming/: keeps the drop under labeled/ and starts a
 * preprocessing run, or keeps it under rejected/ with the reason and announces it. The incoming object
 * is deleted last, so a retry after any failure redoes only what is missing; once it is gone, a
 * duplicate of the event does nothing.
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
    if (object) return inspectAndKeep(deps, drop, object, runId);
  }
  return alreadyHandled(deps, drops, event.detail.object.etag);
}

async function inspectAndKeep(deps: IngestionDeps, drop: DropName, object: ObjectSummary, runId: string): Promise<IngestOutcome> {
  const byName = inspectName(drop, object.size);
  if (byName) return rejectDrop(deps, { drop, size: object.size, etag: object.etag, lastModified: object.lastModified }, runId, byName);
  const sample = await readSample(deps.s3, deps.config.dataBucket, drop.key, SAMPLE_BYTES);
  const source: DropSource = {
    drop,
    size: object.size,
    etag: sample.etag,
    contentType: sample.contentType,
    contentEncoding: sample.contentEncoding,
  };
  const verdict = inspectSample(drop, sample.bytes, sample.truncated);
  return verdict.accepted ? acceptDrop(deps, source, runId) : rejectDrop(deps, source, runId, verdict);
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

async function acceptDrop(deps: IngestionDeps, source: DropSource, runId: string): Promise<IngestOutcome> {
  const { s3, config, logger } = deps;
  const bucket = config.dataBucket;
  const target = labeledKey(source.drop, source.etag);
  const keptBy = await runThatKept(s3, bucket, target, source.etag);
  if (keptBy === undefined) await copyDrop(s3, bucket, source, target, runId);
  // Kept already by this very event (a retry: its run may not have started) needs the run; kept by an
  // earlier drop of the same content, there is nothing new to train on. Class names alone are nothing
  // to train on either: they wait for the first data drop, unless data is there to be renamed.
  const needsRun =
    (keptBy === undefined || keptBy === runId) &&
    (source.drop.format !== 'classes' || (await labeledDataExists(s3, bucket)));
  const run = needsRun
    ? await startPreprocessingRun(deps.glue, { jobName: config.glueJobName, bucket, runId }, logger)
    : ({ status: 'not-needed', runId } as const);
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: source.drop.key }));
  logger.info('drop accepted', { key: source.drop.key, labeledKey: target, run, keptBefore: keptBy !== undefined });
  return { outcome: 'accepted', key: source.drop.key, labeledKey: target, run };
}

async function labeledDataExists(s3: S3Client, bucket: string): Promise<boolean> {
  const labeled = await listObjects(s3, bucket, PREFIXES.labeled);
  return labeled.some((object) => object.key !== `${PREFIXES.labeled}${CLASSES_FILE}`);
}

async function rejectDrop(
  deps: IngestionDeps,
  source: DropSource,
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
  if (inPlace && (await reportedSince(s3, bucket, report, source.lastModified))) {
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

async function reportedSince(s3: S3Client, bucket: string, report: string, since: Date | undefined): Promise<boolean> {
  const existing = await findObject(s3, bucket, report);
  return existing?.lastModified !== undefined && since !== undefined && existing.lastModified >= since;
}

/**
 * The run id recorded on the labeled copy when it holds this content already, else undefined.
 * (The copy of a data file is named after the content; classes.txt is replaced by new content.)
 */
async function runThatKept(s3: S3Client, bucket: string, key: string, etag: string): Promise<string | undefined> {
  if (!(await findObject(s3, bucket, key))) return undefined;
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  return head.Metadata?.['source-etag'] === unquoteEtag(etag) ? (head.Metadata['run-id'] ?? '') : undefined;
}

async function copyDrop(s3: S3Client, bucket: string, source: DropSource, target: string, runId: string): Promise<void> {
  await s3.send(
    new CopyObjectCommand({
      Bucket: bucket,
      Key: target,
      CopySource: copySource(bucket, source.drop.key),
      // exactly the content that was inspected: a drop overwritten meanwhile fails the copy and is retried
      CopySourceIfMatch: source.etag,
      MetadataDirective: 'REPLACE',
      Metadata: { 'run-id': runId, 'source-key': encodeURIComponent(source.drop.key), 'source-etag': unquoteEtag(source.etag) },
      ContentType: source.contentType,
      ContentEncoding: source.contentEncoding,
    }),
  );
}

/** The incoming object is gone: a duplicate of an event already handled, or a drop deleted before it was. */
async function alreadyHandled(deps: IngestionDeps, drops: DropName[], etag: string | undefined): Promise<IngestOutcome> {
  const { s3, config, logger } = deps;
  for (const drop of drops) {
    const copies = [...(drop.format && etag ? [labeledKey(drop, etag)] : []), rejectedKey(drop)];
    for (const copy of copies) {
      if (await findObject(s3, config.dataBucket, copy)) {
        logger.info('duplicate event: the drop was handled already', { key: drop.key, keptAs: copy });
        return { outcome: 'duplicate', key: drop.key, keptAs: copy };
      }
    }
  }
  const key = drops[0]?.key ?? '';
  logger.warn('the dropped object is gone and no copy of it exists: deleted before it was handled?', { key });
  return { outcome: 'vanished', key };
}
