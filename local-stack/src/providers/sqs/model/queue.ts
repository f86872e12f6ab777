/**
 * One queue's live state: its messages (in send order), their visibility, the long-poll receivers
 * waiting for a message and, for a FIFO queue, its deduplication window and sequence numbers.
 * Persistence goes through the queue's journal.
 */
import { randomBytes } from 'node:crypto';
import { invalidParameterValue } from '../errors';
import type { QueueJournal } from './journal';
import type { QueueMetadata, ReceivedMessage, StoredMessage } from './types';

export interface TakeOptions {
  maxMessages: number;
  /** The receive's own VisibilityTimeout; without one, the queue's at the time a message is taken (a long poll may outlast a change of it). */
  visibilityTimeoutSeconds?: number;
}

/** Decides, for a message received more than maxReceiveCount times, whether it moved to the DLQ. */
export type DeadLetterMover = (queue: Queue, message: StoredMessage) => boolean;

interface Waiter {
  options: TakeOptions;
  resolve(messages: ReceivedMessage[]): void;
  cancel(): void;
}

export class Queue {
  private readonly waiters: Waiter[] = [];
  private wakeTimer: NodeJS.Timeout | undefined;
  private wakeAt = Infinity;
  /** When the queue was last purged (in memory: the 60-second purge interval does not outlive the stack). */
  lastPurgeAt: number | undefined;
  /** FIFO: deduplication keys of the last 5 minutes' sends and the message each one sent. */
  private readonly deduplication = new Map<string, { messageId: string; sequenceNumber: string; at: number }>();
  private lastSequenceNumber = 0n;
  /** FIFO: the messages each ReceiveRequestAttemptId of the last 5 minutes received, as they were handed out. */
  private readonly receiveAttempts = new Map<string, { at: number; messages: Array<{ messageId: string; receiptHandle: string; visibleAt: number }> }>();

  constructor(
    public metadata: QueueMetadata,
    readonly arn: string,
    readonly messages: Map<string, StoredMessage>,
    private readonly journal: QueueJournal,
    private readonly moveToDeadLetter: DeadLetterMover,
  ) {
    // After a restart the window holds the live messages' keys (those of messages deleted before are lost).
    for (const message of messages.values()) {
      if (message.sequenceNumber !== undefined && BigInt(message.sequenceNumber) > this.lastSequenceNumber) this.lastSequenceNumber = BigInt(message.sequenceNumber);
      if (message.messageDeduplicationId !== undefined) this.rememberSend(message, message.sentTimestamp);
    }
  }

  get name(): string {
    return this.metadata.name;
  }

  get fifo(): boolean {
    return this.metadata.settings.fifo !== undefined;
  }

  /**
   * FIFO: the message an earlier send of the same deduplication key (within the queue, or within its
   * group under DeduplicationScope messageGroup) put in the queue in the last 5 minutes, if any.
   */
  duplicateOf(message: Pick<StoredMessage, 'messageDeduplicationId' | 'messageGroupId'>, now = Date.now()): { messageId: string; sequenceNumber: string } | undefined {
    const key = this.deduplicationKey(message);
    const earlier = key === undefined ? undefined : this.deduplication.get(key);
    if (!earlier) return undefined;
    if (now - earlier.at < DEDUPLICATION_WINDOW_MS) return earlier;
    this.deduplication.delete(key!);
    return undefined;
  }

  /** FIFO: the next sequence number, 20 digits, larger than every one before (time-based, so across restarts too). */
  nextSequenceNumber(now = Date.now()): string {
    const candidate = BigInt(now) * 10_000_000n;
    this.lastSequenceNumber = candidate > this.lastSequenceNumber ? candidate : this.lastSequenceNumber + 1n;
    return this.lastSequenceNumber.toString().padStart(20, '0');
  }

  /** FIFO: enters a sent message's deduplication key in the 5-minute window. */
  rememberSend(message: StoredMessage, now = Date.now()): void {
    const key = this.deduplicationKey(message);
    if (key === undefined || message.sequenceNumber === undefined) return;
    this.deduplication.set(key, { messageId: message.messageId, sequenceNumber: message.sequenceNumber, at: now });
    if (this.deduplication.size > 10_000) {
      for (const [candidate, entry] of this.deduplication) if (now - entry.at >= DEDUPLICATION_WINDOW_MS) this.deduplication.delete(candidate);
    }
  }

  private deduplicationKey(message: Pick<StoredMessage, 'messageDeduplicationId' | 'messageGroupId'>): string | undefined {
    if (message.messageDeduplicationId === undefined) return undefined;
    return this.metadata.settings.fifo?.deduplicationScope === 'messageGroup' ? `${message.messageGroupId ?? ''}\u0000${message.messageDeduplicationId}` : message.messageDeduplicationId;
  }

  /** Long polls waiting for a message right now. */
  get waitingReceivers(): number {
    return this.waiters.length;
  }

  /** Adds messages (journaled first), then wakes long-poll receivers. */
  add(messages: StoredMessage[]): void {
    this.journal.recordSend(messages);
    for (const message of messages) this.messages.set(message.messageId, message);
    this.notify();
  }

  /**
   * Takes up to `maxMessages` visible messages, putting them in flight. A FIFO queue hands out each
   * group's messages in order: a group's messages are taken from its oldest on, up to the first one
   * that is not visible (in flight or delayed), so a group with an older message in flight gives none.
   */
  take(options: TakeOptions, now = Date.now()): ReceivedMessage[] {
    const taken: StoredMessage[] = [];
    const expired: string[] = [];
    const retentionMs = this.metadata.settings.messageRetentionPeriod * 1000;
    const maxReceiveCount = this.metadata.settings.redrivePolicy?.maxReceiveCount;
    /** False when the message is not to be handed out; for FIFO, 'blocked' when its group stops here. */
    const consider = (message: StoredMessage): boolean | 'blocked' => {
      if (message.visibleAt > now) return 'blocked';
      if (now - message.sentTimestamp > retentionMs) {
        expired.push(message.messageId);
        return false;
      }
      if (maxReceiveCount !== undefined && message.receiveCount >= maxReceiveCount && this.moveToDeadLetter(this, message)) return false;
      return true;
    };
    if (this.fifo) {
      for (const group of this.groupsInOrder()) {
        for (const message of group) {
          if (taken.length >= options.maxMessages) break;
          const verdict = consider(message);
          if (verdict === 'blocked') break;
          if (verdict) taken.push(message);
        }
        if (taken.length >= options.maxMessages) break;
      }
    } else {
      for (const message of this.messages.values()) {
        if (taken.length >= options.maxMessages) break;
        if (consider(message) === true) taken.push(message);
      }
    }
    this.removeIds(expired);
    if (taken.length === 0) return [];
    this.journal.recordReceive(
      taken.map((message) => message.messageId),
      now,
    );
    return taken.map((message) => {
      message.receiveCount++;
      message.firstReceiveTimestamp ??= now;
      message.visibleAt = now + (options.visibilityTimeoutSeconds ?? this.metadata.settings.visibilityTimeout) * 1000;
      message.receiptHandle = newReceiptHandle(message.messageId);
      return received(message);
    });
  }

  /**
   * Takes visible messages, or waits up to `waitMs` for some to arrive (or become visible again),
   * answering as soon as there is at least one.
   */
  receive(options: TakeOptions, waitMs: number, signal?: AbortSignal): Promise<ReceivedMessage[]> {
    const immediate = this.take(options);
    if (immediate.length > 0 || waitMs <= 0 || signal?.aborted) return Promise.resolve(immediate);
    return new Promise((resolve) => {
      const finish = (messages: ReceivedMessage[]): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        resolve(messages);
      };
      const onAbort = (): void => finish([]);
      const waiter: Waiter = { options, resolve: finish, cancel: onAbort };
      const timer = setTimeout(onAbort, waitMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
      this.scheduleWake();
    });
  }

  /**
   * FIFO: the messages an earlier receive with this ReceiveRequestAttemptId got in the last 5 minutes,
   * again, with the same receipt handles (SQS API reference, ReceiveMessage: a retry with the same
   * attempt id "retrieve[s] the same set of messages, even if their visibility timeout has not yet
   * expired", if "none of the messages have been modified (deleted or had their visibility changes)").
   * One of them deleted, its visibility changed or out of flight: AWS's InvalidParameterValue (its
   * words as SQS answered them, quoted in awslabs/amazon-sqs-java-messaging-lib#101 and #213).
   * Undefined for an id not seen in the last 5 minutes: the receive is a new one.
   */
  retriedReceive(attemptId: string, now: number, clockNow: number): ReceivedMessage[] | undefined {
    const attempt = this.receiveAttempts.get(attemptId);
    if (!attempt) return undefined;
    if (clockNow - attempt.at >= RECEIVE_ATTEMPT_WINDOW_MS) {
      this.receiveAttempts.delete(attemptId);
      return undefined;
    }
    const messages = attempt.messages.map(({ messageId, receiptHandle, visibleAt }) => {
      const message = this.messages.get(messageId);
      return message?.receiptHandle === receiptHandle && message.visibleAt === visibleAt && visibleAt > now ? message : undefined;
    });
    if (messages.some((message) => message === undefined)) {
      throw invalidParameterValue(`Value ${attemptId} for parameter ReceiveRequestAttemptId is invalid. Reason: The receiveRequestAttemptId is not valid anymore since the receive call is not retryable.`);
    }
    return (messages as StoredMessage[]).map(received);
  }

  /** FIFO: records what a receive with a ReceiveRequestAttemptId got, for its retries. */
  rememberReceiveAttempt(attemptId: string, messages: ReceivedMessage[], clockNow: number): void {
    const handedOut = messages.flatMap((message) => {
      const stored = this.messages.get(message.messageId);
      return stored?.receiptHandle === undefined ? [] : [{ messageId: stored.messageId, receiptHandle: stored.receiptHandle, visibleAt: stored.visibleAt }];
    });
    if (handedOut.length === 0) return;
    this.receiveAttempts.set(attemptId, { at: clockNow, messages: handedOut });
    if (this.receiveAttempts.size > 10_000) {
      for (const [candidate, entry] of this.receiveAttempts) if (clockNow - entry.at >= RECEIVE_ATTEMPT_WINDOW_MS) this.receiveAttempts.delete(candidate);
    }
  }

  /** The message the receipt handle names, if the handle is its latest one. */
  messageForHandle(receiptHandle: string): StoredMessage | undefined {
    const messageId = messageIdOfReceiptHandle(receiptHandle);
    const message = messageId === undefined ? undefined : this.messages.get(messageId);
    return message?.receiptHandle === receiptHandle ? message : undefined;
  }

  /**
   * Deletes the message the handle names. An older handle of a message received again since, or of
   * a message already deleted, deletes nothing (as on SQS, where it may or may not). On a FIFO
   * queue a handle whose visibility timeout has run out is refused (LocalStack's AWS-validated
   * snapshot "delete_after_timeout_fifo"): another consumer may hold the group now.
   */
  deleteByHandle(receiptHandle: string, now = Date.now()): void {
    const message = this.messageForHandle(receiptHandle);
    if (this.fifo) {
      const messageId = messageIdOfReceiptHandle(receiptHandle);
      const current = messageId === undefined ? undefined : this.messages.get(messageId);
      if (current && (current !== message || current.visibleAt <= now)) {
        throw invalidParameterValue(`Value ${receiptHandle} for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.`);
      }
    }
    if (!message) return;
    this.removeIds([message.messageId]);
    // A FIFO group blocked by this message may have its next one for a waiting long poll now.
    if (this.fifo) this.notify();
  }

  /**
   * Sets a message's remaining visibility timeout; false when the handle is not the message's latest
   * (deleted, or received again since). A message whose timeout has just lapsed, not received again,
   * still takes it, as on SQS (LocalStack's AWS-validated snapshot "visibility_timeout_expired").
   */
  changeVisibility(receiptHandle: string, visibilityTimeoutSeconds: number, now = Date.now()): boolean {
    const message = this.messageForHandle(receiptHandle);
    if (!message) return false;
    message.visibleAt = now + visibilityTimeoutSeconds * 1000;
    this.notify();
    return true;
  }

  /** Removes messages by id (journaled), e.g. after a move to the dead-letter queue. */
  removeIds(ids: string[]): void {
    const present = ids.filter((id) => this.messages.delete(id));
    this.journal.recordDelete(present);
    if (this.journal.shouldCompact(this.messages.size)) this.journal.compact(this.messages.values());
  }

  /** Deletes every message and, for FIFO, empties the deduplication window (LocalStack's AWS-validated test_purge_queue_clears_fifo_deduplication_cache). */
  purge(): void {
    this.journal.recordPurge();
    this.messages.clear();
    this.deduplication.clear();
    this.journal.compact([]);
  }

  counts(now = Date.now()): { visible: number; inFlight: number; delayed: number } {
    let visible = 0;
    let inFlight = 0;
    let delayed = 0;
    for (const message of this.messages.values()) {
      if (message.visibleAt <= now) visible++;
      else if (message.receiveCount > 0) inFlight++;
      else delayed++;
    }
    return { visible, inFlight, delayed };
  }

  /** Ends every long poll (with no messages) and closes the journal. */
  close(): void {
    for (const waiter of [...this.waiters]) waiter.cancel();
    this.clearWakeTimer();
    this.journal.close();
  }

  /** Ends long polls and deletes the journal (the queue was deleted). */
  destroy(): void {
    for (const waiter of [...this.waiters]) waiter.cancel();
    this.clearWakeTimer();
    this.journal.destroy();
  }

  /** The messages by group, each group in send order, the groups in the order of their oldest message. */
  private groupsInOrder(): StoredMessage[][] {
    const groups = new Map<string, StoredMessage[]>();
    for (const message of this.messages.values()) {
      const key = message.messageGroupId ?? '';
      const group = groups.get(key);
      if (group) group.push(message);
      else groups.set(key, [message]);
    }
    return [...groups.values()];
  }

  /** Serves waiting receivers in arrival order while messages are visible. */
  private notify(): void {
    while (this.waiters.length > 0) {
      const waiter = this.waiters[0]!;
      const messages = this.take(waiter.options);
      if (messages.length === 0) break;
      waiter.resolve(messages);
    }
    this.scheduleWake();
  }

  /** With receivers waiting, wakes up when the next delayed or in-flight message becomes visible. */
  private scheduleWake(): void {
    if (this.waiters.length === 0) {
      this.clearWakeTimer();
      return;
    }
    const now = Date.now();
    let next = Infinity;
    for (const message of this.messages.values()) {
      if (message.visibleAt > now && message.visibleAt < next) next = message.visibleAt;
    }
    if (next === this.wakeAt) return;
    this.clearWakeTimer();
    if (next === Infinity) return;
    this.wakeAt = next;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = undefined;
      this.wakeAt = Infinity;
      this.notify();
    }, next - now);
  }

  private clearWakeTimer(): void {
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    this.wakeAt = Infinity;
  }
}

function received(message: StoredMessage): ReceivedMessage {
  const systemAttributes: Record<string, string> = {
    SenderId: message.senderId,
    SentTimestamp: String(message.sentTimestamp),
    ApproximateReceiveCount: String(message.receiveCount),
    ApproximateFirstReceiveTimestamp: String(message.firstReceiveTimestamp ?? message.sentTimestamp),
  };
  if (message.deadLetterQueueSourceArn) systemAttributes.DeadLetterQueueSourceArn = message.deadLetterQueueSourceArn;
  if (message.traceHeader !== undefined) systemAttributes.AWSTraceHeader = message.traceHeader;
  if (message.messageGroupId !== undefined) systemAttributes.MessageGroupId = message.messageGroupId;
  if (message.messageDeduplicationId !== undefined) systemAttributes.MessageDeduplicationId = message.messageDeduplicationId;
  if (message.sequenceNumber !== undefined) systemAttributes.SequenceNumber = message.sequenceNumber;
  return {
    messageId: message.messageId,
    receiptHandle: message.receiptHandle!,
    body: message.body,
    md5OfBody: message.md5OfBody,
    messageAttributes: message.messageAttributes,
    md5OfMessageAttributes: message.md5OfMessageAttributes,
    systemAttributes,
  };
}

/** SQS's deduplication interval (the developer guide, "Exactly-once processing in Amazon SQS"). */
const DEDUPLICATION_WINDOW_MS = 5 * 60_000;
/** How long a ReceiveRequestAttemptId can be retried (SQS API reference, ReceiveMessage). */
const RECEIVE_ATTEMPT_WINDOW_MS = 5 * 60_000;

const RECEIPT_HANDLE_PATTERN = /^([0-9a-f-]{36}):[0-9a-f]{32}$/;

function newReceiptHandle(messageId: string): string {
  return Buffer.from(`${messageId}:${randomBytes(16).toString('hex')}`).toString('base64url');
}

/** The message id inside a receipt handle, or undefined when the handle is malformed. */
export function messageIdOfReceiptHandle(receiptHandle: string): string | undefined {
  return RECEIPT_HANDLE_PATTERN.exec(Buffer.from(receiptHandle, 'base64url').toString('utf8'))?.[1];
}
