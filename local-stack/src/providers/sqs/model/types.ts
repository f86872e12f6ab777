/** SQS state shapes, shared by the queue, its journal and the protocol adapters. */

/** A message attribute as the JSON protocol carries it (binary values base64-encoded). */
export interface MessageAttributeValue {
  DataType: string;
  StringValue?: string;
  BinaryValue?: string;
}

export interface RedrivePolicy {
  deadLetterTargetArn: string;
  maxReceiveCount: number;
}

/** A queue's settable attributes, parsed. */
export interface QueueSettings {
  delaySeconds: number;
  maximumMessageSize: number;
  messageRetentionPeriod: number;
  receiveMessageWaitTimeSeconds: number;
  visibilityTimeout: number;
  redrivePolicy?: RedrivePolicy;
  /** Present for a FIFO queue (a `.fifo` name, FifoQueue true), absent for a standard one. */
  fifo?: FifoSettings;
  /** Attributes stored and returned as given (Policy, RedriveAllowPolicy, KMS/SSE settings). */
  passthrough: Record<string, string>;
}

export interface FifoSettings {
  contentBasedDeduplication: boolean;
  deduplicationScope: 'queue' | 'messageGroup';
  fifoThroughputLimit: 'perQueue' | 'perMessageGroupId';
}

export interface QueueMetadata {
  name: string;
  settings: QueueSettings;
  tags: Record<string, string>;
  createdTimestamp: number;
  lastModifiedTimestamp: number;
}

/** A message as the queue keeps it: persisted fields plus its visibility (in memory only). */
export interface StoredMessage {
  messageId: string;
  body: string;
  md5OfBody: string;
  messageAttributes?: Record<string, MessageAttributeValue>;
  md5OfMessageAttributes?: string;
  /** The X-Ray trace header (MessageSystemAttributes' AWSTraceHeader, or the sender's X-Amzn-Trace-Id). */
  traceHeader?: string;
  /** Set when the sender gave MessageSystemAttributes: their digest, as SendMessage answers it. */
  md5OfMessageSystemAttributes?: string;
  /** A FIFO queue's group (required there), or a standard queue's fair-queue group (optional). */
  messageGroupId?: string;
  /** FIFO only: the deduplication id, given or the SHA-256 of the body (content-based). */
  messageDeduplicationId?: string;
  /** FIFO only: the message's place in the queue, a 20-digit decimal that only grows. */
  sequenceNumber?: string;
  sentTimestamp: number;
  senderId: string;
  receiveCount: number;
  firstReceiveTimestamp?: number;
  deadLetterQueueSourceArn?: string;
  /** Epoch ms before which the message is not visible (delay or visibility timeout). */
  visibleAt: number;
  /** Set by the last receive; only the latest receipt handle can delete or change visibility. */
  receiptHandle?: string;
}

/** A received message with all its system attributes; adapters pick what the caller asked for. */
export interface ReceivedMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  md5OfBody: string;
  messageAttributes?: Record<string, MessageAttributeValue>;
  md5OfMessageAttributes?: string;
  systemAttributes: Record<string, string>;
}
