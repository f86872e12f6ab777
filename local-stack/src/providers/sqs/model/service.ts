/**
 * SQS state and behaviour, independent of the wire protocol: the queues, their settings (persisted
 * in `<stateDir>/sqs/queues.json`), their messages (one journal per queue under
 * `<stateDir>/sqs/messages/`), redrive to dead-letter queues and DLQ message-move tasks.
 * Other providers use the in-process methods that take queue ARNs (EventBridge targets, Lambda
 * event source mappings and destinations).
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { removeStaleTempFilesSync, writeJsonAtomicSync } from '../../../core/persistence';
import { ACCOUNT_ID, AwsError } from '../../../core/types';
import { invalidParameterValue, missingParameter, queueDoesNotExist, sqsError } from '../errors';
import { QueueJournal } from './journal';
import { md5Hex, md5OfMessageAttributes } from './md5';
import type { MessageAttributeValue, QueueMetadata, ReceivedMessage, StoredMessage } from './types';
import { Queue } from './queue';
import { applyAttributes, DEFAULT_SETTINGS, READABLE_ATTRIBUTES, settingsAsAttributes } from './settings';

export interface SqsServiceOptions {
  stateDir: string;
  region: string;
  /** The stack's base URL (`http://127.0.0.1:4566`), read when a queue URL is built. */
  baseUrl: () => string;
  /** fsync every journal write (survives a machine crash, not only a stack crash). */
  fsync?: boolean;
  /** The clock of FIFO's 5-minute deduplication window and PurgeQueue's 60-second interval (tests move it). */
  clock?: () => number;
}

export interface NewMessage {
  body: string;
  messageAttributes?: Record<string, MessageAttributeValue>;
  /** MessageSystemAttributes as sent (SQS has one: AWSTraceHeader). */
  messageSystemAttributes?: Record<string, MessageAttributeValue>;
  /** The request's X-Amzn-Trace-Id, the trace header when MessageSystemAttributes has none. */
  traceHeader?: string;
  messageGroupId?: string;
  messageDeduplicationId?: string;
  delaySeconds?: number;
}

interface QueuePolicy {
  Version: string;
  Id?: string;
  Statement: Array<{ Sid?: string; [field: string]: unknown }>;
}

/** SQS allows one purge of a queue per 60 seconds (PurgeQueue's API reference). */
const PURGE_INTERVAL_MS = 60_000;

export interface ReceiveRequest {
  maxMessages: number;
  visibilityTimeoutSeconds?: number;
  /** Long-poll wait; the queue's ReceiveMessageWaitTimeSeconds when undefined. */
  waitTimeSeconds?: number;
  /** FIFO: a retry with the same id within 5 minutes gets the same messages (ignored on standard queues, as on SQS). */
  receiveRequestAttemptId?: string;
  signal?: AbortSignal;
}

export type MoveTaskStatus = 'RUNNING' | 'COMPLETED' | 'CANCELLING' | 'CANCELLED' | 'FAILED';

export interface MessageMoveTask {
  taskHandle: string;
  status: MoveTaskStatus;
  sourceArn: string;
  destinationArn?: string;
  maxNumberOfMessagesPerSecond?: number;
  approximateNumberOfMessagesMoved: number;
  approximateNumberOfMessagesToMove: number;
  failureReason?: string;
  startedTimestamp: number;
}

const QUEUE_NAME_PATTERN = /^[A-Za-z0-9_-]{1,80}$/;
const FIFO_QUEUE_NAME_PATTERN = /^[A-Za-z0-9_-]{1,75}\.fifo$/;

export class SqsService {
  private readonly queues = new Map<string, Queue>();
  private readonly moveTasks: MessageMoveTask[] = [];
  private readonly stateFile: string;
  private readonly messagesDir: string;

  constructor(private readonly options: SqsServiceOptions) {
    const root = path.join(options.stateDir, 'sqs');
    this.stateFile = path.join(root, 'queues.json');
    this.messagesDir = path.join(root, 'messages');
    mkdirSync(this.messagesDir, { recursive: true });
    this.load();
  }

  // ---------------------------------------------------------------------------------------------
  // Queues

  /**
   * Creates a queue, or answers the existing one when the attributes asked for match it. A FIFO queue
   * is asked for with FifoQueue true (any case, as AWS accepts "True") and a name ending in `.fifo`
   * (CreateQueue's API reference: up to 80 characters with the suffix); either without the other is
   * InvalidParameterValue (LocalStack's AWS-validated test_fifo_queue_requires_suffix and
   * test_standard_queue_cannot_have_fifo_suffix).
   */
  createQueue(name: string, attributes: Record<string, string> = {}, tags: Record<string, string> = {}): Queue {
    const fifo = attributes.FifoQueue?.toLowerCase() === 'true';
    if (fifo && !FIFO_QUEUE_NAME_PATTERN.test(name)) {
      throw invalidParameterValue('The name of a FIFO queue can only include alphanumeric characters, hyphens, or underscores, must end with .fifo suffix and be 1 to 80 in length.');
    }
    if (!fifo && !QUEUE_NAME_PATTERN.test(name)) {
      throw invalidParameterValue('Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length');
    }
    const settings = applyAttributes(DEFAULT_SETTINGS, attributes, { fifo, creating: true, deadLetterQueue: (arn) => this.deadLetterQueueOf(arn) });
    const existing = this.queues.get(name);
    if (existing) {
      const current = settingsAsAttributes(existing.metadata.settings);
      const requested = settingsAsAttributes(settings);
      const differing = Object.keys(attributes).find((attribute) => current[attribute] !== requested[attribute]);
      if (differing) throw sqsError('QueueNameExists', `A queue already exists with the same name and a different value for attribute ${differing}`);
      return existing;
    }
    const now = Date.now();
    const queue = this.openQueue({ name, settings, tags: { ...tags }, createdTimestamp: now, lastModifiedTimestamp: now });
    this.saveMetadata();
    return queue;
  }

  /** For deployers: creates the queue, or brings an existing one's attributes up to date (messages kept). */
  ensureQueue(name: string, attributes: Record<string, string> = {}, tags: Record<string, string> = {}): Queue {
    // A template's `FifoQueue: false` says "standard queue", which SQS's API says by leaving the attribute out.
    if (attributes.FifoQueue?.toLowerCase() === 'false') {
      const { FifoQueue: _standard, ...rest } = attributes;
      attributes = rest;
    }
    const existing = this.queues.get(name);
    if (!existing) return this.createQueue(name, attributes, tags);
    this.setAttributes(existing, attributes);
    if (Object.keys(tags).length > 0) this.tagQueue(existing, tags);
    return existing;
  }

  deleteQueue(queue: Queue): void {
    this.queues.delete(queue.name);
    queue.destroy();
    this.saveMetadata();
  }

  listQueues(prefix = ''): Queue[] {
    return [...this.queues.values()].filter((queue) => queue.name.startsWith(prefix)).sort((a, b) => a.name.localeCompare(b.name));
  }

  queueByName(name: string): Queue {
    const queue = this.queues.get(name);
    if (!queue) throw queueDoesNotExist();
    return queue;
  }

  /** Resolves a queue URL of any host (`http://host:port/<account>/<name>`) to its queue. */
  queueByUrl(queueUrl: string): Queue {
    let name: string | undefined;
    try {
      name = new URL(queueUrl).pathname.split('/').filter(Boolean).pop();
    } catch {
      name = undefined;
    }
    if (!name) throw sqsError('InvalidAddress', `The address ${queueUrl} is not valid for this endpoint.`);
    return this.queueByName(decodeURIComponent(name));
  }

  queueByArn(arn: string): Queue {
    const queue = this.queueByArnOrUndefined(arn);
    if (!queue) throw queueDoesNotExist();
    return queue;
  }

  queueUrl(name: string): string {
    return `${this.options.baseUrl().replace(/\/$/, '')}/${ACCOUNT_ID}/${name}`;
  }

  setAttributes(queue: Queue, attributes: Record<string, string>): void {
    const settings = applyAttributes(queue.metadata.settings, attributes, { fifo: queue.fifo, creating: false, deadLetterQueue: (arn) => this.deadLetterQueueOf(arn) });
    queue.metadata = { ...queue.metadata, settings, lastModifiedTimestamp: Date.now() };
    this.saveMetadata();
  }

  /** The attributes asked for (`All` for every one); unknown names are an InvalidAttributeName. */
  attributesOf(queue: Queue, names: readonly string[]): Record<string, string> {
    for (const name of names) {
      if (!READABLE_ATTRIBUTES.has(name)) throw sqsError('InvalidAttributeName', `Unknown Attribute ${name}.`);
    }
    const counts = queue.counts();
    const all: Record<string, string> = {
      QueueArn: queue.arn,
      ApproximateNumberOfMessages: String(counts.visible),
      ApproximateNumberOfMessagesNotVisible: String(counts.inFlight),
      ApproximateNumberOfMessagesDelayed: String(counts.delayed),
      CreatedTimestamp: String(Math.floor(queue.metadata.createdTimestamp / 1000)),
      LastModifiedTimestamp: String(Math.floor(queue.metadata.lastModifiedTimestamp / 1000)),
      // New queues have SSE-SQS on since 2022 (LocalStack's AWS-validated snapshot "set-to-high-throughput").
      SqsManagedSseEnabled: 'true',
      ...settingsAsAttributes(queue.metadata.settings),
    };
    if (names.includes('All')) return all;
    return Object.fromEntries(names.filter((name) => all[name] !== undefined).map((name) => [name, all[name]!]));
  }

  /**
   * AddPermission: a statement in the queue's Policy, as SQS writes it (LocalStack's AWS-validated
   * snapshots of test_sqs_permission_lifecycle: Version 2008-10-17, the statement's Sid is the label,
   * one principal or action as a string, several as a list; a label used twice is InvalidParameterValue).
   */
  addPermission(queue: Queue, label: string, accountIds: string[], actions: string[]): void {
    const policy = this.policyOf(queue) ?? { Version: '2008-10-17', Id: `${queue.arn}/SQSDefaultPolicy`, Statement: [] };
    if (policy.Statement.some((statement) => statement.Sid === label)) {
      throw invalidParameterValue(`Value ${label} for parameter Label is invalid. Reason: Already exists.`);
    }
    const principals = accountIds.map((account) => `arn:aws:iam::${account}:root`);
    const sqsActions = actions.map((action) => `SQS:${action}`);
    policy.Statement.push({
      Sid: label,
      Effect: 'Allow',
      Principal: { AWS: principals.length === 1 ? principals[0]! : principals },
      Action: sqsActions.length === 1 ? sqsActions[0]! : sqsActions,
      Resource: queue.arn,
    });
    this.writePolicy(queue, policy);
  }

  /** RemovePermission: drops the label's statement; the Policy goes with its last statement. */
  removePermission(queue: Queue, label: string): void {
    const policy = this.policyOf(queue);
    const remaining = policy?.Statement.filter((statement) => statement.Sid !== label);
    if (!policy || !remaining || remaining.length === policy.Statement.length) {
      throw invalidParameterValue(`Value ${label} for parameter Label is invalid. Reason: can't find label.`);
    }
    this.writePolicy(queue, remaining.length > 0 ? { ...policy, Statement: remaining } : undefined);
  }

  private policyOf(queue: Queue): QueuePolicy | undefined {
    const text = queue.metadata.settings.passthrough.Policy;
    if (!text) return undefined;
    try {
      const policy = JSON.parse(text) as Partial<QueuePolicy>;
      return { ...policy, Statement: Array.isArray(policy.Statement) ? policy.Statement : [] } as QueuePolicy;
    } catch {
      return undefined;
    }
  }

  private writePolicy(queue: Queue, policy: QueuePolicy | undefined): void {
    const { Policy: _previous, ...passthrough } = queue.metadata.settings.passthrough;
    const settings = { ...queue.metadata.settings, passthrough: policy ? { ...passthrough, Policy: JSON.stringify(policy) } : passthrough };
    queue.metadata = { ...queue.metadata, settings, lastModifiedTimestamp: Date.now() };
    this.saveMetadata();
  }

  tagQueue(queue: Queue, tags: Record<string, string>): void {
    queue.metadata = { ...queue.metadata, tags: { ...queue.metadata.tags, ...tags } };
    this.saveMetadata();
  }

  untagQueue(queue: Queue, keys: string[]): void {
    const tags = { ...queue.metadata.tags };
    for (const key of keys) delete tags[key];
    queue.metadata = { ...queue.metadata, tags };
    this.saveMetadata();
  }

  /** Queues whose redrive policy names this queue as their dead-letter queue. */
  deadLetterSourceQueues(queue: Queue): Queue[] {
    return this.listQueues().filter((source) => {
      const target = source.metadata.settings.redrivePolicy?.deadLetterTargetArn;
      return target !== undefined && this.queueByArnOrUndefined(target) === queue;
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Messages

  /**
   * FIFO queues' requirements of a message (LocalStack's AWS-validated snapshots "missing-parameter",
   * "invalid-parameter-value", "send_message" for DelaySeconds): a MessageGroupId, a deduplication id
   * unless ContentBasedDeduplication, no DelaySeconds of its own (0 is allowed); a standard queue takes
   * no deduplication id. Returns the deduplication id to use.
   */
  fifoRequirements(queue: Queue, message: Pick<NewMessage, 'messageGroupId' | 'messageDeduplicationId' | 'delaySeconds' | 'body'>, missingGroup: 'missing' | 'invalid' = 'missing'): string | undefined {
    const fifo = queue.metadata.settings.fifo;
    if (!fifo) {
      if (message.messageDeduplicationId !== undefined) {
        throw invalidParameterValue(`Value ${message.messageDeduplicationId} for parameter MessageDeduplicationId is invalid. Reason: The request includes a parameter that is not valid for this queue type.`);
      }
      return undefined;
    }
    if (message.delaySeconds) {
      throw invalidParameterValue(`Value ${message.delaySeconds} for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.`);
    }
    if (message.messageGroupId === undefined) {
      // SendMessage answers MissingParameter; SendMessageBatch refuses the whole batch with InvalidParameterValue.
      throw missingGroup === 'missing' ? missingParameter('MessageGroupId') : invalidParameterValue('The request must contain the parameter MessageGroupId.');
    }
    if (message.messageDeduplicationId !== undefined) return message.messageDeduplicationId;
    if (fifo.contentBasedDeduplication) return createHash('sha256').update(message.body, 'utf8').digest('hex');
    throw invalidParameterValue('The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly');
  }

  /**
   * Validates and enqueues messages; returns them as stored (ids and digests). On a FIFO queue a
   * message whose deduplication key was sent in the last 5 minutes is accepted and not enqueued: the
   * answer carries the earlier message's id and sequence number.
   */
  sendMessages(queue: Queue, messages: NewMessage[]): StoredMessage[] {
    const now = Date.now();
    const windowNow = this.now();
    const stored = messages.map((message): StoredMessage => {
      const messageDeduplicationId = this.fifoRequirements(queue, message);
      const delaySeconds = queue.fifo ? queue.metadata.settings.delaySeconds : (message.delaySeconds ?? queue.metadata.settings.delaySeconds);
      const attributes = message.messageAttributes && Object.keys(message.messageAttributes).length > 0 ? message.messageAttributes : undefined;
      const systemAttributes = message.messageSystemAttributes && Object.keys(message.messageSystemAttributes).length > 0 ? message.messageSystemAttributes : undefined;
      const traceHeader = systemAttributes?.AWSTraceHeader?.StringValue ?? message.traceHeader;
      return {
        messageId: randomUUID(),
        body: message.body,
        md5OfBody: md5Hex(message.body),
        ...(attributes && { messageAttributes: attributes, md5OfMessageAttributes: md5OfMessageAttributes(attributes) }),
        ...(traceHeader !== undefined && { traceHeader }),
        ...(systemAttributes && { md5OfMessageSystemAttributes: md5OfMessageAttributes(systemAttributes) }),
        ...(message.messageGroupId !== undefined && { messageGroupId: message.messageGroupId }),
        ...(messageDeduplicationId !== undefined && { messageDeduplicationId }),
        sentTimestamp: now,
        senderId: ACCOUNT_ID,
        receiveCount: 0,
        visibleAt: now + delaySeconds * 1000,
      };
    });
    const enqueued: StoredMessage[] = [];
    const answered = stored.map((message) => {
      if (!queue.fifo) {
        enqueued.push(message);
        return message;
      }
      const earlier = queue.duplicateOf(message, windowNow);
      if (earlier) return { ...message, messageId: earlier.messageId, sequenceNumber: earlier.sequenceNumber };
      message.sequenceNumber = queue.nextSequenceNumber(now);
      queue.rememberSend(message, windowNow);
      enqueued.push(message);
      return message;
    });
    queue.add(enqueued);
    return answered;
  }

  async receiveMessages(queue: Queue, request: ReceiveRequest): Promise<ReceivedMessage[]> {
    const settings = queue.metadata.settings;
    const waitSeconds = request.waitTimeSeconds ?? settings.receiveMessageWaitTimeSeconds;
    const attemptId = queue.fifo ? request.receiveRequestAttemptId : undefined;
    const retried = attemptId === undefined ? undefined : queue.retriedReceive(attemptId, Date.now(), this.now());
    if (retried) return retried;
    const messages = await queue.receive(
      { maxMessages: request.maxMessages, visibilityTimeoutSeconds: request.visibilityTimeoutSeconds },
      waitSeconds * 1000,
      request.signal,
    );
    if (attemptId !== undefined) queue.rememberReceiveAttempt(attemptId, messages, this.now());
    return messages;
  }

  /** Deletes every message; a second purge within 60 s is PurgeQueueInProgress (403), as on SQS. */
  purgeQueue(queue: Queue, now = this.now()): void {
    if (queue.lastPurgeAt !== undefined && now - queue.lastPurgeAt < PURGE_INTERVAL_MS) {
      throw sqsError('PurgeQueueInProgress', `Only one PurgeQueue operation on ${queue.name} is allowed every 60 seconds.`);
    }
    queue.lastPurgeAt = now;
    queue.purge();
  }

  // ---------------------------------------------------------------------------------------------
  // In-process API, by queue ARN

  sendMessageToArn(queueArn: string, body: string, messageAttributes?: Record<string, MessageAttributeValue>, messageGroupId?: string): { messageId: string } {
    const [message] = this.sendMessages(this.queueByArn(queueArn), [{ body, messageAttributes, ...(messageGroupId !== undefined && { messageGroupId }) }]);
    return { messageId: message!.messageId };
  }

  receiveFromArn(queueArn: string, request: ReceiveRequest): Promise<ReceivedMessage[]> {
    return this.receiveMessages(this.queueByArn(queueArn), request);
  }

  /** Deletes by receipt handle; a handle that can no longer delete (a FIFO handle past its timeout) is skipped. */
  deleteFromArn(queueArn: string, receiptHandles: string[]): void {
    const queue = this.queueByArn(queueArn);
    for (const handle of receiptHandles) {
      try {
        queue.deleteByHandle(handle);
      } catch (error) {
        if (!(error instanceof AwsError)) throw error;
      }
    }
  }

  queueExists(queueArn: string): boolean {
    return this.queueByArnOrUndefined(queueArn) !== undefined;
  }

  visibilityTimeoutOf(queueArn: string): number {
    return this.queueByArn(queueArn).metadata.settings.visibilityTimeout;
  }

  // ---------------------------------------------------------------------------------------------
  // Dead-letter queue redrive (StartMessageMoveTask)

  startMessageMoveTask(sourceArn: string, destinationArn?: string, maxNumberOfMessagesPerSecond?: number): MessageMoveTask {
    const source = this.queueByArnOrUndefined(sourceArn);
    if (!source) throw sqsError('ResourceNotFoundException', `The resource that you specified for the SourceArn parameter doesn't exist.`);
    if (this.deadLetterSourceQueues(source).length === 0 && destinationArn === undefined) {
      throw invalidParameterValue('Source queue must be configured as a Dead Letter Queue.');
    }
    if (destinationArn !== undefined && !this.queueExists(destinationArn)) {
      throw sqsError('ResourceNotFoundException', `The resource that you specified for the DestinationArn parameter doesn't exist.`);
    }
    if (this.moveTasks.some((task) => task.sourceArn === sourceArn && task.status === 'RUNNING')) {
      throw sqsError('UnsupportedOperation', 'There is already a task running. Only one active task is allowed for each source queue arn at a given time.');
    }
    const id = randomUUID();
    const task: MessageMoveTask = {
      taskHandle: Buffer.from(JSON.stringify({ taskId: id, sourceArn })).toString('base64'),
      status: 'RUNNING',
      sourceArn,
      destinationArn,
      maxNumberOfMessagesPerSecond,
      approximateNumberOfMessagesMoved: 0,
      approximateNumberOfMessagesToMove: source.counts().visible,
      startedTimestamp: Date.now(),
    };
    this.moveTasks.unshift(task);
    setImmediate(() => this.runMoveTask(task, source));
    return task;
  }

  listMessageMoveTasks(sourceArn: string, maxResults = 1): MessageMoveTask[] {
    if (!this.queueExists(sourceArn)) throw sqsError('ResourceNotFoundException', `The resource that you specified for the SourceArn parameter doesn't exist.`);
    return this.moveTasks.filter((task) => task.sourceArn === sourceArn).slice(0, maxResults);
  }

  cancelMessageMoveTask(taskHandle: string): MessageMoveTask {
    const task = this.moveTasks.find((candidate) => candidate.taskHandle === taskHandle);
    if (!task) throw sqsError('ResourceNotFoundException', 'Task does not exist.');
    if (task.status !== 'RUNNING') throw sqsError('UnsupportedOperation', 'Only active tasks can be cancelled.');
    task.status = 'CANCELLING';
    return task;
  }

  private runMoveTask(task: MessageMoveTask, source: Queue): void {
    const now = Date.now();
    const batch = [...source.messages.values()].filter((message) => message.visibleAt <= now).slice(0, 100);
    for (const message of batch) {
      if (task.status !== 'RUNNING') break;
      const destinationArn = task.destinationArn ?? message.deadLetterQueueSourceArn;
      const destination = destinationArn === undefined ? undefined : this.queueByArnOrUndefined(destinationArn);
      if (!destination) {
        task.status = 'FAILED';
        task.failureReason = `Destination queue ${destinationArn ?? '(unknown: message has no DeadLetterQueueSourceArn)'} does not exist.`;
        return;
      }
      this.transfer(source, destination, message);
      task.approximateNumberOfMessagesMoved++;
    }
    if (task.status === 'CANCELLING') task.status = 'CANCELLED';
    else if (task.status === 'RUNNING' && batch.length === 100) setImmediate(() => this.runMoveTask(task, source));
    else if (task.status === 'RUNNING') task.status = 'COMPLETED';
  }

  // ---------------------------------------------------------------------------------------------

  /** Ends long polls and closes journals. */
  close(): void {
    for (const queue of this.queues.values()) queue.close();
    this.queues.clear();
  }

  /** By name: the stack has one account and one region, so an ARN's account and region are not checked. */
  private queueByArnOrUndefined(arn: string): Queue | undefined {
    const [prefix, , service, , , name] = arn.split(':');
    return prefix === 'arn' && service === 'sqs' && name !== undefined ? this.queues.get(name) : undefined;
  }

  private now(): number {
    return this.options.clock?.() ?? Date.now();
  }

  private deadLetterQueueOf(arn: string): { fifo: boolean } | undefined {
    const queue = this.queueByArnOrUndefined(arn);
    return queue && { fifo: queue.fifo };
  }

  private arnOf(name: string): string {
    return `arn:aws:sqs:${this.options.region}:${ACCOUNT_ID}:${name}`;
  }

  private openQueue(metadata: QueueMetadata): Queue {
    const { journal, messages } = QueueJournal.open(path.join(this.messagesDir, `${metadata.name}.jsonl`), { fsync: this.options.fsync ?? false });
    const queue = new Queue(metadata, this.arnOf(metadata.name), messages, journal, (from, message) =>
      this.moveToDeadLetter(from, message),
    );
    this.queues.set(metadata.name, queue);
    return queue;
  }

  /** Redrive: a message received maxReceiveCount times moves to the DLQ instead of a further receive. */
  private moveToDeadLetter(source: Queue, message: StoredMessage): boolean {
    const arn = source.metadata.settings.redrivePolicy?.deadLetterTargetArn;
    const deadLetterQueue = arn === undefined ? undefined : this.queueByArnOrUndefined(arn);
    if (!deadLetterQueue) return false;
    this.transfer(source, deadLetterQueue, message, source.arn);
    return true;
  }

  /**
   * Moves a message, keeping its id, body, attributes, system attributes (AWSTraceHeader) and send
   * time (written to the target first). A move to the dead-letter queue keeps the receive count and
   * first receive time too (LocalStack's AWS-validated snapshot "dlq-messages": the first receive from
   * the DLQ answers ApproximateReceiveCount 2 after one receive from the source, and the AWSTraceHeader);
   * a move task's redrive starts the count again.
   */
  private transfer(source: Queue, destination: Queue, message: StoredMessage, deadLetterQueueSourceArn?: string): void {
    const { receiptHandle: _receiptHandle, deadLetterQueueSourceArn: _previousSource, receiveCount, firstReceiveTimestamp, ...kept } = message;
    const moved: StoredMessage = {
      ...kept,
      visibleAt: 0,
      ...(deadLetterQueueSourceArn ? { deadLetterQueueSourceArn, receiveCount, firstReceiveTimestamp } : { receiveCount: 0 }),
    };
    destination.add([moved]);
    source.removeIds([message.messageId]);
  }

  private load(): void {
    removeStaleTempFilesSync(path.dirname(this.stateFile));
    removeStaleTempFilesSync(this.messagesDir);
    if (!existsSync(this.stateFile)) return;
    const saved = JSON.parse(readFileSync(this.stateFile, 'utf8')) as { queues: QueueMetadata[] };
    for (const metadata of saved.queues) this.openQueue(metadata);
  }

  private saveMetadata(): void {
    const queues = [...this.queues.values()].map((queue) => queue.metadata);
    writeJsonAtomicSync(this.stateFile, { queues }, { fsync: this.options.fsync ?? false });
  }
}
