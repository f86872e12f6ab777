/**
 * A queue's messages on disk: an append-only journal of JSON lines (send, receive, delete, purge),
 * written synchronously before the operation is acknowledged, so a crash of the stack loses nothing
 * it acknowledged (with `fsync`, neither does a crash of the machine). Replaying the journal gives
 * the messages back; compaction rewrites it as one send record per live message.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { writeFileAtomicSync } from '../../../core/persistence';
import type { StoredMessage } from './types';

type PersistedMessage = Omit<StoredMessage, 'receiptHandle'>;

type JournalRecord =
  | { op: 'send'; message: PersistedMessage }
  | { op: 'receive'; ids: string[]; at: number }
  | { op: 'delete'; ids: string[] }
  | { op: 'purge' };

const COMPACT_MIN_DEAD_RECORDS = 1000;

export class QueueJournal {
  private fd: number;
  private deadRecords = 0;

  private constructor(
    private readonly file: string,
    private readonly fsync: boolean,
  ) {
    this.fd = openSync(file, 'a');
  }

  /**
   * Opens (creating if needed) the journal and replays it. Messages that were in flight come back
   * visible; delayed messages keep their delay. The journal is compacted on open.
   */
  static open(file: string, options: { fsync: boolean }): { journal: QueueJournal; messages: Map<string, StoredMessage> } {
    const messages = existsSync(file) ? replay(readFileSync(file, 'utf8')) : new Map<string, StoredMessage>();
    const journal = new QueueJournal(file, options.fsync);
    journal.compact(messages.values());
    return { journal, messages };
  }

  recordSend(messages: readonly StoredMessage[]): void {
    this.append(messages.map((message) => ({ op: 'send', message: persisted(message) })));
  }

  recordReceive(ids: string[], at: number): void {
    if (ids.length === 0) return;
    this.deadRecords++;
    this.append([{ op: 'receive', ids, at }]);
  }

  recordDelete(ids: string[]): void {
    if (ids.length === 0) return;
    this.deadRecords += 1 + ids.length;
    this.append([{ op: 'delete', ids }]);
  }

  recordPurge(): void {
    this.append([{ op: 'purge' }]);
  }

  /** True when the journal holds enough dead records that rewriting it is worth it. */
  shouldCompact(liveMessages: number): boolean {
    return this.deadRecords >= Math.max(COMPACT_MIN_DEAD_RECORDS, 2 * liveMessages);
  }

  /** Rewrites the journal as the live messages only (atomically, so never half-written). */
  compact(messages: Iterable<StoredMessage>): void {
    writeFileAtomicSync(this.file, sendRecords(messages), { fsync: this.fsync });
    closeSync(this.fd);
    this.fd = openSync(this.file, 'a');
    this.deadRecords = 0;
  }

  close(): void {
    closeSync(this.fd);
  }

  /** Closes and deletes the journal (the queue was deleted). */
  destroy(): void {
    this.close();
    rmSync(this.file, { force: true });
  }

  private append(records: JournalRecord[]): void {
    writeSync(this.fd, records.map((record) => `${JSON.stringify(record)}\n`).join(''));
    if (this.fsync) fsyncSync(this.fd);
  }
}

/** One send record per message, in chunks of about 1 MiB. */
function* sendRecords(messages: Iterable<StoredMessage>): Generator<string> {
  let chunk = '';
  for (const message of messages) {
    chunk += `${JSON.stringify({ op: 'send', message: persisted(message) } satisfies JournalRecord)}\n`;
    if (chunk.length > 1 << 20) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}

function persisted(message: StoredMessage): PersistedMessage {
  const { receiptHandle: _receiptHandle, ...rest } = message;
  return rest;
}

function replay(text: string): Map<string, StoredMessage> {
  const messages = new Map<string, StoredMessage>();
  for (const line of text.split('\n')) {
    if (!line) continue;
    let record: JournalRecord;
    try {
      record = JSON.parse(line) as JournalRecord;
    } catch {
      // A torn last line from a crash mid-write: the operation was never acknowledged.
      continue;
    }
    switch (record.op) {
      case 'send':
        messages.set(record.message.messageId, { ...record.message });
        break;
      case 'receive':
        for (const id of record.ids) {
          const message = messages.get(id);
          if (!message) continue;
          message.receiveCount++;
          message.firstReceiveTimestamp ??= record.at;
        }
        break;
      case 'delete':
        for (const id of record.ids) messages.delete(id);
        break;
      case 'purge':
        messages.clear();
        break;
    }
  }
  for (const message of messages.values()) {
    if (message.receiveCount > 0) message.visibleAt = 0;
  }
  return messages;
}
