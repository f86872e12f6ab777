/**
 * Event buses, rules and targets, validated as EventBridge validates them and persisted to
 * `<stateDir>/events/rules.json` (written whole and atomically).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { removeStaleTempFilesSync, writeJsonAtomicSync } from '../../../core/persistence';
import { checkConstraint, constraintViolations, validationMessage, type ConstraintRules, type ConstraintViolation } from '../../../core/constraints';
import { ACCOUNT_ID, AwsError } from '../../../core/types';
import { compilePattern, type CompiledPattern } from './pattern';
import { INVALID_SCHEDULE_EXPRESSION, parseScheduleExpression, ScheduleExpressionError } from './schedule-expression';
import { DEFAULT_BUS, isFifoQueueArn, type EventBus, type Rule, type RuleState, type Target } from './types';

export interface PutRuleInput {
  name: string;
  eventBusName?: string;
  /** A JSON text or an object. */
  eventPattern?: string | Record<string, unknown>;
  scheduleExpression?: string;
  state?: RuleState;
  description?: string;
  roleArn?: string;
}

export interface FailedTargetEntry {
  TargetId: string;
  ErrorCode: string;
  ErrorMessage: string;
}

const NAME = /^[.\-_A-Za-z0-9]+$/;
const NAME_PATTERN_TEXT = '[\\.\\-_A-Za-z0-9]+';
const BUS_NAME = /^[/.\-_A-Za-z0-9]+$/;
const RULE_STATES: readonly RuleState[] = ['ENABLED', 'DISABLED', 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS'];
const MAX_TARGETS_PER_RULE = 5;
const MAX_PATTERN_LENGTH = 4096;
const SUPPORTED_TARGET_SERVICES = new Set(['lambda', 'sqs', 'events']);

export class RuleStore {
  private readonly buses = new Map<string, EventBus>();
  /** Rules by bus, then by name (in creation order). */
  private readonly rules = new Map<string, Map<string, Rule>>();
  private readonly patterns = new Map<Rule, CompiledPattern>();
  private readonly file: string;

  constructor(
    stateDir: string,
    private readonly region: string,
    /** The schedules' time (epoch ms): when a rule's schedule starts. */
    private readonly now: () => number = Date.now,
    /** Told after every change of the rules (the scheduler). */
    private readonly onChange: () => void = () => undefined,
  ) {
    const dir = path.join(stateDir, 'events');
    mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, 'rules.json');
    this.load();
    if (!this.buses.has(DEFAULT_BUS)) {
      // The default bus is as old as the stack's state (saved, so that its CreationTime stays).
      const now = Date.now();
      this.buses.set(DEFAULT_BUS, { name: DEFAULT_BUS, createdAt: now, lastModifiedAt: now });
      this.save();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Buses

  createEventBus(name: string, description?: string): EventBus {
    const violations = constraintViolations([
      [name, 'name', { required: true, min: 1, max: 256, pattern: BUS_NAME, patternText: '[/\\.\\-_A-Za-z0-9]+' }],
      [description, 'description', { max: 512 }],
    ]);
    if (violations.length > 0) throw validation(validationMessage(violations));
    if (name === DEFAULT_BUS) throw validation(`Event bus name ${name} is not valid.`);
    if (this.buses.has(name)) throw new AwsError('ResourceAlreadyExistsException', `Event bus ${name} already exists.`);
    const now = Date.now();
    const bus: EventBus = { name, ...(description && { description }), createdAt: now, lastModifiedAt: now };
    this.buses.set(name, bus);
    this.save();
    return bus;
  }

  deleteEventBus(name: string): void {
    if (name === DEFAULT_BUS) throw validation('Cannot delete event bus default.');
    this.buses.delete(name);
    this.rules.delete(name);
    this.save();
  }

  listEventBuses(prefix = ''): EventBus[] {
    return [...this.buses.values()].filter((bus) => bus.name.startsWith(prefix));
  }

  /** The bus a name or ARN names; ResourceNotFoundException when there is none. */
  bus(nameOrArn: string | undefined): EventBus {
    const bus = this.findBus(nameOrArn);
    if (!bus) throw new AwsError('ResourceNotFoundException', `Event bus ${busNameOf(nameOrArn)} does not exist.`);
    return bus;
  }

  findBus(nameOrArn: string | undefined): EventBus | undefined {
    return this.buses.get(busNameOf(nameOrArn));
  }

  busArn(name: string): string {
    return `arn:aws:events:${this.region}:${ACCOUNT_ID}:event-bus/${name}`;
  }

  // ---------------------------------------------------------------------------------------------
  // Rules

  putRule(input: PutRuleInput): Rule {
    const eventPatternText = typeof input.eventPattern === 'object' ? JSON.stringify(input.eventPattern) : input.eventPattern;
    // PutRuleRequest's constraints in botocore's model, answered as AWS answers them.
    const violations = constraintViolations([
      [input.name, 'name', { required: true, min: 1, max: 64, pattern: NAME, patternText: NAME_PATTERN_TEXT }],
      [input.scheduleExpression, 'scheduleExpression', { max: 256 }],
      [eventPatternText, 'eventPattern', { max: MAX_PATTERN_LENGTH }],
      [input.state, 'state', { enum: [...RULE_STATES] }],
      [input.description, 'description', { max: 512 }],
      [input.roleArn, 'roleArn', { min: 1, max: 1600 }],
    ]);
    if (violations.length > 0) throw validation(validationMessage(violations));
    const bus = this.bus(input.eventBusName);
    if (input.eventPattern === undefined && input.scheduleExpression === undefined) {
      throw validation('Parameter(s) EventPattern or ScheduleExpression must be specified.');
    }
    if (input.scheduleExpression !== undefined && bus.name !== DEFAULT_BUS) {
      throw validation('ScheduleExpression is supported only on the default event bus.');
    }
    if (input.scheduleExpression !== undefined) checkScheduleExpression(input.scheduleExpression);
    const eventPattern = eventPatternText;
    const compiled: CompiledPattern | undefined = eventPattern === undefined ? undefined : compilePattern(eventPattern);
    const existing = this.rulesOf(bus.name).get(input.name);
    const rule: Rule = {
      name: input.name,
      eventBusName: bus.name,
      ...(eventPattern !== undefined && { eventPattern }),
      ...(input.scheduleExpression !== undefined && {
        scheduleExpression: input.scheduleExpression,
        // A schedule put again unchanged keeps its start (a redeploy does not shift a rate's times).
        scheduleSince: existing?.scheduleExpression === input.scheduleExpression && existing.scheduleSince !== undefined ? existing.scheduleSince : this.now(),
      }),
      state: input.state ?? 'ENABLED',
      ...(input.description !== undefined && { description: input.description }),
      ...(input.roleArn !== undefined && { roleArn: input.roleArn }),
      targets: existing?.targets ?? [],
    };
    if (existing) this.patterns.delete(existing);
    this.rulesOf(bus.name).set(rule.name, rule);
    if (compiled) this.patterns.set(rule, compiled);
    this.save();
    return rule;
  }

  rule(name: string, eventBusName?: string): Rule {
    const bus = this.bus(eventBusName);
    const rule = this.rulesOf(bus.name).get(name);
    if (!rule) throw new AwsError('ResourceNotFoundException', `Rule ${name} does not exist on EventBus ${bus.name}.`);
    return rule;
  }

  listRules(eventBusName?: string, namePrefix = ''): Rule[] {
    const bus = this.bus(eventBusName);
    return [...this.rulesOf(bus.name).values()].filter((rule) => rule.name.startsWith(namePrefix)).sort((a, b) => a.name.localeCompare(b.name));
  }

  deleteRule(name: string, eventBusName?: string, force = false): void {
    const bus = this.bus(eventBusName);
    const rule = this.rulesOf(bus.name).get(name);
    if (!rule) return;
    if (rule.targets.length > 0 && !force) throw validation("Rule can't be deleted since it has targets.");
    this.rulesOf(bus.name).delete(name);
    this.patterns.delete(rule);
    this.save();
  }

  setState(name: string, eventBusName: string | undefined, state: RuleState): void {
    this.rule(name, eventBusName).state = state;
    this.save();
  }

  ruleArn(rule: Pick<Rule, 'name' | 'eventBusName'>): string {
    const path = rule.eventBusName === DEFAULT_BUS ? rule.name : `${rule.eventBusName}/${rule.name}`;
    return `arn:aws:events:${this.region}:${ACCOUNT_ID}:rule/${path}`;
  }

  /** Enabled rules on the bus whose pattern matches the event. */
  matchingRules(eventBusName: string, event: unknown): Rule[] {
    return [...this.rulesOf(eventBusName).values()].filter((rule) => {
      if (rule.state === 'DISABLED') return false;
      const pattern = this.patterns.get(rule);
      return pattern !== undefined && pattern.matches(event);
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Targets

  /**
   * PutTargets as EventBridge answers it: the request's constraints (botocore's model: target ids,
   * lengths, retry ranges) and each target's inputs are checked for the whole request
   * (ValidationException, nothing stored); a target the local stack cannot deliver to fails alone,
   * in FailedEntries.
   */
  putTargets(ruleName: string, eventBusName: string | undefined, targets: Target[]): FailedTargetEntry[] {
    const violations = targetConstraintViolations(targets);
    if (violations.length > 0) throw validation(validationMessage(violations));
    const rule = this.rule(ruleName, eventBusName);
    for (const target of targets) {
      const problem = targetInputProblem(target);
      if (problem) throw validation(problem);
    }
    const failed: FailedTargetEntry[] = [];
    const byId = new Map(rule.targets.map((target) => [target.Id, target]));
    for (const target of targets) {
      const problem = targetProblem(target);
      if (problem) {
        failed.push({ TargetId: target.Id, ErrorCode: 'ValidationException', ErrorMessage: problem });
        continue;
      }
      if (!byId.has(target.Id) && byId.size >= MAX_TARGETS_PER_RULE) {
        // AWS's words (recorded): a rule holds at most five targets.
        throw new AwsError('LimitExceededException', 'The requested resource exceeds the maximum number allowed.');
      }
      byId.set(target.Id, { ...target });
    }
    rule.targets = [...byId.values()];
    this.save();
    return failed;
  }

  removeTargets(ruleName: string, eventBusName: string | undefined, ids: string[]): FailedTargetEntry[] {
    const rule = this.rule(ruleName, eventBusName);
    const known = new Set(rule.targets.map((target) => target.Id));
    rule.targets = rule.targets.filter((target) => !ids.includes(target.Id));
    this.save();
    return ids
      .filter((id) => !known.has(id))
      .map((id) => ({ TargetId: id, ErrorCode: 'ResourceNotFoundException', ErrorMessage: `Target ${id} does not exist on rule ${ruleName}.` }));
  }

  // ---------------------------------------------------------------------------------------------

  private rulesOf(busName: string): Map<string, Rule> {
    let rules = this.rules.get(busName);
    if (!rules) {
      rules = new Map();
      this.rules.set(busName, rules);
    }
    return rules;
  }

  private load(): void {
    removeStaleTempFilesSync(path.dirname(this.file));
    if (!existsSync(this.file)) return;
    const state = JSON.parse(readFileSync(this.file, 'utf8')) as { buses: EventBus[]; rules: Rule[] };
    for (const bus of state.buses) this.buses.set(bus.name, bus);
    for (const rule of state.rules) {
      this.rulesOf(rule.eventBusName).set(rule.name, rule);
      if (rule.eventPattern !== undefined) this.patterns.set(rule, compilePattern(rule.eventPattern));
    }
  }

  private save(): void {
    const state = {
      buses: [...this.buses.values()],
      rules: [...this.rules.values()].flatMap((rules) => [...rules.values()]),
    };
    writeJsonAtomicSync(this.file, state);
    this.onChange();
  }
}

function checkScheduleExpression(expression: string): void {
  try {
    parseScheduleExpression(expression);
  } catch (error) {
    if (error instanceof ScheduleExpressionError) throw validation(INVALID_SCHEDULE_EXPRESSION);
    throw error;
  }
}

/** The bus name in a name or an event-bus ARN; `default` when absent. */
export function busNameOf(nameOrArn: string | undefined): string {
  if (!nameOrArn) return DEFAULT_BUS;
  const arn = /^arn:aws[\w-]*:events:[^:]*:[^:]*:event-bus\/(.+)$/.exec(nameOrArn);
  return arn ? arn[1]! : nameOrArn;
}

/** What the local stack cannot deliver to, or a target it cannot read (reported per entry). */
function targetProblem(target: Target): string | undefined {
  if (!target.Arn.startsWith('arn:')) return `Target ${target.Id} needs an Arn.`;
  const service = target.Arn.split(':')[2] ?? '';
  if (!SUPPORTED_TARGET_SERVICES.has(service)) {
    return `Target ${target.Id}: ${service} targets are not supported by the local stack (Lambda functions, SQS queues and event buses are).`;
  }
  if (target.Input !== undefined) {
    try {
      JSON.parse(target.Input);
    } catch {
      return `Target ${target.Id}: Input is not valid JSON.`;
    }
  }
  const deadLetterArn = target.DeadLetterConfig?.Arn;
  if (deadLetterArn !== undefined && !deadLetterArn.startsWith('arn:aws:sqs:')) return `Target ${target.Id}: DeadLetterConfig.Arn must be an SQS queue ARN.`;
  return undefined;
}

/**
 * EventBridge's checks of a target's input, which refuse the whole request; the words are AWS's
 * (real responses recorded in LocalStack's snapshot tests, test_events_inputs.snapshot.json).
 */
function targetInputProblem(target: Target): string | undefined {
  const inputs = [target.Input, target.InputPath, target.InputTransformer].filter((value) => value !== undefined);
  if (inputs.length > 1) return `Only one of Input, InputPath, or InputTransformer must be provided for target ${target.Id}.`;
  // A FIFO queue takes only messages with a group: AWS refuses the target without one (its words as
  // AWS answered them, quoted in hashicorp/terraform#20263 and awslabs/aws-ddk#183).
  if (isFifoQueueArn(target.Arn) && !target.SqsParameters?.MessageGroupId) return `Parameter(s) SqsParameters must be specified for target: ${target.Id}.`;
  // A dead-letter queue is a standard queue (AWS's words as CloudTrail recorded a PutTargets, dev.classmethod.jp,
  // "Can a FIFO queue be the dead-letter queue of an EventBridge rule?").
  if (target.DeadLetterConfig?.Arn !== undefined && isFifoQueueArn(target.DeadLetterConfig.Arn)) return 'SQS FIFO is not supported by Dead Letter Queues.';
  const transformer = target.InputTransformer;
  if (transformer) {
    const defined = new Set([...Object.keys(transformer.InputPathsMap ?? {}), ...PREDEFINED_PLACEHOLDERS]);
    for (const [, name] of transformer.InputTemplate.matchAll(PLACEHOLDER)) {
      if (!defined.has(name!)) return `InputTemplate for target ${target.Id} contains invalid placeholder ${name}.`;
    }
  }
  return undefined;
}

/** `<name>` in an InputTemplate (names are InputPathsMap keys, [A-Za-z0-9_-]+, or the predefined aws.events.* ones). */
const PLACEHOLDER = /<([A-Za-z0-9_.-]+)>/g;
const PREDEFINED_PLACEHOLDERS = ['aws.events.rule-arn', 'aws.events.rule-name', 'aws.events.event.ingestion-time', 'aws.events.event', 'aws.events.event.json'];

/** PutTargetsRequest's constraints in botocore's model (events 2015-10-07), member by member. */
function targetConstraintViolations(targets: Target[]): ConstraintViolation[] {
  if (!Array.isArray(targets) || targets.length < 1 || targets.length > 100) {
    const constraint = Array.isArray(targets) && targets.length > 100 ? 'Member must have length less than or equal to 100' : 'Member must have length greater than or equal to 1';
    return [{ value: Array.isArray(targets) ? `[${targets.length} targets]` : null, path: 'targets', constraint }];
  }
  const violations: ConstraintViolation[] = [];
  const check = (value: unknown, path: string, rules: ConstraintRules): void => checkConstraint(violations, value, path, rules);
  targets.forEach((target, index) => {
    const at = `targets.${index + 1}.member`;
    check(target.Id, `${at}.id`, { required: true, min: 1, max: 64, pattern: NAME, patternText: NAME_PATTERN_TEXT });
    check(target.Arn, `${at}.arn`, { required: true, min: 1, max: 1600 });
    check(target.Input, `${at}.input`, { max: 8192 });
    check(target.InputPath, `${at}.inputPath`, { max: 256 });
    if (target.InputTransformer !== undefined) {
      check(target.InputTransformer.InputTemplate, `${at}.inputTransformer.inputTemplate`, { required: true, min: 1, max: 8192 });
    }
    check(target.SqsParameters?.MessageGroupId, `${at}.sqsParameters.messageGroupId`, { max: 100 });
    check(target.RetryPolicy?.MaximumRetryAttempts, `${at}.retryPolicy.maximumRetryAttempts`, { min: 0, max: 185 });
    check(target.RetryPolicy?.MaximumEventAgeInSeconds, `${at}.retryPolicy.maximumEventAgeInSeconds`, { min: 60, max: 86_400 });
  });
  return violations;
}

function validation(message: string): AwsError {
  return new AwsError('ValidationException', message);
}
