/**
 * What the Lambda provider needs from other services, injected by the stack's main so that the
 * provider imports none of them: a queue service (event source mappings, destinations, DLQs) and
 * optionally an event bus (EventBridge destinations). The SQS provider's service satisfies
 * `LambdaQueuePort` as it is.
 */

export interface QueueMessageAttribute {
  DataType: string;
  StringValue?: string;
  BinaryValue?: string;
}

export interface QueueMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  md5OfBody: string;
  messageAttributes?: Record<string, QueueMessageAttribute>;
  md5OfMessageAttributes?: string;
  systemAttributes: Record<string, string>;
}

export interface LambdaQueuePort {
  queueExists(queueArn: string): boolean;
  /** The queue's VisibilityTimeout, in seconds. */
  visibilityTimeoutOf(queueArn: string): number;
  sendMessageToArn(queueArn: string, body: string, messageAttributes?: Record<string, QueueMessageAttribute>): unknown;
  receiveFromArn(
    queueArn: string,
    request: { maxMessages: number; waitTimeSeconds?: number; visibilityTimeoutSeconds?: number; signal?: AbortSignal },
  ): Promise<QueueMessage[]>;
  deleteFromArn(queueArn: string, receiptHandles: string[]): void;
}

export interface LambdaEventBusPort {
  putEvent(eventBusArn: string, event: { source: string; detailType: string; detail: Record<string, unknown>; resources: string[] }): Promise<void>;
}
