import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DurableQueue } from './durable-queue';
import { tempPathFor } from './persistence';

interface Job {
  id: string;
  failures: number;
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'durable-queue-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** A queue, as its owners write one: jobs fail `failUntil` times, then settle; what happened is recorded. */
class JobQueue extends DurableQueue<Job> {
  readonly attempts: Job[] = [];
  readonly unexpected: unknown[] = [];

  constructor(
    private readonly failUntil: number,
    private readonly stopAfterFirst = false,
  ) {
    super({ directory: dir, idOf: (job) => job.id, onUnexpectedError: (_job, error) => this.unexpected.push(error) });
  }

  enqueue(job: Job): void {
    this.add(job);
  }

  protected async attempt(job: Job): Promise<void> {
    this.attempts.push({ ...job });
    if (job.id === 'bug') throw new Error('a bug in the owner');
    if (this.stopAfterFirst) this.stop();
    if (job.failures < this.failUntil) {
      job.failures++;
      this.retry(job, 1);
    } else {
      this.settle(job);
    }
  }
}

describe('DurableQueue', () => {
  it('keeps an item on disk from add until it settles, retrying as its owner says', async () => {
    const queue = new JobQueue(2);
    queue.enqueue({ id: 'a', failures: 0 });
    expect(readdirSync(dir)).toEqual(['a.json']);
    await until(() => queue.pendingCount === 0, 'the job to settle');
    expect(queue.attempts).toEqual([
      { id: 'a', failures: 0 },
      { id: 'a', failures: 1 },
      { id: 'a', failures: 2 },
    ]);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('leaves what a stopped queue had not settled for the next start, which resumes it from its last saved state', async () => {
    const first = new JobQueue(5, true);
    first.enqueue({ id: 'a', failures: 0 });
    await until(() => first.attempts.length === 1 && first.pendingCount === 0, 'the first attempt');
    expect(readdirSync(dir)).toEqual(['a.json']);

    writeFileSync(tempPathFor(path.join(dir, 'b.json')), '{"id":"b","fail');
    writeFileSync(path.join(dir, 'torn.json'), '{"id":"torn","fail');
    const second = new JobQueue(1);
    expect(second.resume()).toBe(1);
    await until(() => second.pendingCount === 0, 'the resumed job to settle');
    // Saved with the failure the stopped queue counted: one more attempt settles it.
    expect(second.attempts).toEqual([{ id: 'a', failures: 1 }]);
    expect(readdirSync(dir)).toEqual(['torn.json']);
  });

  it('reports an attempt that throws and keeps its item', async () => {
    const queue = new JobQueue(0);
    queue.enqueue({ id: 'bug', failures: 0 });
    await until(() => queue.unexpected.length === 1 && queue.pendingCount === 0, 'the unexpected error');
    expect(readdirSync(dir)).toEqual(['bug.json']);
  });
});
