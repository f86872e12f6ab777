/**
 * The SQS API operations, protocol-independent: each takes the request's parameters in the JSON
 * protocol's shape and returns the JSON protocol's result shape. The query protocol adapter maps
 * its form parameters and XML onto the same shapes.
 */
import { AwsError } from '../../core/types';
import { messageIdOfReceiptHandle, type Queue } from './model/queue';
import { invalidParameterValue, missingParameter, queryCodeOf, sqsError } from './errors';
import { md5OfMessageAttributes } from './model/md5';
import type { MessageAttributeValue, ReceivedMessage, StoredMessage } from './model/types';
import type { NewMessage, SqsService } from './model/service';
import { invalidValue, WireInput } from './wire-input';

export type SqsResult = Record<string, unknown>;
export type SqsOperation = (service: SqsService, input: WireInput) => Promise<SqsResult> | SqsResult;

const BATCH_ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;
/** A batch's total size limit, whatever the queue's MaximumMessageSize (AWS's quota since 2025: 1 MiB). */
export const MAX_BATCH_BYTES = 1_048_576;
const MESSAGE_ATTRIBUTE_NAME = /^(?!\.)(?!.*\.\.)(?!.*\.$)(?!aws\.|amazon\.)[A-Za-z0-9_.-]{1,256}$/i;
const DATA_TYPE = /^(String|Number|Binary)(\..+)?$/;
// XML-safe characters, as SQS allows in a body: #x9 #xA #xD #x20-#xD7FF #xE000-#xFFFD #x10000-#x10FFFF
const ALLOWED_BODY = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;

export const SQS_OPERATIONS: Record<string, SqsOperation> = {
  CreateQueue(service, input) {
    const queue = service.createQueue(input.string('QueueName'), input.stringMap('Attributes'), input.stringMap('tags'));
    return { QueueUrl: service.queueUrl(queue.name) };
  },

  GetQueueUrl(service, input) {
    return { QueueUrl: service.queueUrl(service.queueByName(input.string('QueueName')).name) };
  },

  ListQueues(service, input) {
    const maxResults = input.optionalInteger('MaxResults', 1, 1000);
    const queues = service.listQueues(input.optionalString('QueueNamePrefix'));
    const { page, nextToken } = paginate(
      queues.map((queue) => service.queueUrl(queue.name)),
      maxResults,
      input.optionalString('NextToken'),
    );
    return { ...(page.length > 0 && { QueueUrls: page }), ...(nextToken && { NextToken: nextToken }) };
  },

  DeleteQueue(service, input) {
    service.deleteQueue(queueOf(service, input));
    return {};
  },

  PurgeQueue(service, input) {
    service.purgeQueue(queueOf(service, input));
    return {};
  },

  GetQueueAttributes(service, input) {
    const attributes = service.attributesOf(queueOf(service, input), input.stringList('AttributeNames'));
    return Object.keys(attributes).length > 0 ? { Attributes: attributes } : {};
  },

  SetQueueAttributes(service, input) {
    service.setAttributes(queueOf(service, input), input.stringMap('Attributes'));
    return {};
  },

  AddPermission(service, input) {
    service.addPermission(queueOf(service, input), input.string('Label'), nonEmptyList(input, 'AWSAccountIds'), nonEmptyList(input, 'Actions'));
    return {};
  },

  RemovePermission(service, input) {
    service.removePermission(queueOf(service, input), input.string('Label'));
    return {};
  },

  TagQueue(service, input) {
    service.tagQueue(queueOf(service, input), input.stringMap('Tags'));
    return {};
  },

  UntagQueue(service, input) {
    service.untagQueue(queueOf(service, input), input.stringList('TagKeys'));
    return {};
  },

  ListQueueTags(service, input) {
    const tags = queueOf(service, input).metadata.tags;
    return Object.keys(tags).length > 0 ? { Tags: tags } : {};
  },

  ListDeadLetterSourceQueues(service, input) {
    const sources = service.deadLetterSourceQueues(queueOf(service, input)).map((queue) => service.queueUrl(queue.name));
    const { page, nextToken } = paginate(sources, input.optionalInteger('MaxResults', 1, 1000), input.optionalString('NextToken'));
    return { queueUrls: page, ...(nextToken && { NextToken: nextToken }) };
  },

  SendMessage(service, input) {
    const queue = queueOf(service, input);
    const [message] = service.sendMessages(queue, [newMessage(queue, input)]);
    return sendResult(message!);
  },

  SendMessageBatch(service, input) {
    const queue = queueOf(service, input);
    const entries = batchEntries(input, 'SendMessageBatchRequestEntry');
    // A FIFO batch with an entry lacking its group or deduplication id fails as a whole (LocalStack's
    // AWS-validated snapshots "test_missing_message_group_id_for_fifo_queue", "test_missing_deduplication_id_for_fifo_queue").
    if (queue.fifo) {
      for (const entry of entries) {
        service.fifoRequirements(
          queue,
          { body: String(entry.raw.MessageBody ?? ''), messageGroupId: optionalId(entry, 'MessageGroupId'), messageDeduplicationId: optionalId(entry, 'MessageDeduplicationId') },
          'invalid',
        );
      }
    }
    // Body and attributes of all entries count, against the fixed batch limit (LocalStack's AWS-validated
    // snapshot "send_oversized_message_batch": 1,048,576 + 1 bytes sent is refused as a whole).
    const totalSize = entries.reduce((sum, entry) => sum + messageSize(String(entry.raw.MessageBody ?? ''), entry.raw.MessageAttributes), 0);
    if (totalSize > MAX_BATCH_BYTES) {
      throw sqsError('BatchRequestTooLong', `Batch requests cannot be longer than ${MAX_BATCH_BYTES} bytes. You have sent ${totalSize} bytes.`);
    }
    return perEntry(entries, (entry) => {
      const [message] = service.sendMessages(queue, [newMessage(queue, entry, 'batch')]);
      return sendResult(message!);
    });
  },

  async ReceiveMessage(service, input) {
    const queue = queueOf(service, input);
    const messages = await service.receiveMessages(queue, {
      maxMessages: input.optionalInteger('MaxNumberOfMessages', 1, 10) ?? 1,
      visibilityTimeoutSeconds: input.optionalInteger('VisibilityTimeout', 0, 43_200),
      // AWS's wording (LocalStack's AWS-validated snapshot "recieve_message_error_too_large").
      waitTimeSeconds: input.optionalInteger('WaitTimeSeconds', 0, 20, 'Must be >= 0 and <= 20, if provided.'),
      receiveRequestAttemptId: input.optionalString('ReceiveRequestAttemptId'),
    });
    if (messages.length === 0) return {};
    const systemAttributeNames = [...input.stringList('AttributeNames'), ...input.stringList('MessageSystemAttributeNames')];
    const messageAttributeNames = input.stringList('MessageAttributeNames');
    return { Messages: messages.map((message) => messageResult(message, systemAttributeNames, messageAttributeNames)) };
  },

  DeleteMessage(service, input) {
    queueOf(service, input).deleteByHandle(validReceiptHandle(input.string('ReceiptHandle')));
    return {};
  },

  DeleteMessageBatch(service, input) {
    const queue = queueOf(service, input);
    return perEntry(batchEntries(input, 'DeleteMessageBatchRequestEntry'), (entry) => {
      queue.deleteByHandle(validReceiptHandle(entry.string('ReceiptHandle')));
      return {};
    });
  },

  ChangeMessageVisibility(service, input) {
    changeVisibility(queueOf(service, input), input);
    return {};
  },

  ChangeMessageVisibilityBatch(service, input) {
    const queue = queueOf(service, input);
    return perEntry(batchEntries(input, 'ChangeMessageVisibilityBatchRequestEntry'), (entry) => {
      changeVisibility(queue, entry);
      return {};
    });
  },

  StartMessageMoveTask(service, input) {
    const task = service.startMessageMoveTask(
      input.string('SourceArn'),
      input.optionalString('DestinationArn'),
      input.optionalInteger('MaxNumberOfMessagesPerSecond', 1, 500),
    );
    return { TaskHandle: task.taskHandle };
  },

  ListMessageMoveTasks(service, input) {
    const tasks = service.listMessageMoveTasks(input.string('SourceArn'), input.optionalInteger('MaxResults', 1, 10));
    return {
      Results: tasks.map((task) => ({
        ...(task.status === 'RUNNING' && { TaskHandle: task.taskHandle }),
        Status: task.status,
        SourceArn: task.sourceArn,
        ...(task.destinationArn && { DestinationArn: task.destinationArn }),
        ...(task.maxNumberOfMessagesPerSecond && { MaxNumberOfMessagesPerSecond: task.maxNumberOfMessagesPerSecond }),
        ApproximateNumberOfMessagesMoved: task.approximateNumberOfMessagesMoved,
        ApproximateNumberOfMessagesToMove: task.approximateNumberOfMessagesToMove,
        ...(task.failureReason && { FailureReason: task.failureReason }),
        StartedTimestamp: task.startedTimestamp,
      })),
    };
  },

  CancelMessageMoveTask(service, input) {
    const task = service.cancelMessageMoveTask(input.string('TaskHandle'));
    return { ApproximateNumberOfMessagesMoved: task.approximateNumberOfMessagesMoved };
  },
};

function nonEmptyList(input: WireInput, name: string): string[] {
  const list = input.stringList(name);
  if (list.length === 0) throw missingParameter(name);
  return list;
}

function queueOf(service: SqsService, input: WireInput): Queue {
  return service.queueByUrl(input.string('QueueUrl'));
}

/**
 * A message to send, validated. In a batch an oversized entry fails alone, in AWS's batch wording
 * (LocalStack's AWS-validated snapshot "send-message-batch-result": "One or more parameters cannot be validated").
 */
function newMessage(queue: Queue, input: WireInput, context: 'single' | 'batch' = 'single'): NewMessage {
  const body = input.string('MessageBody');
  if (!ALLOWED_BODY.test(body)) {
    throw sqsError('InvalidMessageContents', 'Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF');
  }
  const messageAttributes = messageAttributesOf(input.objectMap('MessageAttributes'));
  const size = Buffer.byteLength(body) + attributesSize(messageAttributes);
  const limit = queue.metadata.settings.maximumMessageSize;
  if (size > limit) {
    const reason = context === 'batch' ? 'One or more parameters cannot be validated.' : 'One or more parameters are invalid.';
    throw invalidParameterValue(`${reason} Reason: Message must be shorter than ${limit} bytes.`);
  }
  return {
    body,
    messageAttributes,
    messageSystemAttributes: messageSystemAttributesOf(input.objectMap('MessageSystemAttributes')),
    ...(input.context.traceHeader !== undefined && { traceHeader: input.context.traceHeader }),
    messageGroupId: optionalId(input, 'MessageGroupId'),
    messageDeduplicationId: optionalId(input, 'MessageDeduplicationId'),
    delaySeconds: input.optionalInteger('DelaySeconds', 0, 900),
  };
}

/**
 * MessageGroupId (FIFO queues, and fair standard queues since 2025) or MessageDeduplicationId: 1 to
 * 128 printable ASCII characters other than space (the message quotas' "alphanumeric and punctuation");
 * an empty one is invalid, not missing (LocalStack's AWS-validated snapshots "error-response" of
 * test_send_message_to_standard_queue_with_invalid_message_group_id and test_message_deduplication_id_invalid).
 */
function optionalId(input: WireInput, name: 'MessageGroupId' | 'MessageDeduplicationId'): string | undefined {
  const value = input.raw[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || !/^[\x21-\x7E]{1,128}$/.test(value)) {
    throw invalidValue(name, value, `${name} can only include alphanumeric and punctuation characters. 1 to 128 in length.`);
  }
  return value;
}

function sendResult(message: StoredMessage): Record<string, unknown> {
  return {
    MessageId: message.messageId,
    MD5OfMessageBody: message.md5OfBody,
    ...(message.md5OfMessageAttributes && { MD5OfMessageAttributes: message.md5OfMessageAttributes }),
    ...(message.md5OfMessageSystemAttributes && { MD5OfMessageSystemAttributes: message.md5OfMessageSystemAttributes }),
    ...(message.sequenceNumber && { SequenceNumber: message.sequenceNumber }),
  };
}

/** MessageSystemAttributes: the model's MessageSystemAttributeNameForSends has one name, AWSTraceHeader, a String. */
function messageSystemAttributesOf(raw: Record<string, Record<string, unknown>> | undefined): Record<string, MessageAttributeValue> | undefined {
  if (!raw || Object.keys(raw).length === 0) return undefined;
  for (const [name, value] of Object.entries(raw)) {
    if (name !== 'AWSTraceHeader') throw invalidParameterValue(`Message system attribute name '${name}' is invalid.`);
    if (value.DataType !== 'String' || typeof value.StringValue !== 'string' || value.StringValue === '') {
      throw invalidParameterValue(`Message system attribute '${name}' must contain a non-empty value of type 'String'.`);
    }
  }
  return { AWSTraceHeader: { DataType: 'String', StringValue: String(raw.AWSTraceHeader!.StringValue) } };
}

function messageAttributesOf(raw: Record<string, Record<string, unknown>> | undefined): Record<string, MessageAttributeValue> | undefined {
  if (!raw || Object.keys(raw).length === 0) return undefined;
  const names = Object.keys(raw);
  if (names.length > 10) throw invalidParameterValue(`Number of message attributes [${names.length}] exceeds the allowed maximum [10].`);
  const attributes: Record<string, MessageAttributeValue> = {};
  for (const name of names) {
    const value = raw[name]!;
    if (!MESSAGE_ATTRIBUTE_NAME.test(name)) throw invalidParameterValue(`Message (user) attribute name '${name}' is invalid.`);
    const dataType = value.DataType;
    if (typeof dataType !== 'string' || !DATA_TYPE.test(dataType)) {
      throw invalidParameterValue(`The type of message (user) attribute '${name}' is invalid. You must use only the following supported type prefixes: Binary, Number, String.`);
    }
    if (dataType.startsWith('Binary')) {
      const binary = value.BinaryValue;
      if (typeof binary !== 'string' || binary.length === 0) {
        throw invalidParameterValue(`Message (user) attribute '${name}' must contain a non-empty value of type '${dataType}'.`);
      }
      attributes[name] = { DataType: dataType, BinaryValue: binary };
    } else {
      const text = value.StringValue;
      if (typeof text !== 'string' || text.length === 0) {
        throw invalidParameterValue(`Message (user) attribute '${name}' must contain a non-empty value of type '${dataType}'.`);
      }
      if (dataType.startsWith('Number') && !Number.isFinite(Number(text))) {
        throw invalidParameterValue(`Could not cast message attribute '${name}' value to number.`);
      }
      attributes[name] = { DataType: dataType, StringValue: text };
    }
  }
  return attributes;
}

/** A message's size as SQS counts it: the body, and each attribute's name, type and value. */
function messageSize(body: string, rawAttributes: unknown): number {
  const attributes = typeof rawAttributes === 'object' && rawAttributes !== null ? (rawAttributes as Record<string, MessageAttributeValue>) : undefined;
  return Buffer.byteLength(body) + attributesSize(attributes);
}

function attributesSize(attributes: Record<string, MessageAttributeValue> | undefined): number {
  if (!attributes) return 0;
  return Object.entries(attributes).reduce(
    (sum, [name, value]) =>
      sum +
      Buffer.byteLength(name) +
      Buffer.byteLength(String(value?.DataType ?? '')) +
      (typeof value?.BinaryValue === 'string' ? Buffer.from(value.BinaryValue, 'base64').length : Buffer.byteLength(String(value?.StringValue ?? ''))),
    0,
  );
}

function messageResult(message: ReceivedMessage, systemAttributeNames: string[], messageAttributeNames: string[]): Record<string, unknown> {
  const wantsAllSystem = systemAttributeNames.includes('All');
  const attributes = Object.fromEntries(
    Object.entries(message.systemAttributes).filter(([name]) => wantsAllSystem || systemAttributeNames.includes(name)),
  );
  const selected = selectMessageAttributes(message.messageAttributes, messageAttributeNames);
  return {
    MessageId: message.messageId,
    ReceiptHandle: message.receiptHandle,
    MD5OfBody: message.md5OfBody,
    Body: message.body,
    ...(Object.keys(attributes).length > 0 && { Attributes: attributes }),
    ...(selected && { MD5OfMessageAttributes: md5OfMessageAttributes(selected), MessageAttributes: selected }),
  };
}

/**
 * Message attributes by the names asked for: `All`, `*` or `.*` for every one, `<prefix>.*` for those
 * whose name starts with the prefix, else exact names; names no attribute has (`AWS.`, `..foo`) select
 * nothing and are no error. LocalStack's AWS-validated snapshots of
 * test_receive_message_message_attribute_names_filters: `Hel.*` selects `Hello` and `Help.Me`.
 */
export function selectMessageAttributes(
  attributes: Record<string, MessageAttributeValue> | undefined,
  names: readonly string[],
): Record<string, MessageAttributeValue> | undefined {
  if (!attributes || names.length === 0) return undefined;
  const wanted = (name: string): boolean =>
    names.some(
      (pattern) =>
        pattern === 'All' || pattern === '*' || pattern === '.*' || pattern === name || (pattern.endsWith('.*') && name.startsWith(pattern.slice(0, -2))),
    );
  const selected = Object.fromEntries(Object.entries(attributes).filter(([name]) => wanted(name)));
  return Object.keys(selected).length > 0 ? selected : undefined;
}

function validReceiptHandle(receiptHandle: string): string {
  if (messageIdOfReceiptHandle(receiptHandle) === undefined) {
    throw sqsError('ReceiptHandleIsInvalid', `The input receipt handle "${receiptHandle}" is not a valid receipt handle.`);
  }
  return receiptHandle;
}

function changeVisibility(queue: Queue, input: WireInput): void {
  const receiptHandle = validReceiptHandle(input.string('ReceiptHandle'));
  const timeout = input.integer('VisibilityTimeout', 0, 43_200);
  if (!queue.changeVisibility(receiptHandle, timeout)) {
    // LocalStack's AWS-validated test_change_visibility_on_deleted_message_raises_invalid_parameter_value: InvalidParameterValue.
    throw invalidParameterValue(`Value ${receiptHandle} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.`);
  }
}

function batchEntries(input: WireInput, entryName: string): WireInput[] {
  const entries = input.objectList('Entries');
  if (entries.length === 0) throw sqsError('EmptyBatchRequest', `There should be at least one ${entryName} in the request.`);
  if (entries.length > 10) throw sqsError('TooManyEntriesInBatchRequest', `Maximum number of entries per request are 10. You have sent ${entries.length}.`);
  const seen = new Set<string>();
  for (const entry of entries) {
    // A missing or empty id is an invalid one (LocalStack's AWS-validated snapshot "test_delete_message_batch_invalid_msg_id[sqs-]").
    const id = typeof entry.raw.Id === 'string' ? entry.raw.Id : '';
    if (!BATCH_ENTRY_ID.test(id)) {
      throw sqsError('InvalidBatchEntryId', 'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.');
    }
    if (seen.has(id)) throw sqsError('BatchEntryIdsNotDistinct', `Id ${id} repeated.`);
    seen.add(id);
  }
  return entries;
}

/** Runs each entry on its own: an entry's failure is reported in `Failed`, the others go on. */
function perEntry(entries: WireInput[], run: (entry: WireInput) => Record<string, unknown>): SqsResult {
  const successful: Record<string, unknown>[] = [];
  const failed: Record<string, unknown>[] = [];
  for (const entry of entries) {
    const id = entry.string('Id');
    try {
      successful.push({ Id: id, ...run(entry) });
    } catch (error) {
      if (!(error instanceof AwsError)) throw error;
      // A failed entry carries the query-protocol code in both protocols ("InvalidParameterValue", "ReceiptHandleIsInvalid").
      failed.push({ Id: id, SenderFault: error.status < 500, Code: queryCodeOf(error.code), Message: error.message });
    }
  }
  return { Successful: successful, Failed: failed };
}

function paginate(items: string[], maxResults: number | undefined, nextToken: string | undefined): { page: string[]; nextToken?: string } {
  let start = 0;
  if (nextToken !== undefined) {
    start = Number(Buffer.from(nextToken, 'base64').toString('utf8'));
    if (!Number.isInteger(start) || start < 0) throw invalidValue('NextToken', nextToken, 'Invalid NextToken value.');
  }
  if (maxResults === undefined) return { page: items.slice(start, start + 1000) };
  const end = start + maxResults;
  return { page: items.slice(start, end), ...(end < items.length && { nextToken: Buffer.from(String(end)).toString('base64') }) };
}
