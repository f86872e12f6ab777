/**
 * A log group's streams and events on disk: an append-only journal of JSON lines
 * (`<stateDir>/logs/groups/<hash>.jsonl`). Appends are buffered and written together (`flush`, on a
 * short timer and at stop), so a log line costs an array push on the path that wrote it; a kill of
 * the stack loses at most the last flush interval's lines. Trimming (retention, the size cap) and
 * deletes rewrite the journal atomically as the live state.
 */
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { writeFileAtomicSync } from '../../../core/persistence';
import type { StoredLogEvent, StoredLogStream } from './types';

/** `[timestamp, ingestionTime, seq, message]` */
type EventTuple = [number, number, number, string];

type JournalRecord = { create: string; at: number } | { stream: string; events: EventTuple[] } | { delete: string };

export class GroupJournal {
  private fd: number | undefined;
  private pending: string[] = [];

  constructor(readonly file: string) {}

  /** The streams the journal holds (a torn last line, from a kill mid-write, is skipped). */
  static replay(file: string): Map<string, StoredLogStream> {
    const streams = new Map<string, StoredLogStream>();
    if (!existsSync(file)) return streams;
    const seen = new Set<number>();
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (line === '') continue;
      let record: JournalRecord;
      try {
        record = JSON.parse(line) as JournalRecord;
      } catch {
        continue;
      }
      if ('create' in record) {
        if (!streams.has(record.create)) streams.set(record.create, { name: record.create, creationTime: record.at, events: [], storedBytes: 0 });
      } else if ('delete' in record) {
        streams.delete(record.delete);
      } else if ('stream' in record) {
        const stream = streams.get(record.stream);
        if (!stream) continue;
        for (const [timestamp, ingestionTime, seq, message] of record.events) {
          if (seen.has(seq)) continue;
          seen.add(seq);
          stream.events.push({ timestamp, ingestionTime, seq, message });
          stream.lastIngestionTime = Math.max(stream.lastIngestionTime ?? 0, ingestionTime);
        }
      }
    }
    for (const stream of streams.values()) stream.events.sort(byTimeThenSeq);
    return streams;
  }

  recordCreate(stream: StoredLogStream): void {
    this.pending.push(line({ create: stream.name, at: stream.creationTime }));
  }

  recordEvents(stream: string, events: readonly StoredLogEvent[]): void {
    if (events.length > 0) this.pending.push(line({ stream, events: events.map(tuple) }));
  }

  recordDelete(stream: string): void {
    this.pending.push(line({ delete: stream }));
  }

  get hasPending(): boolean {
    return this.pending.length > 0;
  }

  /** Writes the buffered records. */
  flush(): void {
    if (this.pending.length === 0) return;
    const data = this.pending.join('');
    this.pending = [];
    this.fd ??= openSync(this.file, 'a');
    writeSync(this.fd, data);
  }

  /** Rewrites the journal as `streams` (what is buffered is part of them). */
  compact(streams: Iterable<StoredLogStream>): void {
    this.pending = [];
    const records: string[] = [];
    for (const stream of streams) {
      records.push(line({ create: stream.name, at: stream.creationTime }));
      if (stream.events.length > 0) records.push(line({ stream: stream.name, events: stream.events.map(tuple) }));
    }
    this.close();
    writeFileAtomicSync(this.file, records);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  /** The group was deleted. */
  remove(): void {
    this.pending = [];
    this.close();
    rmSync(this.file, { force: true });
  }
}

export function byTimeThenSeq(a: StoredLogEvent, b: StoredLogEvent): number {
  return a.timestamp - b.timestamp || a.seq - b.seq;
}

function tuple(event: StoredLogEvent): EventTuple {
  return [event.timestamp, event.ingestionTime, event.seq, event.message];
}

function line(record: JournalRecord): string {
  return `${JSON.stringify(record)}\n`;
}
