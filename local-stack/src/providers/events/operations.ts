/**
 * EventBridge's operations (the AWSEvents JSON 1.1 API: rules, targets, PutEvents, event buses):
 * each reads and validates its input, calls the model and shapes the answer.
 */
import { ACCOUNT_ID, AwsError } from '../../core/types';
import { compilePattern } from './model/pattern';
import type { PutEventsEntry } from './model/put-events';
import type { EventsService } from './model/service';
import type { EventBus, Rule, RuleState, Target } from './model/types';

export type EventsOperation = (service: EventsService, input: Record<string, unknown>) => unknown;

export const EVENTS_OPERATIONS: Record<string, EventsOperation> = {
  PutRule: (service, input) => {
    const state = optionalString(input, 'State') as RuleState | undefined;
    return {
      RuleArn: service.putRule({
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
  DescribeRule: (service, input) => ({ ...ruleSummary(service, service.rules.rule(requiredString(input, 'Name'), optionalString(input, 'EventBusName'))), CreatedBy: ACCOUNT_ID }),
  ListRules: (service, input) => {
    const rules = service.rules.listRules(optionalString(input, 'EventBusName'), optionalString(input, 'NamePrefix'));
    const { page, nextToken } = paginate(rules, input.Limit, input.NextToken);
    return { Rules: page.map((rule) => ruleSummary(service, rule)), ...(nextToken && { NextToken: nextToken }) };
  },
  DeleteRule: (service, input) => {
    service.rules.deleteRule(requiredString(input, 'Name'), optionalString(input, 'EventBusName'), input.Force === true);
    return {};
  },
  EnableRule: (service, input) => {
    service.rules.setState(requiredString(input, 'Name'), optionalString(input, 'EventBusName'), 'ENABLED');
    return {};
  },
  DisableRule: (service, input) => {
    service.rules.setState(requiredString(input, 'Name'), optionalString(input, 'EventBusName'), 'DISABLED');
    return {};
  },
  PutTargets: (service, input) => {
    if (!Array.isArray(input.Targets)) throw new AwsError('ValidationException', 'Targets is required.');
    const failed = service.rules.putTargets(requiredString(input, 'Rule'), optionalString(input, 'EventBusName'), input.Targets as Target[]);
    return { FailedEntryCount: failed.length, FailedEntries: failed };
  },
  RemoveTargets: (service, input) => {
    const ids = Array.isArray(input.Ids) ? input.Ids.filter((id): id is string => typeof id === 'string') : [];
    const failed = service.rules.removeTargets(requiredString(input, 'Rule'), optionalString(input, 'EventBusName'), ids);
    return { FailedEntryCount: failed.length, FailedEntries: failed };
  },
  ListTargetsByRule: (service, input) => {
    const rule = service.rules.rule(requiredString(input, 'Rule'), optionalString(input, 'EventBusName'));
    const { page, nextToken } = paginate(rule.targets, input.Limit, input.NextToken);
    return { Targets: page, ...(nextToken && { NextToken: nextToken }) };
  },
  ListRuleNamesByTarget: (service, input) => {
    const arn = requiredString(input, 'TargetArn');
    const names = service.rules
      .listRules(optionalString(input, 'EventBusName'))
      .filter((rule) => rule.targets.some((target) => target.Arn === arn))
      .map((rule) => rule.name);
    return { RuleNames: names };
  },
  PutEvents: (service, input) => service.putEvents(input.Entries as PutEventsEntry[]),
  TestEventPattern: (_service, input) => {
    const pattern = compilePattern(requiredString(input, 'EventPattern'));
    return { Result: pattern.matches(testEvent(requiredString(input, 'Event'))) };
  },
  CreateEventBus: (service, input) => {
    const bus = service.rules.createEventBus(requiredString(input, 'Name'), optionalString(input, 'Description'));
    return { EventBusArn: service.rules.busArn(bus.name) };
  },
  DeleteEventBus: (service, input) => {
    service.rules.deleteEventBus(requiredString(input, 'Name'));
    return {};
  },
  DescribeEventBus: (service, input) => {
    const bus = service.rules.bus(optionalString(input, 'Name'));
    return busSummary(service, bus);
  },
  ListEventBuses: (service, input) => {
    const buses = service.rules.listEventBuses(optionalString(input, 'NamePrefix'));
    const { page, nextToken } = paginate(buses, input.Limit, input.NextToken);
    return { EventBuses: page.map((bus) => busSummary(service, bus)), ...(nextToken && { NextToken: nextToken }) };
  },
};

/** An EventBus as ListEventBuses and DescribeEventBus answer it (AWS sends Description only when set). */
function busSummary(service: EventsService, bus: EventBus): Record<string, unknown> {
  return {
    Name: bus.name,
    Arn: service.rules.busArn(bus.name),
    ...(bus.description && { Description: bus.description }),
    CreationTime: bus.createdAt / 1000,
    LastModifiedTime: (bus.lastModifiedAt ?? bus.createdAt) / 1000,
  };
}

/** The fields TestEventPattern requires of its Event (LocalStack's recorded AWS answers: without one of them, or not an object, "Parameter Event is not valid."). */
const TEST_EVENT_FIELDS = ['id', 'account', 'source', 'time', 'region', 'detail-type'];

function testEvent(text: string): Record<string, unknown> {
  let event: unknown;
  try {
    event = JSON.parse(text);
  } catch {
    event = undefined;
  }
  if (typeof event !== 'object' || event === null || Array.isArray(event) || !TEST_EVENT_FIELDS.every((field) => field in event)) {
    throw new AwsError('ValidationException', 'Parameter Event is not valid.');
  }
  return event as Record<string, unknown>;
}

function ruleSummary(service: EventsService, rule: Rule): Record<string, unknown> {
  return {
    Name: rule.name,
    Arn: service.rules.ruleArn(rule),
    ...(rule.eventPattern !== undefined && { EventPattern: rule.eventPattern }),
    ...(rule.scheduleExpression !== undefined && { ScheduleExpression: rule.scheduleExpression }),
    State: rule.state,
    ...(rule.description !== undefined && { Description: rule.description }),
    ...(rule.roleArn !== undefined && { RoleArn: rule.roleArn }),
    EventBusName: rule.eventBusName,
  };
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
