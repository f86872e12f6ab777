/**
 * Request validation with SageMaker's wording: `1 validation error detected: Value 'x' at
 * 'trainingJobName' failed to satisfy constraint: Member must satisfy regular expression pattern: ...`.
 */
import { z } from 'zod';
import { validationException } from '../errors';
import { NAME_PATTERN } from '../model/names';

export { NAME_PATTERN };

export const S3_URI_PATTERN = /^(https|s3):\/\/([^/]+)\/?(.*)$/;
export const ROLE_ARN_PATTERN = /^arn:aws[a-z-]*:iam::\d{12}:role\/?[a-zA-Z_0-9+=,.@\-_/]+$/;

/** A SageMaker resource name (training job, model, endpoint config, endpoint). */
export const resourceName = z.string().max(63).regex(NAME_PATTERN);

export const tagList = z
  .array(z.looseObject({ Key: z.string().min(1).max(128), Value: z.string().max(256).optional() }))
  .max(50)
  .optional();

function memberPath(path: readonly PropertyKey[]): string {
  return path
    .map((part) => (typeof part === 'number' ? `${part + 1}.member` : String(part).replace(/^[A-Z]/, (first) => first.toLowerCase())))
    .join('.');
}

function describeValue(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'number' || typeof value === 'boolean') return `'${value}'`;
  return `'${JSON.stringify(value)}'`;
}

function constraint(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined ? 'Member must not be null' : `Member must be of type ${issue.expected}`;
    case 'invalid_format':
      return issue.format === 'regex' && 'pattern' in issue
        ? `Member must satisfy regular expression pattern: ${String(issue.pattern).replace(/^\/|\/$/g, '')}`
        : `Member must be a valid ${issue.format}`;
    case 'too_small':
      return issue.origin === 'number'
        ? `Member must have value greater than or equal to ${issue.minimum}`
        : `Member must have length greater than or equal to ${issue.minimum}`;
    case 'too_big':
      return issue.origin === 'number'
        ? `Member must have value less than or equal to ${issue.maximum}`
        : `Member must have length less than or equal to ${issue.maximum}`;
    case 'invalid_value':
      return `Member must satisfy enum value set: [${issue.values.join(', ')}]`;
    default:
      return issue.message;
  }
}

/** Parses an operation's input, or throws the ValidationException SageMaker would answer. */
export function parseInput<T extends z.ZodType>(schema: T, input: unknown): z.output<T> {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (issue) => `Value ${describeValue(issue.input)} at '${memberPath(issue.path)}' failed to satisfy constraint: ${constraint(issue)}`,
  );
  const count = problems.length;
  throw validationException(`${count} validation error${count === 1 ? '' : 's'} detected: ${problems.join('; ')}`);
}

/** The members of a request that the matching Describe* returns as they were given. */
export function echoedMembers(request: Record<string, unknown>, members: readonly string[]): Record<string, unknown> {
  const echoed: Record<string, unknown> = {};
  for (const member of members) {
    if (request[member] !== undefined) echoed[member] = request[member];
  }
  return echoed;
}
