/** STS semantics without the wire: who the caller is and the temporary credentials it may get. */
import { randomBytes } from 'node:crypto';
import { AwsError } from '../../../core/types';

export interface CallerIdentity {
  account: string;
  arn: string;
  userId: string;
}

export interface TemporaryCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

export interface AssumedRole {
  credentials: TemporaryCredentials;
  assumedRoleId: string;
  arn: string;
}

/** Any credentials are the account's root: the local stack does not model IAM users. */
export function callerIdentity(accountId: string): CallerIdentity {
  return { account: accountId, arn: `arn:aws:iam::${accountId}:root`, userId: accountId };
}

function randomId(prefix: string, length: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bytes = randomBytes(length);
  return prefix + Array.from(bytes, (byte) => alphabet[byte % alphabet.length]).join('');
}

export function temporaryCredentials(durationSeconds: number, now = new Date()): TemporaryCredentials {
  return {
    accessKeyId: randomId('ASIA', 16),
    secretAccessKey: randomBytes(30).toString('base64'),
    sessionToken: randomBytes(96).toString('base64'),
    expiration: new Date(now.getTime() + durationSeconds * 1000),
  };
}

export interface FederationToken {
  credentials: TemporaryCredentials;
  federatedUserId: string;
  arn: string;
  packedPolicySize: number;
}

/** The packed size limit of session policies and tags STS allows (PackedPolicySize is a percentage of it). */
const PACKED_POLICY_LIMIT = 2048;

/**
 * GetFederationToken for the caller's account. The local caller is the account's root, whose
 * federation sessions last at most an hour: a longer DurationSeconds gets an hour (botocore's
 * GetFederationTokenRequest documentation). PackedPolicySize is the policy's share of the packed
 * limit (the local stack does not compress policies as STS does).
 */
export function federationToken(accountId: string, name: string, durationSeconds: number, policy?: string): FederationToken {
  const packedPolicySize = policy === undefined ? 0 : Math.ceil((Buffer.byteLength(policy.replace(/\s+/g, '')) * 100) / PACKED_POLICY_LIMIT);
  if (packedPolicySize > 100) {
    throw new AwsError('PackedPolicyTooLarge', `Packed policy consumes ${packedPolicySize}% of allotted space, please use smaller policy.`, 400);
  }
  return {
    credentials: temporaryCredentials(Math.min(durationSeconds, ROOT_FEDERATION_MAX_SECONDS)),
    federatedUserId: `${accountId}:${name}`,
    arn: `arn:aws:sts::${accountId}:federated-user/${name}`,
    packedPolicySize,
  };
}

const ROOT_FEDERATION_MAX_SECONDS = 3600;

/** An ARN as STS reads one: `arn:<partition>:<service>:<region>:<account>:<resource>`, partition, service and resource present. */
const ARN = /^arn:[^:]+:[^:]+:[^:]*:[^:]*:.+$/;
const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]+)$/;

/**
 * AssumeRole once the request's constraints hold: a RoleArn that is no ARN is "<arn> is invalid"
 * (LocalStack's recorded AWS answers, test_sts_invalid_parameters); an ARN that names no role is
 * refused as AWS refuses a role it cannot assume (AccessDenied).
 */
export function assumeRole(callerArn: string, roleArn: string, sessionName: string, durationSeconds: number): AssumedRole {
  if (!ARN.test(roleArn)) throw new AwsError('ValidationError', `${roleArn} is invalid`, 400);
  const match = ROLE_ARN.exec(roleArn);
  if (!match) throw new AwsError('AccessDenied', `User: ${callerArn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`, 403);
  const [, account, roleName] = match as unknown as [string, string, string];
  const roleId = randomId('AROA', 17);
  return {
    credentials: temporaryCredentials(durationSeconds),
    assumedRoleId: `${roleId}:${sessionName}`,
    arn: `arn:aws:sts::${account}:assumed-role/${roleName}/${sessionName}`,
  };
}
