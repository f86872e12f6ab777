import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LogsService, type LogsServiceOptions } from './service';

const DAY = 86_400_000;

describe('LogsService', () => {
  let dir: string;
  let clock: number;
  const services: LogsService[] = [];
  const open = (options: Partial<LogsServiceOptions> = {}) => {
    const service = new LogsService({ stateDir: dir, region: 'us-east-1', now: () => clock, flushIntervalMs: 60_000, ...options });
    services.push(service);
    return service;
  };

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'logs-service-'));
    clock = Date.UTC(2026, 11, 7, 8, 0, 0);
  });
  afterEach(() => {
    for (const service of services.splice(0)) service.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const fill = (logs: LogsService, group: string, stream: string, count: number, from = clock - 1000) => {
    for (let index = 0; index < count; index++) logs.put(group, stream, `event ${index}`, from + index);
  };

  it('pages GetLogEvents forward from the head and backward from the tail, with AWS-shaped tokens', () => {
    const logs = open();
    fill(logs, '/g', 's', 25);
    const tail = logs.getLogEvents({ group: '/g', stream: 's', limit: 10 });
    expect(tail.events.map((event) => event.message)).toEqual(Array.from({ length: 10 }, (_, index) => `event ${15 + index}`));
    expect(tail.nextForwardToken).toMatch(/^f\/\d{35}$/);
    expect(tail.nextBackwardToken).toMatch(/^b\/\d{35}$/);
    const earlier = logs.getLogEvents({ group: '/g', stream: 's', limit: 10, nextToken: tail.nextBackwardToken });
    expect(earlier.events.map((event) => event.message)).toEqual(Array.from({ length: 10 }, (_, index) => `event ${5 + index}`));

    const seen: string[] = [];
    let token: string | undefined;
    for (let page = 0; page < 10; page++) {
      const result = logs.getLogEvents({ group: '/g', stream: 's', limit: 7, startFromHead: true, nextToken: token });
      seen.push(...result.events.map((event) => event.message));
      if (result.nextForwardToken === token) break;
      token = result.nextForwardToken;
    }
    expect(seen).toEqual(Array.from({ length: 25 }, (_, index) => `event ${index}`));
    // At the end, the forward token stays the same until a new event arrives.
    logs.put('/g', 's', 'late', clock);
    expect(logs.getLogEvents({ group: '/g', stream: 's', startFromHead: true, nextToken: token }).events.map((event) => event.message)).toEqual(['late']);
    expect(() => logs.getLogEvents({ group: '/g', stream: 's', nextToken: 'nonsense' })).toThrow(expect.objectContaining({ code: 'InvalidParameterException' }));
  });

  it('applies GetLogEvents time ranges: startTime included, endTime excluded', () => {
    const logs = open();
    fill(logs, '/g', 's', 10, 1_000 + clock - 5000);
    const start = clock - 4000 + 2;
    const result = logs.getLogEvents({ group: '/g', stream: 's', startTime: start, endTime: start + 3, startFromHead: true });
    expect(result.events.map((event) => event.timestamp)).toEqual([start, start + 1, start + 2]);
  });

  it('pages FilterLogEvents across streams in time order, the pattern applied to each page', () => {
    const logs = open();
    for (let index = 0; index < 30; index++) logs.put('/g', index % 2 === 0 ? 'a' : 'b', index % 3 === 0 ? `ERROR ${index}` : `INFO ${index}`, clock - 1000 + index);
    const all: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = logs.filterLogEvents({ group: '/g', limit: 4, nextToken });
      expect(page.events.length).toBeLessThanOrEqual(4);
      all.push(...page.events.map((event) => event.message));
      nextToken = page.nextToken;
      pages++;
    } while (nextToken && pages < 20);
    expect(all).toHaveLength(30);
    expect(all[0]).toBe('ERROR 0');
    expect(all[1]).toBe('INFO 1');

    const errors = logs.filterLogEvents({ group: '/g', pattern: 'ERROR', logStreamNames: undefined } as never);
    expect(errors.events.map((event) => event.message)).toEqual(Array.from({ length: 10 }, (_, index) => `ERROR ${index * 3}`));
    expect(errors.events[0]).toEqual({ logStreamName: 'a', timestamp: clock - 1000, ingestionTime: clock, message: 'ERROR 0', eventId: expect.stringMatching(/^\d{56}$/) });
    const onlyB = logs.filterLogEvents({ group: '/g', streamNames: ['b'], pattern: 'ERROR', startTime: clock - 1000 + 10 });
    expect(onlyB.events.map((event) => event.message)).toEqual(['ERROR 15', 'ERROR 21', 'ERROR 27']);
    expect(onlyB.searchedLogStreams).toEqual([{ logStreamName: 'b', searchedCompletely: true }]);
    expect(() => logs.filterLogEvents({ group: '/g', pattern: '[a, b]' })).toThrow(expect.objectContaining({ code: 'InvalidParameterException', message: expect.stringMatching(/^Invalid filter pattern/) }));
    expect(() => logs.filterLogEvents({ group: '/nope' })).toThrow(expect.objectContaining({ code: 'ResourceNotFoundException', message: 'The specified log group does not exist.' }));
  });

  it('pages DescribeLogGroups by name and DescribeLogStreams by name or last event time', () => {
    const logs = open();
    for (const name of ['/aws/lambda/c', '/aws/lambda/a', '/aws/glue', '/aws/lambda/b']) logs.createLogGroup({ name });
    const first = logs.describeLogGroups({ prefix: '/aws/lambda/', limit: 2 });
    expect(first.logGroups.map((group) => group.logGroupName)).toEqual(['/aws/lambda/a', '/aws/lambda/b']);
    const second = logs.describeLogGroups({ prefix: '/aws/lambda/', limit: 2, nextToken: first.nextToken });
    expect(second.logGroups.map((group) => group.logGroupName)).toEqual(['/aws/lambda/c']);
    expect(second.nextToken).toBeUndefined();
    expect(logs.describeLogGroups({ pattern: 'glue' }).logGroups.map((group) => group.logGroupName)).toEqual(['/aws/glue']);
    expect(first.logGroups[0]).toMatchObject({ arn: 'arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/a:*', storedBytes: 0, metricFilterCount: 0 });

    logs.put('/s', 'old', 'x', clock - 300);
    logs.put('/s', 'new', 'x', clock - 100);
    logs.put('/s', 'mid', 'x', clock - 200);
    const newestFirst = logs.describeLogStreams({ group: '/s', orderBy: 'LastEventTime', descending: true, limit: 2 });
    expect(newestFirst.logStreams.map((stream) => stream.logStreamName)).toEqual(['new', 'mid']);
    const rest = logs.describeLogStreams({ group: '/s', orderBy: 'LastEventTime', descending: true, limit: 2, nextToken: newestFirst.nextToken });
    expect(rest.logStreams.map((stream) => stream.logStreamName)).toEqual(['old']);
    expect(logs.describeLogStreams({ group: '/s' }).logStreams.map((stream) => stream.logStreamName)).toEqual(['mid', 'new', 'old']);
    expect(logs.describeLogStreams({ group: '/s', prefix: 'n' }).logStreams[0]).toMatchObject({ logStreamName: 'new', firstEventTimestamp: clock - 100, lastEventTimestamp: clock - 100, lastIngestionTime: clock });
    expect(() => logs.describeLogStreams({ group: '/s', orderBy: 'LastEventTime', prefix: 'n' })).toThrow(/Cannot order by LastEventTime/);
  });

  it('PutLogEvents rejects events out of order, and reports those too old or too new', () => {
    const logs = open();
    logs.createLogGroup({ name: '/g', retentionInDays: 1 });
    logs.createLogStream('/g', 's');
    expect(() => logs.putLogEvents('/g', 's', [{ timestamp: clock, message: 'b' }, { timestamp: clock - 1, message: 'a' }])).toThrow(/chronological order/);
    const result = logs.putLogEvents('/g', 's', [
      { timestamp: clock - 2 * DAY, message: 'expired' },
      { timestamp: clock, message: 'kept' },
      { timestamp: clock + 3 * 3_600_000, message: 'future' },
    ]);
    expect(result.rejectedLogEventsInfo).toEqual({ tooOldLogEventEndIndex: 1, tooNewLogEventStartIndex: 2 });
    expect(logs.getLogEvents({ group: '/g', stream: 's' }).events.map((event) => event.message)).toEqual(['kept']);
    expect(() => logs.putLogEvents('/g', 'missing', [{ timestamp: clock, message: 'x' }])).toThrow('The specified log stream does not exist.');
    expect(() => logs.createLogStream('/g', 's')).toThrow(expect.objectContaining({ code: 'ResourceAlreadyExistsException' }));
    expect(() => logs.createLogGroup({ name: '/g' })).toThrow(expect.objectContaining({ code: 'ResourceAlreadyExistsException' }));
    expect(() => logs.createLogGroup({ name: 'bad name' })).toThrow(expect.objectContaining({ code: 'InvalidParameterException' }));
    expect(() => logs.putRetentionPolicy('/g', 2)).toThrow(/enum value set: \[1, 3, 5, 7, 14/);
  });

  it('keeps a group within its caps, the oldest events and least recent streams going first', () => {
    const logs = open({ limits: { maxEventsPerGroup: 100, maxBytesPerGroup: 1_000_000, maxStreamsPerGroup: 10 } });
    fill(logs, '/g', 's', 1000);
    const kept = logs.filterLogEvents({ group: '/g' }).events;
    expect(kept.length).toBeLessThanOrEqual(100);
    expect(kept.length).toBeGreaterThanOrEqual(90);
    expect(kept.at(-1)!.message).toBe('event 999');
    expect(logs.describeLogGroups({}).logGroups[0]!.storedBytes).toBe(kept.reduce((sum, event) => sum + Buffer.byteLength(event.message) + 26, 0));

    // On disk too: dropping the oldest deletes whole segments (a tenth of the cap each), and a restart keeps the cap.
    logs.stop();
    const groupDir = path.join(dir, 'logs', 'groups', readdirSync(path.join(dir, 'logs', 'groups'))[0]!);
    const journalEvents = readdirSync(groupDir)
      .flatMap((name) => readFileSync(path.join(groupDir, name), 'utf8').trim().split('\n'))
      .reduce((sum, line) => sum + ((JSON.parse(line) as { events?: unknown[] }).events?.length ?? 0), 0);
    expect(journalEvents).toBeLessThanOrEqual(120);
    const reopened = open({ limits: { maxEventsPerGroup: 100, maxBytesPerGroup: 1_000_000, maxStreamsPerGroup: 10 } });
    reopened.start();
    // What the journal holds beyond the cap is trimmed again at start: the newest are kept, within the cap.
    const afterRestart = reopened.filterLogEvents({ group: '/g' }).events.map((event) => event.message);
    expect(afterRestart.length).toBeGreaterThanOrEqual(90);
    expect(afterRestart.length).toBeLessThanOrEqual(100);
    expect(afterRestart).toEqual(kept.map((event) => event.message).slice(-afterRestart.length));

    const bytes = open({ stateDir: path.join(dir, 'bytes'), limits: { maxBytesPerGroup: 10_000 } });
    fill(bytes, '/g', 's', 1000);
    expect(bytes.describeLogGroups({}).logGroups[0]!.storedBytes).toBeLessThanOrEqual(10_000);

    for (let index = 0; index < 30; index++) {
      clock += 1;
      reopened.put('/streams', `stream-${index}`, 'x');
    }
    const streams = reopened.describeLogStreams({ group: '/streams' }).logStreams.map((stream) => stream.logStreamName);
    expect(streams.length).toBeLessThanOrEqual(10);
    expect(streams).toContain('stream-29');
    expect(streams).not.toContain('stream-0');
  });

  it('applies retention at start and when the policy changes', () => {
    const logs = open();
    logs.put('/g', 's', 'ten days old', clock - 10 * DAY);
    logs.put('/g', 's', 'today', clock);
    logs.putRetentionPolicy('/g', 7);
    expect(logs.filterLogEvents({ group: '/g' }).events.map((event) => event.message)).toEqual(['today']);
    logs.stop();
    clock += 8 * DAY;
    const later = open();
    later.start();
    expect(later.filterLogEvents({ group: '/g' }).events).toEqual([]);
    expect(later.describeLogStreams({ group: '/g' }).logStreams.map((stream) => stream.logStreamName)).toEqual(['s']);
  });

  it('persists groups, streams and events across a restart; a torn last journal line costs that line only', () => {
    const logs = open();
    logs.createLogGroup({ name: '/kept', retentionInDays: 14 });
    logs.createLogStream('/kept', 'empty');
    fill(logs, '/kept', 'full', 5);
    logs.stop();
    const groupDir = path.join(dir, 'logs', 'groups', readdirSync(path.join(dir, 'logs', 'groups'))[0]!);
    const journal = path.join(groupDir, readdirSync(groupDir).sort().at(-1)!);
    appendFileSync(journal, '{"stream":"full","events":[[1,2,');
    const size = statSync(journal).size;
    const reopened = open();
    expect(reopened.describeLogGroups({}).logGroups).toEqual([expect.objectContaining({ logGroupName: '/kept', retentionInDays: 14 })]);
    expect(reopened.describeLogStreams({ group: '/kept' }).logStreams.map((stream) => stream.logStreamName)).toEqual(['empty', 'full']);
    expect(reopened.getLogEvents({ group: '/kept', stream: 'full', startFromHead: true }).events.map((event) => event.message)).toEqual(['event 0', 'event 1', 'event 2', 'event 3', 'event 4']);
    // New events after the restart continue the sequence (tokens stay ordered).
    reopened.put('/kept', 'full', 'after restart', clock);
    reopened.flush();
    expect(statSync(journal).size).toBeGreaterThan(size);
    expect(reopened.getLogEvents({ group: '/kept', stream: 'full' }).events.at(-1)!.message).toBe('after restart');
    reopened.deleteLogGroup('/kept');
    expect(readdirSync(path.join(dir, 'logs', 'groups'))).toEqual([]);
    expect(open().describeLogGroups({}).logGroups).toEqual([]);
  });
});
