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

export function parseDuration(value: string | null, fallback: number): number {
  if (value === null) return fallback;
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds < 900 || seconds > 129_600) {
    throw new AwsError('ValidationError', `1 validation error detected: Value '${value}' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 129600`, 400);
  }
  return seconds;
}

const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:.*\/)?([\w+=,.@-]+)$/;

export function assumeRole(roleArn: string, sessionName: string, durationSeconds: number): AssumedRole {
  const match = ROLE_ARN.exec(roleArn);
  if (!match) throw new AwsError('ValidationError', `Invalid RoleArn: ${roleArn}`, 400);
  if (!/^[\w+=,.@-]{2,64}$/.test(sessionName)) {
    throw new AwsError('ValidationError', `Invalid RoleSessionName: ${sessionName}`, 400);
  }
  const [, account, roleName] = match as unknown as [string, string, string];
  const roleId = randomId('AROA', 17);
  return {
    credentials: temporaryCredentials(durationSeconds),
    assumedRoleId: `${roleId}:${sessionName}`,
    arn: `arn:aws:sts::${account}:assumed-role/${roleName}/${sessionName}`,
  };
}
