/** PutEvents entries: validated one by one as EventBridge does, and turned into events. */
import { randomUUID } from 'node:crypto';
import { ACCOUNT_ID, type EventBridgeEvent } from '../../../core/types';

export interface PutEventsEntry {
  Source?: unknown;
  DetailType?: unknown;
  Detail?: unknown;
  Resources?: unknown;
  Time?: unknown;
  EventBusName?: unknown;
  TraceHeader?: unknown;
}

export type EntryOutcome = { event: EventBridgeEvent; eventBusName: string | undefined } | { errorCode: string; errorMessage: string };

/** The largest entry EventBridge accepts (and the largest request). */
export const MAX_ENTRY_BYTES = 256 * 1024;

export function eventFromEntry(entry: PutEventsEntry, region: string, now = new Date()): EntryOutcome {
  const required = (name: string, value: unknown): string | undefined =>
    typeof value === 'string' && value.length > 0 ? undefined : `Parameter ${name} is not valid. Reason: ${name} is a required argument.`;
  const missing = required('Source', entry.Source) ?? required('DetailType', entry.DetailType) ?? required('Detail', entry.Detail);
  if (missing) return { errorCode: 'InvalidArgument', errorMessage: missing };
  const source = entry.Source as string;
  if (source.startsWith('aws.')) return { errorCode: 'NotAuthorizedForSourceException', errorMessage: 'Not authorized for the source.' };
  let detail: unknown;
  try {
    detail = JSON.parse(entry.Detail as string);
  } catch {
    return { errorCode: 'MalformedDetail', errorMessage: 'Detail is malformed.' };
  }
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail)) return { errorCode: 'MalformedDetail', errorMessage: 'Detail is malformed.' };
  if (entry.Resources !== undefined && (!Array.isArray(entry.Resources) || !entry.Resources.every((resource) => typeof resource === 'string'))) {
    return { errorCode: 'InvalidArgument', errorMessage: 'Parameter Resources is not valid. Reason: Resources must be a list of strings.' };
  }
  const time = eventTime(entry.Time, now);
  if (time === undefined) return { errorCode: 'InvalidArgument', errorMessage: 'Parameter Time is not valid. Reason: Time must be a timestamp.' };
  if (entry.EventBusName !== undefined && typeof entry.EventBusName !== 'string') {
    return { errorCode: 'InvalidArgument', errorMessage: 'Parameter EventBusName is not valid.' };
  }
  const event: EventBridgeEvent = {
    version: '0',
    id: randomUUID(),
    'detail-type': entry.DetailType as string,
    source,
    account: ACCOUNT_ID,
    time,
    region,
    resources: (entry.Resources as string[] | undefined) ?? [],
    detail: detail as Record<string, unknown>,
  };
  return { event, eventBusName: entry.EventBusName as string | undefined };
}

/** Entry size as EventBridge counts it: UTF-8 bytes of Source, DetailType, Detail and Resources (+14 for Time). */
export function entrySize(entry: PutEventsEntry): number {
  const bytes = (value: unknown): number => (typeof value === 'string' ? Buffer.byteLength(value) : 0);
  const resources = Array.isArray(entry.Resources) ? entry.Resources.reduce<number>((sum, resource) => sum + bytes(resource), 0) : 0;
  return (entry.Time !== undefined ? 14 : 0) + bytes(entry.Source) + bytes(entry.DetailType) + bytes(entry.Detail) + resources;
}

/** EventBridge's `time` format: second precision, UTC (`2026-11-25T11:04:09Z`). */
export function eventTimestamp(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/** Time as the JSON protocol sends it (epoch seconds), or an ISO string; the call time when absent. */
function eventTime(value: unknown, now: Date): string | undefined {
  if (value === undefined || value === null) return eventTimestamp(now);
  const date = typeof value === 'number' ? new Date(value * 1000) : typeof value === 'string' ? new Date(value) : undefined;
  return date && !Number.isNaN(date.getTime()) ? eventTimestamp(date) : undefined;
}
