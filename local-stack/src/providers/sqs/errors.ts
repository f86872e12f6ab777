import { AwsError } from '../../core/types';

/**
 * SQS's errors, each by the name of its JSON-protocol error shape (the `AwsError.code` thrown):
 * the JSON protocol's `__type` (with its namespace), and the older query-protocol code that the
 * query protocol answers and that the JSON protocol sends in the `x-amzn-query-error` header
 * (`<code>;Sender`), from which SDKs in query-compatible mode take the error's code.
 *
 * Sources: botocore's and SDK v3's SQS models (the shapes, their `awsQueryError` codes and HTTP
 * statuses: @aws-sdk/client-sqs's error schemas), and real AWS answers recorded in LocalStack's
 * AWS-validated snapshots (tests/aws/services/sqs/test_sqs.snapshot.json): there botocore reads
 * `Code: InvalidParameterValue, QueryErrorCode: InvalidParameterValueException` and
 * `Code: MissingParameter, QueryErrorCode: MissingRequiredParameterException`; the two generic
 * validation errors are not in the model and carry Coral's namespace on AWS.
 */
const ERRORS = {
  QueueDoesNotExist: { queryCode: 'AWS.SimpleQueueService.NonExistentQueue', status: 400 },
  QueueNameExists: { queryCode: 'QueueAlreadyExists', status: 400 },
  QueueDeletedRecently: { queryCode: 'AWS.SimpleQueueService.QueueDeletedRecently', status: 400 },
  InvalidAttributeName: { queryCode: 'InvalidAttributeName', status: 400 },
  InvalidAttributeValue: { queryCode: 'InvalidAttributeValue', status: 400 },
  InvalidParameterValueException: { queryCode: 'InvalidParameterValue', status: 400, namespace: 'com.amazon.coral.service' },
  MissingRequiredParameterException: { queryCode: 'MissingParameter', status: 400, namespace: 'com.amazon.coral.service' },
  InvalidMessageContents: { queryCode: 'InvalidMessageContents', status: 400 },
  ReceiptHandleIsInvalid: { queryCode: 'ReceiptHandleIsInvalid', status: 404 },
  MessageNotInflight: { queryCode: 'AWS.SimpleQueueService.MessageNotInflight', status: 400 },
  PurgeQueueInProgress: { queryCode: 'AWS.SimpleQueueService.PurgeQueueInProgress', status: 403 },
  EmptyBatchRequest: { queryCode: 'AWS.SimpleQueueService.EmptyBatchRequest', status: 400 },
  TooManyEntriesInBatchRequest: { queryCode: 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest', status: 400 },
  BatchEntryIdsNotDistinct: { queryCode: 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct', status: 400 },
  InvalidBatchEntryId: { queryCode: 'AWS.SimpleQueueService.InvalidBatchEntryId', status: 400 },
  BatchRequestTooLong: { queryCode: 'AWS.SimpleQueueService.BatchRequestTooLong', status: 400 },
  UnsupportedOperation: { queryCode: 'AWS.SimpleQueueService.UnsupportedOperation', status: 400 },
  ResourceNotFoundException: { queryCode: 'ResourceNotFoundException', status: 404 },
  InvalidAddress: { queryCode: 'InvalidAddress', status: 404 },
} satisfies Record<string, { queryCode: string; status: number; namespace?: string }>;

export type SqsErrorCode = keyof typeof ERRORS;

function entryOf(code: string): { queryCode: string; status: number; namespace?: string } | undefined {
  return Object.hasOwn(ERRORS, code) ? ERRORS[code as SqsErrorCode] : undefined;
}

export function sqsError(code: SqsErrorCode, message: string): AwsError {
  return new AwsError(code, message, ERRORS[code].status);
}

/** The query-protocol code of an error (the code itself for errors outside SQS's table). */
export function queryCodeOf(code: string): string {
  return entryOf(code)?.queryCode ?? code;
}

/** The JSON protocol's `__type`: `<namespace>#<shape>` for SQS's errors, the code as it is otherwise. */
export function jsonTypeOf(code: string): string {
  const entry = entryOf(code);
  return entry ? `${entry.namespace ?? 'com.amazonaws.sqs'}#${code}` : code;
}

export function queueDoesNotExist(): AwsError {
  return sqsError('QueueDoesNotExist', 'The specified queue does not exist.');
}

export function invalidParameterValue(message: string): AwsError {
  return sqsError('InvalidParameterValueException', message);
}

export function missingParameter(name: string): AwsError {
  return sqsError('MissingRequiredParameterException', `The request must contain the parameter ${name}.`);
}
