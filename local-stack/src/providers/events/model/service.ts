/**
 * EventBridge's model: buses, rules and targets (`RuleStore`); events put on a bus are routed to the
 * targets of the rules they match and delivered, at least once, by `TargetDelivery`. It is the
 * `EventPublisher` of the in-process publishers (S3, Glue, SageMaker) and the deployer's API.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { createRandom } from '../../../core/chaos';
import { silentLogger, type LocalStackLogger } from '../../../core/logger';
import { ACCOUNT_ID, AwsError, type EventBridgeEvent, type EventPublisher } from '../../../core/types';
import { TargetDelivery, type DeliveryRequest, type TargetInvokers } from './delivery';
import { entrySize, eventFromEntry, eventTimestamp, MAX_ENTRY_BYTES, type PutEventsEntry } from './put-events';
import { busNameOf, RuleStore, type FailedTargetEntry, type PutRuleInput } from './rule-store';
import { RuleScheduler, ScheduleClock } from './scheduler';
import { DEFAULT_BUS, type Rule, type Target } from './types';

export interface EventsServiceOptions {
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

export class EventsService implements EventPublisher {
  readonly rules: RuleStore;
  /** The schedule rules' time and runner: `scheduler.advance(ms)` moves the time forward, firing what falls due. */
  readonly clock = new ScheduleClock();
  readonly scheduler: RuleScheduler;
  private readonly delivery: TargetDelivery;
  private readonly logger: LocalStackLogger;

  constructor(private readonly options: EventsServiceOptions) {
    this.logger = options.logger ?? silentLogger;
    this.rules = new RuleStore(options.stateDir, options.region, () => this.clock.now(), () => this.scheduler?.rulesChanged());
    this.scheduler = new RuleScheduler({
      clock: this.clock,
      rules: () => this.rules.listRules(DEFAULT_BUS),
      fire: (rule, time) => this.fireScheduled(rule, time),
      logger: this.logger,
    });
    this.delivery = new TargetDelivery({
      directory: path.join(options.stateDir, 'events', 'pending'),
      invokers: options.invokers,
      forwardToBus: (busArn, event) => this.route({ ...event, id: randomUUID() }, busNameOf(busArn)),
      retryBaseDelayMs: options.retryBaseDelayMs ?? 1000,
      retryMaxDelayMs: options.retryMaxDelayMs ?? 60_000,
      random: options.random ?? createRandom(),
      logger: this.logger,
    });
  }

  /** Resumes the deliveries a previous run left unfinished. */
  start(): void {
    const resumed = this.delivery.resume();
    if (resumed > 0) this.logger.info('resumed unfinished event deliveries', { count: resumed });
    this.scheduler.start();
  }

  stop(): void {
    this.scheduler.stop();
    this.delivery.stop();
  }

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
      // AWS accepts an entry for a bus that does not exist and drops it: the entry gets an EventId
      // (recorded in LocalStack's snapshot test_put_events_nonexistent_event_bus).
      const bus = this.rules.findBus(outcome.eventBusName);
      if (bus) this.route(outcome.event, bus.name);
      else this.logger.warn('event dropped: its event bus does not exist', { eventBusName: outcome.eventBusName, id: outcome.event.id });
      return { EventId: outcome.event.id };
    });
    return { FailedEntryCount: results.filter((result) => 'ErrorCode' in result).length, Entries: results };
  }

  /** Deliveries waiting, retrying or in progress. */
  get pendingDeliveries(): number {
    return this.delivery.pendingCount;
  }

  // ---------------------------------------------------------------------------------------------

  /** A schedule rule's `Scheduled Event`, to the rule's own targets (as EventBridge sends it: no pattern is matched). */
  private fireScheduled(rule: Rule, time: number): void {
    const event: EventBridgeEvent = {
      version: '0',
      id: randomUUID(),
      'detail-type': 'Scheduled Event',
      source: 'aws.events',
      account: ACCOUNT_ID,
      time: eventTimestamp(new Date(time)),
      region: this.options.region,
      resources: [this.rules.ruleArn(rule)],
      detail: {},
    };
    this.logger.debug('scheduled rule fired', { rule: rule.name, schedule: rule.scheduleExpression, time: event.time, targets: rule.targets.length });
    this.deliver([rule], event);
  }

  private route(event: EventBridgeEvent, busName: string): void {
    this.deliver(this.rules.matchingRules(busName, event), event);
  }

  private deliver(rules: Iterable<Rule>, event: EventBridgeEvent): void {
    const copies = this.options.duplicateDeliveries ? 2 : 1;
    const requests: DeliveryRequest[] = [];
    for (const rule of rules) {
      const ruleArn = this.rules.ruleArn(rule);
      for (const target of rule.targets) {
        for (let copy = 0; copy < copies; copy++) requests.push({ ruleArn, ruleName: rule.name, target, event });
      }
    }
    if (requests.length === 0) return;
    this.logger.debug('event routed', { id: event.id, source: event.source, detailType: event['detail-type'], deliveries: requests.length });
    this.delivery.enqueue(requests);
  }
}
