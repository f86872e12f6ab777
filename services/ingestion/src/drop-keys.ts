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
 * Where an accepted drop is kept. The content's ETag goes into the name, so the same content dropped
 * twice lands on the same key while a same-named drop with new content is kept beside the old one.
 * The class-name mapping is a single file: the latest drop wins.
 */
export function labeledKey(drop: DropName, etag: string): string {
  if (drop.format === 'classes') return `${PREFIXES.labeled}${CLASSES_FILE}`;
  return `${PREFIXES.labeled}${drop.stem}.${unquoteEtag(etag).slice(0, 12)}${drop.extension}`;
}

export const rejectedKey = (drop: DropName): string => `${PREFIXES.rejected}${drop.relativePath}`;

export const errorReportKey = (rejected: string): string => `${rejected}.error.json`;
