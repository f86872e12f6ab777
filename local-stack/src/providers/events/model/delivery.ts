/**
 * Delivery of matched events to rule targets, at least once: each delivery is written to
 * `<stateDir>/events/pending/` before PutEvents answers, attempted at once, retried on failure
 * with exponential backoff and jitter per the target's RetryPolicy, and finally sent to the
 * target's dead-letter queue with the attributes EventBridge sets (or dropped, and logged).
 * Errors that retrying cannot fix (the target does not exist) go to the DLQ at once, as on AWS.
 * Targets are reached through injected invokers, so this module knows no other provider.
 */
import { randomUUID } from 'node:crypto';
import { DurableQueue } from '../../../core/durable-queue';
import type { LocalStackLogger } from '../../../core/logger';
import { AwsError, type EventBridgeEvent } from '../../../core/types';
import { targetPayload } from './input-transform';
import { DEFAULT_RETRY_POLICY, type Target } from './types';

export interface QueueMessageAttribute {
  DataType: string;
  StringValue: string;
}

/** How the provider reaches targets; the stack's main wires them to the Lambda and SQS providers. */
export interface TargetInvokers {
  lambda?: { invokeAsync(functionArn: string, payload: string): unknown };
  sqs?: { sendMessage(queueArn: string, body: string, messageAttributes?: Record<string, QueueMessageAttribute>, messageGroupId?: string): unknown };
}

export interface DeliveryRequest {
  ruleArn: string;
  ruleName: string;
  target: Target;
  event: EventBridgeEvent;
}

interface PendingDelivery extends DeliveryRequest {
  id: string;
  enqueuedAt: number;
  /** Failed attempts so far. */
  failures: number;
}

export interface DeliveryOptions {
  directory: string;
  invokers: TargetInvokers;
  /** Forwards an event to another bus (targets that are event buses). */
  forwardToBus(busArn: string, event: EventBridgeEvent): void;
  /** First retry delay; doubled per retry up to `retryMaxDelayMs`, with jitter. */
  retryBaseDelayMs: number;
  retryMaxDelayMs: number;
  random: () => number;
  logger: LocalStackLogger;
}

/** Codes for which retrying cannot help: the target is missing or the input cannot be built. */
const PERMANENT_ERROR_CODES = new Set(['ResourceNotFoundException', 'QueueDoesNotExist', 'InvalidParameterValueException', 'InputTransformationError', 'UnsupportedTarget']);

export class TargetDelivery extends DurableQueue<PendingDelivery> {
  constructor(private readonly options: DeliveryOptions) {
    super({
      directory: options.directory,
      idOf: (delivery) => delivery.id,
      onUnexpectedError: (delivery, error) => options.logger.error('event delivery failed unexpectedly', { target: delivery.target.Arn, error: String(error) }),
    });
  }

  /** Persists the deliveries, then attempts them right away (after the caller has answered). */
  enqueue(requests: DeliveryRequest[]): void {
    const now = Date.now();
    for (const request of requests) this.add({ ...request, id: randomUUID(), enqueuedAt: now, failures: 0 });
  }

  protected async attempt(delivery: PendingDelivery): Promise<void> {
    try {
      await this.send(delivery);
      this.settle(delivery);
      return;
    } catch (error) {
      if (this.stopped) return;
      delivery.failures++;
      const code = error instanceof AwsError ? error.code : 'InternalFailure';
      const message = error instanceof Error ? error.message : String(error);
      const policy = { ...DEFAULT_RETRY_POLICY, ...delivery.target.RetryPolicy };
      const retry = delivery.failures;
      if (PERMANENT_ERROR_CODES.has(code)) {
        await this.deadLetter(delivery, code, message, undefined);
        return;
      }
      if (retry > policy.MaximumRetryAttempts) {
        await this.deadLetter(delivery, code, message, 'MaximumRetryAttemptsExhausted');
        return;
      }
      const delayMs = this.backoff(retry);
      if (Date.now() + delayMs - delivery.enqueuedAt > policy.MaximumEventAgeInSeconds * 1000) {
        await this.deadLetter(delivery, code, message, 'MaximumEventAgeExhausted');
        return;
      }
      this.options.logger.warn('event delivery failed; retrying', { rule: delivery.ruleName, target: delivery.target.Arn, retry, retryInMs: Math.round(delayMs), error: message });
      this.retry(delivery, delayMs);
    }
  }

  private async send(delivery: PendingDelivery): Promise<void> {
    const { target, event } = delivery;
    let payload: string;
    try {
      payload = targetPayload(target, event, { ruleArn: delivery.ruleArn, ruleName: delivery.ruleName, ingestionTime: new Date(delivery.enqueuedAt).toISOString() });
    } catch (error) {
      throw new AwsError('InputTransformationError', `Could not build the target input: ${(error as Error).message}`);
    }
    const service = target.Arn.split(':')[2];
    if (service === 'lambda' && this.options.invokers.lambda) {
      await this.options.invokers.lambda.invokeAsync(target.Arn, payload);
    } else if (service === 'sqs' && this.options.invokers.sqs) {
      // A FIFO queue's messages carry the target's group; their deduplication is the queue's
      // content-based one, which AWS requires of a FIFO target (EventBridge API reference, SqsParameters).
      await this.options.invokers.sqs.sendMessage(target.Arn, payload, undefined, target.SqsParameters?.MessageGroupId);
    } else if (service === 'events') {
      this.options.forwardToBus(target.Arn, event);
    } else {
      throw new AwsError('UnsupportedTarget', `No invoker for target ${target.Arn}`);
    }
  }

  /** Sends the original event to the target's DLQ with EventBridge's attributes, or logs the drop. */
  private async deadLetter(delivery: PendingDelivery, errorCode: string, errorMessage: string, exhaustedCondition: string | undefined): Promise<void> {
    const queueArn = delivery.target.DeadLetterConfig?.Arn;
    const details = { rule: delivery.ruleName, target: delivery.target.Arn, eventId: delivery.event.id, errorCode, errorMessage, attempts: delivery.failures };
    if (!queueArn || !this.options.invokers.sqs) {
      this.options.logger.error('event dropped: delivery failed and the target has no dead-letter queue', details);
      this.settle(delivery);
      return;
    }
    const attributes: Record<string, QueueMessageAttribute> = {
      RULE_ARN: { DataType: 'String', StringValue: delivery.ruleArn },
      TARGET_ARN: { DataType: 'String', StringValue: delivery.target.Arn },
      ERROR_CODE: { DataType: 'String', StringValue: errorCode },
      ERROR_MESSAGE: { DataType: 'String', StringValue: errorMessage.slice(0, 1000) || errorCode },
      RETRY_ATTEMPTS: { DataType: 'Number', StringValue: String(Math.max(0, delivery.failures - 1)) },
      ...(exhaustedCondition && { EXHAUSTED_RETRY_CONDITION: { DataType: 'String', StringValue: exhaustedCondition } }),
    };
    try {
      await this.options.invokers.sqs.sendMessage(queueArn, JSON.stringify(delivery.event), attributes);
      this.options.logger.warn('event sent to the target dead-letter queue', { ...details, deadLetterQueue: queueArn });
    } catch (error) {
      this.options.logger.error('event dropped: its dead-letter queue failed too', { ...details, deadLetterQueue: queueArn, deadLetterError: String(error) });
    }
    this.settle(delivery);
  }

  private backoff(retry: number): number {
    const ceiling = Math.min(this.options.retryMaxDelayMs, this.options.retryBaseDelayMs * 2 ** (retry - 1));
    return ceiling * (0.5 + this.options.random() / 2);
  }
}
