/**
 * AWS error responses, one serialiser per wire protocol, so that every SDK parses the error code
 * the provider threw (an `AwsError`) exactly as it would from AWS.
 */
import { AwsError, type AwsProtocol, type AwsResponse } from './types';
import { el, renderXmlDocument } from './xml';

/**
 * `AwsError.extra` key that JSON-protocol services compatible with the query protocol (SQS) set to
 * the legacy query error code; it is sent as the `x-amzn-query-error` header the SDKs read.
 */
export const QUERY_ERROR_CODE_KEY = 'queryErrorCode';

/** Turns anything thrown into an AwsError; non-AWS errors become a 500 InternalError. */
export function toAwsError(error: unknown): AwsError {
  if (error instanceof AwsError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new AwsError('InternalError', `The local stack failed to handle the request: ${message}`, 500);
}

/** The error an unimplemented operation answers with, naming it (never a silent success). */
export function notImplemented(service: string, operation: string, protocol: AwsProtocol = 'rest-xml'): AwsError {
  const message = `The local stack does not implement ${service} operation ${operation}`;
  switch (protocol) {
    case 'json':
      return new AwsError('UnknownOperationException', message, 400);
    case 'query':
      return new AwsError('InvalidAction', message, 400);
    default:
      return new AwsError('NotImplemented', message, 501);
  }
}

function faultType(error: AwsError): 'Sender' | 'Receiver' {
  return error.status >= 500 ? 'Receiver' : 'Sender';
}

/** awsJson1.0 / awsJson1.1: `{"__type": code, "message": ...}`. */
export function jsonErrorResponse(error: AwsError): AwsResponse {
  const { [QUERY_ERROR_CODE_KEY]: queryCode, ...extra } = error.extra;
  const headers: Record<string, string> = {
    'content-type': 'application/x-amz-json-1.1',
    'x-amzn-errortype': error.code,
  };
  if (queryCode !== undefined) headers['x-amzn-query-error'] = `${queryCode};${faultType(error)}`;
  return {
    status: error.status,
    headers,
    body: JSON.stringify({ __type: error.code, message: error.message, ...extra }),
  };
}

/** REST-JSON (SES v2, Lambda): code in the `x-amzn-ErrorType` header, message in the body. */
export function restJsonErrorResponse(error: AwsError): AwsResponse {
  return {
    status: error.status,
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': error.code },
    body: JSON.stringify({ message: error.message, ...error.extra }),
  };
}

/** Query protocol (STS, SQS query mode): `<ErrorResponse><Error><Type/><Code/><Message/></Error>...`. */
export function queryErrorResponse(error: AwsError, requestId: string, xmlns?: string): AwsResponse {
  const body = el(
    'ErrorResponse',
    [
      el('Error', [
        el('Type', faultType(error)),
        el('Code', error.code),
        el('Message', error.message),
        Object.entries(error.extra).map(([name, value]) => el(name, value)),
      ]),
      el('RequestId', requestId),
    ],
    xmlns ? { xmlns } : {},
  );
  return { status: error.status, headers: { 'content-type': 'text/xml' }, body: renderXmlDocument(body) };
}

/** REST-XML (S3): `<Error><Code/><Message/>...<RequestId/></Error>`. */
export function restXmlErrorResponse(error: AwsError, requestId: string): AwsResponse {
  const body = el('Error', [
    el('Code', error.code),
    el('Message', error.message),
    Object.entries(error.extra).map(([name, value]) => el(name, value)),
    el('RequestId', requestId),
    el('HostId', requestId),
  ]);
  return { status: error.status, headers: { 'content-type': 'application/xml' }, body: renderXmlDocument(body) };
}

export function errorResponse(protocol: AwsProtocol, error: AwsError, requestId: string): AwsResponse {
  switch (protocol) {
    case 'json':
      return jsonErrorResponse(error);
    case 'rest-json':
      return restJsonErrorResponse(error);
    case 'query':
      return queryErrorResponse(error, requestId);
    case 'rest-xml':
      return restXmlErrorResponse(error, requestId);
  }
}
