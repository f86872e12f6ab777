/**
 * Asynchronous invocation (InvocationType Event, EventBridge targets): each event is written to
 * `<stateDir>/lambda/async/` before it is acknowledged, invoked, retried on function errors per
 * the function's event-invoke config (MaximumRetryAttempts, MaximumEventAgeInSeconds) with
 * backoff, and finally sent to its on-failure destination (or the function's dead-letter queue)
 * as AWS does. Events still queued when the stack stops are resumed when it starts again.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { LocalStackLogger } from '../../../core/logger';
import { removeStaleTempFilesSync, writeJsonAtomicSync } from '../../../core/persistence';
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

export class AsyncInvocationQueue {
  /** Cancellers of scheduled attempts. */
  private readonly scheduled = new Set<() => void>();
  private stopped = false;
  /** Events being invoked now, so that `idle()` can tell when all work is done. */
  private active = 0;

  constructor(
    private readonly directory: string,
    private readonly dependencies: AsyncInvocationDependencies,
  ) {
    mkdirSync(directory, { recursive: true });
  }

  /** Queues an event (durably) and returns its request id; the invocation happens afterwards. */
  enqueue(functionName: string, payload: string): string {
    const event: QueuedEvent = { requestId: randomUUID(), functionName, payload, enqueuedAt: Date.now(), attempts: 0 };
    this.save(event);
    this.schedule(event, 0);
    return event.requestId;
  }

  /** Picks up events a previous run left queued. */
  resume(): number {
    removeStaleTempFilesSync(this.directory);
    let resumed = 0;
    for (const file of readdirSync(this.directory)) {
      if (!file.endsWith('.json')) continue;
      let event: QueuedEvent;
      try {
        event = JSON.parse(readFileSync(path.join(this.directory, file), 'utf8')) as QueuedEvent;
      } catch {
        continue;
      }
      this.schedule(event, 0);
      resumed++;
    }
    return resumed;
  }

  /** Events queued or retrying. */
  get pendingCount(): number {
    return this.scheduled.size + this.active;
  }

  stop(): void {
    this.stopped = true;
    for (const cancel of this.scheduled) cancel();
    this.scheduled.clear();
  }

  private schedule(event: QueuedEvent, delayMs: number): void {
    if (this.stopped) return;
    const run = (): void => {
      this.scheduled.delete(cancel);
      this.active++;
      void this.attempt(event)
        .catch((error: unknown) => this.dependencies.logger.error('async invocation failed unexpectedly', { function: event.functionName, error: String(error) }))
        .finally(() => this.active--);
    };
    // A first attempt runs on the next turn of the event loop, without a timer's minimum delay.
    let cancel: () => void;
    if (delayMs <= 0) {
      const immediate = setImmediate(run);
      cancel = () => clearImmediate(immediate);
    } else {
      const timer = setTimeout(run, delayMs);
      cancel = () => clearTimeout(timer);
    }
    this.scheduled.add(cancel);
  }

  private async attempt(event: QueuedEvent): Promise<void> {
    const config = this.dependencies.configOf(event.functionName);
    const result = await this.dependencies.invoke(event.functionName, event.payload, event.requestId);
    if (this.stopped) return; // left on disk: resumed at the next start
    event.attempts++;
    if (!result) {
      this.dependencies.logger.warn('async event dropped: function does not exist', { function: event.functionName, requestId: event.requestId });
      this.remove(event);
      return;
    }
    if (!result.functionError) {
      if (config.onSuccessDestination) await this.sendRecord(config.onSuccessDestination, event, result, 'Success');
      this.remove(event);
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
    this.save(event);
    this.schedule(event, delayMs);
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
    this.remove(event);
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

  private save(event: QueuedEvent): void {
    writeJsonAtomicSync(this.fileOf(event), event);
  }

  private remove(event: QueuedEvent): void {
    rmSync(this.fileOf(event), { force: true });
  }

  private fileOf(event: QueuedEvent): string {
    return path.join(this.directory, `${event.requestId}.json`);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
