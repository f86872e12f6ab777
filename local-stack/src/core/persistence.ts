/**
 * Crash-safe state files: every write goes to a temporary file in the same directory and is then
 * renamed over the target, so a stack killed mid-write leaves either the old or the new content.
 * Temporary files are named `.tmp-<target name>-<uuid>` (`tempPathFor`): directory scans skip them
 * (they never end in the target's extension) and `removeStaleTempFiles(Sync)` removes what a killed
 * process left. The rename alone survives a crash of the stack; `fsync: true` also flushes the file
 * and its directory, so that the write survives a crash of the machine.
 *
 * One helper per way of writing, sync or async: `writeFileAtomic(Sync)`, `writeJsonAtomic(Sync)`,
 * `writeStreamAtomic`. State files are never written any other way.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, createWriteStream, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export const TEMP_PREFIX = '.tmp-';

export interface AtomicWriteOptions {
  /** Flush the file and its directory to disk before returning (survives a machine crash). Default false. */
  fsync?: boolean;
}

export function tempPathFor(target: string): string {
  return join(dirname(target), `${TEMP_PREFIX}${basename(target)}-${randomUUID()}`);
}

export function isTempName(name: string): boolean {
  return name.startsWith(TEMP_PREFIX);
}

/** Pretty-printed with a final newline: state files stay readable (and diffable) by a person. */
function jsonText(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

export async function writeFileAtomic(target: string, data: string | Buffer, options: AtomicWriteOptions = {}): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  const temp = tempPathFor(target);
  try {
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(data);
      if (options.fsync) await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  if (options.fsync) await fsyncDirectory(dirname(target));
}

export async function writeJsonAtomic(target: string, value: unknown, options: AtomicWriteOptions = {}): Promise<void> {
  await writeFileAtomic(target, jsonText(value), options);
}

/**
 * The synchronous form, for state that must be on disk before the operation is acknowledged by
 * code that cannot await (SQS, Lambda, EventBridge stores). `data` may come in chunks, so a large
 * file (a journal's compaction) is never one string in memory.
 */
export function writeFileAtomicSync(target: string, data: string | Buffer | Iterable<string | Buffer>, options: AtomicWriteOptions = {}): void {
  const temp = tempPathFor(target);
  try {
    const fd = openCreatingDirectory(temp);
    try {
      const chunks = typeof data === 'string' || Buffer.isBuffer(data) ? [data] : data;
      // writeFileSync on a descriptor writes the whole chunk at the current position.
      for (const chunk of chunks) writeFileSync(fd, chunk);
      if (options.fsync) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, target);
  } catch (error) {
    rmSync(temp, { force: true });
    throw error;
  }
  if (options.fsync) fsyncDirectorySync(dirname(target));
}

export function writeJsonAtomicSync(target: string, value: unknown, options: AtomicWriteOptions = {}): void {
  writeFileAtomicSync(target, jsonText(value), options);
}

/** Streams into `target` atomically; the stream's errors reject and leave no file behind. */
export async function writeStreamAtomic(target: string, source: Readable): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  const temp = tempPathFor(target);
  try {
    await pipeline(source, createWriteStream(temp));
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** Opens `path` for writing, creating its directory when it does not exist yet (not on every write: this is the hot path). */
function openCreatingDirectory(path: string): number {
  try {
    return openSync(path, 'w');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    mkdirSync(dirname(path), { recursive: true });
    return openSync(path, 'w');
  }
}

/** A rename is durable once its directory is flushed; file systems that cannot flush a directory are skipped. */
async function fsyncDirectory(directory: string): Promise<void> {
  let handle;
  try {
    handle = await open(directory, 'r');
    await handle.sync();
  } catch (error) {
    if (!isUnsupportedDirectorySync(error)) throw error;
  } finally {
    await handle?.close();
  }
}

function fsyncDirectorySync(directory: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(directory, 'r');
    fsyncSync(fd);
  } catch (error) {
    if (!isUnsupportedDirectorySync(error)) throw error;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function isUnsupportedDirectorySync(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'EISDIR' || code === 'EINVAL' || code === 'EPERM' || code === 'EBADF';
}

/** The parsed file, or `undefined` when it does not exist. */
export async function readJsonFile<T>(path: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return JSON.parse(text) as T;
}

/** Entries of a directory, or none when it does not exist. */
export async function listDirectory(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/**
 * Removes temporary files a killed process left in `directory` (not recursive). Call it when the
 * directory's state is loaded, before anything writes there.
 */
export async function removeStaleTempFiles(directory: string): Promise<number> {
  const stale = (await listDirectory(directory)).filter(isTempName);
  await Promise.all(stale.map((name) => rm(join(directory, name), { force: true, recursive: true })));
  return stale.length;
}

export function removeStaleTempFilesSync(directory: string): number {
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  const stale = names.filter(isTempName);
  for (const name of stale) rmSync(join(directory, name), { force: true, recursive: true });
  return stale.length;
}

/** Serialises async work per key (e.g. per object key) while letting different keys run in parallel. */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const current = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => current);
    this.tails.set(key, tail);
    await previous;
    try {
      return await work();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
