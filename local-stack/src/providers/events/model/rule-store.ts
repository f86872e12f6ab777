/**
 * Event buses, rules and targets, validated as EventBridge validates them and persisted to
 * `<stateDir>/events/rules.json` (written whole and atomically).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { removeStaleTempFilesSync, writeJsonAtomicSync } from '../../../core/persistence';
import { ACCOUNT_ID, AwsError } from '../../../core/types';
import { compilePattern, type CompiledPattern } from './pattern';
import { DEFAULT_BUS, type EventBus, type Rule, type RuleState, type Target } from './types';

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

const NAME = /^[.\-_A-Za-z0-9]{1,64}$/;
const BUS_NAME = /^[/.\-_A-Za-z0-9]{1,256}$/;
const RULE_STATES = new Set<RuleState>(['ENABLED', 'DISABLED', 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS']);
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
  ) {
    const dir = path.join(stateDir, 'events');
    mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, 'rules.json');
    this.buses.set(DEFAULT_BUS, { name: DEFAULT_BUS, createdAt: 0 });
    this.load();
  }

  // ---------------------------------------------------------------------------------------------
  // Buses

  createEventBus(name: string, description?: string): EventBus {
    if (!BUS_NAME.test(name) || name === DEFAULT_BUS) throw validation(`Event bus name ${name} is not valid.`);
    if (this.buses.has(name)) throw new AwsError('ResourceAlreadyExistsException', `Event bus ${name} already exists.`);
    const bus: EventBus = { name, ...(description && { description }), createdAt: Date.now() };
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
    const name = busNameOf(nameOrArn);
    const bus = this.buses.get(name);
    if (!bus) throw new AwsError('ResourceNotFoundException', `Event bus ${name} does not exist.`);
    return bus;
  }

  busArn(name: string): string {
    return `arn:aws:events:${this.region}:${ACCOUNT_ID}:event-bus/${name}`;
  }

  // ---------------------------------------------------------------------------------------------
  // Rules

  putRule(input: PutRuleInput): Rule {
    if (!NAME.test(input.name)) throw validation(`Rule name ${input.name} is not valid: 1 to 64 letters, digits, '.', '-' or '_'.`);
    const bus = this.bus(input.eventBusName);
    if (input.eventPattern === undefined && input.scheduleExpression === undefined) {
      throw validation('Parameter(s) EventPattern or ScheduleExpression must be specified.');
    }
    if (input.scheduleExpression !== undefined && bus.name !== DEFAULT_BUS) {
      throw validation('ScheduleExpression is supported only on the default event bus.');
    }
    if (input.state !== undefined && !RULE_STATES.has(input.state)) throw validation(`State ${input.state} is not valid.`);
    let eventPattern: string | undefined;
    let compiled: CompiledPattern | undefined;
    if (input.eventPattern !== undefined) {
      eventPattern = typeof input.eventPattern === 'string' ? input.eventPattern : JSON.stringify(input.eventPattern);
      if (eventPattern.length > MAX_PATTERN_LENGTH) throw validation(`EventPattern is longer than ${MAX_PATTERN_LENGTH} characters.`);
      compiled = compilePattern(eventPattern);
    }
    const existing = this.rulesOf(bus.name).get(input.name);
    const rule: Rule = {
      name: input.name,
      eventBusName: bus.name,
      ...(eventPattern !== undefined && { eventPattern }),
      ...(input.scheduleExpression !== undefined && { scheduleExpression: input.scheduleExpression }),
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

  putTargets(ruleName: string, eventBusName: string | undefined, targets: Target[]): FailedTargetEntry[] {
    const rule = this.rule(ruleName, eventBusName);
    if (targets.length === 0 || targets.length > 10) throw validation('Targets must hold 1 to 10 entries.');
    const failed: FailedTargetEntry[] = [];
    const byId = new Map(rule.targets.map((target) => [target.Id, target]));
    for (const target of targets) {
      const problem = targetProblem(target);
      if (problem) {
        failed.push({ TargetId: String(target.Id ?? ''), ErrorCode: 'ValidationException', ErrorMessage: problem });
        continue;
      }
      if (!byId.has(target.Id) && byId.size >= MAX_TARGETS_PER_RULE) {
        throw new AwsError('LimitExceededException', `The requested resource exceeds the maximum number allowed: a rule can have at most ${MAX_TARGETS_PER_RULE} targets.`);
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
      buses: [...this.buses.values()].filter((bus) => bus.name !== DEFAULT_BUS),
      rules: [...this.rules.values()].flatMap((rules) => [...rules.values()]),
    };
    writeJsonAtomicSync(this.file, state);
  }
}

/** The bus name in a name or an event-bus ARN; `default` when absent. */
export function busNameOf(nameOrArn: string | undefined): string {
  if (!nameOrArn) return DEFAULT_BUS;
  const arn = /^arn:aws[\w-]*:events:[^:]*:[^:]*:event-bus\/(.+)$/.exec(nameOrArn);
  return arn ? arn[1]! : nameOrArn;
}

function targetProblem(target: Target): string | undefined {
  if (typeof target.Id !== 'string' || !NAME.test(target.Id)) return `Target Id ${String(target.Id)} is not valid: 1 to 64 letters, digits, '.', '-' or '_'.`;
  if (typeof target.Arn !== 'string' || !target.Arn.startsWith('arn:')) return `Target ${target.Id} needs an Arn.`;
  const service = target.Arn.split(':')[2] ?? '';
  if (!SUPPORTED_TARGET_SERVICES.has(service)) {
    return `Target ${target.Id}: ${service} targets are not supported by the local stack (Lambda functions, SQS queues and event buses are).`;
  }
  const inputs = [target.Input, target.InputPath, target.InputTransformer].filter((value) => value !== undefined);
  if (inputs.length > 1) return `Target ${target.Id}: only one of Input, InputPath or InputTransformer may be set.`;
  if (target.Input !== undefined) {
    try {
      JSON.parse(target.Input);
    } catch {
      return `Target ${target.Id}: Input is not valid JSON.`;
    }
  }
  const retries = target.RetryPolicy?.MaximumRetryAttempts;
  if (retries !== undefined && (!Number.isInteger(retries) || retries < 0 || retries > 185)) return `Target ${target.Id}: MaximumRetryAttempts must be between 0 and 185.`;
  const age = target.RetryPolicy?.MaximumEventAgeInSeconds;
  if (age !== undefined && (!Number.isInteger(age) || age < 60 || age > 86_400)) return `Target ${target.Id}: MaximumEventAgeInSeconds must be between 60 and 86400.`;
  const deadLetterArn = target.DeadLetterConfig?.Arn;
  if (deadLetterArn !== undefined && !deadLetterArn.startsWith('arn:aws:sqs:')) return `Target ${target.Id}: DeadLetterConfig.Arn must be an SQS queue ARN.`;
  return undefined;
}

function validation(message: string): AwsError {
  return new AwsError('ValidationException', message);
}
