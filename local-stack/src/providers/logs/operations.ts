/**
 * CloudWatch Logs' operations (Logs_20140328, JSON 1.1), as far as `serverless logs`, `aws logs tail |
 * filter-log-events | get-log-events | describe-log-groups | describe-log-streams` and a log writer use
 * them. Shapes and limits from botocore's logs service-2.json.
 */
import { AwsError } from '../../core/types';
import type { LogsService } from './model/service';

type Input = Record<string, unknown>;

export type LogsOperation = (logs: LogsService, input: Input) => unknown;

export const LOGS_OPERATIONS = {
  CreateLogGroup: (logs, input) => {
    logs.createLogGroup({
      name: groupName(input),
      kmsKeyId: optionalString(input, 'kmsKeyId'),
      tags: input.tags as Record<string, string> | undefined,
      logGroupClass: optionalString(input, 'logGroupClass'),
    });
    return {};
  },
  DeleteLogGroup: (logs, input) => {
    logs.deleteLogGroup(groupName(input));
    return {};
  },
  DescribeLogGroups: (logs, input) =>
    logs.describeLogGroups({
      prefix: optionalString(input, 'logGroupNamePrefix'),
      pattern: optionalString(input, 'logGroupNamePattern'),
      limit: optionalInteger(input, 'limit', 1, 50),
      nextToken: optionalString(input, 'nextToken'),
    }),
  PutRetentionPolicy: (logs, input) => {
    const days = optionalInteger(input, 'retentionInDays', Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
    if (days === undefined) throw missing('retentionInDays');
    logs.putRetentionPolicy(groupName(input), days);
    return {};
  },
  DeleteRetentionPolicy: (logs, input) => {
    logs.putRetentionPolicy(groupName(input), undefined);
    return {};
  },
  CreateLogStream: (logs, input) => {
    logs.createLogStream(groupName(input), requiredString(input, 'logStreamName'));
    return {};
  },
  DeleteLogStream: (logs, input) => {
    logs.deleteLogStream(groupName(input), requiredString(input, 'logStreamName'));
    return {};
  },
  DescribeLogStreams: (logs, input) => {
    const orderBy = optionalString(input, 'orderBy');
    if (orderBy !== undefined && orderBy !== 'LogStreamName' && orderBy !== 'LastEventTime') {
      throw new AwsError('InvalidParameterException', `1 validation error detected: Value '${orderBy}' at 'orderBy' failed to satisfy constraint: Member must satisfy enum value set: [LogStreamName, LastEventTime]`);
    }
    return logs.describeLogStreams({
      group: groupName(input),
      prefix: optionalString(input, 'logStreamNamePrefix'),
      orderBy,
      descending: input.descending === true,
      limit: optionalInteger(input, 'limit', 1, 50),
      nextToken: optionalString(input, 'nextToken'),
    });
  },
  PutLogEvents: (logs, input) => {
    const events = input.logEvents;
    if (!Array.isArray(events)) throw missing('logEvents');
    return logs.putLogEvents(
      requiredString(input, 'logGroupName'),
      requiredString(input, 'logStreamName'),
      events.map((event: Input, index) => {
        if (typeof event?.timestamp !== 'number' || typeof event.message !== 'string' || event.message === '') {
          throw new AwsError('InvalidParameterException', `logEvents[${index}] needs a timestamp (epoch milliseconds) and a non-empty message`);
        }
        return { timestamp: event.timestamp, message: event.message };
      }),
    );
  },
  GetLogEvents: (logs, input) =>
    logs.getLogEvents({
      group: groupName(input),
      stream: requiredString(input, 'logStreamName'),
      startTime: optionalInteger(input, 'startTime', 0, Number.MAX_SAFE_INTEGER),
      endTime: optionalInteger(input, 'endTime', 0, Number.MAX_SAFE_INTEGER),
      limit: optionalInteger(input, 'limit', 1, 10_000),
      nextToken: optionalString(input, 'nextToken'),
      startFromHead: input.startFromHead === true,
    }),
  FilterLogEvents: (logs, input) => {
    const streamNames = input.logStreamNames;
    if (streamNames !== undefined && (!Array.isArray(streamNames) || streamNames.some((name) => typeof name !== 'string'))) {
      throw new AwsError('InvalidParameterException', 'logStreamNames must be a list of log stream names');
    }
    return logs.filterLogEvents({
      group: groupName(input),
      streamNames: streamNames as string[] | undefined,
      streamPrefix: optionalString(input, 'logStreamNamePrefix'),
      startTime: optionalInteger(input, 'startTime', 0, Number.MAX_SAFE_INTEGER),
      endTime: optionalInteger(input, 'endTime', 0, Number.MAX_SAFE_INTEGER),
      pattern: optionalString(input, 'filterPattern'),
      limit: optionalInteger(input, 'limit', 1, 10_000),
      nextToken: optionalString(input, 'nextToken'),
    });
  },
} satisfies Record<string, LogsOperation>;

/** `logGroupName`, or the `logGroupIdentifier` (a name or an ARN) that newer clients send instead; never both. */
function groupName(input: Input): string {
  const name = optionalString(input, 'logGroupName');
  const identifier = optionalString(input, 'logGroupIdentifier');
  if (name !== undefined && identifier !== undefined) {
    throw new AwsError('InvalidParameterException', 'LogGroup name and LogGroup ARN are mutually exclusive parameters.');
  }
  if (name !== undefined) return name;
  if (identifier !== undefined) return /^arn:aws[\w-]*:logs:[^:]*:[^:]*:log-group:([^:]+)(:\*)?$/.exec(identifier)?.[1] ?? identifier;
  throw missing('logGroupName');
}

function requiredString(input: Input, name: string): string {
  const value = optionalString(input, name);
  if (value === undefined) throw missing(name);
  return value;
}

function optionalString(input: Input, name: string): string | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new AwsError('InvalidParameterException', `${name} must be a string`);
  return value;
}

function optionalInteger(input: Input, name: string, min: number, max: number): number | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new AwsError('InvalidParameterException', `1 validation error detected: Value '${String(value)}' at '${name}' failed to satisfy constraint: Member must be an integer between ${min} and ${max}`);
  }
  return value;
}

function missing(name: string): AwsError {
  return new AwsError('InvalidParameterException', `1 validation error detected: Value null at '${name}' failed to satisfy constraint: Member must not be null`);
}
