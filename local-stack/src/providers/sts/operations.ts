/**
 * STS's operations, protocol-independent: each reads its parameters by name (as both the query and
 * the JSON protocol deliver them) and returns its result structure.
 */
import type { CredentialStore, IssuedCredentials } from '../../core/credentials';
import { AwsError, type AwsRequest } from '../../core/types';
import { assumeRole, callerIdentity, parseDuration } from './model/identity';

/** Parameters as both protocols deliver them: strings by name. */
export type Parameters = (name: string) => string | null;
export type StsOperation = (parameter: Parameters, request: AwsRequest, credentials: CredentialStore) => Record<string, unknown>;

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

function credentialsStructure(credentials: IssuedCredentials): Record<string, unknown> {
  return {
    AccessKeyId: credentials.accessKeyId,
    SecretAccessKey: credentials.secretAccessKey,
    SessionToken: credentials.sessionToken,
    Expiration: credentials.expiration,
  };
}

export const STS_OPERATIONS: Record<string, StsOperation> = {
  GetCallerIdentity: (_parameter, request) => {
    const identity = callerIdentity(request.caller);
    return { Arn: identity.arn, UserId: identity.userId, Account: identity.account };
  },
  AssumeRole: (parameter, _request, credentials) => {
    const role = assumeRole(
      credentials,
      required(parameter, 'RoleArn'),
      required(parameter, 'RoleSessionName'),
      parseDuration(parameter('DurationSeconds'), 3600),
    );
    return {
      Credentials: credentialsStructure(role.credentials),
      AssumedRoleUser: { AssumedRoleId: role.assumedRoleId, Arn: role.arn },
    };
  },
  // Credentials that act as the caller, for as long as asked.
  GetSessionToken: (parameter, request, credentials) => ({
    Credentials: credentialsStructure(credentials.issueTemporary(request.caller, parseDuration(parameter('DurationSeconds'), 43_200))),
  }),
};
