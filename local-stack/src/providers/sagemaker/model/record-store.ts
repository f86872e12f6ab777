/**
 * One kind of SageMaker resource (training jobs, models, ...) kept in memory and persisted as one
 * JSON file per resource under `<dir>/`, written atomically. Names are case-insensitive, as in
 * SageMaker (ARNs carry them in lower case), so records are keyed by the lower-cased name.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { KeyedMutex, listDirectory, readJsonFile, removeStaleTempFiles, writeJsonAtomic } from '../../../core/persistence';

export class RecordStore<T> {
  private readonly records = new Map<string, T>();
  private readonly writes = new KeyedMutex();

  constructor(
    private readonly dir: string,
    private readonly nameOf: (record: T) => string,
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
