/** Queue attributes: parsing and validating what callers set, and rendering what GetQueueAttributes returns. */
import type { FifoSettings, QueueSettings, RedrivePolicy } from './types';
import { invalidParameterValue, sqsError } from '../errors';

export const DEFAULT_SETTINGS: QueueSettings = Object.freeze({
  delaySeconds: 0,
  // AWS's default and maximum since August 2025 (1 MiB); botocore's model, CreateQueue's MaximumMessageSize.
  maximumMessageSize: 1_048_576,
  messageRetentionPeriod: 345_600,
  receiveMessageWaitTimeSeconds: 0,
  visibilityTimeout: 30,
  passthrough: Object.freeze({}) as Record<string, string>,
});

/** A FIFO queue's settings when created with FifoQueue alone (the model's CreateQueue documentation). */
const DEFAULT_FIFO: FifoSettings = Object.freeze({ contentBasedDeduplication: false, deduplicationScope: 'queue', fifoThroughputLimit: 'perQueue' });

const INTEGER_ATTRIBUTES = {
  DelaySeconds: { field: 'delaySeconds', min: 0, max: 900 },
  MaximumMessageSize: { field: 'maximumMessageSize', min: 1024, max: 1_048_576 },
  MessageRetentionPeriod: { field: 'messageRetentionPeriod', min: 60, max: 1_209_600 },
  ReceiveMessageWaitTimeSeconds: { field: 'receiveMessageWaitTimeSeconds', min: 0, max: 20 },
  VisibilityTimeout: { field: 'visibilityTimeout', min: 0, max: 43_200 },
} as const;

const PASSTHROUGH_ATTRIBUTES = new Set(['Policy', 'RedriveAllowPolicy', 'KmsMasterKeyId', 'KmsDataKeyReusePeriodSeconds', 'SqsManagedSseEnabled']);

const FIFO_ATTRIBUTES = ['FifoQueue', 'ContentBasedDeduplication', 'DeduplicationScope', 'FifoThroughputLimit'];

/** Attributes only a queue computes; asking for them is fine, setting them is not. */
const COMPUTED_ATTRIBUTES = [
  'QueueArn',
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
];

export const READABLE_ATTRIBUTES = new Set(['All', ...COMPUTED_ATTRIBUTES, ...Object.keys(INTEGER_ATTRIBUTES), ...PASSTHROUGH_ATTRIBUTES, ...FIFO_ATTRIBUTES, 'RedrivePolicy']);

/** What applying attributes needs to know about the queue and the others. */
export interface AttributeContext {
  /** True when the queue is (or is being created as) a FIFO queue. */
  fifo: boolean;
  /** True for CreateQueue, false for SetQueueAttributes. */
  creating: boolean;
  /** Whether a redrive target exists, and if so whether it is a FIFO queue. */
  deadLetterQueue: (arn: string) => { fifo: boolean } | undefined;
}

/**
 * Applies attributes to settings, as SQS validates them. Sources: the model's CreateQueue and
 * SetQueueAttributes documentation, and AWS's answers in LocalStack's AWS-validated snapshots
 * "invalid-attribute-fifo-queue", "invalid-attribute-content-based-deduplication",
 * "invalid-attribute-deduplication-scope", "invalid-attribute-throughput-limit" (FIFO attributes on a
 * standard queue: InvalidAttributeName) and "invalid-attr-name-2" (a FIFO queue cannot stop being one).
 */
export function applyAttributes(base: QueueSettings, attributes: Record<string, string>, context: AttributeContext): QueueSettings {
  const settings: QueueSettings = { ...base, passthrough: { ...base.passthrough }, ...(context.fifo && { fifo: { ...DEFAULT_FIFO, ...base.fifo } }) };
  for (const [name, value] of Object.entries(attributes)) {
    if (name in INTEGER_ATTRIBUTES) {
      const { field, min, max } = INTEGER_ATTRIBUTES[name as keyof typeof INTEGER_ATTRIBUTES];
      const number = Number(value);
      if (value.trim() === '' || !Number.isInteger(number) || number < min || number > max) {
        throw sqsError('InvalidAttributeValue', `Invalid value for the parameter ${name}. Reason: must be an integer between ${min} and ${max}.`);
      }
      settings[field] = number;
    } else if (name === 'RedrivePolicy') {
      settings.redrivePolicy = value === '' ? undefined : parseRedrivePolicy(value, context);
    } else if (FIFO_ATTRIBUTES.includes(name)) {
      applyFifoAttribute(settings, name, value, context);
    } else if (PASSTHROUGH_ATTRIBUTES.has(name)) {
      settings.passthrough[name] = value;
    } else {
      throw sqsError('InvalidAttributeName', `Unknown Attribute ${name}.`);
    }
  }
  return settings;
}

function applyFifoAttribute(settings: QueueSettings, name: string, value: string, context: AttributeContext): void {
  const fifo = settings.fifo;
  if (!fifo) {
    if (name === 'DeduplicationScope' || name === 'FifoThroughputLimit') {
      throw sqsError('InvalidAttributeName', `You can specify the ${name} only when FifoQueue is set to true.`);
    }
    throw sqsError('InvalidAttributeName', `Unknown Attribute ${name}.`);
  }
  const invalid = (reason?: string) => sqsError('InvalidAttributeValue', `Invalid value for the parameter ${name}.${reason ? ` Reason: ${reason}` : ''}`);
  switch (name) {
    case 'FifoQueue':
      if (value.toLowerCase() !== 'true') throw invalid(context.creating ? undefined : 'Modifying queue type is not supported.');
      break;
    case 'ContentBasedDeduplication':
      if (!['true', 'false'].includes(value.toLowerCase())) throw invalid();
      fifo.contentBasedDeduplication = value.toLowerCase() === 'true';
      break;
    case 'DeduplicationScope':
      if (value !== 'queue' && value !== 'messageGroup') throw invalid();
      fifo.deduplicationScope = value;
      break;
    case 'FifoThroughputLimit':
      if (value !== 'perQueue' && value !== 'perMessageGroupId') throw invalid();
      fifo.fifoThroughputLimit = value;
      break;
  }
}

function parseRedrivePolicy(text: string, context: AttributeContext): RedrivePolicy {
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
  const target = context.deadLetterQueue(policy.deadLetterTargetArn);
  if (!target) throw invalid('Dead letter target does not exist.');
  // The developer guide ("Using dead-letter queues"): the DLQ of a FIFO queue must be a FIFO queue,
  // and the DLQ of a standard queue a standard queue.
  if (target.fifo !== context.fifo) {
    throw invalid(context.fifo ? 'Dead-letter target must be a FIFO queue for a FIFO source queue.' : 'Dead-letter target must be a standard queue for a standard source queue.');
  }
  return { deadLetterTargetArn: policy.deadLetterTargetArn, maxReceiveCount };
}

/** The configured (not computed) attributes, as strings. */
export function settingsAsAttributes(settings: QueueSettings): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const [name, { field }] of Object.entries(INTEGER_ATTRIBUTES)) attributes[name] = String(settings[field]);
  if (settings.redrivePolicy) attributes.RedrivePolicy = JSON.stringify(settings.redrivePolicy);
  if (settings.fifo) {
    attributes.FifoQueue = 'true';
    attributes.ContentBasedDeduplication = String(settings.fifo.contentBasedDeduplication);
    attributes.DeduplicationScope = settings.fifo.deduplicationScope;
    attributes.FifoThroughputLimit = settings.fifo.fifoThroughputLimit;
  }
  return { ...attributes, ...settings.passthrough };
}
