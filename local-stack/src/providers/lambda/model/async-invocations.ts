/**
 * Asynchronous invocation (InvocationType Event, EventBridge targets): each event is written to
 * `<stateDir>/lambda/async/` before it is acknowledged, invoked, retried on function errors per
 * the function's event-invoke config (MaximumRetryAttempts, MaximumEventAgeInSeconds) with
 * backoff, and finally sent to its on-failure destination (or the function's dead-letter queue)
 * as AWS does. Events still queued when the stack stops are resumed when it starts again.
 */
import { randomUUID } from 'node:crypto';
import { DurableQueue } from '../../../core/durable-queue';
import type { LocalStackLogger } from '../../../core/logger';
import type { QueueMessageAttribute } from './ports';

export interface EventInvokeConfig {
  maximumRetryAttempts: number;
  maximumEventAgeInSeconds: number;
  onSuccessDestination?: string;
  onFailureDestination?: string;
}

export const DEFAULT_EVENT_INVOKE_CONFIG: EventInvokeConfig = Object.freeze({ maximumRetryAttempts: 2, maximumEventAgeInSeconds: 21_600 });

/** What one attempt returned. */
export interface AttemptResult {
  functionError?: string;
  /** JSON text of the result, or of the error. */
  payload: string;
}

export interface AsyncInvocationDependencies {
  /** Invokes once; undefined when the function no longer exists. */
  invoke(functionName: string, payload: string, requestId: string): Promise<AttemptResult | undefined>;
  configOf(functionName: string): EventInvokeConfig;
  deadLetterTargetOf(functionName: string): string | undefined;
  functionArn(functionName: string): string;
  /** Sends a record to a destination ARN (SQS queue, Lambda function, event bus). */
  deliver(destinationArn: string, body: string, messageAttributes?: Record<string, QueueMessageAttribute>): Promise<void>;
  /** Delay before retry number `retry` (1-based). */
  retryDelayMs(retry: number): number;
  logger: LocalStackLogger;
}

interface QueuedEvent {
  requestId: string;
  functionName: string;
  payload: string;
  enqueuedAt: number;
  /** Invocations made so far. */
  attempts: number;
}

type FailureCondition = 'RetriesExhausted' | 'EventAgeExceeded';

export class AsyncInvocationQueue extends DurableQueue<QueuedEvent> {
  constructor(
    directory: string,
    private readonly dependencies: AsyncInvocationDependencies,
  ) {
    super({
      directory,
      idOf: (event) => event.requestId,
      onUnexpectedError: (event, error) => dependencies.logger.error('async invocation failed unexpectedly', { function: event.functionName, error: String(error) }),
    });
  }

  /** Queues an event (durably) and returns its request id; the invocation happens afterwards. */
  enqueue(functionName: string, payload: string): string {
    const event: QueuedEvent = { requestId: randomUUID(), functionName, payload, enqueuedAt: Date.now(), attempts: 0 };
    this.add(event);
    return event.requestId;
  }

  protected async attempt(event: QueuedEvent): Promise<void> {
    const config = this.dependencies.configOf(event.functionName);
    const result = await this.dependencies.invoke(event.functionName, event.payload, event.requestId);
    if (this.stopped) return; // left on disk: resumed at the next start
    event.attempts++;
    if (!result) {
      this.dependencies.logger.warn('async event dropped: function does not exist', { function: event.functionName, requestId: event.requestId });
      this.settle(event);
      return;
    }
    if (!result.functionError) {
      if (config.onSuccessDestination) await this.sendRecord(config.onSuccessDestination, event, result, 'Success');
      this.settle(event);
      return;
    }
    const ageMs = Date.now() - event.enqueuedAt;
    const retry = event.attempts;
    if (retry > config.maximumRetryAttempts) {
      await this.fail(event, result, config, 'RetriesExhausted');
      return;
    }
    const delayMs = this.dependencies.retryDelayMs(retry);
    if (ageMs + delayMs > config.maximumEventAgeInSeconds * 1000) {
      await this.fail(event, result, config, 'EventAgeExceeded');
      return;
    }
    this.dependencies.logger.info('async invocation failed; retrying', { function: event.functionName, requestId: event.requestId, attempt: event.attempts, retryInMs: delayMs });
    this.retry(event, delayMs);
  }

  private async fail(event: QueuedEvent, result: AttemptResult, config: EventInvokeConfig, condition: FailureCondition): Promise<void> {
    const deadLetterTarget = this.dependencies.deadLetterTargetOf(event.functionName);
    if (config.onFailureDestination) {
      await this.sendRecord(config.onFailureDestination, event, result, condition);
    } else if (deadLetterTarget) {
      const error = safeJson(result.payload) as { errorMessage?: string } | undefined;
      await this.deliverOrLog(deadLetterTarget, event, event.payload, {
        RequestID: { DataType: 'String', StringValue: event.requestId },
        ErrorCode: { DataType: 'Number', StringValue: '200' },
        ErrorMessage: { DataType: 'String', StringValue: (error?.errorMessage ?? 'Unhandled').slice(0, 1000) || 'Unhandled' },
      });
    } else {
      this.dependencies.logger.error('async event dropped after failed invocations (no on-failure destination)', {
        function: event.functionName,
        requestId: event.requestId,
        condition,
        attempts: event.attempts,
      });
    }
    this.settle(event);
  }

  /** The invocation record AWS sends to destinations. */
  private async sendRecord(destination: string, event: QueuedEvent, result: AttemptResult, condition: FailureCondition | 'Success'): Promise<void> {
    const record = {
      version: '1.0',
      timestamp: new Date().toISOString(),
      requestContext: {
        requestId: event.requestId,
        functionArn: `${this.dependencies.functionArn(event.functionName)}:$LATEST`,
        condition,
        approximateInvokeCount: event.attempts,
      },
      requestPayload: safeJson(event.payload) ?? event.payload,
      responseContext: { statusCode: 200, executedVersion: '$LATEST', ...(result.functionError && { functionError: result.functionError }) },
      responsePayload: safeJson(result.payload) ?? null,
    };
    await this.deliverOrLog(destination, event, JSON.stringify(record));
  }

  private async deliverOrLog(destination: string, event: QueuedEvent, body: string, messageAttributes?: Record<string, QueueMessageAttribute>): Promise<void> {
    try {
      await this.dependencies.deliver(destination, body, messageAttributes);
    } catch (error) {
      this.dependencies.logger.error('could not deliver a failed async event to its destination', {
        function: event.functionName,
        requestId: event.requestId,
        destination,
        error: String(error),
      });
    }
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
