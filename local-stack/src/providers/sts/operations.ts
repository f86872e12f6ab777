/**
 * STS's operations, protocol-independent: each reads its parameters by name (as both the query and
 * the JSON protocol deliver them) and returns its result structure.
 */
import { AwsError, type AwsRequest } from '../../core/types';
import { assumeRole, callerIdentity, parseDuration, temporaryCredentials, type TemporaryCredentials } from './model/identity';

/** Parameters as both protocols deliver them: strings by name. */
export type Parameters = (name: string) => string | null;
export type StsOperation = (parameter: Parameters, request: AwsRequest) => Record<string, unknown>;

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

export const STS_OPERATIONS: Record<string, StsOperation> = {
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
