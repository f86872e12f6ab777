/**
 * IAM policy documents in one normal form: every element that AWS accepts as "a string or a list of
 * strings" becomes a list, `Statement` becomes a list of statements. What the grammar forbids (a
 * statement with both Action and NotAction, an Effect other than Allow/Deny, ...) is a
 * `MalformedPolicyError` naming the statement, as IAM's MalformedPolicyDocument does.
 *
 * Reference: IAM JSON policy element reference and grammar
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html).
 */

export type Effect = 'Allow' | 'Deny';

/** `Principal` / `NotPrincipal`: `"*"` (anyone) or principals by kind (AWS, Service, Federated, CanonicalUser). */
export type PrincipalElement = '*' | Readonly<Record<string, readonly string[]>>;

/** Condition operator (with its `ForAllValues:`/`ForAnyValue:` qualifier and `IfExists` suffix) → key → values. */
export type ConditionBlock = Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;

export interface Statement {
  readonly sid?: string;
  readonly effect: Effect;
  readonly action?: readonly string[];
  readonly notAction?: readonly string[];
  readonly resource?: readonly string[];
  readonly notResource?: readonly string[];
  readonly principal?: PrincipalElement;
  readonly notPrincipal?: PrincipalElement;
  readonly condition: ConditionBlock;
}

export interface PolicyDocument {
  readonly version?: string;
  readonly statements: readonly Statement[];
}

export class MalformedPolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedPolicyError';
  }
}

/** The policy, parsed from its JSON text or taken as the object a template holds. */
export function parsePolicyDocument(document: unknown): PolicyDocument {
  let value = document;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value) as unknown;
    } catch {
      throw new MalformedPolicyError('Syntax errors in policy.');
    }
  }
  if (!isRecord(value)) throw new MalformedPolicyError('The policy is not a JSON object.');
  const version = value.Version;
  if (version !== undefined && version !== '2012-10-17' && version !== '2008-10-17') {
    throw new MalformedPolicyError(`The policy failed legacy parsing: Version ${String(version)} is not 2012-10-17 or 2008-10-17.`);
  }
  if (value.Statement === undefined) throw new MalformedPolicyError('Missing required field Statement');
  const raw = Array.isArray(value.Statement) ? value.Statement : [value.Statement];
  return { version: version as string | undefined, statements: raw.map((statement, index) => parseStatement(statement, index)) };
}

function parseStatement(value: unknown, index: number): Statement {
  const where = `Statement ${index + 1}`;
  if (!isRecord(value)) throw new MalformedPolicyError(`${where} is not a JSON object.`);
  const effect = value.Effect;
  if (effect !== 'Allow' && effect !== 'Deny') throw new MalformedPolicyError(`${where}: Effect must be Allow or Deny, not ${JSON.stringify(effect)}.`);
  const pair = (name: string, notName: string, required: boolean) => {
    const positive = value[name];
    const negative = value[notName];
    if (positive !== undefined && negative !== undefined) throw new MalformedPolicyError(`${where} has both ${name} and ${notName}.`);
    if (required && positive === undefined && negative === undefined) throw new MalformedPolicyError(`${where}: Policy statement must contain ${name.toLowerCase()}s.`);
    return [positive === undefined ? undefined : stringList(positive, `${where} ${name}`), negative === undefined ? undefined : stringList(negative, `${where} ${notName}`)] as const;
  };
  const [action, notAction] = pair('Action', 'NotAction', true);
  const [resource, notResource] = pair('Resource', 'NotResource', false);
  if (value.Principal !== undefined && value.NotPrincipal !== undefined) throw new MalformedPolicyError(`${where} has both Principal and NotPrincipal.`);
  return {
    sid: typeof value.Sid === 'string' ? value.Sid : undefined,
    effect,
    action,
    notAction,
    resource,
    notResource,
    principal: value.Principal === undefined ? undefined : principalElement(value.Principal, where),
    notPrincipal: value.NotPrincipal === undefined ? undefined : principalElement(value.NotPrincipal, where),
    condition: conditionBlock(value.Condition, where),
  };
}

function principalElement(value: unknown, where: string): PrincipalElement {
  if (value === '*') return '*';
  if (!isRecord(value)) throw new MalformedPolicyError(`${where}: Principal must be "*" or an object.`);
  return Object.fromEntries(Object.entries(value).map(([kind, names]) => [kind, stringList(names, `${where} Principal ${kind}`)]));
}

function conditionBlock(value: unknown, where: string): ConditionBlock {
  if (value === undefined) return {};
  if (!isRecord(value)) throw new MalformedPolicyError(`${where}: Condition must be an object.`);
  return Object.fromEntries(
    Object.entries(value).map(([operator, keys]) => {
      if (!isRecord(keys)) throw new MalformedPolicyError(`${where}: Condition ${operator} must be an object of keys.`);
      return [operator, Object.fromEntries(Object.entries(keys).map(([key, values]) => [key, conditionValues(values, `${where} Condition ${operator} ${key}`)]))];
    }),
  );
}

/** Condition values may be strings, numbers or booleans (`"Bool": {"aws:SecureTransport": false}`): compared as text. */
function conditionValues(value: unknown, where: string): string[] {
  const list = Array.isArray(value) ? value : [value];
  return list.map((item) => {
    if (typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean') return String(item);
    throw new MalformedPolicyError(`${where}: a condition value must be a string, number or boolean.`);
  });
}

function stringList(value: unknown, where: string): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw new MalformedPolicyError(`${where} is empty.`);
  return list.map((item) => {
    if (typeof item !== 'string') throw new MalformedPolicyError(`${where}: ${JSON.stringify(item)} is not a string (an unresolved intrinsic function?).`);
    return item;
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
