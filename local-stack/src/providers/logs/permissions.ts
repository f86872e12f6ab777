/**
 * What each CloudWatch Logs operation needs in IAM (the service authorization reference, "Actions
 * defined by Amazon CloudWatch Logs"), with the resource ARNs AWS evaluates them on: log-group
 * operations on `log-group:<group>:log-stream:` (so that the usual `log-group:<group>:*` grants them),
 * stream operations on `log-group:<group>:log-stream:<stream>`, DescribeLogGroups on
 * `log-group::log-stream:` (every group). A group named by ARN (`logGroupIdentifier`) is that ARN's group.
 */
import { arnOf } from '../../core/iam';
import type { AwsRequestHead, OperationPermissions } from '../../core/types';
import type { LOGS_OPERATIONS } from './operations';

type Input = Record<string, unknown>;
type LogsPermissions = OperationPermissions<Input>;

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

function groupOf(input: Input): string {
  const identifier = text(input.logGroupIdentifier);
  const fromArn = identifier === undefined ? undefined : /:log-group:([^:]+)/.exec(identifier)?.[1];
  return text(input.logGroupName) ?? fromArn ?? identifier ?? '';
}

const streamArn = (group: string, stream: string, request: AwsRequestHead): string => arnOf('logs', `log-group:${group}:log-stream:${stream}`, request);

const onGroup = (action: string): LogsPermissions => (input, request) => [{ action, resource: streamArn(groupOf(input), '', request) }];
const onStream = (action: string): LogsPermissions => (input, request) => [{ action, resource: streamArn(groupOf(input), text(input.logStreamName) ?? '', request) }];

export const LOGS_PERMISSIONS: { readonly [Name in keyof typeof LOGS_OPERATIONS]: LogsPermissions } = {
  CreateLogGroup: onGroup('logs:CreateLogGroup'),
  DeleteLogGroup: onGroup('logs:DeleteLogGroup'),
  DescribeLogGroups: (_input, request) => [{ action: 'logs:DescribeLogGroups', resource: streamArn('', '', request) }],
  PutRetentionPolicy: onGroup('logs:PutRetentionPolicy'),
  DeleteRetentionPolicy: onGroup('logs:DeleteRetentionPolicy'),
  CreateLogStream: onStream('logs:CreateLogStream'),
  DeleteLogStream: onStream('logs:DeleteLogStream'),
  DescribeLogStreams: onGroup('logs:DescribeLogStreams'),
  PutLogEvents: onStream('logs:PutLogEvents'),
  GetLogEvents: onStream('logs:GetLogEvents'),
  FilterLogEvents: onGroup('logs:FilterLogEvents'),
};
