/** EventBridge state shapes: event buses, rules and their targets (targets keep AWS's field names). */

export type RuleState = 'ENABLED' | 'DISABLED' | 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS';

export interface RetryPolicy {
  MaximumRetryAttempts?: number;
  MaximumEventAgeInSeconds?: number;
}

export interface InputTransformer {
  InputPathsMap?: Record<string, string>;
  InputTemplate: string;
}

export interface Target {
  Id: string;
  Arn: string;
  RoleArn?: string;
  Input?: string;
  InputPath?: string;
  InputTransformer?: InputTransformer;
  RetryPolicy?: RetryPolicy;
  DeadLetterConfig?: { Arn?: string };
  /** The message group of the messages sent to a FIFO queue target. */
  SqsParameters?: { MessageGroupId?: string };
  /** Other target parameters (SqsParameters, ...) are kept and returned as given. */
  [parameter: string]: unknown;
}

export interface Rule {
  name: string;
  eventBusName: string;
  eventPattern?: string;
  scheduleExpression?: string;
  /** When the schedule was put (epoch ms, the schedule clock's): a rate's occurrences are this plus whole periods. */
  scheduleSince?: number;
  state: RuleState;
  description?: string;
  roleArn?: string;
  targets: Target[];
}

export interface EventBus {
  name: string;
  description?: string;
  createdAt: number;
  /** Absent in state written before it was kept: the creation time. */
  lastModifiedAt?: number;
}

export const DEFAULT_BUS = 'default';

/** AWS's default retry policy for a target: 185 attempts over 24 hours. */
export const DEFAULT_RETRY_POLICY: Required<RetryPolicy> = Object.freeze({ MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 });

/** An SQS queue ARN naming a FIFO queue (its name ends in `.fifo`). */
export function isFifoQueueArn(arn: string): boolean {
  return arn.startsWith('arn:aws:sqs:') && arn.endsWith('.fifo');
}
