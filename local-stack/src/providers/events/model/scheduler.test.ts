import { silentLogger } from '../../../core/logger';
import { MAX_OCCURRENCES_PER_ADVANCE, RuleScheduler, ScheduleClock } from './scheduler';
import type { Rule } from './types';

const MINUTE = 60_000;

function rule(name: string, scheduleExpression: string, scheduleSince: number, state: Rule['state'] = 'ENABLED'): Rule {
  return { name, eventBusName: 'default', scheduleExpression, scheduleSince, state, targets: [] };
}

describe('RuleScheduler', () => {
  const clock = new ScheduleClock();
  let rules: Rule[];
  let fired: Array<[string, string]>;
  let scheduler: RuleScheduler;

  beforeEach(() => {
    rules = [];
    fired = [];
    scheduler = new RuleScheduler({ clock, rules: () => rules, fire: (fired_, time) => fired.push([fired_.name, new Date(time).toISOString()]), logger: silentLogger });
    scheduler.start();
  });
  afterEach(() => scheduler.stop());

  it('fires every occurrence an advance passes, of every rule, in time order', () => {
    const since = Math.floor(clock.now() / (60 * MINUTE)) * 60 * MINUTE + 90 * MINUTE; // an hour and a half ahead, on the hour
    rules.push(rule('half-hourly', 'rate(30 minutes)', since), rule('hourly', 'rate(1 hour)', since));
    scheduler.rulesChanged();
    const result = scheduler.advance(since + 60 * MINUTE - clock.now());
    expect(result.fired).toEqual({ 'half-hourly': 2, hourly: 1 });
    expect(fired.map(([name, time]) => [name, Date.parse(time) - since])).toEqual([
      ['half-hourly', 30 * MINUTE],
      ['half-hourly', 60 * MINUTE],
      ['hourly', 60 * MINUTE],
    ]);
    // Nothing fires twice.
    expect(scheduler.advance(0).fired).toEqual({});
  });

  it('skips what falls due while a rule is disabled, and starts a changed schedule anew', () => {
    const now = clock.now();
    rules.push(rule('minutely', 'rate(1 minute)', now, 'DISABLED'));
    expect(scheduler.advance(5 * MINUTE).fired).toEqual({});
    rules[0]!.state = 'ENABLED';
    expect(scheduler.advance(MINUTE).fired).toEqual({ minutely: 1 });
    rules[0] = rule('minutely', 'rate(10 minutes)', clock.now());
    expect(scheduler.advance(9 * MINUTE).fired).toEqual({});
    expect(scheduler.advance(MINUTE).fired).toEqual({ minutely: 1 });
    expect(Object.keys(scheduler.nextOccurrences())).toEqual(['minutely']);
    rules.length = 0;
    expect(scheduler.nextOccurrences()).toEqual({});
  });

  it('refuses an advance that would fire too many events, and fires nothing for it', () => {
    rules.push(rule('minutely', 'rate(1 minute)', clock.now()));
    const before = clock.now();
    expect(() => scheduler.advance((MAX_OCCURRENCES_PER_ADVANCE + 1) * MINUTE)).toThrow(/would fire more than 10000 scheduled events/);
    expect(fired).toEqual([]);
    expect(clock.now() - before).toBeLessThan(MINUTE);
    expect(scheduler.advance(2 * MINUTE).fired).toEqual({ minutely: 2 });
    expect(() => scheduler.advance(-1)).toThrow(/forward only/);
  });

  it('never fires a rule whose stored expression does not parse', () => {
    rules.push(rule('broken', 'rate(1 minutes)', clock.now()), rule('fine', 'rate(1 minute)', clock.now()));
    expect(scheduler.advance(MINUTE).fired).toEqual({ fine: 1 });
  });
});
