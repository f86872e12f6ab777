/**
 * A log group's streams and events on disk: an append-only journal of JSON lines, in segments
 * (`<stateDir>/logs/groups/<hash>/<first seq>.jsonl`, a new one every `segmentEvents` events).
 * Appends are buffered and written together (`flush`, on a short timer and at stop), so a log line
 * costs an array push on the path that wrote it; a kill of the stack loses at most the last flush
 * interval's lines. Dropping the oldest events (the group's cap, its retention) deletes whole segments,
 * so no write ever rewrites what is kept; replaying drops again what a partly old segment still holds.
 */
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { StoredLogEvent, StoredLogStream } from './types';

/** `[timestamp, ingestionTime, seq, message]` */
type EventTuple = [number, number, number, string];

type JournalRecord = { create: string; at: number } | { stream: string; events: EventTuple[] } | { delete: string };

interface Segment {
  file: string;
  events: number;
  bytes: number;
  maxSeq: number;
  maxTimestamp: number;
}

export class GroupJournal {
  private fd: number | undefined;
  private pending: string[] = [];
  private pendingEvents: StoredLogEvent[] = [];
  private readonly segments: Segment[] = [];

  constructor(
    readonly directory: string,
    /** A segment is full at this many events or bytes (a tenth of the group's caps: what one trim drops). */
    private readonly segmentLimits: { events: number; bytes: number },
  ) {}

  /** The highest event position the journal has held, kept or dropped (positions are never reused). */
  get maxSeq(): number {
    return this.segments.at(-1)?.maxSeq ?? 0;
  }

  /** Reads the segments back (a torn last line, from a kill mid-write, is skipped). */
  replay(): Map<string, StoredLogStream> {
    const streams = new Map<string, StoredLogStream>();
    if (!existsSync(this.directory)) return streams;
    const seen = new Set<number>();
    const files = readdirSync(this.directory).filter((name) => /^\d{20}\.jsonl$/.test(name)).sort();
    for (const name of files) {
      const previous = this.segments.at(-1);
      const segment: Segment = { file: path.join(this.directory, name), events: 0, bytes: 0, maxSeq: previous?.maxSeq ?? 0, maxTimestamp: previous?.maxTimestamp ?? 0 };
      for (const line of readFileSync(segment.file, 'utf8').split('\n')) {
        if (line === '') continue;
        segment.bytes += Buffer.byteLength(line) + 1;
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
          // The stream's creation may have been in a segment dropped since: the stream begins with its oldest kept event.
          let stream = streams.get(record.stream);
          for (const [timestamp, ingestionTime, seq, message] of record.events) {
            segment.events++;
            segment.maxSeq = Math.max(segment.maxSeq, seq);
            segment.maxTimestamp = Math.max(segment.maxTimestamp, timestamp);
            if (seen.has(seq)) continue;
            seen.add(seq);
            if (!stream) {
              stream = { name: record.stream, creationTime: ingestionTime, events: [], storedBytes: 0 };
              streams.set(record.stream, stream);
            }
            stream.events.push({ timestamp, ingestionTime, seq, message });
            stream.lastIngestionTime = Math.max(stream.lastIngestionTime ?? 0, ingestionTime);
          }
        }
      }
      this.segments.push(segment);
    }
    for (const stream of streams.values()) stream.events.sort(byTimeThenSeq);
    return streams;
  }

  recordCreate(stream: StoredLogStream): void {
    this.pending.push(line({ create: stream.name, at: stream.creationTime }));
  }

  recordEvents(stream: string, events: readonly StoredLogEvent[]): void {
    if (events.length === 0) return;
    this.pending.push(line({ stream, events: events.map(tuple) }));
    this.pendingEvents.push(...events);
  }

  recordDelete(stream: string): void {
    this.pending.push(line({ delete: stream }));
  }

  /** Writes the buffered records to the current segment, starting a new one when it is full. */
  flush(): void {
    if (this.pending.length === 0) return;
    const data = this.pending.join('');
    const events = this.pendingEvents;
    this.pending = [];
    this.pendingEvents = [];
    let current = this.segments.at(-1);
    if (!current || current.events >= this.segmentLimits.events || current.bytes >= this.segmentLimits.bytes) {
      this.close();
      mkdirSync(this.directory, { recursive: true });
      const first = events[0]?.seq ?? (current?.maxSeq ?? 0) + 1;
      // A segment's bounds start at its predecessor's: one of stream records only is dropped with it, not before.
      current = { file: path.join(this.directory, `${String(first).padStart(20, '0')}.jsonl`), events: 0, bytes: 0, maxSeq: current?.maxSeq ?? 0, maxTimestamp: current?.maxTimestamp ?? 0 };
      this.segments.push(current);
    }
    this.fd ??= openSync(current.file, 'a');
    writeSync(this.fd, data);
    current.bytes += Buffer.byteLength(data);
    for (const event of events) {
      current.events++;
      current.maxSeq = Math.max(current.maxSeq, event.seq);
      current.maxTimestamp = Math.max(current.maxTimestamp, event.timestamp);
    }
  }

  /**
   * Deletes the oldest segments while they hold only events the group no longer keeps: all at or below
   * `seq` (the cap), or all older than `timestamp` (retention). Only a run of the oldest goes, so a
   * stream's delete record never goes before what it deleted; the segment being written stays.
   */
  dropSegments(bound: { seq?: number; timestamp?: number }): void {
    while (this.segments.length > 1) {
      const oldest = this.segments[0]!;
      const bySeq = bound.seq !== undefined && oldest.maxSeq <= bound.seq;
      const byTime = bound.timestamp !== undefined && oldest.maxTimestamp < bound.timestamp;
      if (!bySeq && !byTime) return;
      rmSync(oldest.file, { force: true });
      this.segments.shift();
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  /** The group was deleted. */
  remove(): void {
    this.pending = [];
    this.pendingEvents = [];
    this.close();
    this.segments.length = 0;
    rmSync(this.directory, { recursive: true, force: true });
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
