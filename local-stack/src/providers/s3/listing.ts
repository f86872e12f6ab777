/**
 * S3 listing semantics over sorted keys: prefix, delimiter roll-up into common prefixes,
 * max-keys counting keys and common prefixes alike, and resumption after a marker.
 */
import { AwsError } from '../../core/types';

export interface ListPageInput {
  /** All keys of the bucket, sorted by UTF-16 code unit order (S3 sorts UTF-8 bytes; equal for BMP text). */
  sortedKeys: readonly string[];
  prefix: string;
  delimiter?: string;
  maxKeys: number;
  /** Exclusive lower bound: a key, or a common prefix returned by a previous page. */
  after?: string;
}

export interface ListPage {
  keys: string[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** The last key or common prefix of this page: where the next page resumes. */
  last?: string;
}

/** Index of the first element strictly greater than `value`. */
function upperBound(sorted: readonly string[], value: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((sorted[middle] as string) <= value) low = middle + 1;
    else high = middle;
  }
  return low;
}

function lowerBound(sorted: readonly string[], value: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((sorted[middle] as string) < value) low = middle + 1;
    else high = middle;
  }
  return low;
}

export function listPage(input: ListPageInput): ListPage {
  const { sortedKeys, prefix, delimiter, maxKeys, after } = input;
  const page: ListPage = { keys: [], commonPrefixes: [], isTruncated: false };
  let index = after !== undefined && after >= prefix ? upperBound(sortedKeys, after) : lowerBound(sortedKeys, prefix);
  let count = 0;
  while (index < sortedKeys.length) {
    const key = sortedKeys[index] as string;
    if (!key.startsWith(prefix)) {
      if (key > prefix) break;
      index += 1;
      continue;
    }
    const cut = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
    const item = cut >= 0 ? key.slice(0, cut + (delimiter as string).length) : key;
    // A common prefix at or before the marker was returned by an earlier page.
    if (cut >= 0 && after !== undefined && item <= after) {
      index += 1;
      continue;
    }
    if (count === maxKeys) {
      page.isTruncated = true;
      break;
    }
    if (cut >= 0) {
      page.commonPrefixes.push(item);
      // Skip the rest of the group: every key starting with the common prefix.
      index = lowerBound(sortedKeys, `${item}\u{10ffff}`);
      while (index < sortedKeys.length && (sortedKeys[index] as string).startsWith(item)) index += 1;
    } else {
      page.keys.push(key);
      index += 1;
    }
    page.last = item;
    count += 1;
  }
  return page;
}

/** ListObjectsV2 continuation tokens are opaque to clients; here they carry the resume point. */
export function encodeContinuationToken(last: string): string {
  return Buffer.from(JSON.stringify({ after: last }), 'utf8').toString('base64url');
}

export function decodeContinuationToken(token: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof parsed.after === 'string') return parsed.after;
  } catch {
    // falls through to the AWS error below
  }
  throw new AwsError('InvalidArgument', 'The continuation token provided is incorrect', 400, {
    ArgumentName: 'continuation-token',
  });
}

export function parseMaxKeys(value: string | null, fallback = 1000): number {
  if (value === null) return fallback;
  const parsed = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(parsed)) {
    throw new AwsError('InvalidArgument', 'Provided max-keys not an integer or within integer range', 400, {
      ArgumentName: 'max-keys',
      ArgumentValue: value,
    });
  }
  return Math.min(parsed, fallback);
}

/** `encoding-type=url`: keys percent-encoded as S3 does (slashes kept; `+` and space encoded). */
export function encodeS3Url(value: string): string {
  return encodeURIComponent(value).replace(/%2F/g, '/').replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
}
