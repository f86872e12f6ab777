/** SES v2 sending identities (email addresses and domains), persisted under `<stateDir>/ses/`. */
import { dirname, join } from 'node:path';
import { readJsonFile, removeStaleTempFiles, writeJsonAtomic } from '../../../core/persistence';
import { AwsError } from '../../../core/types';

export type IdentityType = 'EMAIL_ADDRESS' | 'DOMAIN';

export interface EmailIdentity {
  name: string;
  type: IdentityType;
  createdAt: string;
  tags: Array<{ Key: string; Value: string }>;
}

interface IdentitiesFile {
  identities: EmailIdentity[];
}

export function identityType(name: string): IdentityType {
  return name.includes('@') ? 'EMAIL_ADDRESS' : 'DOMAIN';
}

export class IdentityStore {
  private identities: Map<string, EmailIdentity> | undefined;
  private readonly file: string;

  constructor(stateDir: string) {
    this.file = join(stateDir, 'ses', 'identities.json');
  }

  private async load(): Promise<Map<string, EmailIdentity>> {
    if (!this.identities) {
      await removeStaleTempFiles(dirname(this.file));
      const saved = await readJsonFile<IdentitiesFile>(this.file);
      this.identities = new Map((saved?.identities ?? []).map((identity) => [identity.name, identity]));
    }
    return this.identities;
  }

  private async save(identities: Map<string, EmailIdentity>): Promise<void> {
    await writeJsonAtomic(this.file, { identities: [...identities.values()] } satisfies IdentitiesFile);
  }

  async list(): Promise<EmailIdentity[]> {
    return [...(await this.load()).values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  async get(name: string): Promise<EmailIdentity> {
    const identity = (await this.load()).get(name);
    if (!identity) throw new AwsError('NotFoundException', `Email identity ${name} does not exist.`, 404);
    return identity;
  }

  async create(name: string, tags: EmailIdentity['tags']): Promise<EmailIdentity> {
    const identities = await this.load();
    if (identities.has(name)) throw new AwsError('AlreadyExistsException', `Email identity ${name} already exists.`, 400);
    const identity: EmailIdentity = { name, type: identityType(name), createdAt: new Date().toISOString(), tags };
    identities.set(name, identity);
    await this.save(identities);
    return identity;
  }

  async delete(name: string): Promise<void> {
    const identities = await this.load();
    if (!identities.delete(name)) throw new AwsError('NotFoundException', `Email identity ${name} does not exist.`, 404);
    await this.save(identities);
  }
}
