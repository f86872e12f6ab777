/**
 * What each Lambda operation needs in IAM (the service authorization reference, "Actions defined by
 * AWS Lambda"): function operations on `function:<name>` (with the qualifier the path names, as
 * `function:<name>:<qualifier>`; a full or partial ARN in the path as it names the function), Invoke
 * as lambda:InvokeFunction, the event-invoke configs as their own actions on the function, event source
 * mappings on `event-source-mapping:<UUID>`, CreateEventSourceMapping and the List operations on `*`
 * (CreateEventSourceMapping with the `lambda:FunctionArn` condition key).
 */
import { arnOf } from '../../core/iam';
import type { RestInput } from '../../core/rest-routes';
import type { AwsRequestHead, OperationPermissions } from '../../core/types';

type LambdaPermissions = OperationPermissions<RestInput>;

/** The function ARN a path's function name stands for (name, `name:qualifier`, `<account>:function:name`, or an ARN). */
export function functionArnOf(name: string, request: Pick<AwsRequestHead, 'region' | 'accountId'>): string {
  if (name.startsWith('arn:')) return name;
  const partial = /^(\d{12}):function:(.+)$/.exec(name);
  if (partial) return `arn:aws:lambda:${request.region}:${partial[1]!}:function:${partial[2]!}`;
  return arnOf('lambda', `function:${name}`, request);
}

const onFunction = (action: string): LambdaPermissions => (input, request) => [{ action, resource: functionArnOf(input.parameter, request) }];
const onMapping = (action: string): LambdaPermissions => (input, request) => [{ action, resource: arnOf('lambda', `event-source-mapping:${input.parameter}`, request) }];
const onAnything = (action: string): LambdaPermissions => () => [{ action, resource: '*' }];

function mappedFunction(input: RestInput): string | undefined {
  try {
    const name = (JSON.parse(input.request.body.toString('utf8')) as { FunctionName?: unknown }).FunctionName;
    return typeof name === 'string' && name !== '' ? name : undefined;
  } catch {
    return undefined; // its handler answers the malformed body
  }
}

export const LAMBDA_PERMISSIONS: Readonly<Record<string, LambdaPermissions>> = {
  Invoke: onFunction('lambda:InvokeFunction'),
  ListFunctions: onAnything('lambda:ListFunctions'),
  GetFunction: onFunction('lambda:GetFunction'),
  GetFunctionConfiguration: onFunction('lambda:GetFunctionConfiguration'),
  DeleteFunction: onFunction('lambda:DeleteFunction'),
  PutFunctionEventInvokeConfig: onFunction('lambda:PutFunctionEventInvokeConfig'),
  GetFunctionEventInvokeConfig: onFunction('lambda:GetFunctionEventInvokeConfig'),
  ListEventSourceMappings: onAnything('lambda:ListEventSourceMappings'),
  CreateEventSourceMapping: (input, request) => {
    const name = mappedFunction(input);
    return [{ action: 'lambda:CreateEventSourceMapping', resource: '*', context: { 'lambda:FunctionArn': name === undefined ? undefined : functionArnOf(name, request) } }];
  },
  GetEventSourceMapping: onMapping('lambda:GetEventSourceMapping'),
  DeleteEventSourceMapping: onMapping('lambda:DeleteEventSourceMapping'),
};
