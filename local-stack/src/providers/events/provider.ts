/**
 * The EventBridge provider: the AWSEvents JSON 1.1 API (rules, targets, PutEvents, event buses),
 * an `EventPublisher` for in-process publishers (S3, Glue, SageMaker), and an in-process API for
 * the deployer. Matching events are delivered to targets by `TargetDelivery`.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { dispatchJsonProtocol, type JsonOperationHandler } from '../../core/json-protocol';
import { declareOperations } from '../../core/operations';
import { silentLogger, type LocalStackLogger } from '../../core/logger';
import { ACCOUNT_ID, AwsError, type AwsProtocol, type AwsRequest, type AwsResponse, type EventBridgeEvent, type EventPublisher, type OperationDeclarations, type Provider } from '../../core/types';
import { createRandom } from '../../core/chaos';
import { TargetDelivery, type DeliveryRequest, type TargetInvokers } from './model/delivery';
import { DEFAULT_BUS, type Rule, type RuleState, type Target } from './model/types';
import { compilePattern } from './model/pattern';
import { entrySize, eventFromEntry, eventTimestamp, MAX_ENTRY_BYTES, type PutEventsEntry } from './model/put-events';
import { busNameOf, RuleStore, type FailedTargetEntry, type PutRuleInput } from './model/rule-store';

const EVENTS_TARGET_PREFIX = 'AWSEvents';

export interface EventsProviderOptions {
  stateDir: string;
  region: string;
  invokers: TargetInvokers;
  /** Chaos `duplicate`: every event reaches every target twice. */
  duplicateDeliveries?: boolean;
  /** First retry delay of a failed delivery (default 1 s), doubled per retry up to the maximum (default 60 s). */
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  random?: () => number;
  logger?: LocalStackLogger;
}

export interface PutEventsResult {
  FailedEntryCount: number;
  Entries: Array<{ EventId: string } | { ErrorCode: string; ErrorMessage: string }>;
}

export class EventsProvider implements Provider, EventPublisher {
  readonly signingNames = ['events'] as const;
  readonly protocol: AwsProtocol = 'json';
  readonly rules: RuleStore;
  private readonly delivery: TargetDelivery;
  readonly operations: OperationDeclarations;
  private readonly handlers: Readonly<Record<string, JsonOperationHandler>>;
  private readonly logger: LocalStackLogger;

  constructor(private readonly options: EventsProviderOptions) {
    this.logger = options.logger ?? silentLogger;
    this.rules = new RuleStore(options.stateDir, options.region);
    this.delivery = new TargetDelivery({
      directory: path.join(options.stateDir, 'events', 'pending'),
      invokers: options.invokers,
      forwardToBus: (busArn, event) => this.route({ ...event, id: randomUUID() }, busNameOf(busArn)),
      retryBaseDelayMs: options.retryBaseDelayMs ?? 1000,
      retryMaxDelayMs: options.retryMaxDelayMs ?? 60_000,
      random: options.random ?? createRandom(),
      logger: this.logger,
    });
    this.handlers = this.operationHandlers();
    this.operations = declareOperations(this.handlers, { protocols: ['json'], jsonTargetPrefix: EVENTS_TARGET_PREFIX });
  }

  handle(request: AwsRequest): Promise<AwsResponse> {
    return dispatchJsonProtocol(request, { targetPrefix: EVENTS_TARGET_PREFIX, serviceName: 'EventBridge', handlers: this.handlers, jsonVersion: '1.1' });
  }

  async start(): Promise<void> {
    const resumed = this.delivery.resume();
    if (resumed > 0) this.logger.info('resumed unfinished event deliveries', { count: resumed });
    for (const rule of this.rules.listRules(DEFAULT_BUS)) {
      if (rule.scheduleExpression) this.logger.warn('scheduled rules are stored but not triggered by the local stack', { rule: rule.name, schedule: rule.scheduleExpression });
    }
  }

  async stop(): Promise<void> {
    this.delivery.stop();
  }

  // ---------------------------------------------------------------------------------------------
  // In-process API

  /** EventPublisher: an event on the default bus from an in-process service (S3, Glue, SageMaker). */
  async publish(event: Parameters<EventPublisher['publish']>[0]): Promise<void> {
    this.route(
      {
        version: '0',
        id: event.id ?? randomUUID(),
        'detail-type': event['detail-type'],
        source: event.source,
        account: event.account ?? ACCOUNT_ID,
        time: event.time ?? eventTimestamp(new Date()),
        region: event.region ?? this.options.region,
        resources: event.resources,
        detail: event.detail,
      },
      DEFAULT_BUS,
    );
  }

  /** An event on a given bus (Lambda destinations that are event buses). */
  async putEvent(eventBusArn: string, event: { source: string; detailType: string; detail: Record<string, unknown>; resources: string[] }): Promise<void> {
    const bus = this.rules.bus(eventBusArn);
    this.route(
      {
        version: '0',
        id: randomUUID(),
        'detail-type': event.detailType,
        source: event.source,
        account: ACCOUNT_ID,
        time: eventTimestamp(new Date()),
        region: this.options.region,
        resources: event.resources,
        detail: event.detail,
      },
      bus.name,
    );
  }

  putRule(input: PutRuleInput): { ruleArn: string } {
    return { ruleArn: this.rules.ruleArn(this.rules.putRule(input)) };
  }

  putTargets(ruleName: string, targets: Target[], eventBusName?: string): FailedTargetEntry[] {
    return this.rules.putTargets(ruleName, eventBusName, targets);
  }

  /** For deployers: makes the rule's targets exactly these (targets no longer listed are removed). */
  setTargets(ruleName: string, targets: Target[], eventBusName?: string): FailedTargetEntry[] {
    const wanted = new Set(targets.map((target) => target.Id));
    const stale = this.rules.rule(ruleName, eventBusName).targets.filter((target) => !wanted.has(target.Id));
    if (stale.length > 0) this.rules.removeTargets(ruleName, eventBusName, stale.map((target) => target.Id));
    return targets.length > 0 ? this.rules.putTargets(ruleName, eventBusName, targets) : [];
  }

  removeTargets(ruleName: string, ids: string[], eventBusName?: string): FailedTargetEntry[] {
    return this.rules.removeTargets(ruleName, eventBusName, ids);
  }

  deleteRule(ruleName: string, eventBusName?: string): void {
    this.rules.deleteRule(ruleName, eventBusName, true);
  }

  putEvents(entries: PutEventsEntry[]): PutEventsResult {
    if (!Array.isArray(entries) || entries.length === 0 || entries.length > 10) {
      throw new AwsError('ValidationException', '1 validation error detected: Value at \'entries\' failed to satisfy constraint: Member must have length between 1 and 10');
    }
    const total = entries.reduce((sum, entry) => sum + entrySize(entry), 0);
    if (total > MAX_ENTRY_BYTES) throw new AwsError('ValidationException', 'Total size of the entries in the request is over the limit.');
    const results = entries.map((entry) => {
      const outcome = eventFromEntry(entry, this.options.region);
      if ('errorCode' in outcome) return { ErrorCode: outcome.errorCode, ErrorMessage: outcome.errorMessage };
      let busName: string;
      try {
        busName = this.rules.bus(outcome.eventBusName).name;
      } catch (error) {
        return { ErrorCode: 'InvalidArgument', ErrorMessage: (error as Error).message };
      }
      this.route(outcome.event, busName);
      return { EventId: outcome.event.id };
    });
    return { FailedEntryCount: results.filter((result) => 'ErrorCode' in result).length, Entries: results };
  }

  /** Deliveries waiting, retrying or in progress. */
  get pendingDeliveries(): number {
    return this.delivery.pendingCount;
  }

  // ---------------------------------------------------------------------------------------------

  private route(event: EventBridgeEvent, busName: string): void {
    const copies = this.options.duplicateDeliveries ? 2 : 1;
    const requests: DeliveryRequest[] = [];
    for (const rule of this.rules.matchingRules(busName, event)) {
      const ruleArn = this.rules.ruleArn(rule);
      for (const target of rule.targets) {
        for (let copy = 0; copy < copies; copy++) requests.push({ ruleArn, ruleName: rule.name, target, event });
      }
    }
    if (requests.length === 0) return;
    this.logger.debug('event routed', { id: event.id, source: event.source, detailType: event['detail-type'], bus: busName, deliveries: requests.length });
    this.delivery.enqueue(requests);
  }

  private ruleSummary(rule: Rule): Record<string, unknown> {
    return {
      Name: rule.name,
      Arn: this.rules.ruleArn(rule),
      ...(rule.eventPattern !== undefined && { EventPattern: rule.eventPattern }),
      ...(rule.scheduleExpression !== undefined && { ScheduleExpression: rule.scheduleExpression }),
      State: rule.state,
      ...(rule.description !== undefined && { Description: rule.description }),
      ...(rule.roleArn !== undefined && { RoleArn: rule.roleArn }),
      EventBusName: rule.eventBusName,
    };
  }

  private operationHandlers(): Record<string, JsonOperationHandler> {
    return {
      PutRule: (input) => {
        const state = optionalString(input, 'State') as RuleState | undefined;
        return {
          RuleArn: this.putRule({
            name: requiredString(input, 'Name'),
            eventBusName: optionalString(input, 'EventBusName'),
            eventPattern: optionalString(input, 'EventPattern'),
            scheduleExpression: optionalString(input, 'ScheduleExpression'),
            state,
            description: optionalString(input, 'Description'),
            roleArn: optionalString(input, 'RoleArn'),
          }).ruleArn,
        };
      },
      DescribeRule: (input) => ({ ...this.ruleSummary(this.rules.rule(requiredString(input, 'Name'), optionalString(input, 'EventBusName'))), CreatedBy: ACCOUNT_ID }),
      ListRules: (input) => {
        const rules = this.rules.listRules(optionalString(input, 'EventBusName'), optionalString(input, 'NamePrefix'));
        const { page, nextToken } = paginate(rules, input.Limit, input.NextToken);
        return { Rules: page.map((rule) => this.ruleSummary(rule)), ...(nextToken && { NextToken: nextToken }) };
      },
      DeleteRule: (input) => {
        this.rules.deleteRule(requiredString(input, 'Name'), optionalString(input, 'EventBusName'), input.Force === true);
        return {};
      },
      EnableRule: (input) => {
        this.rules.setState(requiredString(input, 'Name'), optionalString(input, 'EventBusName'), 'ENABLED');
        return {};
      },
      DisableRule: (input) => {
        this.rules.setState(requiredString(input, 'Name'), optionalString(input, 'EventBusName'), 'DISABLED');
        return {};
      },
      PutTargets: (input) => {
        if (!Array.isArray(input.Targets)) throw new AwsError('ValidationException', 'Targets is required.');
        const failed = this.rules.putTargets(requiredString(input, 'Rule'), optionalString(input, 'EventBusName'), input.Targets as Target[]);
        return { FailedEntryCount: failed.length, FailedEntries: failed };
      },
      RemoveTargets: (input) => {
        const ids = Array.isArray(input.Ids) ? input.Ids.filter((id): id is string => typeof id === 'string') : [];
        const failed = this.rules.removeTargets(requiredString(input, 'Rule'), optionalString(input, 'EventBusName'), ids);
        return { FailedEntryCount: failed.length, FailedEntries: failed };
      },
      ListTargetsByRule: (input) => {
        const rule = this.rules.rule(requiredString(input, 'Rule'), optionalString(input, 'EventBusName'));
        const { page, nextToken } = paginate(rule.targets, input.Limit, input.NextToken);
        return { Targets: page, ...(nextToken && { NextToken: nextToken }) };
      },
      ListRuleNamesByTarget: (input) => {
        const arn = requiredString(input, 'TargetArn');
        const names = this.rules
          .listRules(optionalString(input, 'EventBusName'))
          .filter((rule) => rule.targets.some((target) => target.Arn === arn))
          .map((rule) => rule.name);
        return { RuleNames: names };
      },
      PutEvents: (input) => this.putEvents(input.Entries as PutEventsEntry[]),
      TestEventPattern: (input) => {
        const pattern = compilePattern(requiredString(input, 'EventPattern'));
        let event: unknown;
        try {
          event = JSON.parse(requiredString(input, 'Event'));
        } catch {
          throw new AwsError('InvalidEventPatternException', 'Event is not valid JSON.');
        }
        return { Result: pattern.matches(event) };
      },
      CreateEventBus: (input) => {
        const bus = this.rules.createEventBus(requiredString(input, 'Name'), optionalString(input, 'Description'));
        return { EventBusArn: this.rules.busArn(bus.name) };
      },
      DeleteEventBus: (input) => {
        this.rules.deleteEventBus(requiredString(input, 'Name'));
        return {};
      },
      DescribeEventBus: (input) => {
        const bus = this.rules.bus(optionalString(input, 'Name'));
        return { Name: bus.name, Arn: this.rules.busArn(bus.name), ...(bus.description && { Description: bus.description }) };
      },
      ListEventBuses: (input) => ({
        EventBuses: this.rules.listEventBuses(optionalString(input, 'NamePrefix')).map((bus) => ({ Name: bus.name, Arn: this.rules.busArn(bus.name) })),
      }),
    };
  }
}

function requiredString(input: Record<string, unknown>, name: string): string {
  const value = input[name];
  if (typeof value !== 'string' || value === '') throw new AwsError('ValidationException', `1 validation error detected: Value at '${name}' failed to satisfy constraint: Member must not be null`);
  return value;
}

function optionalString(input: Record<string, unknown>, name: string): string | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new AwsError('ValidationException', `Value at '${name}' must be a string`);
  return value;
}

function paginate<T>(items: T[], limit: unknown, nextToken: unknown): { page: T[]; nextToken?: string } {
  const start = typeof nextToken === 'string' ? Number(Buffer.from(nextToken, 'base64').toString('utf8')) || 0 : 0;
  const size = typeof limit === 'number' && limit >= 1 && limit <= 100 ? limit : 100;
  const end = start + size;
  return { page: items.slice(start, end), ...(end < items.length && { nextToken: Buffer.from(String(end)).toString('base64') }) };
}
