/**
 * The awsJson1.0 / awsJson1.1 protocols (SQS, EventBridge, Glue, SageMaker): `POST /` with
 * `X-Amz-Target: <Prefix>.<Operation>` and a JSON body; and REST-JSON response helpers.
 */
import { notImplemented } from './errors';
import { authorizeDispatched, type OperationAuthorization } from './iam';
import { AwsError, type AwsRequest, type AwsResponse } from './types';

export type JsonVersion = '1.0' | '1.1';

export type JsonOperationHandler = (
  input: Record<string, unknown>,
  request: AwsRequest,
) => unknown | Promise<unknown>;

export interface JsonProtocolOptions {
  /** The `X-Amz-Target` prefix, e.g. `AmazonSQS` or `AWSEvents`. */
  targetPrefix: string;
  /** Service name for error messages. */
  serviceName: string;
  handlers: Readonly<Record<string, JsonOperationHandler>>;
  jsonVersion?: JsonVersion;
  /** IAM: the operation's declared permissions are checked for the caller before its handler runs. */
  authorization?: OperationAuthorization;
}

export function jsonResponse(body: unknown, jsonVersion: JsonVersion = '1.1', status = 200): AwsResponse {
  return {
    status,
    headers: { 'content-type': `application/x-amz-json-${jsonVersion}` },
    body: JSON.stringify(body ?? {}),
  };
}

/** REST-JSON (SES v2, Lambda) success response. */
export function restJsonResponse(body: unknown, status = 200): AwsResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) };
}

/** Parses a JSON object body; an empty body is `{}`; anything else is a SerializationException. */
export function parseJsonBody(request: Pick<AwsRequest, 'body'>): Record<string, unknown> {
  if (request.body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(request.body.toString('utf8'));
  } catch (error) {
    throw new AwsError('SerializationException', `Request body is not valid JSON: ${(error as Error).message}`, 400);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new AwsError('SerializationException', 'Request body must be a JSON object', 400);
  }
  return parsed as Record<string, unknown>;
}

/** The operation named by `X-Amz-Target`, checked against the expected prefix. */
export function jsonTargetOperation(request: Pick<AwsRequest, 'headers'>, targetPrefix: string): string {
  const target = request.headers['x-amz-target'];
  if (typeof target !== 'string' || target === '') {
    throw new AwsError('MissingAuthenticationTokenException', 'Missing X-Amz-Target header', 400);
  }
  const dot = target.lastIndexOf('.');
  const prefix = dot < 0 ? '' : target.slice(0, dot);
  if (prefix !== targetPrefix) {
    throw new AwsError('UnknownOperationException', `Unknown target ${target} (expected ${targetPrefix}.<Operation>)`, 400);
  }
  return target.slice(dot + 1);
}

/** Routes a JSON-protocol request to its operation handler; unknown operations are named in the error. */
export async function dispatchJsonProtocol(request: AwsRequest, options: JsonProtocolOptions): Promise<AwsResponse> {
  const operation = jsonTargetOperation(request, options.targetPrefix);
  const handler = Object.hasOwn(options.handlers, operation) ? options.handlers[operation] : undefined;
  if (!handler) throw notImplemented(options.serviceName, operation, 'json');
  const input = parseJsonBody(request);
  authorizeDispatched(options.authorization, operation, input, request);
  const output = await handler(input, request);
  return jsonResponse(output, options.jsonVersion);
}
