/**
 * STS: GetCallerIdentity, AssumeRole, GetSessionToken. The SDKs speak the query protocol; the
 * awsJson1.0 form (`X-Amz-Target: AWSSecurityTokenServiceV20110615.<Action>`) gets the same results.
 */
import { dispatchJsonProtocol } from '../../core/json-protocol';
import { declareOperations } from '../../core/operations';
import { dispatchQueryProtocol, structureToXml } from '../../core/query-protocol';
import { AwsError, type AwsRequest, type AwsResponse, type Provider } from '../../core/types';
import { assumeRole, callerIdentity, parseDuration, temporaryCredentials, type TemporaryCredentials } from './model/identity';

export const STS_XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';
const JSON_TARGET_PREFIX = 'AWSSecurityTokenServiceV20110615';

/** Parameters as both protocols deliver them: strings by name. */
type Parameters = (name: string) => string | null;
type StsOperation = (parameter: Parameters, request: AwsRequest) => Record<string, unknown>;

function required(parameter: Parameters, name: string): string {
  const value = parameter(name);
  if (!value) {
    throw new AwsError(
      'ValidationError',
      `1 validation error detected: Value null at '${name[0]?.toLowerCase()}${name.slice(1)}' failed to satisfy constraint: Member must not be null`,
      400,
    );
  }
  return value;
}

function credentialsStructure(credentials: TemporaryCredentials): Record<string, unknown> {
  return {
    AccessKeyId: credentials.accessKeyId,
    SecretAccessKey: credentials.secretAccessKey,
    SessionToken: credentials.sessionToken,
    Expiration: credentials.expiration,
  };
}

const operations: Record<string, StsOperation> = {
  GetCallerIdentity: (_parameter, request) => {
    const identity = callerIdentity(request.accountId);
    return { Arn: identity.arn, UserId: identity.userId, Account: identity.account };
  },
  AssumeRole: (parameter) => {
    const role = assumeRole(
      required(parameter, 'RoleArn'),
      required(parameter, 'RoleSessionName'),
      parseDuration(parameter('DurationSeconds'), 3600),
    );
    return {
      Credentials: credentialsStructure(role.credentials),
      AssumedRoleUser: { AssumedRoleId: role.assumedRoleId, Arn: role.arn },
    };
  },
  GetSessionToken: (parameter) => ({
    Credentials: credentialsStructure(temporaryCredentials(parseDuration(parameter('DurationSeconds'), 43_200))),
  }),
};

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
  readonly operations = declareOperations(operations, { protocols: ['query', 'json'], jsonTargetPrefix: JSON_TARGET_PREFIX });

  handle(request: AwsRequest): Promise<AwsResponse> {
    if (request.headers['x-amz-target'] !== undefined) {
      const handlers = Object.fromEntries(
        Object.entries(operations).map(([name, operation]) => [
          name,
          (input: Record<string, unknown>, jsonRequest: AwsRequest) =>
            withEpochSeconds(operation((field) => (input[field] === undefined ? null : String(input[field])), jsonRequest)),
        ]),
      );
      return dispatchJsonProtocol(request, { targetPrefix: JSON_TARGET_PREFIX, serviceName: 'STS', handlers, jsonVersion: '1.0' });
    }
    const handlers = Object.fromEntries(
      Object.entries(operations).map(([name, operation]) => [
        name,
        (params: URLSearchParams, queryRequest: AwsRequest) => structureToXml(operation((field) => params.get(field), queryRequest)),
      ]),
    );
    return dispatchQueryProtocol(request, { serviceName: 'STS', xmlns: STS_XMLNS, handlers });
  }
}
