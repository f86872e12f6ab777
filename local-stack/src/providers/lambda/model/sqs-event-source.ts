/**
 * An SQS event source mapping: polls the queue (long polling, in-process), gathers batches
 * (BatchSize, MaximumBatchingWindowInSeconds), invokes the function with AWS's SQS event shape,
 * deletes what succeeded and leaves failures to reappear after the visibility timeout (so the
 * queue's redrive policy moves poison messages to its DLQ). With ReportBatchItemFailures only
 * the reported items count as failed.
 *
 * On a FIFO queue the queue itself keeps each group in order (a group with a message in flight
 * gives no more), and a reported failure fails the rest of its group in the batch too: the later
 * messages are not deleted, so the group comes back in order after the visibility timeout (the
 * Lambda developer guide, "Using Lambda with Amazon SQS": on a FIFO queue processing stops at the
 * first failure, and the failed and unprocessed messages return).
 */
import type { LocalStackLogger } from '../../../core/logger';
import type { AttemptResult } from './async-invocations';
import type { LambdaQueuePort, QueueMessage } from './ports';

export interface EventSourceMapping {
  uuid: string;
  functionName: string;
  eventSourceArn: string;
  batchSize: number;
  maximumBatchingWindowSeconds: number;
  functionResponseTypes: string[];
  enabled: boolean;
  /** Concurrent batches in flight (ScalingConfig.MaximumConcurrency). */
  maximumConcurrency: number;
  lastModified: number;
}

export interface SqsPollerDependencies {
  queues: LambdaQueuePort;
  /** Invokes synchronously; undefined when the function no longer exists. */
  invoke(functionName: string, payload: string): Promise<AttemptResult | undefined>;
  region: string;
  logger: LocalStackLogger;
}

const LONG_POLL_SECONDS = 20;
const ERROR_BACKOFF_MS = 1000;

export class SqsEventSourcePoller {
  private readonly abort = new AbortController();
  private inFlight = 0;
  private readonly slotWaiters: Array<() => void> = [];
  private loop: Promise<void> | undefined;
  private readonly batches = new Set<Promise<void>>();

  constructor(
    readonly mapping: EventSourceMapping,
    private readonly dependencies: SqsPollerDependencies,
  ) {}

  start(): void {
    this.loop ??= this.run();
  }

  /** Stops polling and waits for batches in flight. */
  async stop(): Promise<void> {
    this.abort.abort();
    for (const wake of this.slotWaiters.splice(0)) wake();
    await this.loop;
    await Promise.allSettled([...this.batches]);
  }

  private async run(): Promise<void> {
    const { signal } = this.abort;
    let queueMissingLogged = false;
    while (!signal.aborted) {
      await this.acquireSlot();
      if (signal.aborted) break;
      let batch: QueueMessage[];
      try {
        batch = await this.collectBatch(signal);
        queueMissingLogged = false;
      } catch (error) {
        this.releaseSlot();
        if (!queueMissingLogged) {
          this.dependencies.logger.warn('event source mapping cannot poll its queue', { uuid: this.mapping.uuid, queue: this.mapping.eventSourceArn, error: String(error) });
          queueMissingLogged = true;
        }
        await delay(ERROR_BACKOFF_MS, signal);
        continue;
      }
      if (batch.length === 0 || signal.aborted) {
        // Received as the mapping stopped: the messages return to the queue after their visibility timeout.
        this.releaseSlot();
        continue;
      }
      const processing = this.process(batch).finally(() => {
        this.batches.delete(processing);
        this.releaseSlot();
      });
      this.batches.add(processing);
    }
  }

  private async collectBatch(signal: AbortSignal): Promise<QueueMessage[]> {
    const { eventSourceArn, batchSize, maximumBatchingWindowSeconds } = this.mapping;
    const receive = (maxMessages: number, waitTimeSeconds: number) =>
      this.dependencies.queues.receiveFromArn(eventSourceArn, { maxMessages: Math.min(10, maxMessages), waitTimeSeconds, signal });
    const batch = await receive(batchSize, LONG_POLL_SECONDS);
    if (batch.length === 0) return batch;
    // By message id: a message whose visibility timeout ran out within the batching window comes
    // back with a new receipt handle, and only the newest handle can delete it.
    const byId = new Map(batch.map((message) => [message.messageId, message]));
    const windowEnds = Date.now() + maximumBatchingWindowSeconds * 1000;
    while (byId.size < batchSize && !signal.aborted) {
      const remainingSeconds = Math.max(0, (windowEnds - Date.now()) / 1000);
      const more = await receive(batchSize - byId.size, remainingSeconds);
      if (more.length === 0 && remainingSeconds === 0) break;
      for (const message of more) byId.set(message.messageId, message);
    }
    return [...byId.values()];
  }

  private async process(batch: QueueMessage[]): Promise<void> {
    const { functionName, eventSourceArn } = this.mapping;
    const event = { Records: batch.map((message) => this.record(message)) };
    let result: AttemptResult | undefined;
    try {
      result = await this.dependencies.invoke(functionName, JSON.stringify(event));
    } catch (error) {
      this.dependencies.logger.error('event source mapping could not invoke its function', { function: functionName, error: String(error) });
      return;
    }
    if (!result) {
      this.dependencies.logger.warn('event source mapping names a function that does not exist', { uuid: this.mapping.uuid, function: functionName });
      return;
    }
    if (result.functionError) {
      this.dependencies.logger.warn('SQS batch failed; its messages return after the visibility timeout', { function: functionName, queue: eventSourceArn, messages: batch.length });
      return;
    }
    const reported = this.mapping.functionResponseTypes.includes('ReportBatchItemFailures') ? reportedFailures(result.payload, batch) : new Set<string>();
    if (reported === 'all') {
      this.dependencies.logger.warn('invalid batchItemFailures response: the whole batch counts as failed', { function: functionName, payload: result.payload.slice(0, 500) });
      return;
    }
    const failed = eventSourceArn.endsWith('.fifo') ? withRestOfGroups(reported, batch) : reported;
    const succeeded = batch.filter((message) => !failed.has(message.messageId)).map((message) => message.receiptHandle);
    try {
      this.dependencies.queues.deleteFromArn(eventSourceArn, succeeded);
    } catch (error) {
      this.dependencies.logger.warn('could not delete processed messages', { queue: eventSourceArn, error: String(error) });
    }
  }

  /** A message as Lambda's SQS event carries it. */
  private record(message: QueueMessage): Record<string, unknown> {
    const messageAttributes = Object.fromEntries(
      Object.entries(message.messageAttributes ?? {}).map(([name, value]) => [
        name,
        {
          ...(value.StringValue !== undefined && { stringValue: value.StringValue }),
          ...(value.BinaryValue !== undefined && { binaryValue: value.BinaryValue }),
          stringListValues: [],
          binaryListValues: [],
          dataType: value.DataType,
        },
      ]),
    );
    return {
      messageId: message.messageId,
      receiptHandle: message.receiptHandle,
      body: message.body,
      attributes: message.systemAttributes,
      messageAttributes,
      md5OfBody: message.md5OfBody,
      ...(message.md5OfMessageAttributes && { md5OfMessageAttributes: message.md5OfMessageAttributes }),
      eventSource: 'aws:sqs',
      eventSourceARN: this.mapping.eventSourceArn,
      awsRegion: this.dependencies.region,
    };
  }

  private acquireSlot(): Promise<void> {
    if (this.inFlight < this.mapping.maximumConcurrency) {
      this.inFlight++;
      return Promise.resolve();
    }
    return new Promise((resolve) =>
      this.slotWaiters.push(() => {
        this.inFlight++;
        resolve();
      }),
    );
  }

  private releaseSlot(): void {
    this.inFlight--;
    this.slotWaiters.shift()?.();
  }
}

/**
 * The message ids a ReportBatchItemFailures response names, or 'all' when the response is invalid
 * (AWS then treats the whole batch as failed). No response, or an empty list, means all succeeded.
 */
export function reportedFailures(payload: string, batch: readonly QueueMessage[]): Set<string> | 'all' {
  let response: unknown;
  try {
    response = JSON.parse(payload);
  } catch {
    return 'all';
  }
  if (response === null || typeof response !== 'object') return new Set();
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return new Set();
  if (!Array.isArray(failures)) return 'all';
  const ids = new Set(batch.map((message) => message.messageId));
  const failed = new Set<string>();
  for (const failure of failures) {
    const identifier = (failure as { itemIdentifier?: unknown } | null)?.itemIdentifier;
    if (typeof identifier !== 'string' || !ids.has(identifier)) return 'all';
    failed.add(identifier);
  }
  return failed;
}

/** FIFO: the failed messages and, in each group with a failure, every later message of the group in the batch. */
export function withRestOfGroups(failed: ReadonlySet<string>, batch: readonly QueueMessage[]): Set<string> {
  const failedGroups = new Set<string>();
  const result = new Set(failed);
  for (const message of batch) {
    const group = message.systemAttributes.MessageGroupId ?? '';
    if (failedGroups.has(group)) result.add(message.messageId);
    else if (failed.has(message.messageId)) failedGroups.add(group);
  }
  return result;
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
