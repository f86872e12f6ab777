/**
 * Work that must survive a restart of the stack and may be retried: each item is a JSON file in
 * `directory`, written (atomically) before `add` returns, so that what was acknowledged is never
 * lost. Items are attempted on the next turn of the event loop, rescheduled by their owner after a
 * failure (`retry`), and removed once settled (`settle`). `resume()` picks up what a previous run
 * left; `stop()` cancels what is scheduled and leaves the files for the next start.
 * EventBridge target deliveries and Lambda's asynchronous invocations are such queues: each
 * implements `attempt`, and decides there what a failure means (retry when, dead-letter where).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { removeStaleTempFilesSync, writeJsonAtomicSync } from './persistence';

export interface DurableQueueSettings<Item> {
  directory: string;
  /** The item's file name (without `.json`): unique and stable across retries. */
  idOf(item: Item): string;
  /** An attempt threw (a bug, not a failed delivery): reported, and the item stays on disk. */
  onUnexpectedError(item: Item, error: unknown): void;
}

export abstract class DurableQueue<Item> {
  /** Cancellers of scheduled attempts. */
  private readonly scheduled = new Set<() => void>();
  /** Attempts in progress. */
  private active = 0;
  private stoppedFlag = false;

  constructor(private readonly settings: DurableQueueSettings<Item>) {
    mkdirSync(settings.directory, { recursive: true });
  }

  /** One attempt; it ends by calling `retry` or `settle` (or neither once `stopped`: the item stays for the next start). */
  protected abstract attempt(item: Item): Promise<void>;

  /** Persists the item, then attempts it right away (after the caller has answered). */
  protected add(item: Item): void {
    this.save(item);
    this.schedule(item, 0);
  }

  /** Persists the item as it is now (its failures counted) and attempts it again after `delayMs`. */
  protected retry(item: Item, delayMs: number): void {
    this.save(item);
    this.schedule(item, delayMs);
  }

  /** The item is done with (delivered, dead-lettered or dropped): its file goes. */
  protected settle(item: Item): void {
    rmSync(this.fileOf(item), { force: true });
  }

  /** Schedules the items a previous run left; a torn file (a crash mid-write) was never acknowledged and is skipped. */
  resume(): number {
    removeStaleTempFilesSync(this.settings.directory);
    let resumed = 0;
    for (const file of readdirSync(this.settings.directory)) {
      if (!file.endsWith('.json')) continue;
      let item: Item;
      try {
        item = JSON.parse(readFileSync(path.join(this.settings.directory, file), 'utf8')) as Item;
      } catch {
        continue;
      }
      this.schedule(item, 0);
      resumed++;
    }
    return resumed;
  }

  /** Items waiting, retrying or being attempted. */
  get pendingCount(): number {
    return this.scheduled.size + this.active;
  }

  get stopped(): boolean {
    return this.stoppedFlag;
  }

  stop(): void {
    this.stoppedFlag = true;
    for (const cancel of this.scheduled) cancel();
    this.scheduled.clear();
  }

  private schedule(item: Item, delayMs: number): void {
    if (this.stoppedFlag) return;
    const run = (): void => {
      this.scheduled.delete(cancel);
      this.active++;
      void this.attempt(item)
        .catch((error: unknown) => this.settings.onUnexpectedError(item, error))
        .finally(() => this.active--);
    };
    // A first attempt runs on the next turn of the event loop, without a timer's minimum delay.
    let cancel: () => void;
    if (delayMs <= 0) {
      const immediate = setImmediate(run);
      cancel = () => clearImmediate(immediate);
    } else {
      const timer = setTimeout(run, delayMs);
      cancel = () => clearTimeout(timer);
    }
    this.scheduled.add(cancel);
  }

  private save(item: Item): void {
    writeJsonAtomicSync(this.fileOf(item), item);
  }

  private fileOf(item: Item): string {
    return path.join(this.settings.directory, `${this.settings.idOf(item)}.json`);
  }
}
