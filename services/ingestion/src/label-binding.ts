import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { findObject, listObjects } from '@pipeline/shared';
import { MAX_CLASSES_BYTES, parseClassNames, type ClassNames } from './class-names';
import { incomingClassesKey, keptClassesKey, keptClassesPrefix, parseKeptClassesKey } from './drop-keys';

/**
 * Which classes.txt names a data drop's labels (services/ingestion/README.md, "Class names").
 *
 * A classes.txt belongs to the data files dropped into the same folder of incoming/ within `windowSeconds` of it:
 * a data file D dropped at t is named by the last classes.txt dropped into its folder at or before t (and at most
 * the window earlier); a D with numeric labels and no such list is named by the first one dropped after t, at most
 * the window later, and waits for it. Times are S3's (LastModified, to the second), so the answer depends only on
 * when the files arrived, never on the order in which their events are handled.
 */

/** A classes.txt dropped into a folder: in incoming/ still, or kept under labeled/. */
export interface ClassList {
  /** Where it is kept (or will be): `labeled/<folder>/classes.<dropped at>.<etag 12>.txt`. */
  keptKey: string;
  droppedAt: Date;
  /** Present while it is still in incoming/ (not yet kept). */
  incoming?: { key: string; etag: string };
}

const seconds = (date: Date): number => Math.floor(date.getTime() / 1000);

/** The classes.txt drops of a folder, from incoming/ first and labeled/ then (a list moved meanwhile is in one of them). */
export async function classListsOf(s3: S3Client, bucket: string, folder: string): Promise<ClassList[]> {
  const lists: ClassList[] = [];
  const incoming = await findObject(s3, bucket, incomingClassesKey(folder));
  if (incoming?.lastModified) {
    lists.push({
      keptKey: keptClassesKey(folder, incoming.lastModified, incoming.etag),
      droppedAt: incoming.lastModified,
      incoming: { key: incoming.key, etag: incoming.etag },
    });
  }
  for (const object of await listObjects(s3, bucket, keptClassesPrefix(folder))) {
    const kept = parseKeptClassesKey(folder, object.key);
    if (kept && !lists.some((list) => list.keptKey === object.key)) lists.push({ keptKey: object.key, droppedAt: kept.droppedAt });
  }
  return lists;
}

export type ListChoice =
  | { found: true; list: ClassList }
  /** None yet: `waitUntil` is when the window closes (only for numeric drops; undefined for named ones). */
  | { found: false; waitUntil?: Date };

/** The rule above, over the lists of the drop's folder. */
export function chooseClassList(lists: readonly ClassList[], droppedAt: Date, numeric: boolean, windowSeconds: number): ListChoice {
  const t = seconds(droppedAt);
  const byTime = [...lists].sort((a, b) => seconds(a.droppedAt) - seconds(b.droppedAt) || a.keptKey.localeCompare(b.keptKey));
  const before = byTime.filter((list) => seconds(list.droppedAt) <= t && t - seconds(list.droppedAt) <= windowSeconds).at(-1);
  if (before) return { found: true, list: before };
  if (!numeric) return { found: false };
  const after = byTime.find((list) => seconds(list.droppedAt) > t && seconds(list.droppedAt) - t <= windowSeconds);
  if (after) return { found: true, list: after };
  return { found: false, waitUntil: new Date((t + windowSeconds) * 1000) };
}

export type ClassListRead = { ok: true; names: ClassNames; text: string } | { ok: false; reason: string };

/** Reads a class list (from incoming/ while it is there, else its kept copy) and checks it. */
export async function readClassList(s3: S3Client, bucket: string, list: ClassList): Promise<ClassListRead> {
  const object = await s3.send(
    new GetObjectCommand({
      Bucket: bucket,
      Key: list.incoming?.key ?? list.keptKey,
      ...(list.incoming ? { IfMatch: list.incoming.etag } : {}),
      Range: `bytes=0-${MAX_CLASSES_BYTES}`,
    }),
  );
  const bytes = (await object.Body?.transformToByteArray()) ?? new Uint8Array();
  if (bytes.length > MAX_CLASSES_BYTES) return { ok: false, reason: `classes.txt is larger than ${MAX_CLASSES_BYTES} bytes: not a list of class names.` };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { ok: false, reason: 'classes.txt is not UTF-8 text.' };
  }
  const parsed = parseClassNames(text);
  return parsed.ok ? { ok: true, names: parsed.names, text } : { ok: false, reason: parsed.reason };
}

/** Says where the names come from, for messages: `incoming/demo/classes.txt (dropped 2026-05-15T10:30:00Z)`. */
export const describeList = (list: ClassList, folder: string): string =>
  `the classes.txt dropped into incoming/${folder} at ${list.droppedAt.toISOString().replace('.000Z', 'Z')}`;

/** The sidecar the Glue job reads beside a kept data file (glue_scripts/README.md, Labels). */
export function sidecarDocument(input: {
  bucket: string;
  labeledKey: string;
  sourceKey: string;
  droppedAt: Date;
  list?: { list: ClassList; names: ClassNames };
}): string {
  const { bucket, labeledKey, sourceKey, droppedAt, list } = input;
  return `${JSON.stringify(
    {
      data: labeledKey,
      source: sourceKey,
      droppedAt: droppedAt.toISOString(),
      classes: list ? list.names : null,
      classesUri: list ? `s3://${bucket}/${list.list.keptKey}` : null,
      classesDroppedAt: list ? list.list.droppedAt.toISOString() : null,
    },
    null,
    2,
  )}\n`;
}

