/**
 * CloudWatch Logs state and behaviour, independent of the wire: log groups (`<stateDir>/logs/groups.json`),
 * their streams and events (one journal per group, group-journal.ts), paging, filter patterns, and the
 * bounds that keep a long-running stack's logs from growing without end: a group's retention, and a
 * cap per group on events, bytes and streams (the oldest go first).
 *
 * It is also the stack's `LogSink`: Lambda, Glue and SageMaker write their output here in-process.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { silentLogger, type LocalStackLogger } from '../../../core/logger';
import { removeStaleTempFilesSync, writeJsonAtomicSync } from '../../../core/persistence';
import { ACCOUNT_ID, AwsError, type LogSink } from '../../../core/types';
import { compileFilterPattern, FilterPatternError } from './filter-pattern';
import { byTimeThenSeq, GroupJournal } from './group-journal';
import { eventSize, type LogGroupSettings, type StoredLogEvent, type StoredLogStream } from './types';

export const RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

export interface LogLimits {
  /** Events kept per group (default 20,000); beyond it the oldest are dropped. */
  maxEventsPerGroup: number;
  /** Bytes kept per group, counted as AWS does (message + 26; default 8 MiB). */
  maxBytesPerGroup: number;
  /** Streams kept per group (default 500); beyond it the least recently written go. */
  maxStreamsPerGroup: number;
}

export const DEFAULT_LOG_LIMITS: LogLimits = { maxEventsPerGroup: 20_000, maxBytesPerGroup: 8 * 1024 * 1024, maxStreamsPerGroup: 500 };

export interface LogsServiceOptions {
  stateDir: string;
  region: string;
  limits?: Partial<LogLimits>;
  /** How long appended events wait to be written together (default 200 ms). */
  flushIntervalMs?: number;
  now?: () => number;
  logger?: LocalStackLogger;
}

interface LogGroup {
  settings: LogGroupSettings;
  streams: Map<string, StoredLogStream>;
  journal: GroupJournal;
  eventCount: number;
  storedBytes: number;
}

export interface InputLogEvent {
  timestamp: number;
  message: string;
}

export interface OutputLogEvent {
  timestamp: number;
  message: string;
  ingestionTime: number;
}

export interface FilteredLogEvent extends OutputLogEvent {
  logStreamName: string;
  eventId: string;
}

const DAY_MS = 86_400_000;
const MAX_PAGE_BYTES = 1_048_576;
const TRIM_TO = 0.9;
const SINK_MESSAGE_BYTES = 262_144;

export class LogsService implements LogSink {
  private readonly groups = new Map<string, LogGroup>();
  private readonly root: string;
  private readonly journals: string;
  private readonly limits: LogLimits;
  private readonly now: () => number;
  private readonly logger: LocalStackLogger;
  private seq = 0;
  private flushTimer: NodeJS.Timeout | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: LogsServiceOptions) {
    this.root = path.join(options.stateDir, 'logs');
    this.journals = path.join(this.root, 'groups');
    this.limits = { ...DEFAULT_LOG_LIMITS, ...options.limits };
    this.now = options.now ?? Date.now;
    this.logger = options.logger ?? silentLogger;
    this.load();
  }

  /** Applies retention now and every hour. */
  start(): void {
    this.sweep();
    this.sweepTimer ??= setInterval(() => this.sweep(), 3_600_000);
    this.sweepTimer.unref();
  }

  /** Writes what is buffered. */
  stop(): void {
    clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    this.flush();
    for (const group of this.groups.values()) group.journal.close();
  }

  flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    for (const group of this.groups.values()) {
      try {
        group.journal.flush();
      } catch (error) {
        this.logger.warn('could not write a log group journal', { group: group.settings.name, error: (error as Error).message });
      }
    }
  }

  // --- groups ------------------------------------------------------------------------------------

  createLogGroup(input: { name: string; retentionInDays?: number; kmsKeyId?: string; tags?: Record<string, string>; logGroupClass?: string }): void {
    validateGroupName(input.name);
    if (this.groups.has(input.name)) throw new AwsError('ResourceAlreadyExistsException', 'The specified log group already exists');
    if (input.retentionInDays !== undefined) validateRetention(input.retentionInDays);
    this.addGroup({
      name: input.name,
      creationTime: this.now(),
      retentionInDays: input.retentionInDays,
      kmsKeyId: input.kmsKeyId,
      logGroupClass: input.logGroupClass ?? 'STANDARD',
      tags: { ...input.tags },
    });
    this.saveGroups();
  }

  hasLogGroup(name: string): boolean {
    return this.groups.has(name);
  }

  deleteLogGroup(name: string): void {
    const group = this.requireGroup(name);
    group.journal.remove();
    this.groups.delete(name);
    this.saveGroups();
  }

  putRetentionPolicy(name: string, days: number | undefined): void {
    const group = this.requireGroup(name);
    if (days !== undefined) validateRetention(days);
    group.settings.retentionInDays = days;
    this.saveGroups();
    this.applyBounds(group);
  }

  describeLogGroups(input: { prefix?: string; pattern?: string; limit?: number; nextToken?: string }) {
    if (input.prefix !== undefined && input.pattern !== undefined) {
      throw new AwsError('InvalidParameterException', 'LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.');
    }
    const after = input.nextToken === undefined ? undefined : String(decodeToken(input.nextToken));
    const names = [...this.groups.keys()]
      .filter((name) => (input.prefix === undefined || name.startsWith(input.prefix)) && (input.pattern === undefined || name.includes(input.pattern)))
      .sort(compareAscii)
      .filter((name) => after === undefined || compareAscii(name, after) > 0);
    const page = names.slice(0, input.limit ?? 50);
    return {
      logGroups: page.map((name) => this.describeGroup(this.groups.get(name)!)),
      nextToken: page.length < names.length ? encodeToken(page.at(-1)!) : undefined,
    };
  }

  // --- streams -----------------------------------------------------------------------------------

  createLogStream(groupName: string, streamName: string): void {
    validateStreamName(streamName);
    const group = this.requireGroup(groupName);
    if (group.streams.has(streamName)) throw new AwsError('ResourceAlreadyExistsException', 'The specified log stream already exists');
    this.addStream(group, streamName);
  }

  deleteLogStream(groupName: string, streamName: string): void {
    const group = this.requireGroup(groupName);
    const stream = this.requireStream(group, streamName);
    group.streams.delete(streamName);
    group.eventCount -= stream.events.length;
    group.storedBytes -= stream.storedBytes;
    group.journal.recordDelete(streamName);
    this.scheduleFlush();
  }

  describeLogStreams(input: { group: string; prefix?: string; orderBy?: string; descending?: boolean; limit?: number; nextToken?: string }) {
    const group = this.requireGroup(input.group);
    const byTime = input.orderBy === 'LastEventTime';
    if (byTime && input.prefix !== undefined) throw new AwsError('InvalidParameterException', 'Cannot order by LastEventTime with a logStreamNamePrefix.');
    const key = (stream: StoredLogStream): [number, string] => [byTime ? (stream.events.at(-1)?.timestamp ?? 0) : 0, stream.name];
    const compare = (a: [number, string], b: [number, string]) => (a[0] - b[0] || compareAscii(a[1], b[1])) * (input.descending ? -1 : 1);
    const after = input.nextToken === undefined ? undefined : tokenTuple(decodeToken(input.nextToken), 'string');
    const streams = [...group.streams.values()]
      .filter((stream) => input.prefix === undefined || stream.name.startsWith(input.prefix))
      .sort((a, b) => compare(key(a), key(b)))
      .filter((stream) => after === undefined || compare(key(stream), after) > 0);
    const page = streams.slice(0, input.limit ?? 50);
    return {
      logStreams: page.map((stream) => this.describeStream(group, stream)),
      nextToken: page.length < streams.length ? encodeToken(key(page.at(-1)!)) : undefined,
    };
  }

  // --- events ------------------------------------------------------------------------------------

  /** PutLogEvents: events too old or too new are rejected, the rest stored, as AWS does. */
  putLogEvents(groupName: string, streamName: string, events: readonly InputLogEvent[]) {
    const group = this.requireGroup(groupName);
    const stream = this.requireStream(group, streamName);
    if (events.length === 0 || events.length > 10_000) throw new AwsError('InvalidParameterException', '1 validation error detected: Value at \'logEvents\' failed to satisfy constraint: Member must have length between 1 and 10000');
    let batchBytes = 0;
    for (let index = 0; index < events.length; index++) {
      const event = events[index]!;
      if (index > 0 && event.timestamp < events[index - 1]!.timestamp) {
        throw new AwsError('InvalidParameterException', 'Log events in a single PutLogEvents request must be in chronological order.');
      }
      batchBytes += eventSize(event.message);
    }
    if (batchBytes > MAX_PAGE_BYTES) throw new AwsError('InvalidParameterException', `Upload too large: ${batchBytes} bytes exceeds limit of ${MAX_PAGE_BYTES}`);
    const now = this.now();
    const oldest = Math.max(now - 14 * DAY_MS, group.settings.retentionInDays === undefined ? 0 : now - group.settings.retentionInDays * DAY_MS);
    const newest = now + 2 * 3_600_000;
    let tooOldEnd: number | undefined;
    let tooNewStart: number | undefined;
    const accepted: InputLogEvent[] = [];
    events.forEach((event, index) => {
      if (event.timestamp < oldest) tooOldEnd = index + 1;
      else if (event.timestamp > newest) tooNewStart ??= index;
      else accepted.push(event);
    });
    if (accepted.length > 0 && accepted.at(-1)!.timestamp - accepted[0]!.timestamp > DAY_MS) {
      throw new AwsError('InvalidParameterException', 'The batch of log events in a single PutLogEvents request cannot span more than 24 hours.');
    }
    this.append(group, stream, accepted);
    const rejected = { ...(tooOldEnd !== undefined && { tooOldLogEventEndIndex: tooOldEnd }), ...(tooNewStart !== undefined && { tooNewLogEventStartIndex: tooNewStart }) };
    return { nextSequenceToken: sequenceToken(this.seq), ...(Object.keys(rejected).length > 0 && { rejectedLogEventsInfo: rejected }) };
  }

  /** The LogSink: one event, its group and stream created when missing. Never throws. */
  put(groupName: string, streamName: string, message: string, timestamp = this.now()): void {
    try {
      let group = this.groups.get(groupName);
      if (!group) {
        group = this.addGroup({ name: groupName, creationTime: this.now(), logGroupClass: 'STANDARD', tags: {} });
        this.saveGroups();
      }
      const stream = group.streams.get(streamName) ?? this.addStream(group, streamName);
      this.append(group, stream, [{ timestamp, message: truncated(message) }]);
    } catch (error) {
      this.logger.warn('a log line was not stored', { group: groupName, stream: streamName, error: (error as Error).message });
    }
  }

  /** GetLogEvents: one stream, forward and backward tokens (`f/…`, `b/…`) as AWS's. */
  getLogEvents(input: { group: string; stream: string; startTime?: number; endTime?: number; limit?: number; nextToken?: string; startFromHead?: boolean }) {
    const group = this.requireGroup(input.group);
    const stream = this.requireStream(group, input.stream);
    const limit = input.limit ?? 10_000;
    const inRange = stream.events.filter((event) => (input.startTime === undefined || event.timestamp >= input.startTime) && (input.endTime === undefined || event.timestamp < input.endTime));
    let page: StoredLogEvent[];
    let forward: boolean;
    let position: [number, number] | undefined;
    if (input.nextToken !== undefined) {
      const match = /^([fb])\/(\d{15})(\d{20})$/.exec(input.nextToken);
      if (!match) throw new AwsError('InvalidParameterException', 'The specified nextToken is invalid.');
      position = [Number(match[2]), Number(match[3]) - 1];
      forward = match[1] === 'f';
    } else {
      forward = input.startFromHead === true;
    }
    if (forward) {
      const after = position === undefined ? inRange : inRange.filter((event) => compareKey(event, position!) > 0);
      page = takeWithinBytes(after, limit);
    } else {
      const before = position === undefined ? inRange : inRange.filter((event) => compareKey(event, position!) < 0);
      page = takeWithinBytes([...before].reverse(), limit).reverse();
    }
    const here = position ?? [0, -1];
    return {
      events: page.map(outputEvent),
      nextForwardToken: `f/${positionToken(page.length > 0 ? keyOf(page.at(-1)!) : position ?? keyOfLast(inRange) ?? here)}`,
      nextBackwardToken: `b/${positionToken(page.length > 0 ? keyOf(page[0]!) : here)}`,
    };
  }

  /** FilterLogEvents: the group's events (or some streams'), in time order, matching the pattern. */
  filterLogEvents(input: { group: string; streamNames?: string[]; streamPrefix?: string; startTime?: number; endTime?: number; pattern?: string; limit?: number; nextToken?: string }) {
    const group = this.requireGroup(input.group);
    if (input.streamNames !== undefined && input.streamPrefix !== undefined) {
      throw new AwsError('InvalidParameterException', 'logStreamNames and logStreamNamePrefix are mutually exclusive parameters.');
    }
    let matches;
    try {
      matches = compileFilterPattern(input.pattern);
    } catch (error) {
      if (error instanceof FilterPatternError) throw new AwsError('InvalidParameterException', `Invalid filter pattern: ${error.message}`);
      throw error;
    }
    const streams = [...group.streams.values()].filter(
      (stream) => (input.streamNames === undefined || input.streamNames.includes(stream.name)) && (input.streamPrefix === undefined || stream.name.startsWith(input.streamPrefix)),
    );
    const after = input.nextToken === undefined ? undefined : tokenTuple(decodeToken(input.nextToken), 'number');
    const candidates: Array<{ stream: string; event: StoredLogEvent }> = [];
    for (const stream of streams) {
      for (const event of stream.events) {
        if (input.startTime !== undefined && event.timestamp < input.startTime) continue;
        if (input.endTime !== undefined && event.timestamp > input.endTime) continue;
        if (after !== undefined && compareKey(event, after) <= 0) continue;
        candidates.push({ stream: stream.name, event });
      }
    }
    candidates.sort((a, b) => byTimeThenSeq(a.event, b.event));
    const limit = input.limit ?? 10_000;
    const events: FilteredLogEvent[] = [];
    let bytes = 0;
    let last: StoredLogEvent | undefined;
    let more = false;
    for (const candidate of candidates) {
      if (events.length >= limit || bytes + eventSize(candidate.event.message) > MAX_PAGE_BYTES) {
        more = true;
        break;
      }
      last = candidate.event;
      if (!matches(candidate.event.message)) continue;
      bytes += eventSize(candidate.event.message);
      events.push({ logStreamName: candidate.stream, ...outputEvent(candidate.event), eventId: eventId(candidate.event) });
    }
    return {
      events,
      searchedLogStreams: streams.map((stream) => ({ logStreamName: stream.name, searchedCompletely: !more })),
      nextToken: more && last ? encodeToken(keyOf(last)) : undefined,
    };
  }

  // ---------------------------------------------------------------------------------------------

  private append(group: LogGroup, stream: StoredLogStream, events: readonly InputLogEvent[]): void {
    if (events.length === 0) return;
    const ingestionTime = this.now();
    const stored: StoredLogEvent[] = events.map((event) => ({ timestamp: event.timestamp, message: event.message, ingestionTime, seq: ++this.seq }));
    for (const event of stored) {
      const tail = stream.events.at(-1);
      if (!tail || byTimeThenSeq(tail, event) <= 0) stream.events.push(event);
      else stream.events.splice(insertionIndex(stream.events, event), 0, event);
      const size = eventSize(event.message);
      stream.storedBytes += size;
      group.storedBytes += size;
    }
    group.eventCount += stored.length;
    stream.lastIngestionTime = ingestionTime;
    group.journal.recordEvents(stream.name, stored);
    if (group.eventCount > this.limits.maxEventsPerGroup || group.storedBytes > this.limits.maxBytesPerGroup) this.applyBounds(group);
    else this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => this.flush(), this.options.flushIntervalMs ?? 200);
    this.flushTimer.unref();
  }

  /** Retention, then the caps: the oldest events (by ingestion) and the least recently written streams go. */
  private applyBounds(group: LogGroup, keep?: StoredLogStream): void {
    let changed = false;
    const retention = group.settings.retentionInDays;
    const cutoff = retention === undefined ? undefined : this.now() - retention * DAY_MS;
    if (cutoff !== undefined) {
      for (const stream of group.streams.values()) {
        if (stream.events.length > 0 && stream.events[0]!.timestamp < cutoff) {
          stream.events = stream.events.filter((event) => event.timestamp >= cutoff);
          changed = true;
        }
      }
    }
    let cutoffSeq: number | undefined;
    if (group.eventCount > this.limits.maxEventsPerGroup || group.storedBytes > this.limits.maxBytesPerGroup) {
      cutoffSeq = this.capCutoff(group);
      for (const stream of group.streams.values()) {
        if (stream.events.length > 0 && stream.events[0]!.seq <= cutoffSeq) stream.events = stream.events.filter((event) => event.seq > cutoffSeq!);
      }
      changed = true;
    }
    if (group.streams.size > this.limits.maxStreamsPerGroup) {
      const activity = (stream: StoredLogStream) => stream.lastIngestionTime ?? stream.creationTime;
      const byActivity = [...group.streams.values()].filter((stream) => stream !== keep).sort((a, b) => activity(a) - activity(b));
      for (const stream of byActivity.slice(0, group.streams.size - Math.floor(this.limits.maxStreamsPerGroup * TRIM_TO))) {
        group.streams.delete(stream.name);
        group.journal.recordDelete(stream.name);
      }
      changed = true;
    }
    if (changed) {
      this.recount(group);
      try {
        group.journal.flush();
        group.journal.dropSegments({ seq: cutoffSeq, timestamp: cutoff });
      } catch (error) {
        this.logger.warn('could not write a log group journal', { group: group.settings.name, error: (error as Error).message });
      }
    } else {
      this.scheduleFlush();
    }
  }

  /** The newest event that goes for the group to be back under 90% of its caps (events kept newest first). */
  private capCutoff(group: LogGroup): number {
    const seqs: number[] = [];
    const sizes = new Map<number, number>();
    for (const stream of group.streams.values()) {
      for (const event of stream.events) {
        seqs.push(event.seq);
        sizes.set(event.seq, eventSize(event.message));
      }
    }
    const sorted = Float64Array.from(seqs).sort().reverse();
    let keptEvents = 0;
    let keptBytes = 0;
    for (const seq of sorted) {
      const size = sizes.get(seq)!;
      if (keptEvents + 1 > this.limits.maxEventsPerGroup * TRIM_TO || keptBytes + size > this.limits.maxBytesPerGroup * TRIM_TO) return seq;
      keptEvents++;
      keptBytes += size;
    }
    return 0;
  }

  private recount(group: LogGroup): void {
    group.eventCount = 0;
    group.storedBytes = 0;
    for (const stream of group.streams.values()) {
      stream.storedBytes = stream.events.reduce((sum, event) => sum + eventSize(event.message), 0);
      group.eventCount += stream.events.length;
      group.storedBytes += stream.storedBytes;
    }
  }

  private sweep(): void {
    for (const group of this.groups.values()) this.applyBounds(group);
  }

  private addGroup(settings: LogGroupSettings): LogGroup {
    const segment = { events: Math.max(1, Math.floor(this.limits.maxEventsPerGroup * (1 - TRIM_TO))), bytes: Math.max(1, Math.floor(this.limits.maxBytesPerGroup * (1 - TRIM_TO))) };
    const group: LogGroup = { settings, streams: new Map(), journal: new GroupJournal(this.journalDirectory(settings.name), segment), eventCount: 0, storedBytes: 0 };
    this.groups.set(settings.name, group);
    return group;
  }

  private addStream(group: LogGroup, name: string): StoredLogStream {
    const stream: StoredLogStream = { name, creationTime: this.now(), events: [], storedBytes: 0 };
    group.streams.set(name, stream);
    group.journal.recordCreate(stream);
    if (group.streams.size > this.limits.maxStreamsPerGroup) this.applyBounds(group, stream);
    else this.scheduleFlush();
    return stream;
  }

  private requireGroup(name: string): LogGroup {
    const group = this.groups.get(name);
    if (!group) throw new AwsError('ResourceNotFoundException', 'The specified log group does not exist.');
    return group;
  }

  private requireStream(group: LogGroup, name: string): StoredLogStream {
    const stream = group.streams.get(name);
    if (!stream) throw new AwsError('ResourceNotFoundException', 'The specified log stream does not exist.');
    return stream;
  }

  private describeGroup(group: LogGroup) {
    const arn = `arn:aws:logs:${this.options.region}:${ACCOUNT_ID}:log-group:${group.settings.name}`;
    return {
      logGroupName: group.settings.name,
      creationTime: group.settings.creationTime,
      ...(group.settings.retentionInDays !== undefined && { retentionInDays: group.settings.retentionInDays }),
      metricFilterCount: 0,
      arn: `${arn}:*`,
      logGroupArn: arn,
      storedBytes: group.storedBytes,
      ...(group.settings.kmsKeyId !== undefined && { kmsKeyId: group.settings.kmsKeyId }),
      logGroupClass: group.settings.logGroupClass,
    };
  }

  private describeStream(group: LogGroup, stream: StoredLogStream) {
    const first = stream.events[0];
    const last = stream.events.at(-1);
    return {
      logStreamName: stream.name,
      creationTime: stream.creationTime,
      ...(first && { firstEventTimestamp: first.timestamp }),
      ...(last && { lastEventTimestamp: last.timestamp }),
      ...(stream.lastIngestionTime !== undefined && { lastIngestionTime: stream.lastIngestionTime }),
      uploadSequenceToken: sequenceToken(this.seq),
      arn: `arn:aws:logs:${this.options.region}:${ACCOUNT_ID}:log-group:${group.settings.name}:log-stream:${stream.name}`,
      // Deprecated by AWS, which answers 0.
      storedBytes: 0,
    };
  }

  private journalDirectory(name: string): string {
    return path.join(this.journals, createHash('sha256').update(name).digest('hex').slice(0, 32));
  }

  private groupsFile(): string {
    return path.join(this.root, 'groups.json');
  }

  private saveGroups(): void {
    writeJsonAtomicSync(this.groupsFile(), [...this.groups.values()].map((group) => group.settings));
  }

  private load(): void {
    mkdirSync(this.journals, { recursive: true });
    removeStaleTempFilesSync(this.root);
    removeStaleTempFilesSync(this.journals);
    const file = this.groupsFile();
    if (!existsSync(file)) return;
    let settings: LogGroupSettings[];
    try {
      settings = JSON.parse(readFileSync(file, 'utf8')) as LogGroupSettings[];
    } catch (error) {
      this.logger.warn('log groups could not be read; starting without them', { file, error: (error as Error).message });
      return;
    }
    for (const entry of settings) {
      const group = this.addGroup(entry);
      removeStaleTempFilesSync(group.journal.directory);
      group.streams = group.journal.replay();
      this.recount(group);
      this.seq = Math.max(this.seq, group.journal.maxSeq);
    }
  }
}

function validateGroupName(name: string): void {
  if (name.length < 1 || name.length > 512 || !/^[.\-_/#A-Za-z0-9]+$/.test(name)) {
    throw new AwsError('InvalidParameterException', `1 validation error detected: Value '${name}' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+`);
  }
}

function validateStreamName(name: string): void {
  if (name.length < 1 || name.length > 512 || /[:*]/.test(name)) {
    throw new AwsError('InvalidParameterException', `1 validation error detected: Value '${name}' at 'logStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:*]*`);
  }
}

function validateRetention(days: number): void {
  if (!(RETENTION_DAYS as readonly number[]).includes(days)) {
    throw new AwsError(
      'InvalidParameterException',
      `1 validation error detected: Value '${days}' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [${RETENTION_DAYS.join(', ')}]`,
    );
  }
}

/** As Lambda does with a longer line: the first 256 KB (an empty message is not an event, so it becomes a space). */
function truncated(message: string): string {
  if (message === '') return ' ';
  if (message.length <= SINK_MESSAGE_BYTES / 4 || Buffer.byteLength(message) <= SINK_MESSAGE_BYTES) return message;
  return `${Buffer.from(message).subarray(0, SINK_MESSAGE_BYTES).toString('utf8')} [truncated]`;
}

function compareAscii(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function keyOf(event: StoredLogEvent): [number, number] {
  return [event.timestamp, event.seq];
}

function keyOfLast(events: readonly StoredLogEvent[]): [number, number] | undefined {
  const last = events.at(-1);
  return last && keyOf(last);
}

function compareKey(event: StoredLogEvent, key: readonly [number, number]): number {
  return event.timestamp - key[0] || event.seq - key[1];
}

function insertionIndex(events: readonly StoredLogEvent[], event: StoredLogEvent): number {
  let low = 0;
  let high = events.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (byTimeThenSeq(events[middle]!, event) <= 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

function takeWithinBytes(events: readonly StoredLogEvent[], limit: number): StoredLogEvent[] {
  const page: StoredLogEvent[] = [];
  let bytes = 0;
  for (const event of events) {
    bytes += eventSize(event.message);
    if (page.length >= limit || bytes > MAX_PAGE_BYTES) break;
    page.push(event);
  }
  return page;
}

function outputEvent(event: StoredLogEvent): OutputLogEvent {
  return { timestamp: event.timestamp, message: event.message, ingestionTime: event.ingestionTime };
}

/** AWS's are 56 digits; these hold the event's time and position. */
function eventId(event: StoredLogEvent): string {
  return `${String(event.timestamp).padStart(15, '0')}${String(event.seq).padStart(41, '0')}`;
}

/** `f/` and `b/` tokens: the time (15 digits) and position + 1 (20 digits) of the event they are beside. */
function positionToken([timestamp, seq]: readonly [number, number]): string {
  return `${String(Math.max(0, timestamp)).padStart(15, '0')}${String(seq + 1).padStart(20, '0')}`;
}

function sequenceToken(seq: number): string {
  return String(seq).padStart(56, '0');
}

function encodeToken(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function decodeToken(token: string): unknown {
  try {
    return JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw new AwsError('InvalidParameterException', 'The specified nextToken is invalid.');
  }
}

function tokenTuple<T extends 'number' | 'string'>(value: unknown, second: T): [number, T extends 'number' ? number : string] {
  if (!Array.isArray(value) || value.length !== 2 || typeof value[0] !== 'number' || typeof value[1] !== second) {
    throw new AwsError('InvalidParameterException', 'The specified nextToken is invalid.');
  }
  return value as [number, T extends 'number' ? number : string];
}
