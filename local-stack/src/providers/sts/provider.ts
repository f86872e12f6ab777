/**
 * STS: GetCallerIdentity, AssumeRole, GetSessionToken. The SDKs speak the query protocol; the
 * awsJson1.0 form (`X-Amz-Target: AWSSecurityTokenServiceV20110615.<Action>`) gets the same results.
 */
import { CredentialStore } from '../../core/credentials';
import { dispatchJsonProtocol } from '../../core/json-protocol';
import { declareOperations } from '../../core/operations';
import { dispatchQueryProtocol, structureToXml } from '../../core/query-protocol';
import type { AwsRequest, AwsResponse, Provider } from '../../core/types';
import { STS_OPERATIONS } from './operations';

export const STS_XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';
const JSON_TARGET_PREFIX = 'AWSSecurityTokenServiceV20110615';

/** awsJson timestamps are epoch seconds. */
function withEpochSeconds(value: unknown): unknown {
  if (value instanceof Date) return value.getTime() / 1000;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withEpochSeconds(item)]));
  }
  return value;
}

export class StsProvider implements Provider {
  readonly signingNames = ['sts'] as const;
  readonly operations = declareOperations(STS_OPERATIONS, { protocols: ['query', 'json'], jsonTargetPrefix: JSON_TARGET_PREFIX });

  /** The stack's one CredentialStore: the server verifies signatures against it, STS issues from it. */
  constructor(readonly credentials: CredentialStore = new CredentialStore()) {}

  handle(request: AwsRequest): Promise<AwsResponse> {
    if (request.headers['x-amz-target'] !== undefined) {
      const handlers = Object.fromEntries(
        Object.entries(STS_OPERATIONS).map(([name, operation]) => [
          name,
          (input: Record<string, unknown>, jsonRequest: AwsRequest) =>
            withEpochSeconds(operation((field) => (input[field] === undefined ? null : String(input[field])), jsonRequest, this.credentials)),
        ]),
      );
      return dispatchJsonProtocol(request, { targetPrefix: JSON_TARGET_PREFIX, serviceName: 'STS', handlers, jsonVersion: '1.0' });
    }
    const handlers = Object.fromEntries(
      Object.entries(STS_OPERATIONS).map(([name, operation]) => [
        name,
        (params: URLSearchParams, queryRequest: AwsRequest) => structureToXml(operation((field) => params.get(field), queryRequest, this.credentials)),
      ]),
    );
    return dispatchQueryProtocol(request, { serviceName: 'STS', xmlns: STS_XMLNS, handlers });
  }
}
