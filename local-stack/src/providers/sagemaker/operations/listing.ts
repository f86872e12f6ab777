/** The List* operations' shared filtering, sorting and NextToken pagination. */
import { z } from 'zod';
import { validationException } from '../errors';

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

const nameContains = z.string().max(63).optional();
const epochSeconds = z.number().optional();
const sortOrder = z.enum(['Ascending', 'Descending']).optional();
const maxResults = z.number().int().min(1).max(100).optional();
const nextToken = z.string().max(8192).optional();

/** ListModels / ListEndpointConfigs: sorted by Name or CreationTime. */
export const listByNameInput = z.looseObject({
  NameContains: nameContains,
  CreationTimeAfter: epochSeconds,
  CreationTimeBefore: epochSeconds,
  SortBy: z.enum(['Name', 'CreationTime']).optional(),
  SortOrder: sortOrder,
  MaxResults: maxResults,
  NextToken: nextToken,
});

/** ListTrainingJobs / ListEndpoints: also StatusEquals, a LastModifiedTime window and SortBy Status. */
export function listByStatusInput<Status extends string>(statuses: readonly [Status, ...Status[]]) {
  return z.looseObject({
    NameContains: nameContains,
    StatusEquals: z.enum(statuses).optional(),
    CreationTimeAfter: epochSeconds,
    CreationTimeBefore: epochSeconds,
    LastModifiedTimeAfter: epochSeconds,
    LastModifiedTimeBefore: epochSeconds,
    SortBy: z.enum(['Name', 'CreationTime', 'Status']).optional(),
    SortOrder: sortOrder,
    MaxResults: maxResults,
    NextToken: nextToken,
  });
}

export interface RecordListRequest extends ListRequest {
  SortBy?: 'Name' | 'CreationTime' | 'Status';
  StatusEquals?: string;
  LastModifiedTimeAfter?: number;
  LastModifiedTimeBefore?: number;
}

/** How a List* operation reads its kind of record and answers. */
export interface Listing<T> {
  /** The response member holding the summaries (`Models`, `TrainingJobSummaries`, ...). */
  member: string;
  nameField: keyof T & string;
  /** For the kinds with a status (training jobs, endpoints): StatusEquals, SortBy Status and the LastModifiedTime window apply. */
  statusField?: keyof T & string;
  /** The record's members a summary holds, in order; `*Time` members (epoch ms) are answered in epoch seconds. */
  summaryFields: ReadonlyArray<keyof T & string>;
}

/** A List* answer: StatusEquals and the LastModifiedTime window (for kinds with a status), then listPage's filters, sort and paging. */
export function listResponse<T extends { CreationTime: number; LastModifiedTime?: number }>(
  records: readonly T[],
  request: RecordListRequest,
  listing: Listing<T>,
): Record<string, unknown> {
  const text = (record: T, field: keyof T): string => String(record[field]);
  const { statusField } = listing;
  const after = request.LastModifiedTimeAfter === undefined ? -Infinity : request.LastModifiedTimeAfter * 1000;
  const before = request.LastModifiedTimeBefore === undefined ? Infinity : request.LastModifiedTimeBefore * 1000;
  const items = records
    .filter((record) => statusField === undefined || request.StatusEquals === undefined || text(record, statusField) === request.StatusEquals)
    .filter((record) => statusField === undefined || (record.LastModifiedTime! > after && record.LastModifiedTime! < before))
    .map((record) => ({ record, name: text(record, listing.nameField), creationTime: record.CreationTime }));
  type Item = (typeof items)[number];
  const compare =
    request.SortBy === 'Name'
      ? (a: Item, b: Item) => a.name.localeCompare(b.name)
      : request.SortBy === 'Status' && statusField !== undefined
        ? (a: Item, b: Item) => text(a.record, statusField).localeCompare(text(b.record, statusField))
        : undefined;
  const { page, nextToken: next } = listPage(items, request, compare);
  return {
    [listing.member]: page.map(({ record }) => summary(record, listing.summaryFields)),
    ...(next !== undefined ? { NextToken: next } : {}),
  };
}

function summary<T>(record: T, fields: ReadonlyArray<keyof T & string>): Record<string, unknown> {
  const entries = fields.filter((field) => record[field] !== undefined).map((field) => [field, field.endsWith('Time') ? (record[field] as number) / 1000 : record[field]]);
  return Object.fromEntries(entries);
}
