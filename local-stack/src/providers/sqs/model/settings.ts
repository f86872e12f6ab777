/** Queue attributes: parsing and validating what callers set, and rendering what GetQueueAttributes returns. */
import type { QueueSettings, RedrivePolicy } from './types';
import { invalidParameterValue, sqsError } from '../errors';

export const DEFAULT_SETTINGS: QueueSettings = Object.freeze({
  delaySeconds: 0,
  // AWS's default and maximum since August 2025 (1 MiB); SQS developer guide, "Amazon SQS message quotas".
  maximumMessageSize: 1_048_576,
  messageRetentionPeriod: 345_600,
  receiveMessageWaitTimeSeconds: 0,
  visibilityTimeout: 30,
  passthrough: Object.freeze({}) as Record<string, string>,
});

const INTEGER_ATTRIBUTES = {
  DelaySeconds: { field: 'delaySeconds', min: 0, max: 900 },
  MaximumMessageSize: { field: 'maximumMessageSize', min: 1024, max: 1_048_576 },
  MessageRetentionPeriod: { field: 'messageRetentionPeriod', min: 60, max: 1_209_600 },
  ReceiveMessageWaitTimeSeconds: { field: 'receiveMessageWaitTimeSeconds', min: 0, max: 20 },
  VisibilityTimeout: { field: 'visibilityTimeout', min: 0, max: 43_200 },
} as const;

const PASSTHROUGH_ATTRIBUTES = new Set(['Policy', 'RedriveAllowPolicy', 'KmsMasterKeyId', 'KmsDataKeyReusePeriodSeconds', 'SqsManagedSseEnabled']);

/** Attributes only a queue computes; asking for them is fine, setting them is not. */
const COMPUTED_ATTRIBUTES = [
  'QueueArn',
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
];

export const READABLE_ATTRIBUTES = new Set([
  'All',
  ...COMPUTED_ATTRIBUTES,
  ...Object.keys(INTEGER_ATTRIBUTES),
  ...PASSTHROUGH_ATTRIBUTES,
  'RedrivePolicy',
]);

/**
 * Applies attributes to settings. `deadLetterQueueExists` checks a redrive target, as SQS does.
 * FIFO queues are not supported by the local stack and are refused by name.
 */
export function applyAttributes(
  base: QueueSettings,
  attributes: Record<string, string>,
  deadLetterQueueExists: (arn: string) => boolean,
): QueueSettings {
  const settings: QueueSettings = { ...base, passthrough: { ...base.passthrough } };
  for (const [name, value] of Object.entries(attributes)) {
    if (name in INTEGER_ATTRIBUTES) {
      const { field, min, max } = INTEGER_ATTRIBUTES[name as keyof typeof INTEGER_ATTRIBUTES];
      const number = Number(value);
      if (value.trim() === '' || !Number.isInteger(number) || number < min || number > max) {
        throw sqsError('InvalidAttributeValue', `Invalid value for the parameter ${name}. Reason: must be an integer between ${min} and ${max}.`);
      }
      settings[field] = number;
    } else if (name === 'RedrivePolicy') {
      settings.redrivePolicy = value === '' ? undefined : parseRedrivePolicy(value, deadLetterQueueExists);
    } else if (name === 'FifoQueue') {
      if (value === 'true') throw sqsError('InvalidAttributeValue', 'FIFO queues are not supported by the local stack; use a standard queue.');
      if (value !== 'false') throw sqsError('InvalidAttributeValue', `Invalid value for the parameter FifoQueue: ${value}`);
    } else if (PASSTHROUGH_ATTRIBUTES.has(name)) {
      settings.passthrough[name] = value;
    } else {
      throw sqsError('InvalidAttributeName', `Unknown Attribute ${name}.`);
    }
  }
  return settings;
}

function parseRedrivePolicy(text: string, deadLetterQueueExists: (arn: string) => boolean): RedrivePolicy {
  const invalid = (reason: string) => invalidParameterValue(`Value ${text} for parameter RedrivePolicy is invalid. Reason: ${reason}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalid('Redrive policy is not a valid JSON map.');
  }
  const policy = parsed as { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown };
  if (typeof policy.deadLetterTargetArn !== 'string') throw invalid('Redrive policy does not contain mandatory attribute: deadLetterTargetArn.');
  const maxReceiveCount = Number(policy.maxReceiveCount);
  if (policy.maxReceiveCount === undefined || !Number.isInteger(maxReceiveCount) || maxReceiveCount < 1 || maxReceiveCount > 1000) {
    throw invalid('Invalid value for maxReceiveCount: must be an integer from 1 to 1000.');
  }
  if (!deadLetterQueueExists(policy.deadLetterTargetArn)) throw invalid('Dead letter target does not exist.');
  return { deadLetterTargetArn: policy.deadLetterTargetArn, maxReceiveCount };
}

/** The configured (not computed) attributes, as strings. */
export function settingsAsAttributes(settings: QueueSettings): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const [name, { field }] of Object.entries(INTEGER_ATTRIBUTES)) attributes[name] = String(settings[field]);
  if (settings.redrivePolicy) attributes.RedrivePolicy = JSON.stringify(settings.redrivePolicy);
  return { ...attributes, ...settings.passthrough };
}
