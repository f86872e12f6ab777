/** STS semantics without the wire: who the caller is and the temporary credentials it may get (issued by the stack's CredentialStore). */
import { createHash } from 'node:crypto';
import type { CredentialStore, IssuedCredentials, Principal } from '../../../core/credentials';
import { AwsError } from '../../../core/types';

export interface CallerIdentity {
  account: string;
  arn: string;
  userId: string;
}

export interface AssumedRole {
  credentials: IssuedCredentials;
  assumedRoleId: string;
  arn: string;
}

/** The verified caller (request.caller) as GetCallerIdentity names it. */
export function callerIdentity(caller: Principal): CallerIdentity {
  if (caller.type === 'assumed-role') {
    return { account: caller.accountId, arn: caller.arn, userId: `${roleIdOf(caller.roleArn ?? caller.arn)}:${caller.sessionName ?? ''}` };
  }
  if (caller.type === 'federated-user') return { account: caller.accountId, arn: caller.arn, userId: `${caller.accountId}:${caller.sessionName ?? ''}` };
  return { account: caller.accountId, arn: caller.arn, userId: caller.accountId };
}

/** A role's unique id (`AROA…`), stable for the role's ARN as on AWS. */
function roleIdOf(roleArn: string): string {
  const digest = createHash('sha256').update(roleArn).digest();
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  return `AROA${Array.from(digest.subarray(0, 17), (byte) => alphabet[byte % alphabet.length]).join('')}`;
}

export interface FederationToken {
  credentials: IssuedCredentials;
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
export function federationToken(store: CredentialStore, accountId: string, name: string, durationSeconds: number, policy?: string): FederationToken {
  const packedPolicySize = policy === undefined ? 0 : Math.ceil((Buffer.byteLength(policy.replace(/\s+/g, '')) * 100) / PACKED_POLICY_LIMIT);
  if (packedPolicySize > 100) {
    throw new AwsError('PackedPolicyTooLarge', `Packed policy consumes ${packedPolicySize}% of allotted space, please use smaller policy.`, 400);
  }
  const arn = `arn:aws:sts::${accountId}:federated-user/${name}`;
  const principal: Principal = { type: 'federated-user', arn, accountId, sessionName: name };
  return { credentials: store.issueTemporary(principal, Math.min(durationSeconds, ROOT_FEDERATION_MAX_SECONDS)), federatedUserId: `${accountId}:${name}`, arn, packedPolicySize };
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
export function assumeRole(store: CredentialStore, callerArn: string, roleArn: string, sessionName: string, durationSeconds: number): AssumedRole {
  if (!ARN.test(roleArn)) throw new AwsError('ValidationError', `${roleArn} is invalid`, 400);
  const match = ROLE_ARN.exec(roleArn);
  if (!match) throw new AwsError('AccessDenied', `User: ${callerArn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`, 403);
  const [, account, roleName] = match as unknown as [string, string, string];
  const arn = `arn:aws:sts::${account}:assumed-role/${roleName}/${sessionName}`;
  const principal: Principal = { type: 'assumed-role', arn, accountId: account, roleArn, roleName, sessionName };
  return { credentials: store.issueTemporary(principal, durationSeconds), assumedRoleId: `${roleIdOf(roleArn)}:${sessionName}`, arn };
}
