/**
 * The archive of sent emails: the notification service keeps a copy of every email it sends in the data
 * bucket, `notifications/<runId>/<detail-type slug>-<event id>.json`. SES has no API to read sent mail, so
 * this is how the pipeline console (and anyone with s3:GetObject) reads them, on AWS and locally alike.
 * The key alone tells the run and the kind of news; the body has the email as sent and the event it announced.
 */
import type { PipelineDetailType } from './events';
import { detailTypeSlug } from './names';

export const NOTIFICATIONS_PREFIX = 'notifications/';

/**
 * What an archived email can announce: the events of `PIPELINE_EVENTS` and the two docs/contracts.md names
 * for issue 18. Only the type comes from events.ts (the page does not load zod for it); the `Record` makes
 * the compiler point here when the map gains or loses an event.
 */
export type ArchivedDetailType = PipelineDetailType | 'Model Awaiting Approval' | 'Model Rolled Back';
const ARCHIVED: Record<ArchivedDetailType, true> = {
  'Dataset Rejected': true,
  'Dataset Unchanged': true,
  'Pipeline Failed': true,
  'Model Rejected': true,
  'Model Deployed': true,
  'Model Awaiting Approval': true,
  'Model Rolled Back': true,
};

/** The detail types by slug: keys give the detail type back. */
export const ARCHIVED_DETAIL_TYPES: Readonly<Record<string, ArchivedDetailType>> = Object.fromEntries(
  (Object.keys(ARCHIVED) as ArchivedDetailType[]).map((type) => [detailTypeSlug(type), type]),
);

export function notificationArchiveKey(runId: string, detailType: ArchivedDetailType, eventId: string): string {
  return `${NOTIFICATIONS_PREFIX}${runId}/${detailTypeSlug(detailType)}-${eventId.replace(/[^A-Za-z0-9-]/g, '_')}.json`;
}

export interface ArchiveKey {
  key: string;
  runId: string;
  /** The detail type, when the slug is one the contracts name; else undefined (the slug is still in `slug`). */
  detailType: ArchivedDetailType | undefined;
  slug: string;
  eventId: string;
}

/** Takes an archive key apart; undefined for a key that is not one. */
export function parseNotificationArchiveKey(key: string): ArchiveKey | undefined {
  if (!key.startsWith(NOTIFICATIONS_PREFIX) || !key.endsWith('.json')) return undefined;
  const rest = key.slice(NOTIFICATIONS_PREFIX.length, -'.json'.length);
  const slash = rest.indexOf('/');
  if (slash <= 0) return undefined;
  const runId = rest.slice(0, slash);
  const name = rest.slice(slash + 1);
  // The slug is the longest known one the name starts with; an unknown one is the name up to the event id's 36-character UUID.
  const known = Object.keys(ARCHIVED_DETAIL_TYPES)
    .filter((slug) => name.startsWith(`${slug}-`))
    .sort((a, b) => b.length - a.length)[0];
  const slug = known ?? /^(.*)-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.exec(name)?.[1];
  if (!slug) return undefined;
  return { key, runId, detailType: ARCHIVED_DETAIL_TYPES[slug], slug, eventId: name.slice(slug.length + 1) };
}

/**
 * The archived email. Readers must accept fields added later; `isArchivedNotification` checks the ones
 * they rely on. (No zod here: the console runs this in the browser, where zod costs a few hundred KB.)
 */
export interface ArchivedNotification {
  version: 1;
  eventId: string;
  detailType: string;
  source: string;
  /** The event's time. */
  time: string;
  runId: string;
  stage: string;
  /** The event's detail, as the notification service validated it. */
  detail: Record<string, unknown>;
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string;
  sentAt: string;
  messageId?: string;
}

const STRING_FIELDS = ['eventId', 'detailType', 'source', 'time', 'runId', 'stage', 'from', 'subject', 'text', 'html', 'sentAt'] as const;

/** What is wrong with `value` as an archived email, or undefined when nothing is. */
export function archivedNotificationProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const record = value as Record<string, unknown>;
  if (record.version !== 1) return `version ${JSON.stringify(record.version)}, not 1`;
  const missing = STRING_FIELDS.filter((field) => typeof record[field] !== 'string');
  if (missing.length > 0) return `no ${missing.join(', ')}`;
  if (!Array.isArray(record.to) || !record.to.every((address) => typeof address === 'string')) return 'to is not a list of addresses';
  if (typeof record.detail !== 'object' || record.detail === null) return 'no detail';
  return undefined;
}

export const isArchivedNotification = (value: unknown): value is ArchivedNotification => archivedNotificationProblem(value) === undefined;
