/** SQS over the AWS JSON 1.0 protocol (`X-Amz-Target: AmazonSQS.<Operation>`), as SDK v3 speaks it. */
import { jsonErrorResponse, QUERY_ERROR_CODE_KEY, toAwsError } from '../../core/errors';
import { dispatchJsonProtocol, type JsonOperationHandler } from '../../core/json-protocol';
import { AwsError, type AwsRequest, type AwsResponse } from '../../core/types';
import { queryCodeOf } from './errors';
import { SQS_OPERATIONS } from './operations';
import type { SqsService } from './model/service';
import { WireInput } from './wire-input';

export const SQS_TARGET_PREFIX = 'AmazonSQS';

export function jsonHandlers(service: SqsService): Record<string, JsonOperationHandler> {
  return Object.fromEntries(
    Object.entries(SQS_OPERATIONS).map(([name, operation]) => [name, (input: Record<string, unknown>) => operation(service, new WireInput(input))]),
  );
}

export async function handleJsonRequest(
  request: AwsRequest,
  handlers: Readonly<Record<string, JsonOperationHandler>>,
): Promise<AwsResponse> {
  try {
    return await dispatchJsonProtocol(request, { targetPrefix: SQS_TARGET_PREFIX, serviceName: 'SQS', handlers, jsonVersion: '1.0' });
  } catch (error) {
    const awsError = toAwsError(error);
    // SDKs in query-compatible mode take the error code from the x-amzn-query-error header.
    const withQueryCode = new AwsError(awsError.code, awsError.message, awsError.status, {
      ...awsError.extra,
      [QUERY_ERROR_CODE_KEY]: queryCodeOf(awsError.code),
    });
    const response = jsonErrorResponse(withQueryCode);
    return { ...response, headers: { ...response.headers, 'content-type': 'application/x-amz-json-1.0' } };
  }
}
