/**
 * AWS::S3::Bucket's LifecycleConfiguration property, as CloudFormation applies it: its rules in the shape
 * PutBucketLifecycleConfiguration takes. CloudFormation's names differ from the API's (ExpirationInDays for
 * Expiration.Days, a top-level Prefix, TagFilters, ObjectSizeGreaterThan...): this is the mapping AWS documents for
 * the property (AWS::S3::Bucket Rule).
 */
import type { BucketLifecycleConfiguration, LifecycleRule, LifecycleRuleFilter } from '@aws-sdk/client-s3';

type Properties = Record<string, unknown>;

const number = (value: unknown): number | undefined => (value === undefined || value === null || value === '' ? undefined : Number(value));
const text = (value: unknown): string | undefined => (value === undefined || value === null ? undefined : String(value));

function filterOf(rule: Properties): LifecycleRuleFilter {
  const prefix = text(rule.Prefix);
  const tags = ((rule.TagFilters as Properties[] | undefined) ?? []).map((tag) => ({ Key: text(tag.Key), Value: text(tag.Value) }));
  const greater = number(rule.ObjectSizeGreaterThan);
  const less = number(rule.ObjectSizeLessThan);
  const conditions = [prefix !== undefined && prefix !== '', tags.length > 0, greater !== undefined, less !== undefined].filter(Boolean).length;
  if (conditions <= 1 && tags.length <= 1) {
    if (tags.length === 1) return { Tag: tags[0] };
    if (greater !== undefined) return { ObjectSizeGreaterThan: greater };
    if (less !== undefined) return { ObjectSizeLessThan: less };
    return { Prefix: prefix ?? '' };
  }
  return {
    And: {
      ...(prefix ? { Prefix: prefix } : {}),
      ...(tags.length > 0 ? { Tags: tags } : {}),
      ...(greater !== undefined ? { ObjectSizeGreaterThan: greater } : {}),
      ...(less !== undefined ? { ObjectSizeLessThan: less } : {}),
    },
  };
}

function ruleOf(rule: Properties, index: number): LifecycleRule {
  const days = number(rule.ExpirationInDays);
  const date = text(rule.ExpirationDate);
  const marker = rule.ExpiredObjectDeleteMarker === true || rule.ExpiredObjectDeleteMarker === 'true';
  const noncurrent = rule.NoncurrentVersionExpiration as Properties | undefined;
  const noncurrentDays = number(noncurrent?.NoncurrentDays) ?? number(rule.NoncurrentVersionExpirationInDays);
  const abort = rule.AbortIncompleteMultipartUpload as Properties | undefined;
  const transitions = (rule.Transitions as Properties[] | undefined) ?? (rule.Transition ? [rule.Transition as Properties] : []);
  return {
    ID: text(rule.Id) ?? `rule-${index + 1}`,
    Status: text(rule.Status) === 'Disabled' ? 'Disabled' : 'Enabled',
    Filter: filterOf(rule),
    ...(days !== undefined || date !== undefined || marker
      ? { Expiration: { ...(days !== undefined ? { Days: days } : {}), ...(date ? { Date: new Date(date) } : {}), ...(marker ? { ExpiredObjectDeleteMarker: true } : {}) } }
      : {}),
    ...(noncurrentDays !== undefined
      ? {
          NoncurrentVersionExpiration: {
            NoncurrentDays: noncurrentDays,
            ...(number(noncurrent?.NewerNoncurrentVersions) !== undefined ? { NewerNoncurrentVersions: number(noncurrent?.NewerNoncurrentVersions) } : {}),
          },
        }
      : {}),
    ...(abort ? { AbortIncompleteMultipartUpload: { DaysAfterInitiation: number(abort.DaysAfterInitiation) } } : {}),
    ...(transitions.length > 0
      ? {
          Transitions: transitions.map((transition) => ({
            StorageClass: text(transition.StorageClass) as never,
            ...(number(transition.TransitionInDays) !== undefined ? { Days: number(transition.TransitionInDays) } : {}),
            ...(transition.TransitionDate ? { Date: new Date(String(transition.TransitionDate)) } : {}),
          })),
        }
      : {}),
  };
}

/** The PutBucketLifecycleConfiguration input for the property, or undefined when the template has none. */
export function lifecycleOfTemplate(property: unknown): BucketLifecycleConfiguration | undefined {
  const rules = (property as { Rules?: Properties[] } | undefined)?.Rules;
  if (!rules || rules.length === 0) return undefined;
  return { Rules: rules.map(ruleOf) };
}
