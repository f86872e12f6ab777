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
  return { account: caller.accountId, arn: caller.arn, userId: caller.accountId };
}

/** A role's unique id (`AROA…`), stable for the role's ARN as on AWS. */
function roleIdOf(roleArn: string): string {
  const digest = createHash('sha256').update(roleArn).digest();
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  return `AROA${Array.from(digest.subarray(0, 17), (byte) => alphabet[byte % alphabet.length]).join('')}`;
}

export function parseDuration(value: string | null, fallback: number): number {
  if (value === null) return fallback;
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds < 900 || seconds > 129_600) {
    throw new AwsError('ValidationError', `1 validation error detected: Value '${value}' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 129600`, 400);
  }
  return seconds;
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]+)$/;

export function assumeRole(store: CredentialStore, roleArn: string, sessionName: string, durationSeconds: number): AssumedRole {
  const match = ROLE_ARN.exec(roleArn);
  if (!match) throw new AwsError('ValidationError', `Invalid RoleArn: ${roleArn}`, 400);
  if (!/^[\w+=,.@-]{2,64}$/.test(sessionName)) {
    throw new AwsError('ValidationError', `Invalid RoleSessionName: ${sessionName}`, 400);
  }
  const [, account, roleName] = match as unknown as [string, string, string];
  const arn = `arn:aws:sts::${account}:assumed-role/${roleName}/${sessionName}`;
  const principal: Principal = { type: 'assumed-role', arn, accountId: account, roleArn, roleName, sessionName };
  return { credentials: store.issueTemporary(principal, durationSeconds), assumedRoleId: `${roleIdOf(roleArn)}:${sessionName}`, arn };
}
