/**
 * S3 lifecycle configurations: the document PutBucketLifecycleConfiguration takes, checked as S3 checks it, and
 * which objects its rules expire at a given time (S3's rules: an action is due at midnight UTC after the object's
 * age reaches the days, counted from its creation, or for a noncurrent version from when it became noncurrent, the
 * time its successor was written). The engine applying them is lifecycle-engine.ts.
 *
 * Transitions are accepted and ignored: the local stack has one storage class.
 */
import { AwsError } from '../../core/types';
import { childElement, childElements, childText, localName, parseXml, XmlParseError, type XmlElement } from '../../core/xml';
import { malformedXml } from './errors';
import { isDeleteMarker, type VersionRecord } from './model';

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

const MAX_RULES = 1000;
const invalid = (message: string) => new AwsError('InvalidArgument', message, 400);
const invalidRequest = (message: string) => new AwsError('InvalidRequest', message, 400);

function positiveInteger(text: string | undefined, what: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isInteger(value) || value <= 0) throw invalid(`'${what}' must be a positive integer`);
  return value;
}

function tagOf(element: XmlElement): [string, string] {
  const key = childText(element, 'Key');
  if (key === undefined) throw malformedXml();
  return [key, childText(element, 'Value') ?? ''];
}

function parseFilter(rule: XmlElement): LifecycleFilter {
  const legacyPrefix = childText(rule, 'Prefix');
  const filter = childElement(rule, 'Filter');
  if (legacyPrefix !== undefined && filter) throw malformedXml();
  if (!filter) return { prefix: legacyPrefix ?? '', tags: {} };
  const and = childElement(filter, 'And');
  const scope = and ?? filter;
  const conditions = childElements(filter).filter((child) => localName(child) !== 'And');
  if (and && conditions.length > 0) throw malformedXml();
  if (!and && conditions.length > 1) throw malformedXml();
  const size = (name: string) => {
    const text = childText(scope, name);
    if (text === undefined) return undefined;
    const value = Number(text);
    if (!Number.isInteger(value) || value < 0) throw invalid(`${name} must be a non-negative integer`);
    return value;
  };
  return {
    prefix: childText(scope, 'Prefix') ?? '',
    tags: Object.fromEntries(childElements(scope, 'Tag').map(tagOf)),
    sizeGreaterThan: size('ObjectSizeGreaterThan'),
    sizeLessThan: size('ObjectSizeLessThan'),
  };
}

function parseRule(rule: XmlElement, index: number): LifecycleRule {
  const status = childText(rule, 'Status');
  if (status !== 'Enabled' && status !== 'Disabled') throw malformedXml();
  const id = childText(rule, 'ID') ?? `rule-${index + 1}`;
  if (id.length > 255) throw invalid('ID length should not exceed allowed limit of 255');
  const filter = parseFilter(rule);
  const expirationElement = childElement(rule, 'Expiration');
  let expiration: LifecycleRule['expiration'];
  if (expirationElement) {
    const days = positiveInteger(childText(expirationElement, 'Days'), 'Days');
    const dateText = childText(expirationElement, 'Date');
    const marker = childText(expirationElement, 'ExpiredObjectDeleteMarker');
    const set = [days !== undefined, dateText !== undefined, marker !== undefined].filter(Boolean).length;
    if (set !== 1) throw malformedXml();
    let date: Date | undefined;
    if (dateText !== undefined) {
      date = new Date(dateText);
      if (Number.isNaN(date.getTime()) || date.getTime() % 86_400_000 !== 0) throw invalid("'Date' must be at midnight GMT");
    }
    if (marker !== undefined && marker !== 'true' && marker !== 'false') throw malformedXml();
    if (marker === 'true' && Object.keys(filter.tags).length > 0) throw invalid('ExpiredObjectDeleteMarker cannot be specified with object tags');
    expiration = { days, date, expiredObjectDeleteMarker: marker === 'true' };
  }
  const noncurrentElement = childElement(rule, 'NoncurrentVersionExpiration');
  let noncurrentExpiration: LifecycleRule['noncurrentExpiration'];
  if (noncurrentElement) {
    const days = positiveInteger(childText(noncurrentElement, 'NoncurrentDays'), 'NoncurrentDays');
    if (days === undefined) throw malformedXml();
    const newer = childText(noncurrentElement, 'NewerNoncurrentVersions');
    noncurrentExpiration = { days, ...(newer !== undefined ? { newerNoncurrentVersions: positiveInteger(newer, 'NewerNoncurrentVersions') } : {}) };
  }
  const abort = childElement(rule, 'AbortIncompleteMultipartUpload');
  const abortIncompleteUploadDays = abort ? positiveInteger(childText(abort, 'DaysAfterInitiation'), 'DaysAfterInitiation') : undefined;
  if (abort && abortIncompleteUploadDays === undefined) throw malformedXml();
  if (abort && Object.keys(filter.tags).length > 0) throw invalidRequest('Tag-based filter cannot be used with AbortIncompleteMultipartUpload action');
  const transitions = childElements(rule).some((child) => /Transition$/.test(localName(child)));
  if (!expiration && !noncurrentExpiration && abortIncompleteUploadDays === undefined && !transitions) {
    throw invalid('At least one action needs to be specified in a rule');
  }
  return {
    id,
    enabled: status === 'Enabled',
    filter,
    ...(expiration ? { expiration } : {}),
    ...(noncurrentExpiration ? { noncurrentExpiration } : {}),
    ...(abortIncompleteUploadDays !== undefined ? { abortIncompleteUploadDays } : {}),
  };
}

/** The rules of a LifecycleConfiguration document; S3's errors for one it would refuse. */
export function parseLifecycleConfiguration(xml: string): LifecycleRule[] {
  let root: XmlElement;
  try {
    root = parseXml(xml);
  } catch (error) {
    if (error instanceof XmlParseError) throw malformedXml();
    throw error;
  }
  if (localName(root) !== 'LifecycleConfiguration') throw malformedXml();
  const elements = childElements(root, 'Rule');
  if (elements.length === 0 || elements.length > MAX_RULES) throw malformedXml();
  const rules = elements.map(parseRule);
  const ids = new Set<string>();
  for (const rule of rules) {
    if (ids.has(rule.id)) throw invalid('Rule ID must be unique. Found same ID for more than one rule');
    ids.add(rule.id);
  }
  return rules;
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
