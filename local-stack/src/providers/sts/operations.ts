/**
 * STS's operations, protocol-independent: each reads its parameters by name (as both the query and
 * the JSON protocol deliver them) and returns its result structure.
 */
import { checkConstraint, validationMessage, type ConstraintRules, type ConstraintViolation } from '../../core/constraints';
import type { CredentialStore, IssuedCredentials } from '../../core/credentials';
import { AwsError, type AwsRequest } from '../../core/types';
import { assumeRole, callerIdentity, federationToken } from './model/identity';

/** Parameters as both protocols deliver them: strings by name. */
export type Parameters = (name: string) => string | null;
export type StsOperation = (parameter: Parameters, request: AwsRequest, credentials: CredentialStore) => Record<string, unknown>;

/** botocore's sts 2011-06-15 constraints of the members the local stack reads. */
const NAME_PATTERN = { pattern: /^[\w+=,.@-]*$/, patternText: '[\\w+=,.@-]*' };
const CONSTRAINTS: Record<string, Record<string, ConstraintRules>> = {
  AssumeRole: {
    RoleArn: { required: true, min: 20, max: 2048 },
    RoleSessionName: { required: true, min: 2, max: 64, ...NAME_PATTERN },
    DurationSeconds: { min: 900, max: 43_200 },
  },
  GetSessionToken: { DurationSeconds: { min: 900, max: 129_600 } },
  GetFederationToken: {
    Name: { required: true, min: 2, max: 32, ...NAME_PATTERN },
    Policy: { min: 1, max: 2048, pattern: /^[\t\n\r\u0020-\u00FF]+$/, patternText: '[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+' },
    DurationSeconds: { min: 900, max: 129_600 },
  },
};

/**
 * The operation's parameters, checked against the model's constraints with AWS's message (LocalStack's
 * recorded AWS answers, test_sts_invalid_parameters: `1 validation error detected: Value 'Session1:2' at
 * 'roleSessionName' failed to satisfy constraint: ...`); integers are read as numbers.
 */
function validated(operation: string, parameter: Parameters): Record<string, string | number | undefined> {
  const violations: ConstraintViolation[] = [];
  const values: Record<string, string | number | undefined> = {};
  for (const [name, rules] of Object.entries(CONSTRAINTS[operation] ?? {})) {
    const text = parameter(name) ?? undefined;
    const value = text !== undefined && name === 'DurationSeconds' ? integerParameter(name, text) : text;
    checkConstraint(violations, value === '' ? undefined : value, `${name[0]!.toLowerCase()}${name.slice(1)}`, rules);
    values[name] = value;
  }
  if (violations.length > 0) throw new AwsError('ValidationError', validationMessage(violations), 400);
  return values;
}

function integerParameter(name: string, text: string): number {
  const value = Number(text);
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(value)) throw new AwsError('MalformedInput', `Invalid value for ${name}: ${text}`, 400);
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
  AssumeRole: (parameter, request, credentials) => {
    const input = validated('AssumeRole', parameter);
    const role = assumeRole(credentials, request.caller.arn, String(input.RoleArn), String(input.RoleSessionName), Number(input.DurationSeconds ?? 3600));
    return {
      Credentials: credentialsStructure(role.credentials),
      AssumedRoleUser: { AssumedRoleId: role.assumedRoleId, Arn: role.arn },
    };
  },
  // Credentials that act as the caller, for as long as asked.
  GetSessionToken: (parameter, request, credentials) => {
    const input = validated('GetSessionToken', parameter);
    return { Credentials: credentialsStructure(credentials.issueTemporary(request.caller, Number(input.DurationSeconds ?? 43_200))) };
  },
  GetFederationToken: (parameter, request, credentials) => {
    const input = validated('GetFederationToken', parameter);
    const policy = input.Policy === undefined ? undefined : String(input.Policy);
    if (policy !== undefined) {
      try {
        JSON.parse(policy);
      } catch {
        throw new AwsError('MalformedPolicyDocument', 'The policy is not in the valid JSON format.', 400);
      }
    }
    const token = federationToken(credentials, request.accountId, String(input.Name), Number(input.DurationSeconds ?? 43_200), policy);
    return {
      Credentials: credentialsStructure(token.credentials),
      FederatedUser: { FederatedUserId: token.federatedUserId, Arn: token.arn },
      PackedPolicySize: token.packedPolicySize,
    };
  },
};
