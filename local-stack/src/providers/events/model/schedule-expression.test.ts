import { INVALID_SCHEDULE_EXPRESSION, nextFireTime, parseScheduleExpression } from './schedule-expression';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

/** The first `count` times the expression fires after `from`. */
function firings(expression: string, from: string, count: number, anchor = from): string[] {
  const schedule = parseScheduleExpression(expression);
  const times: string[] = [];
  let after = at(from);
  for (let i = 0; i < count; i++) {
    const next = nextFireTime(schedule, after, at(anchor));
    if (next === undefined) break;
    times.push(iso(next)!);
    after = next;
  }
  return times;
}

describe('schedule expressions', () => {
  it.each([
    'rate(1 minute)',
    'rate(5 minutes)',
    'rate(1 hour)',
    'rate(12 hours)',
    'rate(1 day)',
    'rate(7 days)',
    // AWS's user guide examples and LocalStack's AWS-validated cron tests.
    'cron(0 10 * * ? *)',
    'cron(15 12 * * ? *)',
    'cron(0 18 ? * MON-FRI *)',
    'cron(0 8 1 * ? *)',
    'cron(0/15 * * * ? *)',
    'cron(0/10 * ? * MON-FRI *)',
    'cron(0/5 8-17 ? * MON-FRI *)',
    'cron(0/30 20-23 ? * MON-FRI *)',
    'cron(0 3 ? * MON *)',
    'cron(0 9 ? * 2#1 *)',
    'cron(0 0 L * ? *)',
    'cron(0 0 LW * ? *)',
    'cron(0 0 15W * ? *)',
    'cron(0 0 ? * 6L 2026-2030)',
    'cron(0 20 * * ? 2500)',
    'cron(0 12 ? JAN,jul SUN,sat *)',
  ])('accepts %s', (expression) => {
    expect(() => parseScheduleExpression(expression)).not.toThrow();
  });

  it.each([
    // LocalStack's AWS-validated invalid rates.
    'rate(10 seconds)',
    'rate(10 years)',
    'rate(1 minutes)',
    'rate(1 hours)',
    'rate(1 days)',
    'rate(10 minute)',
    'rate(10 hour)',
    'rate(10 day)',
    'rate()',
    'rate(10)',
    'rate(10 minutess)',
    'rate(foo minutes)',
    'rate(0 minutes)',
    'rate(-10 minutes)',
    'rate(10 MINUTES)',
    'rate( 10 minutes )',
    ' rate(10 minutes)',
    // cron: both or neither day field '?', out-of-range numbers, '#' outside day-of-week, five fields, junk.
    'cron(0 10 * * * *)',
    'cron(0 10 ? * ? *)',
    'cron(60 10 * * ? *)',
    'cron(0 24 * * ? *)',
    'cron(0 10 32 * ? *)',
    'cron(0 10 * 13 ? *)',
    'cron(0 10 ? * 8 *)',
    'cron(0 10 1#2 * ? *)',
    'cron(0 10 * * ?)',
    'cron(0  10 * * ? *)',
    'cron(0 10 * FOO ? *)',
    'cron(0 10 ? * MON/2 *)',
    'cron(a 10 * * ? *)',
    'cron(0 10 * * ? 1969)',
    'at(2026-12-07T10:00:00)',
  ])('refuses %s with EventBridge’s message', (expression) => {
    expect(() => parseScheduleExpression(expression)).toThrow(INVALID_SCHEDULE_EXPRESSION);
  });

  it('fires a rate at its anchor plus whole periods', () => {
    expect(firings('rate(5 minutes)', '2026-12-07T10:00:00Z', 3)).toEqual(['2026-12-07T10:05:00.000Z', '2026-12-07T10:10:00.000Z', '2026-12-07T10:15:00.000Z']);
    // Asked from the middle of a period: the next whole period after the anchor.
    expect(firings('rate(1 hour)', '2026-12-07T10:20:00Z', 2, '2026-12-07T09:00:30Z')).toEqual(['2026-12-07T11:00:30.000Z', '2026-12-07T12:00:30.000Z']);
    expect(firings('rate(7 days)', '2026-12-07T00:00:00Z', 1)).toEqual(['2026-12-14T00:00:00.000Z']);
  });

  it('fires cron expressions at the UTC minutes they name', () => {
    // 2026-12-07 is a Monday.
    expect(firings('cron(0 3 ? * MON *)', '2026-12-07T03:00:00Z', 2)).toEqual(['2026-12-14T03:00:00.000Z', '2026-12-21T03:00:00.000Z']);
    expect(firings('cron(0 3 ? * MON *)', '2026-12-07T02:59:59Z', 1)).toEqual(['2026-12-07T03:00:00.000Z']);
    expect(firings('cron(0/15 * * * ? *)', '2026-12-07T10:07:00Z', 4)).toEqual([
      '2026-12-07T10:15:00.000Z',
      '2026-12-07T10:30:00.000Z',
      '2026-12-07T10:45:00.000Z',
      '2026-12-07T11:00:00.000Z',
    ]);
    expect(firings('cron(0 18 ? * MON-FRI *)', '2026-12-11T18:00:00Z', 1)).toEqual(['2026-12-14T18:00:00.000Z']);
    expect(firings('cron(30 23 31 12 ? *)', '2026-12-07T00:00:00Z', 2)).toEqual(['2026-12-31T23:30:00.000Z', '2027-12-31T23:30:00.000Z']);
  });

  it('reads L, W and # as EventBridge documents them', () => {
    expect(firings('cron(0 0 L * ? *)', '2027-01-15T00:00:00Z', 3)).toEqual(['2027-01-31T00:00:00.000Z', '2027-02-28T00:00:00.000Z', '2027-03-31T00:00:00.000Z']);
    // The last weekday: 2027-01-31 is a Sunday, so Friday the 29th; 2027-07-31 is a Saturday, so Friday the 30th.
    expect(firings('cron(0 0 LW * ? *)', '2027-01-01T00:00:00Z', 1)).toEqual(['2027-01-29T00:00:00.000Z']);
    expect(firings('cron(0 0 LW 7 ? *)', '2027-01-01T00:00:00Z', 1)).toEqual(['2027-07-30T00:00:00.000Z']);
    // The weekday nearest the 1st when it is a Saturday (2027-05-01): Monday the 3rd, never the month before.
    expect(firings('cron(0 0 1W 5 ? *)', '2027-01-01T00:00:00Z', 1)).toEqual(['2027-05-03T00:00:00.000Z']);
    // The first Monday (2#1) and the last Friday (6L) of January 2027.
    expect(firings('cron(0 9 ? 1 2#1 *)', '2026-12-07T00:00:00Z', 1)).toEqual(['2027-01-04T09:00:00.000Z']);
    expect(firings('cron(0 9 ? 1 6L *)', '2026-12-07T00:00:00Z', 1)).toEqual(['2027-01-29T09:00:00.000Z']);
  });

  it('never fires a schedule whose times are all past, or that names no existing day', () => {
    expect(nextFireTime(parseScheduleExpression('cron(0 0 1 1 ? 2020)'), at('2026-12-07T00:00:00Z'), 0)).toBeUndefined();
    expect(nextFireTime(parseScheduleExpression('cron(0 0 30 2 ? 2027-2030)'), at('2026-12-07T00:00:00Z'), 0)).toBeUndefined();
  });
});
