import { CLASSES_FILE, PREFIXES } from '@pipeline/shared';

export type DropFormat = 'csv' | 'jsonl' | 'txt' | 'classes';

const FORMAT_BY_EXTENSION: Readonly<Record<string, DropFormat>> = { '.csv': 'csv', '.jsonl': 'jsonl', '.txt': 'txt' };

/** A dropped object's key under `incoming/`, taken apart. */
export interface DropName {
  key: string;
  /** The key without `incoming/`, e.g. `dbpedia/train.csv.gz`. */
  relativePath: string;
  /** Undefined when the extension is not one the pipeline reads. */
  format: DropFormat | undefined;
  gzipped: boolean;
  /** The relative path without its (recognised) extension, e.g. `dbpedia/train`. */
  stem: string;
  /** The recognised extension, lower-cased, e.g. `.csv.gz`; empty when unrecognised. */
  extension: string;
}

/** Undefined for keys that are not a drop: outside `incoming/`, or a "folder" placeholder ending in `/`. */
export function parseDropKey(key: string): DropName | undefined {
  if (!key.startsWith(PREFIXES.incoming) || key.endsWith('/')) return undefined;
  const relativePath = key.slice(PREFIXES.incoming.length);
  const fileName = relativePath.slice(relativePath.lastIndexOf('/') + 1);
  if (fileName === CLASSES_FILE) {
    return { key, relativePath, format: 'classes', gzipped: false, stem: relativePath.slice(0, -4), extension: '.txt' };
  }
  const lower = relativePath.toLowerCase();
  const gzipped = lower.endsWith('.gz');
  const withoutGz = gzipped ? lower.slice(0, -3) : lower;
  const dot = withoutGz.lastIndexOf('.');
  const format = dot > withoutGz.lastIndexOf('/') + 1 ? FORMAT_BY_EXTENSION[withoutGz.slice(dot)] : undefined;
  if (format === undefined) return { key, relativePath, format, gzipped, stem: relativePath, extension: '' };
  const extension = withoutGz.slice(dot) + (gzipped ? '.gz' : '');
  return { key, relativePath, format, gzipped, stem: relativePath.slice(0, dot), extension };
}

/** The ETag without quotes. */
export const unquoteEtag = (etag: string): string => etag.replaceAll('"', '');

/**
 * Where an accepted data drop is kept. The content's ETag goes into the name, so the same content dropped
 * twice under one name lands on the same key while a same-named drop with new content is kept beside the old one.
 */
export function labeledKey(drop: DropName, etag: string): string {
  if (drop.format === 'classes') throw new Error(`${drop.key} is a list of class names: see keptClassesKey`);
  return `${PREFIXES.labeled}${drop.stem}.${unquoteEtag(etag).slice(0, 12)}${drop.extension}`;
}

/** The folder of a drop under incoming/ (`dbpedia/`, or '' at the top), where its classes.txt is dropped too. */
export const dropFolder = (drop: DropName): string => drop.relativePath.slice(0, drop.relativePath.lastIndexOf('/') + 1);

/** `incoming/<folder>/classes.txt`: the class names dropped with the data files of that folder. */
export const incomingClassesKey = (folder: string): string => `${PREFIXES.incoming}${folder}${CLASSES_FILE}`;

/** `20260515T103000Z`: a drop's time to the second, as kept class-name lists record it. */
export const dropStamp = (at: Date): string => at.toISOString().slice(0, 19).replaceAll('-', '').replaceAll(':', '') + 'Z';

const KEPT_CLASSES = /^classes\.(\d{8})T(\d{2})(\d{2})(\d{2})Z\.([0-9a-f]{12})\.txt$/;

/**
 * Where a dropped classes.txt is kept: `labeled/<folder>/classes.<dropped at>.<first 12 of its ETag>.txt`. Each
 * drop of one is kept (the same key for the same drop, whatever retries it takes), with the time it was dropped,
 * by which the data files dropped with it find it. The Glue job never reads these as data.
 */
export const keptClassesKey = (folder: string, droppedAt: Date, etag: string): string =>
  `${PREFIXES.labeled}${folder}classes.${dropStamp(droppedAt)}.${unquoteEtag(etag).slice(0, 12)}.txt`;

/** What every kept class-name list of a folder starts with. */
export const keptClassesPrefix = (folder: string): string => `${PREFIXES.labeled}${folder}classes.`;

/** A kept class-name list of `folder`, from its key: when it was dropped and its ETag's start. */
export function parseKeptClassesKey(folder: string, key: string): { droppedAt: Date; etag12: string } | undefined {
  const prefix = `${PREFIXES.labeled}${folder}`;
  if (!key.startsWith(prefix)) return undefined;
  const match = KEPT_CLASSES.exec(key.slice(prefix.length));
  if (!match) return undefined;
  const [, day, hours, minutes, seconds, etag12] = match;
  const droppedAt = new Date(`${day!.slice(0, 4)}-${day!.slice(4, 6)}-${day!.slice(6, 8)}T${hours}:${minutes}:${seconds}Z`);
  return Number.isNaN(droppedAt.getTime()) ? undefined : { droppedAt, etag12: etag12! };
}

/** The class-name sidecar of a kept data file: the names of the drop that brought it (glue_scripts/README.md, Labels). */
export const sidecarKey = (labeled: string): string => `${labeled}.classes.json`;

/** True for a kept data file under labeled/ (not a sidecar, not a class-name list). */
export function isLabeledDataKey(key: string): boolean {
  if (!key.startsWith(PREFIXES.labeled) || key.endsWith('.classes.json')) return false;
  const name = key.slice(key.lastIndexOf('/') + 1);
  if (name === CLASSES_FILE || KEPT_CLASSES.test(name)) return false;
  return parseDropKey(`${PREFIXES.incoming}${key.slice(PREFIXES.labeled.length)}`)?.format !== undefined;
}

/** The claim on a content (its MD5) that the first drop bringing it writes: `index/content/<md5>.json`. */
export const contentClaimKey = (md5: string): string => `${PREFIXES.index}content/${md5}.json`;

export const rejectedKey = (drop: DropName): string => `${PREFIXES.rejected}${drop.relativePath}`;

export const errorReportKey = (rejected: string): string => `${rejected}.error.json`;
