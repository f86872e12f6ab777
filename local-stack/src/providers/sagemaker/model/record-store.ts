/**
 * One kind of SageMaker resource (training jobs, models, ...) kept in memory and persisted as one
 * JSON file per resource under `<dir>/`, written atomically. Names are case-insensitive, as in
 * SageMaker (ARNs carry them in lower case), so records are keyed by the lower-cased name.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { KeyedMutex, listDirectory, readJsonFile, removeStaleTempFiles, writeJsonAtomic } from '../../../core/persistence';

export interface Tag {
  Key: string;
  Value?: string;
}

/** A resource's tag list (mutated in place) and how to persist it: what AddTags / ListTags / DeleteTags work on. */
export interface Taggable {
  tags: Tag[];
  save(): Promise<void>;
}

export class RecordStore<T extends { Tags: Tag[] }> {
  private readonly records = new Map<string, T>();
  private readonly writes = new KeyedMutex();

  constructor(
    private readonly dir: string,
    private readonly nameOf: (record: T) => string,
    /** The error SageMaker answers for a name it does not know (it names the ARN). */
    private readonly notFound: (name: string, region: string, accountId: string) => Error,
  ) {}

  async load(): Promise<void> {
    await removeStaleTempFiles(this.dir);
    for (const file of await listDirectory(this.dir)) {
      if (!file.endsWith('.json')) continue;
      const record = await readJsonFile<T>(join(this.dir, file));
      if (record !== undefined) this.records.set(this.nameOf(record).toLowerCase(), record);
    }
  }

  get(name: string): T | undefined {
    return this.records.get(name.toLowerCase());
  }

  has(name: string): boolean {
    return this.records.has(name.toLowerCase());
  }

  all(): T[] {
    return [...this.records.values()];
  }

  /** The record, or the resource's not-found error. */
  require(name: string, region: string, accountId: string): T {
    const record = this.get(name);
    if (record === undefined) throw this.notFound(name, region, accountId);
    return record;
  }

  taggable(name: string): Taggable | undefined {
    const record = this.get(name);
    return record && { tags: record.Tags, save: () => this.put(record) };
  }

  /** Stores the record; the file always ends up holding the latest version, whatever the write order. */
  async put(record: T): Promise<void> {
    const key = this.nameOf(record).toLowerCase();
    this.records.set(key, record);
    await this.writes.run(key, async () => {
      const latest = this.records.get(key);
      if (latest !== undefined) await writeJsonAtomic(this.fileFor(key), latest);
    });
  }

  async delete(name: string): Promise<void> {
    const key = name.toLowerCase();
    this.records.delete(key);
    await this.writes.run(key, () => rm(this.fileFor(key), { force: true }));
  }

  private fileFor(key: string): string {
    return join(this.dir, `${key}.json`);
  }
}
