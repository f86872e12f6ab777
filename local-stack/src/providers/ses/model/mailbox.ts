/** Where sent mail lands: one `.eml` per message, written atomically so readers never see half a file. */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { removeStaleTempFiles, writeFileAtomic } from '../../../core/persistence';

export class Mailbox {
  private readonly sentAt: number[] = [];

  constructor(readonly directory: string) {}

  /** Writes the message and returns its path: `<time>-<messageId>.eml`, so names sort by sending time. */
  async deliver(messageId: string, message: Buffer, sentAt: Date): Promise<string> {
    await mkdir(this.directory, { recursive: true });
    const stamp = sentAt.toISOString().replace(/[-:]/g, '').replace('.', '');
    const path = join(this.directory, `${stamp}-${messageId}.eml`);
    await writeFileAtomic(path, message);
    this.sentAt.push(sentAt.getTime());
    return path;
  }

  /** Removes what a stack killed in the middle of a delivery left (never a delivered `.eml`). */
  async removeTornDeliveries(): Promise<void> {
    await removeStaleTempFiles(this.directory);
  }

  /** Messages delivered after `time` (epoch ms) since the stack started. */
  sentSince(time: number): number {
    return this.sentAt.filter((sent) => sent > time).length;
  }
}
