/** HTTP semantics S3 applies to objects: byte ranges, conditional requests, dates, metadata headers. */
import type { IncomingHttpHeaders } from 'node:http';
import { AwsError } from '../../core/types';

export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/** RFC 7231 date (`Tue, 25 Nov 2026 11:08:00 GMT`) for Last-Modified and friends. */
export function httpDate(iso: string): string {
  return new Date(iso).toUTCString();
}

export interface ByteRange {
  start: number;
  /** Inclusive. */
  end: number;
}

/**
 * A single `bytes=` range resolved against the object size; `undefined` means "serve the whole
 * object" (no header, or one S3 ignores: malformed or several ranges); unsatisfiable is InvalidRange.
 */
export function parseRange(value: string | undefined, size: number): ByteRange | undefined {
  if (value === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(value.trim());
  if (!match) return undefined;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return undefined;
  const unsatisfiable = (): AwsError =>
    new AwsError('InvalidRange', 'The requested range is not satisfiable', 416, {
      RangeRequested: value,
      ActualObjectSize: String(size),
    });
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) throw unsatisfiable();
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (last !== '' && Number(last) < start) return undefined;
  if (start >= size) throw unsatisfiable();
  return { start, end };
}

function etagList(value: string): string[] {
  return value.split(',').map((item) => item.trim().replace(/^W\//, '').replace(/^"|"$/g, ''));
}

export function etagMatches(condition: string, etag: string): boolean {
  const candidates = etagList(condition);
  return candidates.includes('*') || candidates.includes(etag);
}

function parseHttpDate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : time;
}

export type ReadCondition = 'proceed' | 'not-modified';

/**
 * If-Match / If-Unmodified-Since (412 PreconditionFailed) and If-None-Match / If-Modified-Since
 * (304), in the precedence RFC 7232 and S3 give them. `prefix` selects the copy-source variants.
 */
export function evaluateReadConditions(
  headers: IncomingHttpHeaders,
  object: { etag: string; lastModified: string },
  prefix = '',
): ReadCondition {
  const ifMatch = header(headers, `${prefix}if-match`);
  const ifNoneMatch = header(headers, `${prefix}if-none-match`);
  const ifModifiedSince = parseHttpDate(header(headers, `${prefix}if-modified-since`));
  const ifUnmodifiedSince = parseHttpDate(header(headers, `${prefix}if-unmodified-since`));
  const modified = Date.parse(object.lastModified);
  const failed = (condition: string): AwsError =>
    new AwsError('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', 412, {
      Condition: condition,
    });

  if (ifMatch !== undefined) {
    if (!etagMatches(ifMatch, object.etag)) throw failed(`${prefix}If-Match`);
  } else if (ifUnmodifiedSince !== undefined && modified > ifUnmodifiedSince) {
    throw failed(`${prefix}If-Unmodified-Since`);
  }
  if (ifNoneMatch !== undefined) {
    if (etagMatches(ifNoneMatch, object.etag)) {
      if (prefix) throw failed(`${prefix}If-None-Match`);
      return 'not-modified';
    }
  } else if (ifModifiedSince !== undefined && ifModifiedSince <= Date.now() && modified <= ifModifiedSince) {
    // A date in the future is not a valid If-Modified-Since (RFC 9110 13.1.3): S3 ignores it and answers
    // 200, and copies proceed (recorded: test_upload_part_copy_with_copy_source_if_modified_since_in_future_success).
    if (prefix) throw failed(`${prefix}If-Modified-Since`);
    return 'not-modified';
  }
  return 'proceed';
}

/** `x-amz-meta-*` headers, names lower-cased without the prefix. */
export function userMetadataFrom(headers: IncomingHttpHeaders): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith('x-amz-meta-') && value !== undefined) {
      metadata[name.slice('x-amz-meta-'.length)] = Array.isArray(value) ? value.join(',') : value;
    }
  }
  return metadata;
}

/** `x-amz-tagging: k1=v1&k2=v2` (URL query encoding). */
export function parseTaggingHeader(value: string | undefined): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  return Object.fromEntries(new URLSearchParams(value));
}
