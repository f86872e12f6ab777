/** The List* operations' shared filtering, sorting and NextToken pagination. */
import { validationException } from './validation';

export interface ListRequest {
  NameContains?: string;
  CreationTimeAfter?: number;
  CreationTimeBefore?: number;
  SortOrder?: 'Ascending' | 'Descending';
  MaxResults?: number;
  NextToken?: string;
}

export interface Listable {
  name: string;
  /** Epoch milliseconds. */
  creationTime: number;
}

const DEFAULT_MAX_RESULTS = 10;

function decodeToken(token: string | undefined): number {
  if (token === undefined) return 0;
  const offset = Number(Buffer.from(token, 'base64url').toString('utf8'));
  if (!Number.isInteger(offset) || offset < 0) throw validationException('Invalid pagination token');
  return offset;
}

/**
 * Applies NameContains (case-insensitive), the creation-time window (epoch seconds on the wire),
 * the sort and a page; `compare` defaults to creation time.
 */
export function listPage<T extends Listable>(
  items: readonly T[],
  request: ListRequest,
  compare: (a: T, b: T) => number = (a, b) => a.creationTime - b.creationTime,
): { page: T[]; nextToken?: string } {
  const needle = request.NameContains?.toLowerCase();
  const after = request.CreationTimeAfter === undefined ? undefined : request.CreationTimeAfter * 1000;
  const before = request.CreationTimeBefore === undefined ? undefined : request.CreationTimeBefore * 1000;
  const matching = items.filter(
    (item) =>
      (needle === undefined || item.name.toLowerCase().includes(needle)) &&
      (after === undefined || item.creationTime > after) &&
      (before === undefined || item.creationTime < before),
  );
  const direction = request.SortOrder === 'Ascending' ? 1 : -1;
  matching.sort((a, b) => direction * compare(a, b) || a.name.localeCompare(b.name));
  const offset = decodeToken(request.NextToken);
  const size = request.MaxResults ?? DEFAULT_MAX_RESULTS;
  const page = matching.slice(offset, offset + size);
  const next = offset + size;
  return next < matching.length ? { page, nextToken: Buffer.from(String(next)).toString('base64url') } : { page };
}
