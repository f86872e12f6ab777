/**
 * The document PutBucketLifecycleConfiguration takes, checked as S3 checks it: its rules, or S3's error
 * for a document it would refuse. What the rules do is model/lifecycle.ts; the engine applying them is
 * model/lifecycle-engine.ts.
 *
 * Transitions are accepted and ignored: the local stack has one storage class.
 */
import { AwsError } from '../../core/types';
import { childElement, childElements, childText, localName, parseXml, XmlParseError, type XmlElement } from '../../core/xml';
import { malformedXml } from './errors';
import type { LifecycleFilter, LifecycleRule } from './model/lifecycle';

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
