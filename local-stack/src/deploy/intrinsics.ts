/**
 * Resolves the CloudFormation intrinsic functions that packaged Serverless templates use, so the local
 * stack deploys exactly what `serverless package` produced. What a Ref or GetAtt means for a resource
 * is the deployer's business: it passes callbacks.
 */
export interface IntrinsicContext {
  accountId: string;
  region: string;
  stackName: string;
  /** The stack's ARN (default: one derived from the name). */
  stackId?: string;
  notificationArns?: string[];
  partition?: string;
  /** The template's Mappings, for Fn::FindInMap. */
  mappings?: Record<string, Record<string, Record<string, unknown>>>;
  /** Template parameters, by logical id. */
  parameters?: Record<string, unknown>;
  conditions?: Record<string, boolean>;
  /** Ref to a resource of the template: its physical id. */
  refResource?(logicalId: string): unknown;
  getAtt?(logicalId: string, attribute: string): unknown;
  importValue?(exportName: string): unknown;
}

export class UnsupportedIntrinsicError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedIntrinsicError';
  }
}

/** AWS::NoValue: a property whose value resolves to it is removed. */
export const NO_VALUE = Symbol('AWS::NoValue');

export function resolveIntrinsics(value: unknown, context: IntrinsicContext): unknown {
  const resolved = resolve(value, context);
  return resolved === NO_VALUE ? undefined : resolved;
}

function resolve(value: unknown, context: IntrinsicContext): unknown {
  if (Array.isArray(value)) {
    return value.map((item) => resolve(item, context)).filter((item) => item !== NO_VALUE);
  }
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 1) {
    const [key, argument] = entries[0]!;
    if (key === 'Ref' || key.startsWith('Fn::') || key === 'Condition') {
      if (key === 'Condition') return { Condition: argument };
      return resolveFunction(key, argument, context);
    }
  }
  const result: Record<string, unknown> = {};
  for (const [key, item] of entries) {
    const resolvedItem = resolve(item, context);
    if (resolvedItem !== NO_VALUE) result[key] = resolvedItem;
  }
  return result;
}

function resolveFunction(name: string, argument: unknown, context: IntrinsicContext): unknown {
  switch (name) {
    case 'Ref':
      return ref(String(argument), context);
    case 'Fn::GetAtt': {
      const [logicalId, attribute] = Array.isArray(argument)
        ? (argument as string[])
        : String(argument).split(/\.(.*)/s, 2);
      if (!context.getAtt) throw new UnsupportedIntrinsicError(`Fn::GetAtt ${logicalId}.${attribute}: no resources`);
      return context.getAtt(String(logicalId), String(attribute));
    }
    case 'Fn::Join': {
      const [delimiter, items] = argument as [string, unknown];
      const list = resolve(items, context);
      if (!Array.isArray(list)) throw new UnsupportedIntrinsicError('Fn::Join needs a list');
      return list.map((item) => stringOf(item, 'Fn::Join')).join(delimiter);
    }
    case 'Fn::Sub':
      return substitute(argument, context);
    case 'Fn::Select': {
      const [index, items] = argument as [unknown, unknown];
      const list = resolve(items, context);
      const position = Number(resolve(index, context));
      if (!Array.isArray(list) || !(position in list)) {
        throw new UnsupportedIntrinsicError(`Fn::Select index ${position} out of range`);
      }
      return list[position];
    }
    case 'Fn::Split': {
      const [delimiter, source] = argument as [string, unknown];
      return stringOf(resolve(source, context), 'Fn::Split').split(delimiter);
    }
    case 'Fn::ImportValue': {
      const exportName = stringOf(resolve(argument, context), 'Fn::ImportValue');
      if (!context.importValue) throw new UnsupportedIntrinsicError(`Fn::ImportValue ${exportName}: no exports`);
      return context.importValue(exportName);
    }
    case 'Fn::If': {
      const [condition, whenTrue, whenFalse] = argument as [string, unknown, unknown];
      const known = context.conditions?.[condition];
      if (known === undefined) throw new UnsupportedIntrinsicError(`Fn::If: unknown condition ${condition}`);
      return resolve(known ? whenTrue : whenFalse, context);
    }
    case 'Fn::Equals': {
      const [left, right] = (argument as unknown[]).map((item) => resolve(item, context));
      return JSON.stringify(left) === JSON.stringify(right);
    }
    case 'Fn::Not':
      return !resolve((argument as unknown[])[0], context);
    case 'Fn::And':
      return (argument as unknown[]).every((item) => resolve(item, context) === true);
    case 'Fn::Or':
      return (argument as unknown[]).some((item) => resolve(item, context) === true);
    case 'Fn::FindInMap': {
      const [map, key, attribute] = (argument as unknown[]).map((item) => stringOf(resolve(item, context), 'Fn::FindInMap'));
      const value = context.mappings?.[map!]?.[key!]?.[attribute!];
      if (value === undefined) throw new UnsupportedIntrinsicError(`Fn::FindInMap: mapping ${map} has no ${key}.${attribute}`);
      return value;
    }
    case 'Fn::GetAZs':
      return ['a', 'b', 'c'].map((zone) => `${context.region}${zone}`);
    case 'Fn::Base64':
      return Buffer.from(stringOf(resolve(argument, context), 'Fn::Base64')).toString('base64');
    default:
      throw new UnsupportedIntrinsicError(`intrinsic function ${name} is not supported by the local stack`);
  }
}

function ref(name: string, context: IntrinsicContext): unknown {
  switch (name) {
    case 'AWS::AccountId':
      return context.accountId;
    case 'AWS::Region':
      return context.region;
    case 'AWS::Partition':
      return context.partition ?? 'aws';
    case 'AWS::StackName':
      return context.stackName;
    case 'AWS::StackId':
      return context.stackId ?? `arn:aws:cloudformation:${context.region}:${context.accountId}:stack/${context.stackName}/local`;
    case 'AWS::NotificationARNs':
      return context.notificationArns ?? [];
    case 'AWS::URLSuffix':
      return 'amazonaws.com';
    case 'AWS::NoValue':
      return NO_VALUE;
  }
  if (context.parameters && name in context.parameters) return context.parameters[name];
  if (!context.refResource) throw new UnsupportedIntrinsicError(`Ref ${name}: unknown parameter or resource`);
  return context.refResource(name);
}

function substitute(argument: unknown, context: IntrinsicContext): string {
  const [template, variables] = Array.isArray(argument)
    ? [String(argument[0]), (resolve(argument[1], context) ?? {}) as Record<string, unknown>]
    : [String(argument), {} as Record<string, unknown>];
  return template.replace(/\$\{(!?)([^}]+)\}/g, (_whole, literal: string, expression: string) => {
    if (literal === '!') return `\${${expression}}`;
    if (expression in variables) return stringOf(variables[expression], 'Fn::Sub');
    const dot = expression.indexOf('.');
    if (dot > 0 && !expression.startsWith('AWS::')) {
      return stringOf(resolveFunction('Fn::GetAtt', [expression.slice(0, dot), expression.slice(dot + 1)], context), 'Fn::Sub');
    }
    return stringOf(ref(expression, context), 'Fn::Sub');
  });
}

function stringOf(value: unknown, where: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new UnsupportedIntrinsicError(`${where}: expected a string, got ${JSON.stringify(value)}`);
}
