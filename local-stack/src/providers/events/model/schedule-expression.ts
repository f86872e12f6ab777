/**
 * EventBridge schedule expressions, as its user guide defines them ("Creating a rule that runs on a
 * schedule"), in UTC:
 *
 * - `rate(<value> <unit>)`: a positive whole number and minute(s), hour(s) or day(s), singular for 1
 *   and plural otherwise (`rate(1 hour)`, `rate(7 days)`); the first run is one period after the rule
 *   was created.
 * - `cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)`: `, - * /` in every field
 *   but day-of-week, `?` in day-of-month or day-of-week (exactly one of them), `L` and `W` in
 *   day-of-month (`L`, `LW`, `15W`), `L` and `#` in day-of-week (`L`, `6L`, `2#1`), months JAN-DEC and
 *   weekdays SUN-SAT (1 is Sunday).
 *
 * Anything else is refused with EventBridge's one message, `Parameter ScheduleExpression is not
 * valid.` (LocalStack's AWS-validated tests: `rate(1 minutes)`, `rate(10 minute)`, `rate(0 minutes)`,
 * `rate(10 seconds)`, `rate(10 MINUTES)`, `rate( 10 minutes )`, ...; a numeric field out of its
 * range and a `#` outside day-of-week, measured on PutRule; the year's documented 1970-2199 is not
 * enforced by AWS, cron(0 20 * * ? 2500) is accepted). Pure functions; no clock.
 */

export const INVALID_SCHEDULE_EXPRESSION = 'Parameter ScheduleExpression is not valid.';

export class ScheduleExpressionError extends Error {
  constructor() {
    super(INVALID_SCHEDULE_EXPRESSION);
    this.name = 'ScheduleExpressionError';
  }
}

export type Schedule = { kind: 'rate'; periodMs: number } | { kind: 'cron'; fields: CronFields };

interface CronFields {
  minutes: Set<number>;
  hours: Set<number>;
  daysOfMonth: DayOfMonth;
  months: Set<number>;
  daysOfWeek: DayOfWeek;
  /** Undefined: every year. */
  years?: Set<number>;
}

type DayOfMonth = { kind: 'any' } | { kind: 'days'; days: Set<number> } | { kind: 'last' } | { kind: 'lastWeekday' } | { kind: 'nearestWeekday'; day: number };
type DayOfWeek = { kind: 'any' } | { kind: 'days'; days: Set<number> } | { kind: 'last'; day: number } | { kind: 'nth'; day: number; nth: number };

const MINUTE_MS = 60_000;
const RATE_UNITS: Readonly<Record<string, number>> = { minute: MINUTE_MS, hour: 60 * MINUTE_MS, day: 24 * 60 * MINUTE_MS };
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const WEEKDAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

function invalid(): never {
  throw new ScheduleExpressionError();
}

/** The schedule an expression describes, or ScheduleExpressionError with EventBridge's message. */
export function parseScheduleExpression(expression: string): Schedule {
  const rate = /^rate\(([1-9][0-9]{0,8}) (minute|hour|day)(s?)\)$/.exec(expression);
  if (rate) {
    const value = Number(rate[1]);
    if ((value === 1) !== (rate[3] === '')) invalid();
    return { kind: 'rate', periodMs: value * RATE_UNITS[rate[2]!]! };
  }
  const cron = /^cron\((\S+(?: \S+){5})\)$/.exec(expression);
  if (!cron) invalid();
  const [minutes, hours, dayOfMonth, month, dayOfWeek, year] = cron[1]!.split(' ') as [string, string, string, string, string, string];
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) invalid();
  return {
    kind: 'cron',
    fields: {
      minutes: numericField(minutes, 0, 59),
      hours: numericField(hours, 0, 23),
      daysOfMonth: dayOfMonthField(dayOfMonth),
      months: numericField(month, 1, 12, MONTHS),
      daysOfWeek: dayOfWeekField(dayOfWeek),
      ...(year === '*' ? {} : { years: numericField(year, 1970, 9999) }),
    },
  };
}

function number(text: string, min: number, max: number, names?: readonly string[]): number {
  const named = names?.indexOf(text.toUpperCase()) ?? -1;
  if (named >= 0) return named + min;
  if (!/^[0-9]{1,4}$/.test(text)) invalid();
  const value = Number(text);
  if (value < min || value > max) invalid();
  return value;
}

/** `*`, `a`, `a-b` (wrapping past the maximum when a > b), `a/step`, `*\/step`, `a-b/step`, comma-separated. */
function numericField(text: string, min: number, max: number, names?: readonly string[], allowSteps = true): Set<number> {
  const values = new Set<number>();
  for (const item of text.split(',')) {
    const [range, stepText, ...extra] = item.split('/');
    if (extra.length > 0 || range === undefined || range === '' || (stepText !== undefined && !allowSteps)) invalid();
    const step = stepText === undefined ? 1 : number(stepText, 1, max - min + 1);
    let first: number;
    let last: number;
    if (range === '*') [first, last] = [min, max];
    else if (range.includes('-')) {
      const [from, to, ...more] = range.split('-');
      if (more.length > 0 || from === undefined || to === undefined) invalid();
      [first, last] = [number(from, min, max, names), number(to, min, max, names)];
    } else [first, last] = [number(range, min, max, names), stepText === undefined ? number(range, min, max, names) : max];
    const span = last >= first ? last - first : last + (max - min + 1) - first;
    for (let offset = 0; offset <= span; offset += step) values.add(((first - min + offset) % (max - min + 1)) + min);
  }
  return values;
}

function dayOfMonthField(text: string): DayOfMonth {
  if (text === '?') return { kind: 'any' };
  if (text === 'L') return { kind: 'last' };
  if (text === 'LW') return { kind: 'lastWeekday' };
  const weekday = /^([0-9]{1,2})W$/.exec(text);
  if (weekday) return { kind: 'nearestWeekday', day: number(weekday[1]!, 1, 31) };
  if (/[#LW]/i.test(text)) invalid();
  return { kind: 'days', days: numericField(text, 1, 31) };
}

function dayOfWeekField(text: string): DayOfWeek {
  if (text === '?') return { kind: 'any' };
  if (text === 'L') return { kind: 'days', days: new Set([7]) };
  const last = /^([^L#]+)L$/.exec(text);
  if (last) return { kind: 'last', day: number(last[1]!, 1, 7, WEEKDAYS) };
  const nth = /^([^L#]+)#([1-5])$/.exec(text);
  if (nth) return { kind: 'nth', day: number(nth[1]!, 1, 7, WEEKDAYS), nth: Number(nth[2]) };
  if (/[#LW]/i.test(text.replace(/[A-Z]{3}/gi, (name) => (WEEKDAYS.includes(name.toUpperCase()) ? 'X' : name)))) invalid();
  return { kind: 'days', days: numericField(text, 1, 7, WEEKDAYS, false) };
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** 1 (Sunday) to 7 (Saturday), as cron counts them. */
function weekdayOf(year: number, month: number, day: number): number {
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;
}

function nearestWeekday(year: number, month: number, day: number): number {
  const last = daysInMonth(year, month);
  const target = Math.min(day, last);
  const weekday = weekdayOf(year, month, target);
  if (weekday === 7) return target === 1 ? 3 : target - 1; // Saturday: Friday, or Monday the 3rd
  if (weekday === 1) return target === last ? target - 2 : target + 1; // Sunday: Monday, or Friday
  return target;
}

function dayMatches(fields: CronFields, year: number, month: number, day: number): boolean {
  const dom = fields.daysOfMonth;
  const last = daysInMonth(year, month);
  switch (dom.kind) {
    case 'days':
      return dom.days.has(day);
    case 'last':
      return day === last;
    case 'lastWeekday':
      return day === nearestWeekday(year, month, last);
    case 'nearestWeekday':
      return day === nearestWeekday(year, month, dom.day);
    case 'any':
      break;
  }
  const dow = fields.daysOfWeek;
  const weekday = weekdayOf(year, month, day);
  switch (dow.kind) {
    case 'days':
      return dow.days.has(weekday);
    case 'last':
      return weekday === dow.day && day + 7 > last;
    case 'nth':
      return weekday === dow.day && Math.ceil(day / 7) === dow.nth;
    case 'any':
      return true;
  }
}

/** The last year searched: a schedule with no time before it never fires. */
const LAST_YEAR = 9999;

/**
 * The first time the schedule fires strictly after `afterMs` (epoch ms), or undefined if it never
 * does. A rate schedule fires at `anchorMs` plus whole periods (the time its rule was created).
 */
export function nextFireTime(schedule: Schedule, afterMs: number, anchorMs: number): number | undefined {
  if (schedule.kind === 'rate') {
    const periods = Math.max(1, Math.floor((afterMs - anchorMs) / schedule.periodMs) + 1);
    return anchorMs + periods * schedule.periodMs;
  }
  const { fields } = schedule;
  const start = new Date((Math.floor(afterMs / MINUTE_MS) + 1) * MINUTE_MS);
  let [year, month, day, hour, minute] = [start.getUTCFullYear(), start.getUTCMonth() + 1, start.getUTCDate(), start.getUTCHours(), start.getUTCMinutes()];
  while (year <= LAST_YEAR) {
    if (fields.years !== undefined && !fields.years.has(year)) {
      if (![...fields.years].some((candidate) => candidate > year)) return undefined;
      [year, month, day, hour, minute] = [year + 1, 1, 1, 0, 0];
    } else if (!fields.months.has(month)) {
      [month, day, hour, minute] = [month + 1, 1, 0, 0];
    } else if (day > daysInMonth(year, month) || !dayMatches(fields, year, month, day)) {
      [day, hour, minute] = [day + 1, 0, 0];
    } else if (!fields.hours.has(hour)) {
      [hour, minute] = [hour + 1, 0];
    } else if (!fields.minutes.has(minute)) {
      minute += 1;
    } else return Date.UTC(year, month - 1, day, hour, minute);
    if (minute > 59) [hour, minute] = [hour + 1, 0];
    if (hour > 23) [day, hour] = [day + 1, 0];
    if (day > daysInMonth(year, month)) [month, day] = [month + 1, 1];
    if (month > 12) [year, month] = [year + 1, 1];
  }
  return undefined;
}
