/**
 * EventBridge event patterns: validation and matching, following the content-filter syntax of
 * EventBridge (and of aws/event-ruler, which implements it): fields AND, array values OR, matching
 * operators on leaves, `$or` across fields, and array-consistent matching of event arrays (fields
 * of one pattern object must match inside the same element of an event array).
 *
 * Operators that test strings (prefix, suffix, equals-ignore-case, wildcard, cidr) never match a
 * non-string value; `numeric` never matches a non-number; `anything-but` matches any present leaf
 * value that its inner condition does not match (so `anything-but: "x"` matches the number 5).
 */
import { AwsError } from '../../../core/types';

type Scalar = string | number | boolean | null;

type ValueMatcher =
  | { kind: 'exact'; value: Scalar }
  | { kind: 'prefix'; value: string; ignoreCase: boolean }
  | { kind: 'suffix'; value: string; ignoreCase: boolean }
  | { kind: 'equals-ignore-case'; value: string }
  | { kind: 'wildcard'; regex: RegExp }
  | { kind: 'numeric'; conditions: NumericCondition[] }
  | { kind: 'cidr'; range: CidrRange }
  | { kind: 'anything-but'; excluded: ValueMatcher[] };

type LeafMatcher = ValueMatcher | { kind: 'exists'; exists: boolean };

type NumericOperator = '<' | '<=' | '=' | '>' | '>=';
interface NumericCondition {
  operator: NumericOperator;
  /** Scaled to integer micro-units: EventBridge compares numbers with 6 decimal digits. */
  bound: number;
}

interface CidrRange {
  version: 4 | 6;
  network: bigint;
  mask: bigint;
}

type FieldNode = { kind: 'object'; node: ObjectNode } | { kind: 'leaf'; matchers: LeafMatcher[] };

interface ObjectNode {
  fields: Array<{ key: string; node: FieldNode }>;
  /** Each entry is one `$or`: the object matches it if any alternative matches. */
  alternatives: ObjectNode[][];
}

/** A validated pattern, compiled once and matched many times. */
export interface CompiledPattern {
  matches(event: unknown): boolean;
}

const NUMERIC_LIMIT = 5e9;
const OPERATOR_NAMES = new Set(['prefix', 'suffix', 'equals-ignore-case', 'wildcard', 'anything-but', 'numeric', 'exists', 'cidr']);
const NUMERIC_OPERATORS = new Set<string>(['<', '<=', '=', '>', '>=']);

class PatternError extends Error {}

function fail(reason: string): never {
  throw new PatternError(reason);
}

/** Parses and validates a pattern; throws AwsError InvalidEventPatternException with the reason. */
export function compilePattern(pattern: unknown): CompiledPattern {
  let parsed: unknown = pattern;
  if (typeof pattern === 'string') {
    try {
      parsed = JSON.parse(pattern);
    } catch (error) {
      throw invalidPattern(`Filter is not valid JSON: ${(error as Error).message}`);
    }
  }
  try {
    if (!isPlainObject(parsed)) fail('Filter is not an object');
    const root = compileObject(parsed, '');
    return { matches: (event) => matchObject(root, event) };
  } catch (error) {
    if (error instanceof PatternError) throw invalidPattern(error.message);
    throw error;
  }
}

/** Throws InvalidEventPatternException (with the reason) when the pattern is not valid. */
export function validatePattern(pattern: unknown): void {
  compilePattern(pattern);
}

const compiledCache = new WeakMap<object, CompiledPattern>();
const compiledStringCache = new Map<string, CompiledPattern>();

/** True when the event matches the pattern (an object or its JSON text); throws on an invalid pattern. */
export function matchesPattern(pattern: unknown, event: unknown): boolean {
  return cachedCompile(pattern).matches(event);
}

function cachedCompile(pattern: unknown): CompiledPattern {
  if (typeof pattern === 'string') {
    let compiled = compiledStringCache.get(pattern);
    if (!compiled) {
      compiled = compilePattern(pattern);
      if (compiledStringCache.size > 1000) compiledStringCache.clear();
      compiledStringCache.set(pattern, compiled);
    }
    return compiled;
  }
  if (typeof pattern === 'object' && pattern !== null) {
    let compiled = compiledCache.get(pattern);
    if (!compiled) {
      compiled = compilePattern(pattern);
      compiledCache.set(pattern, compiled);
    }
    return compiled;
  }
  return compilePattern(pattern);
}

function invalidPattern(reason: string): AwsError {
  return new AwsError('InvalidEventPatternException', `Event pattern is not valid. Reason: ${reason}`);
}

// ---------------------------------------------------------------------------------------------
// Compilation

function compileObject(pattern: Record<string, unknown>, path: string): ObjectNode {
  const keys = Object.keys(pattern);
  if (keys.length === 0) fail(path ? `"${path}" must not be an empty object` : 'Empty objects are not allowed');
  const node: ObjectNode = { fields: [], alternatives: [] };
  for (const key of keys) {
    const value = pattern[key];
    const fieldPath = path ? `${path}.${key}` : key;
    if (key === '$or' && isOrPrimitive(value)) {
      node.alternatives.push(value.map((alternative) => compileObject(alternative, path)));
    } else if (Array.isArray(value)) {
      node.fields.push({ key, node: { kind: 'leaf', matchers: compileLeaf(value, fieldPath) } });
    } else if (isPlainObject(value)) {
      node.fields.push({ key, node: { kind: 'object', node: compileObject(value, fieldPath) } });
    } else {
      fail(`"${fieldPath}" must be an object or an array`);
    }
  }
  return node;
}

/** `$or` is the OR primitive only as an array of at least two objects naming fields (not operators). */
function isOrPrimitive(value: unknown): value is Array<Record<string, unknown>> {
  return (
    Array.isArray(value) &&
    value.length >= 2 &&
    value.every((alternative) => isPlainObject(alternative) && Object.keys(alternative).every((key) => !OPERATOR_NAMES.has(key)))
  );
}

function compileLeaf(values: unknown[], path: string): LeafMatcher[] {
  if (values.length === 0) fail(`Empty arrays are not allowed at "${path}"`);
  return values.map((value) => {
    if (value === null || typeof value === 'string' || typeof value === 'boolean') return { kind: 'exact', value };
    if (typeof value === 'number') return { kind: 'exact', value: checkedNumber(value) };
    if (Array.isArray(value)) fail(`Match value at "${path}" must be a string, number, boolean, null or an object, not an array`);
    if (!isPlainObject(value)) fail(`Unsupported match value at "${path}"`);
    return compileOperator(value, path);
  });
}

function compileOperator(operator: Record<string, unknown>, path: string): LeafMatcher {
  const keys = Object.keys(operator);
  if (keys.length !== 1) fail(`Match expression at "${path}" must have exactly one operator, found ${keys.length}`);
  const name = keys[0]!;
  const argument = operator[name];
  switch (name) {
    case 'prefix':
    case 'suffix': {
      const { value, ignoreCase } = stringOrIgnoreCase(name, argument);
      return { kind: name, value, ignoreCase };
    }
    case 'equals-ignore-case':
      if (typeof argument !== 'string') fail('equals-ignore-case match pattern must be a string');
      return { kind: 'equals-ignore-case', value: argument };
    case 'wildcard':
      if (typeof argument !== 'string') fail('wildcard match pattern must be a string');
      return { kind: 'wildcard', regex: wildcardRegex(argument) };
    case 'numeric':
      return { kind: 'numeric', conditions: numericConditions(argument) };
    case 'cidr':
      if (typeof argument !== 'string') fail('cidr match pattern must be a string');
      return { kind: 'cidr', range: parseCidr(argument) };
    case 'exists':
      if (typeof argument !== 'boolean') fail('exists match pattern must be either true or false.');
      return { kind: 'exists', exists: argument };
    case 'anything-but':
      return { kind: 'anything-but', excluded: anythingBut(argument) };
    default:
      return fail(`Unrecognized match type ${name}`);
  }
}

function stringOrIgnoreCase(name: string, argument: unknown): { value: string; ignoreCase: boolean } {
  if (typeof argument === 'string') return { value: argument, ignoreCase: false };
  if (isPlainObject(argument)) {
    const keys = Object.keys(argument);
    const inner = argument['equals-ignore-case'];
    if (keys.length === 1 && typeof inner === 'string') return { value: inner, ignoreCase: true };
    fail(`Unsupported ${name} pattern: only "equals-ignore-case" with a string is allowed inside ${name}`);
  }
  return fail(`${name} match pattern must be a string`);
}

function anythingBut(argument: unknown): ValueMatcher[] {
  if (typeof argument === 'string') return [{ kind: 'exact', value: argument }];
  if (typeof argument === 'number') return [{ kind: 'exact', value: checkedNumber(argument) }];
  if (Array.isArray(argument)) {
    if (argument.length === 0) fail('Empty arrays are not allowed inside anything-but');
    const allStrings = argument.every((value) => typeof value === 'string');
    const allNumbers = argument.every((value) => typeof value === 'number');
    if (!allStrings && !allNumbers) fail('Inside anything but list, all values must be strings or all numbers');
    return argument.map((value: string | number) => ({ kind: 'exact', value: typeof value === 'number' ? checkedNumber(value) : value }));
  }
  if (isPlainObject(argument)) {
    const keys = Object.keys(argument);
    if (keys.length !== 1) fail('Inside anything-but, exactly one of prefix, suffix, equals-ignore-case or wildcard is allowed');
    const name = keys[0]!;
    const values = stringList(name, argument[name]);
    switch (name) {
      case 'prefix':
      case 'suffix':
        return values.map((value) => ({ kind: name, value, ignoreCase: false }));
      case 'equals-ignore-case':
        return values.map((value) => ({ kind: 'equals-ignore-case', value }));
      case 'wildcard':
        return values.map((value) => ({ kind: 'wildcard', regex: wildcardRegex(value) }));
      default:
        return fail(`Unsupported anything-but pattern: ${name}`);
    }
  }
  return fail('Value of anything-but must be an array or single string/number value or an object');
}

function stringList(name: string, argument: unknown): string[] {
  if (typeof argument === 'string') return [argument];
  if (Array.isArray(argument) && argument.length > 0 && argument.every((value) => typeof value === 'string')) return argument as string[];
  return fail(`Inside anything-but/${name}, the value must be a string or a non-empty list of strings`);
}

function numericConditions(argument: unknown): NumericCondition[] {
  if (!Array.isArray(argument) || argument.length === 0) fail('Value of numeric must be an array.');
  if (argument.length !== 2 && argument.length !== 4) fail('Value of numeric must be an operator and a number, or a range of two');
  const conditions: NumericCondition[] = [];
  for (let index = 0; index < argument.length; index += 2) {
    const operator = argument[index];
    const bound = argument[index + 1];
    if (typeof operator !== 'string' || !NUMERIC_OPERATORS.has(operator)) fail(`Unrecognized numeric range operator: ${JSON.stringify(operator)}`);
    if (typeof bound !== 'number') fail(`Value of ${operator} must be numeric`);
    conditions.push({ operator: operator as NumericOperator, bound: scaled(checkedNumber(bound)) });
  }
  if (conditions.length === 2) {
    const lower = conditions.find((condition) => condition.operator === '>' || condition.operator === '>=');
    const upper = conditions.find((condition) => condition.operator === '<' || condition.operator === '<=');
    if (!lower || !upper) fail('Bad numeric range operator: a range needs one lower bound (> or >=) and one upper bound (< or <=)');
    if (lower.bound >= upper.bound) fail('Bottom must be less than top');
  }
  return conditions;
}

function checkedNumber(value: number): number {
  if (!Number.isFinite(value) || value < -NUMERIC_LIMIT || value > NUMERIC_LIMIT) {
    fail(`Value ${value} is out of the supported numeric range [-5.0e9, 5.0e9]`);
  }
  return value;
}

function scaled(value: number): number {
  return Math.round(value * 1e6);
}

function wildcardRegex(pattern: string): RegExp {
  let source = '';
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index]!;
    if (char === '\\') {
      const next = pattern[index + 1];
      if (next !== '*' && next !== '\\') fail(`Invalid escape character at pos ${index + 1}`);
      source += escapeRegex(next);
      index++;
    } else if (char === '*') {
      if (pattern[index + 1] === '*') fail(`Consecutive wildcard characters at pos ${index + 1}`);
      source += '.*';
    } else {
      source += escapeRegex(char);
    }
  }
  return new RegExp(`^${source}$`, 's');
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

// ---------------------------------------------------------------------------------------------
// IP addresses

function parseCidr(text: string): CidrRange {
  const [address, prefixText, ...rest] = text.split('/');
  if (address === undefined || rest.length > 0) fail(`Nonstandard IP address: ${text}`);
  const parsed = parseIp(address);
  if (!parsed) fail(`Nonstandard IP address: ${text}`);
  const bits = parsed.version === 4 ? 32 : 128;
  let prefix = bits;
  if (prefixText !== undefined) {
    if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > bits) fail(`Nonstandard IP address: ${text}`);
    prefix = Number(prefixText);
  }
  const all = (1n << BigInt(bits)) - 1n;
  const mask = prefix === 0 ? 0n : (all << BigInt(bits - prefix)) & all;
  return { version: parsed.version, network: parsed.value & mask, mask };
}

function parseIp(text: string): { version: 4 | 6; value: bigint } | undefined {
  if (text.includes(':')) {
    const value = parseIpv6(text);
    return value === undefined ? undefined : { version: 6, value };
  }
  const value = parseIpv4(text);
  return value === undefined ? undefined : { version: 4, value };
}

function parseIpv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let value = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    value = (value << 8n) | BigInt(Number(part));
  }
  return value;
}

function parseIpv6(text: string): bigint | undefined {
  let address = text;
  // An embedded IPv4 tail (::ffff:10.0.0.1) is two 16-bit groups.
  const lastColon = address.lastIndexOf(':');
  const tail = address.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v4 = parseIpv4(tail);
    if (v4 === undefined) return undefined;
    address = `${address.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = address.split('::');
  if (halves.length > 2) return undefined;
  const groupsOf = (part: string | undefined): string[] => (part ? part.split(':') : []);
  const head = groupsOf(halves[0]);
  const tailGroups = groupsOf(halves[1]);
  const missing = 8 - head.length - tailGroups.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = halves.length === 1 ? head : [...head, ...Array<string>(missing).fill('0'), ...tailGroups];
  let value = 0n;
  for (const group of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined;
    value = (value << 16n) | BigInt(parseInt(group, 16));
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Matching

function matchObject(node: ObjectNode, value: unknown): boolean {
  if (Array.isArray(value)) {
    const elements = value.flat(Infinity);
    // An empty array holds no fields: only absence tests (exists: false) can match it.
    if (elements.length === 0) return matchObjectNode(node, undefined);
    return elements.some((element) => matchObjectNode(node, element));
  }
  return matchObjectNode(node, value);
}

function matchObjectNode(node: ObjectNode, value: unknown): boolean {
  const object = isPlainObject(value) ? value : undefined;
  for (const { key, node: field } of node.fields) {
    const child = object?.[key];
    const matched = field.kind === 'object' ? matchObject(field.node, child) : matchLeaf(field.matchers, leafValues(child));
    if (!matched) return false;
  }
  return node.alternatives.every((alternatives) => alternatives.some((alternative) => matchObjectNode(alternative, value)));
}

/** The leaf values at a field: scalars, with arrays flattened; objects are not leaves. */
function leafValues(value: unknown): Scalar[] {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value.flat(Infinity).filter(isScalar);
  return isScalar(value) ? [value] : [];
}

function matchLeaf(matchers: LeafMatcher[], values: Scalar[]): boolean {
  return matchers.some((matcher) =>
    matcher.kind === 'exists' ? matcher.exists === values.length > 0 : values.some((value) => matchValue(matcher, value)),
  );
}

function matchValue(matcher: ValueMatcher, value: Scalar): boolean {
  switch (matcher.kind) {
    case 'exact':
      return matcher.value === value;
    case 'prefix':
      return typeof value === 'string' && (matcher.ignoreCase ? foldCase(value).startsWith(foldCase(matcher.value)) : value.startsWith(matcher.value));
    case 'suffix':
      return typeof value === 'string' && (matcher.ignoreCase ? foldCase(value).endsWith(foldCase(matcher.value)) : value.endsWith(matcher.value));
    case 'equals-ignore-case':
      return typeof value === 'string' && foldCase(value) === foldCase(matcher.value);
    case 'wildcard':
      return typeof value === 'string' && matcher.regex.test(value);
    case 'numeric':
      return typeof value === 'number' && matchNumeric(matcher.conditions, value);
    case 'cidr':
      return typeof value === 'string' && matchCidr(matcher.range, value);
    case 'anything-but':
      return !matcher.excluded.some((excluded) => matchValue(excluded, value));
  }
}

function matchNumeric(conditions: NumericCondition[], value: number): boolean {
  if (!Number.isFinite(value)) return false;
  const actual = scaled(value);
  return conditions.every(({ operator, bound }) => {
    switch (operator) {
      case '<':
        return actual < bound;
      case '<=':
        return actual <= bound;
      case '=':
        return actual === bound;
      case '>':
        return actual > bound;
      case '>=':
        return actual >= bound;
    }
  });
}

function matchCidr(range: CidrRange, text: string): boolean {
  const address = parseIp(text);
  return address !== undefined && address.version === range.version && (address.value & range.mask) === range.network;
}

function foldCase(text: string): string {
  return text.toLowerCase();
}

function isScalar(value: unknown): value is Scalar {
  return value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
