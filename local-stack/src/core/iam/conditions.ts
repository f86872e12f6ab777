/**
 * The `Condition` element, as IAM evaluates it
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html,
 * .../reference_policies_condition-single-vs-multi-valued-context-keys.html):
 *
 * - operators are ANDed, keys within an operator are ANDed, the values of one key are ORed;
 * - a negated operator (`StringNotEquals`, `ArnNotLike`, ...) is true when the request's value matches
 *   none of the policy's values;
 * - a key absent from the request: false, except for negated operators (true), `...IfExists`
 *   (true), `Null` (which tests exactly that) and `ForAllValues:` (true);
 * - `ForAnyValue:` is true when some request value matches; `ForAllValues:` when every one does;
 *   without a qualifier a multivalued key behaves as `ForAnyValue:` (and, negated, as "none matches").
 *
 * An operator the stack does not know is an error (never silently true or false): the policy
 * evaluator reports it.
 */
import { arnMatches, contextValues, globMatches, substituteVariables, type RequestContext } from './matching';
import type { ConditionBlock } from './policy-document';

export class UnsupportedConditionError extends Error {
  constructor(operator: string) {
    super(`The local stack does not evaluate the IAM condition operator ${operator}`);
    this.name = 'UnsupportedConditionError';
  }
}

type Compare = (policyValue: string, requestValue: string, context: RequestContext) => boolean;

interface OperatorSpec {
  readonly compare: Compare;
  readonly negated: boolean;
  /** Policy values may hold policy variables (string and ARN operators). */
  readonly variables: boolean;
}

const numeric = (test: (a: number, b: number) => boolean): Compare => (policyValue, requestValue) => {
  const a = Number(requestValue);
  const b = Number(policyValue);
  return requestValue.trim() !== '' && policyValue.trim() !== '' && !Number.isNaN(a) && !Number.isNaN(b) && test(a, b);
};

/** Dates as ISO 8601 text or epoch seconds (aws:EpochTime, aws:CurrentTime). */
function parseDate(value: string): number {
  return /^\d+$/.test(value.trim()) ? Number(value) * 1000 : Date.parse(value);
}

const date = (test: (a: number, b: number) => boolean): Compare => (policyValue, requestValue) => {
  const a = parseDate(requestValue);
  const b = parseDate(policyValue);
  return !Number.isNaN(a) && !Number.isNaN(b) && test(a, b);
};

function ipv4(address: string): number | undefined {
  const parts = address.split('.');
  if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255)) return undefined;
  return parts.reduce((total, part) => total * 256 + Number(part), 0);
}

/** IPv4 addresses and CIDR blocks (`203.0.113.0/24`); an address alone is a /32. */
const ipInRange: Compare = (policyValue, requestValue) => {
  const [network, bitsText] = policyValue.split('/');
  const base = ipv4(network ?? '');
  const address = ipv4(requestValue);
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  if (base === undefined || address === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  const size = 2 ** (32 - bits);
  return Math.floor(address / size) === Math.floor(base / size);
};

const stringEquals: Compare = (policyValue, requestValue) => policyValue === requestValue;
const stringEqualsIgnoreCase: Compare = (policyValue, requestValue) => policyValue.toLowerCase() === requestValue.toLowerCase();
const stringLike: Compare = (policyValue, requestValue) => globMatches(policyValue, requestValue);
const arnLike: Compare = (policyValue, requestValue) => arnMatches(policyValue, requestValue);
const bool: Compare = (policyValue, requestValue) => policyValue.toLowerCase() === requestValue.toLowerCase();
const binaryEquals: Compare = (policyValue, requestValue) => policyValue === requestValue;

const OPERATORS: Readonly<Record<string, OperatorSpec>> = {
  stringequals: { compare: stringEquals, negated: false, variables: true },
  stringnotequals: { compare: stringEquals, negated: true, variables: true },
  stringequalsignorecase: { compare: stringEqualsIgnoreCase, negated: false, variables: true },
  stringnotequalsignorecase: { compare: stringEqualsIgnoreCase, negated: true, variables: true },
  stringlike: { compare: stringLike, negated: false, variables: true },
  stringnotlike: { compare: stringLike, negated: true, variables: true },
  numericequals: { compare: numeric((a, b) => a === b), negated: false, variables: false },
  numericnotequals: { compare: numeric((a, b) => a === b), negated: true, variables: false },
  numericlessthan: { compare: numeric((a, b) => a < b), negated: false, variables: false },
  numericlessthanequals: { compare: numeric((a, b) => a <= b), negated: false, variables: false },
  numericgreaterthan: { compare: numeric((a, b) => a > b), negated: false, variables: false },
  numericgreaterthanequals: { compare: numeric((a, b) => a >= b), negated: false, variables: false },
  dateequals: { compare: date((a, b) => a === b), negated: false, variables: false },
  datenotequals: { compare: date((a, b) => a === b), negated: true, variables: false },
  datelessthan: { compare: date((a, b) => a < b), negated: false, variables: false },
  datelessthanequals: { compare: date((a, b) => a <= b), negated: false, variables: false },
  dategreaterthan: { compare: date((a, b) => a > b), negated: false, variables: false },
  dategreaterthanequals: { compare: date((a, b) => a >= b), negated: false, variables: false },
  bool: { compare: bool, negated: false, variables: false },
  binaryequals: { compare: binaryEquals, negated: false, variables: false },
  ipaddress: { compare: ipInRange, negated: false, variables: false },
  notipaddress: { compare: ipInRange, negated: true, variables: false },
  arnequals: { compare: arnLike, negated: false, variables: true },
  arnlike: { compare: arnLike, negated: false, variables: true },
  arnnotequals: { compare: arnLike, negated: true, variables: true },
  arnnotlike: { compare: arnLike, negated: true, variables: true },
};

interface ParsedOperator {
  readonly name: string;
  readonly qualifier?: 'forallvalues' | 'foranyvalue';
  readonly ifExists: boolean;
}

function parseOperator(operator: string): ParsedOperator {
  let name = operator.toLowerCase();
  let qualifier: ParsedOperator['qualifier'];
  const colon = name.indexOf(':');
  if (colon >= 0) {
    const prefix = name.slice(0, colon);
    if (prefix !== 'forallvalues' && prefix !== 'foranyvalue') throw new UnsupportedConditionError(operator);
    qualifier = prefix;
    name = name.slice(colon + 1);
  }
  const ifExists = name.endsWith('ifexists');
  if (ifExists) name = name.slice(0, -'ifexists'.length);
  return { name, qualifier, ifExists };
}

/** Whether one operator's test of one key holds. */
function keyHolds(operator: string, key: string, policyValues: readonly string[], context: RequestContext): boolean {
  const parsed = parseOperator(operator);
  const requestValues = contextValues(context, key);
  if (parsed.name === 'null') {
    if (parsed.qualifier !== undefined || parsed.ifExists) throw new UnsupportedConditionError(operator);
    const absent = requestValues === undefined || requestValues.length === 0;
    return policyValues.some((value) => (value.toLowerCase() === 'true') === absent);
  }
  const spec = OPERATORS[parsed.name];
  if (spec === undefined) throw new UnsupportedConditionError(operator);
  if (requestValues === undefined || requestValues.length === 0) {
    if (parsed.qualifier === 'forallvalues') return true;
    if (parsed.qualifier === 'foranyvalue') return false;
    return parsed.ifExists || spec.negated;
  }
  const resolved = spec.variables ? policyValues.map((value) => substituteVariables(value, context)).filter((value): value is string => value !== undefined) : policyValues;
  const matchesAny = (requestValue: string) => resolved.some((policyValue) => spec.compare(policyValue, requestValue, context));
  const holdsFor = (value: string) => (spec.negated ? !matchesAny(value) : matchesAny(value));
  if (parsed.qualifier === 'forallvalues') return requestValues.every(holdsFor);
  if (parsed.qualifier === 'foranyvalue') return requestValues.some(holdsFor);
  // No qualifier: a multivalued key matches when any of its values does; negated, when none does.
  return spec.negated ? !requestValues.some(matchesAny) : requestValues.some(matchesAny);
}

/** Whether a statement's whole Condition block holds for the request. */
export function conditionsHold(block: ConditionBlock, context: RequestContext): boolean {
  for (const [operator, keys] of Object.entries(block)) {
    for (const [key, values] of Object.entries(keys)) {
      if (!keyHolds(operator, key, values, context)) return false;
    }
  }
  return true;
}
