/**
 * The schedule rules' runner: each enabled rule of the default bus with a ScheduleExpression sends a
 * `Scheduled Event` (source `aws.events`, detail `{}`, the rule's ARN in resources, `time` the
 * scheduled minute) to its own targets at every time the expression names, in UTC.
 *
 * Time is the stack's `ScheduleClock`: the machine's clock plus an offset that only grows. Tests and
 * users move it forward (`advance`, `POST /_local/events-clock`) instead of waiting: every occurrence
 * between the old and the new time fires, in time order, each with its own scheduled time. Otherwise a
 * timer fires the next occurrence when the clock reaches it. Occurrences while the stack is stopped
 * or a rule is disabled are not fired later (a rule's schedule resumes from the next one).
 */
import type { LocalStackLogger } from '../../../core/logger';
import { AwsError } from '../../../core/types';
import { nextFireTime, parseScheduleExpression, type Schedule } from './schedule-expression';
import { DEFAULT_BUS, type Rule } from './types';

/** The stack's time for schedules: epoch ms, the machine's clock plus an offset moved forward by `advance`. */
export class ScheduleClock {
  private offsetMs = 0;

  now(): number {
    return Date.now() + this.offsetMs;
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

/** The most occurrences one advance may fire: beyond it, the advance is refused (advance in smaller steps). */
export const MAX_OCCURRENCES_PER_ADVANCE = 10_000;
/** setTimeout's longest delay. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface SchedulerOptions {
  clock: ScheduleClock;
  /** The rules of the default bus. */
  rules: () => readonly Rule[];
  /** Sends the rule's Scheduled Event for `time` (epoch ms) to its targets. */
  fire: (rule: Rule, time: number) => void;
  logger: LocalStackLogger;
}

interface Cursor {
  expression: string;
  since: number;
  schedule: Schedule;
  /** Occurrences up to this time are done (fired, or passed while disabled or stopped). */
  doneUpTo: number;
}

export interface AdvanceResult {
  /** The stack's schedule time after the advance (ISO 8601). */
  now: string;
  /** Occurrences fired, per rule name. */
  fired: Record<string, number>;
}

export class RuleScheduler {
  private readonly cursors = new Map<string, Cursor>();
  /** Rules whose stored expression does not parse, warned about once per expression. */
  private readonly unparsable = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  private running = false;

  constructor(private readonly options: SchedulerOptions) {}

  start(): void {
    this.running = true;
    this.startedAt = this.options.clock.now();
    this.run(this.startedAt);
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** A rule was put, enabled, disabled or deleted: its next occurrence may have changed. */
  rulesChanged(): void {
    if (this.running) this.run(this.options.clock.now());
  }

  /** Moves the clock forward `ms` and fires what falls due, in time order. */
  advance(ms: number): AdvanceResult {
    if (!Number.isFinite(ms) || ms < 0) throw new AwsError('ValidationException', 'The schedule clock moves forward only: give a positive duration.', 400);
    const target = this.options.clock.now() + ms;
    const due = this.dueUpTo(target);
    if (due.length > MAX_OCCURRENCES_PER_ADVANCE) {
      throw new AwsError(
        'ValidationException',
        `Advancing the schedule clock by ${ms} ms would fire more than ${MAX_OCCURRENCES_PER_ADVANCE} scheduled events: advance in smaller steps.`,
        400,
      );
    }
    this.options.clock.advance(ms);
    return { now: new Date(this.options.clock.now()).toISOString(), fired: this.fireAll(due) };
  }

  /** The next occurrence of each scheduled rule (for tests and the log). */
  nextOccurrences(): Record<string, string> {
    this.syncCursors();
    const next: Record<string, string> = {};
    for (const [name, cursor] of this.cursors) {
      const at = nextFireTime(cursor.schedule, cursor.doneUpTo, cursor.since);
      if (at !== undefined) next[name] = new Date(at).toISOString();
    }
    return next;
  }

  private run(upTo: number): void {
    this.fireAll(this.dueUpTo(upTo));
    this.arm();
  }

  private fireAll(due: ReadonlyArray<{ rule: Rule; time: number }>): Record<string, number> {
    const fired: Record<string, number> = {};
    for (const { rule, time } of due) {
      this.options.fire(rule, time);
      fired[rule.name] = (fired[rule.name] ?? 0) + 1;
    }
    return fired;
  }

  /** The occurrences up to `upTo`, in time order; the cursors move past them (and past disabled rules' times). */
  private dueUpTo(upTo: number): Array<{ rule: Rule; time: number }> {
    const due: Array<{ rule: Rule; time: number }> = [];
    const pending: Array<() => void> = [];
    for (const rule of this.syncCursors()) {
      const cursor = this.cursors.get(rule.name)!;
      if (rule.state === 'DISABLED') {
        pending.push(() => (cursor.doneUpTo = Math.max(cursor.doneUpTo, upTo)));
        continue;
      }
      let after = cursor.doneUpTo;
      for (;;) {
        const at = nextFireTime(cursor.schedule, after, cursor.since);
        if (at === undefined || at > upTo || due.length > MAX_OCCURRENCES_PER_ADVANCE) break;
        due.push({ rule, time: at });
        after = at;
      }
      pending.push(() => (cursor.doneUpTo = Math.max(cursor.doneUpTo, upTo)));
    }
    // The cursors move only when what is due will be fired (an advance refused leaves them).
    if (due.length <= MAX_OCCURRENCES_PER_ADVANCE) for (const move of pending) move();
    return due.sort((a, b) => a.time - b.time);
  }

  /** The scheduled rules, with a cursor each (a new or changed schedule starts after its put, or the stack's start). */
  private syncCursors(): Rule[] {
    const scheduled = this.options.rules().filter((rule) => rule.eventBusName === DEFAULT_BUS && rule.scheduleExpression !== undefined);
    const names = new Set(scheduled.map((rule) => rule.name));
    for (const name of this.cursors.keys()) if (!names.has(name)) this.cursors.delete(name);
    for (const rule of scheduled) {
      const since = rule.scheduleSince ?? this.startedAt;
      const cursor = this.cursors.get(rule.name);
      if (cursor !== undefined && cursor.expression === rule.scheduleExpression && cursor.since === since) continue;
      try {
        this.cursors.set(rule.name, {
          expression: rule.scheduleExpression!,
          since,
          schedule: parseScheduleExpression(rule.scheduleExpression!),
          doneUpTo: Math.max(since, this.startedAt),
        });
      } catch {
        // Only state written before PutRule checked expressions can hold one that does not parse.
        if (this.unparsable.get(rule.name) !== rule.scheduleExpression) {
          this.unparsable.set(rule.name, rule.scheduleExpression!);
          this.options.logger.warn('a rule with an invalid schedule expression is never fired', { rule: rule.name, schedule: rule.scheduleExpression });
        }
        names.delete(rule.name);
      }
    }
    return scheduled.filter((rule) => names.has(rule.name));
  }

  private arm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.running) return;
    const next = Object.values(this.nextOccurrences()).map((at) => Date.parse(at));
    if (next.length === 0) return;
    const delay = Math.min(Math.max(0, Math.min(...next) - this.options.clock.now()), MAX_TIMER_MS);
    this.timer = setTimeout(() => {
      try {
        this.run(this.options.clock.now());
      } catch (error) {
        this.options.logger.error('scheduled rules could not run', { error: String(error) });
      }
    }, delay);
    this.timer.unref();
  }
}
