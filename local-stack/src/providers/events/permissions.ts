/**
 * What each EventBridge operation needs in IAM (the service authorization reference, "Actions defined
 * by Amazon EventBridge"): rule operations on `rule/<name>` (default bus) or `rule/<bus>/<name>`,
 * bus operations and PutEvents on `event-bus/<name>` (PutEvents: each entry's bus), the List and
 * Test operations on `*`.
 */
import { arnOf } from '../../core/iam';
import type { Permission } from '../../core/iam';
import type { AwsRequestHead, OperationPermissions } from '../../core/types';
import type { EVENTS_OPERATIONS } from './operations';

type Input = Record<string, unknown>;
type EventsPermissions = OperationPermissions<Input>;

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** A bus named or given by ARN; `default` when absent. */
function busArn(nameOrArn: unknown, request: AwsRequestHead): string {
  const value = text(nameOrArn) ?? 'default';
  return value.startsWith('arn:') ? value : arnOf('events', `event-bus/${value}`, request);
}

function busName(nameOrArn: unknown): string {
  const value = text(nameOrArn) ?? 'default';
  return value.startsWith('arn:') ? value.slice(value.lastIndexOf('/') + 1) : value;
}

const onRule = (action: string, nameField = 'Name'): EventsPermissions => (input, request) => {
  const name = text(input[nameField]);
  if (name === undefined) return [{ action, resource: '*' }];
  const bus = busName(input.EventBusName);
  return [{ action, resource: arnOf('events', bus === 'default' ? `rule/${name}` : `rule/${bus}/${name}`, request) }];
};

const onBus = (action: string, field: string): EventsPermissions => (input, request) => [{ action, resource: busArn(input[field], request) }];
const onAnything = (action: string): EventsPermissions => () => [{ action, resource: '*' } satisfies Permission];

export const EVENTS_PERMISSIONS: { readonly [Name in keyof typeof EVENTS_OPERATIONS]: EventsPermissions } = {
  PutRule: onRule('events:PutRule'),
  DescribeRule: onRule('events:DescribeRule'),
  ListRules: onAnything('events:ListRules'),
  DeleteRule: onRule('events:DeleteRule'),
  EnableRule: onRule('events:EnableRule'),
  DisableRule: onRule('events:DisableRule'),
  PutTargets: onRule('events:PutTargets', 'Rule'),
  RemoveTargets: onRule('events:RemoveTargets', 'Rule'),
  ListTargetsByRule: onRule('events:ListTargetsByRule', 'Rule'),
  ListRuleNamesByTarget: onAnything('events:ListRuleNamesByTarget'),
  // One permission per bus the entries name (deduplicated): a role allowed one bus may not send to another.
  PutEvents: (input, request) => {
    const entries = Array.isArray(input.Entries) ? (input.Entries as Input[]) : [];
    const buses = [...new Set(entries.map((entry) => busArn(entry?.EventBusName, request)))];
    return buses.map((resource) => ({ action: 'events:PutEvents', resource }));
  },
  TestEventPattern: onAnything('events:TestEventPattern'),
  CreateEventBus: onBus('events:CreateEventBus', 'Name'),
  DeleteEventBus: onBus('events:DeleteEventBus', 'Name'),
  DescribeEventBus: onBus('events:DescribeEventBus', 'Name'),
  ListEventBuses: onAnything('events:ListEventBuses'),
};
