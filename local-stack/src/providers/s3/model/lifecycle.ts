/**
 * S3 lifecycle rules: which objects they expire at a given time (S3's rules: an action is due at midnight UTC
 * after the object's age reaches the days, counted from its creation, or for a noncurrent version from when it
 * became noncurrent, the time its successor was written). The rules come from the bucket's configuration
 * document (../lifecycle.ts parses it); the engine applying them is lifecycle-engine.ts.
 */
import { isDeleteMarker, type VersionRecord } from './types';

export interface LifecycleFilter {
  prefix: string;
  tags: Record<string, string>;
  sizeGreaterThan?: number;
  sizeLessThan?: number;
}

export interface LifecycleRule {
  id: string;
  enabled: boolean;
  filter: LifecycleFilter;
  expiration?: { days?: number; date?: Date; expiredObjectDeleteMarker?: boolean };
  noncurrentExpiration?: { days: number; newerNoncurrentVersions?: number };
  abortIncompleteUploadDays?: number;
}

const DAY_MS = 86_400_000;

/** When an action of `days` is due for something that started at `since`: midnight UTC after since + days. */
export function dueAt(since: Date, days: number): Date {
  return new Date(Math.ceil((since.getTime() + days * DAY_MS) / DAY_MS) * DAY_MS);
}

function matches(filter: LifecycleFilter, record: VersionRecord): boolean {
  if (!record.key.startsWith(filter.prefix)) return false;
  if (isDeleteMarker(record)) return Object.keys(filter.tags).length === 0 && filter.sizeGreaterThan === undefined && filter.sizeLessThan === undefined;
  if (filter.sizeGreaterThan !== undefined && !(record.size > filter.sizeGreaterThan)) return false;
  if (filter.sizeLessThan !== undefined && !(record.size < filter.sizeLessThan)) return false;
  return Object.entries(filter.tags).every(([key, value]) => record.tags[key] === value);
}

/** What the rules do to one key's versions (newest first) at `now`. */
export type KeyAction =
  /** The current version expires: in a versioned bucket a delete marker is placed, else it is deleted. */
  | { kind: 'expire-current'; rule: string }
  /** A noncurrent version (or a delete marker left alone) is deleted for good. */
  | { kind: 'delete-version'; versionId: string; rule: string };

export function keyActions(rules: readonly LifecycleRule[], versions: readonly VersionRecord[], hasCurrent: boolean, now: Date): KeyAction[] {
  const active = rules.filter((rule) => rule.enabled);
  const actions: KeyAction[] = [];
  const current = hasCurrent ? versions[0] : undefined;
  if (current && !isDeleteMarker(current)) {
    const expiring = active.find(({ expiration, filter }) => {
      if (!expiration || !matches(filter, current)) return false;
      if (expiration.days !== undefined) return dueAt(new Date(current.lastModified), expiration.days) <= now;
      return expiration.date !== undefined && expiration.date <= now;
    });
    if (expiring) actions.push({ kind: 'expire-current', rule: expiring.id });
  }
  // Noncurrent versions: each became noncurrent when the version above it was written.
  const noncurrent = versions.slice(hasCurrent ? 1 : 0);
  const deleted = new Set<string>();
  noncurrent.forEach((record, index) => {
    const position = hasCurrent ? index + 1 : index;
    const successor = versions[position - 1];
    if (!successor || isDeleteMarker(record)) return;
    const rule = active.find(({ noncurrentExpiration, filter }) => {
      if (!noncurrentExpiration || !matches(filter, record)) return false;
      const newerNoncurrent = noncurrent.slice(0, index).filter((version) => !isDeleteMarker(version)).length;
      if (noncurrentExpiration.newerNoncurrentVersions !== undefined && newerNoncurrent < noncurrentExpiration.newerNoncurrentVersions) return false;
      return dueAt(new Date(successor.lastModified), noncurrentExpiration.days) <= now;
    });
    if (rule) {
      actions.push({ kind: 'delete-version', versionId: record.versionId ?? 'null', rule: rule.id });
      deleted.add(record.versionId ?? 'null');
    }
  });
  // An expired object delete marker: the only version left (once the versions below it are gone).
  const latest = versions[0];
  const remaining = versions.filter((record) => !deleted.has(record.versionId ?? 'null'));
  if (!hasCurrent && latest && isDeleteMarker(latest) && remaining.length === 1) {
    const rule = active.find(({ expiration, filter }) => expiration?.expiredObjectDeleteMarker === true && matches(filter, latest));
    if (rule) actions.push({ kind: 'delete-version', versionId: latest.versionId, rule: rule.id });
  }
  return actions;
}

/** The rule that aborts an incomplete multipart upload of `key` begun at `initiated`, if one is due at `now`. */
export function abortingRule(rules: readonly LifecycleRule[], key: string, initiated: Date, now: Date): string | undefined {
  return rules.find(
    (rule) =>
      rule.enabled &&
      rule.abortIncompleteUploadDays !== undefined &&
      key.startsWith(rule.filter.prefix) &&
      dueAt(initiated, rule.abortIncompleteUploadDays) <= now,
  )?.id;
}
