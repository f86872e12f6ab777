/**
 * Who may sign requests to the local stack: the documented long-term local keys (the account's root,
 * the user acting as administrator) and the temporary credentials the stack itself issues (STS
 * AssumeRole / GetSessionToken, and the role credentials of Lambda, Glue and SageMaker runs).
 *
 * One store per stack. Temporary credentials are kept in `<stateDir>/sts/credentials.json`, so they
 * survive a restart until they expire; expired ones are dropped when the store loads or issues.
 * Server side (core/authentication.ts) the store answers `lookup`; after verification a request
 * carries the credentials' `principal` as `request.caller`.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { writeJsonAtomicSync } from './persistence';
import { ACCOUNT_ID } from './types';

export interface Principal {
  readonly type: 'account-root' | 'assumed-role' | 'federated-user';
  /** `arn:aws:iam::<account>:root`, `arn:aws:sts::<account>:assumed-role/<role>/<session>` or `arn:aws:sts::<account>:federated-user/<name>`. */
  readonly arn: string;
  readonly accountId: string;
  /** For an assumed role: the role's own ARN (`arn:aws:iam::<account>:role/<path><name>`). */
  readonly roleArn?: string;
  readonly roleName?: string;
  /** The assumed role's session name, or the federated user's name. */
  readonly sessionName?: string;
}

export interface StoredCredentials {
  readonly secretAccessKey: string;
  /** Present for temporary credentials: requests must carry it (`X-Amz-Security-Token`). */
  readonly sessionToken?: string;
  readonly expiresAt?: Date;
  readonly principal: Principal;
}

export interface IssuedCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
}

export interface LongTermKey {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** The documented local credentials: `local`/`local` and `test`/`test`. */
export const DEFAULT_LOCAL_KEYS: readonly LongTermKey[] = [
  { accessKeyId: 'local', secretAccessKey: 'local' },
  { accessKeyId: 'test', secretAccessKey: 'test' },
];

export function accountRoot(accountId = ACCOUNT_ID): Principal {
  return { type: 'account-root', arn: `arn:aws:iam::${accountId}:root`, accountId };
}

/**
 * `LOCAL_STACK_CREDENTIALS`: `key:secret` pairs separated by commas (`local:local,test:test`); they
 * replace the defaults. Throws on a pair without both halves.
 */
export function parseLocalKeys(value: string | undefined): readonly LongTermKey[] {
  if (value === undefined || value.trim() === '') return DEFAULT_LOCAL_KEYS;
  return value.split(',').map((pair) => {
    const colon = pair.indexOf(':');
    const accessKeyId = pair.slice(0, colon).trim();
    const secretAccessKey = pair.slice(colon + 1).trim();
    if (colon < 0 || accessKeyId === '' || secretAccessKey === '') {
      throw new Error(`LOCAL_STACK_CREDENTIALS: "${pair}" is not key:secret (e.g. local:local,test:test)`);
    }
    return { accessKeyId, secretAccessKey };
  });
}

interface PersistedCredential {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiresAt: string;
  principal: Principal;
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function randomAccessKeyId(prefix: string, length = 16): string {
  return prefix + Array.from(randomBytes(length), (byte) => ID_ALPHABET[byte % ID_ALPHABET.length]).join('');
}

export interface CredentialStoreOptions {
  /** Long-term keys, all the account's root (default: DEFAULT_LOCAL_KEYS). */
  localKeys?: readonly LongTermKey[];
  /** Where temporary credentials are kept; in memory only when absent. */
  stateDir?: string;
  accountId?: string;
  now?: () => Date;
}

export class CredentialStore {
  private readonly longTerm = new Map<string, StoredCredentials>();
  private readonly temporary = new Map<string, PersistedCredential>();
  private readonly file: string | undefined;
  private readonly now: () => Date;

  constructor(options: CredentialStoreOptions = {}) {
    const root = accountRoot(options.accountId);
    for (const key of options.localKeys ?? DEFAULT_LOCAL_KEYS) this.longTerm.set(key.accessKeyId, { secretAccessKey: key.secretAccessKey, principal: root });
    this.now = options.now ?? (() => new Date());
    this.file = options.stateDir === undefined ? undefined : path.join(options.stateDir, 'sts', 'credentials.json');
    this.load();
  }

  /** The credentials of an access key id, or undefined for a key the stack does not know. Expired ones are returned (with `expiresAt`) so that the caller can say so. */
  lookup(accessKeyId: string): StoredCredentials | undefined {
    const longTerm = this.longTerm.get(accessKeyId);
    if (longTerm) return longTerm;
    const issued = this.temporary.get(accessKeyId);
    if (!issued) return undefined;
    return { secretAccessKey: issued.secretAccessKey, sessionToken: issued.sessionToken, expiresAt: new Date(issued.expiresAt), principal: issued.principal };
  }

  /** New temporary credentials (`ASIA…`) acting as `principal` for `durationSeconds`. */
  issueTemporary(principal: Principal, durationSeconds: number): IssuedCredentials {
    const expiration = new Date(this.now().getTime() + durationSeconds * 1000);
    const issued: PersistedCredential = {
      accessKeyId: randomAccessKeyId('ASIA'),
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: randomBytes(96).toString('base64'),
      expiresAt: expiration.toISOString(),
      principal,
    };
    this.dropExpired();
    this.temporary.set(issued.accessKeyId, issued);
    this.save();
    return { accessKeyId: issued.accessKeyId, secretAccessKey: issued.secretAccessKey, sessionToken: issued.sessionToken, expiration };
  }

  private dropExpired(): void {
    const now = this.now().getTime();
    for (const [id, issued] of this.temporary) if (Date.parse(issued.expiresAt) <= now) this.temporary.delete(id);
  }

  private load(): void {
    if (this.file === undefined) return;
    let entries: unknown;
    try {
      entries = JSON.parse(readFileSync(this.file, 'utf8'));
    } catch {
      return; // none issued yet (or a torn file: temporary credentials are re-issued on demand)
    }
    if (!Array.isArray(entries)) return;
    for (const entry of entries as PersistedCredential[]) {
      if (typeof entry?.accessKeyId === 'string' && typeof entry.secretAccessKey === 'string' && typeof entry.expiresAt === 'string') this.temporary.set(entry.accessKeyId, entry);
    }
    this.dropExpired();
  }

  private save(): void {
    if (this.file === undefined) return;
    writeJsonAtomicSync(this.file, [...this.temporary.values()]);
  }
}
