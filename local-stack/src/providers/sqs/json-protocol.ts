/** SQS over the AWS JSON 1.0 protocol (`X-Amz-Target: AmazonSQS.<Operation>`), as SDK v3 speaks it. */
import { toAwsError } from '../../core/errors';
import { dispatchJsonProtocol, type JsonOperationHandler } from '../../core/json-protocol';
import type { AwsError, AwsRequest, AwsResponse } from '../../core/types';
import { jsonTypeOf, queryCodeOf } from './errors';
import { SQS_OPERATIONS } from './operations';
import type { SqsService } from './model/service';
import { requestContext, WireInput } from './wire-input';

export const SQS_TARGET_PREFIX = 'AmazonSQS';

export function jsonHandlers(service: SqsService): Record<string, JsonOperationHandler> {
  return Object.fromEntries(
    Object.entries(SQS_OPERATIONS).map(([name, operation]) => [
      name,
      (input: Record<string, unknown>, request: AwsRequest) => operation(service, new WireInput(input, requestContext(request))),
    ]),
  );
}

export async function handleJsonRequest(
  request: AwsRequest,
  handlers: Readonly<Record<string, JsonOperationHandler>>,
): Promise<AwsResponse> {
  try {
    return await dispatchJsonProtocol(request, { targetPrefix: SQS_TARGET_PREFIX, serviceName: 'SQS', handlers, jsonVersion: '1.0' });
  } catch (error) {
    return jsonErrorResponse(toAwsError(error));
  }
}

/**
 * SQS's JSON error: `{"__type": "com.amazonaws.sqs#QueueDoesNotExist", "message": ...}` and, for SDKs
 * in query-compatible mode, the query code in `x-amzn-query-error: <code>;Sender` (SQS answers every
 * error as the sender's: LocalStack's AWS-validated snapshots record `Type: Sender` throughout).
 */
function jsonErrorResponse(error: AwsError): AwsResponse {
  const type = jsonTypeOf(error.code);
  return {
    status: error.status,
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amzn-query-error': `${queryCodeOf(error.code)};${error.status >= 500 ? 'Receiver' : 'Sender'}`,
    },
    body: JSON.stringify({ __type: type, message: error.message, ...error.extra }),
  };
}
