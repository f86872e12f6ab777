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
import { PatternJsonParser, PatternSyntaxError, type TokenType } from './pattern-json';
import { MAX_WILDCARD_COMPLEXITY, wildcardComplexity } from './wildcard-complexity';

type Scalar = string | number | boolean | null;

type ValueMatcher =
  | { kind: 'exact'; value: Scalar }
  | { kind: 'prefix'; value: string; ignoreCase: boolean }
  | { kind: 'suffix'; value: string; ignoreCase: boolean }
  | { kind: 'equals-ignore-case'; value: string }
  | { kind: 'wildcard'; pattern: string; regex: RegExp }
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
const NUMERIC_OPERATORS = new Set<string>(['<', '<=', '=', '>', '>=']);
/** Field names event-ruler reserves inside `$or` (Constants.RESERVED_FIELD_NAMES_IN_OR_RELATIONSHIP). */
const RESERVED_IN_OR = new Set([
  'exactly', 'equals-ignore-case', 'prefix', 'suffix', 'anything-but', 'exists', 'wildcard', 'numeric', 'cidr',
  '=', '<', '<=', '>', '>=', 'regex', 'not-wildcard', 'not-equals-ignore-case',
  'date-after', 'date-on-or-after', 'date-before', 'date-on-or-before', 'in-date-range', 'ip-address-in-range', 'ip-address-not-in-range',
]);
const TOO_COMPLEX = 'Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a wildcard character';

/**
 * A reason EventBridge gives without a parser location (event-ruler's IllegalArgumentException:
 * CIDR errors, numbers it cannot compare, wildcard complexity).
 */
class PlainPatternError extends Error {}

/** Parses and validates a pattern (its JSON text or an object); throws InvalidEventPatternException with AWS's reason. */
export function compilePattern(pattern: unknown): CompiledPattern {
  const text = typeof pattern === 'string' ? pattern : JSON.stringify(pattern);
  try {
    const root = new PatternCompiler(text).compile();
    checkWildcardComplexity(root);
    return { matches: (event) => matchObject(root, hasDottedKeys(event) ? expandDottedKeys(event) : event) };
  } catch (error) {
    if (error instanceof PatternSyntaxError || error instanceof PlainPatternError) throw invalidPattern(error.message);
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
// Compilation: event-ruler's JsonRuleCompiler, token by token, so that the first error AWS would
// report is the one reported, where AWS reports it. Field names with dots name nested fields
// (event-ruler joins the path with dots), so `{"detail.state": [...]}` is `{"detail": {"state": [...]}}`.

class PatternCompiler {
  private readonly parser: PatternJsonParser;

  constructor(text: string) {
    this.parser = new PatternJsonParser(text);
  }

  compile(): ObjectNode {
    if (this.parser.nextToken() !== 'START_OBJECT') this.barf('Filter is not an object');
    const root = emptyNode();
    this.parseObject(root, false);
    return root;
  }

  private parseObject(node: ObjectNode, insideOr: boolean): void {
    let fieldsPresent = false;
    while (this.next() !== 'END_OBJECT') {
      fieldsPresent = true;
      const name = this.parser.currentName;
      if (name === '$or') {
        this.parseOr(node);
        continue;
      }
      if (insideOr && RESERVED_IN_OR.has(name)) this.barf(`${name} is Ruler reserved fieldName which cannot be used inside $or.`);
      switch (this.next()) {
        case 'START_OBJECT':
          this.parseObject(objectAt(node, name), insideOr);
          break;
        case 'START_ARRAY':
          setLeaf(node, name, this.matchValues());
          break;
        default:
          this.barf(`"${name}" must be an object or an array`);
      }
    }
    if (!fieldsPresent) this.barf('Empty objects are not allowed');
  }

  private parseOr(node: ObjectNode): void {
    if (this.next() !== 'START_ARRAY') this.barf('It must be an Array followed with $or.');
    const alternatives: ObjectNode[] = [];
    let token: TokenType | undefined;
    while ((token = this.next()) !== 'END_ARRAY') {
      if (token !== 'START_OBJECT') this.barf('Only JSON object is allowed in array of $or relationship.');
      const alternative = emptyNode();
      this.parseObject(alternative, true);
      alternatives.push(alternative);
    }
    if (alternatives.length < 2) this.barf('There must have at least 2 Objects in $or relationship.');
    node.alternatives.push(alternatives);
  }

  /** The values of a field's array (JsonRuleCompiler.writeRules). */
  private matchValues(): LeafMatcher[] {
    const matchers: LeafMatcher[] = [];
    let token: TokenType | undefined;
    while ((token = this.next()) !== 'END_ARRAY') {
      switch (token) {
        case 'START_OBJECT':
          matchers.push(this.matchExpression());
          break;
        case 'VALUE_STRING':
          matchers.push({ kind: 'exact', value: this.parser.getText() });
          break;
        case 'VALUE_NUMBER_INT':
        case 'VALUE_NUMBER_FLOAT':
          matchers.push({ kind: 'exact', value: this.parser.numericValue });
          break;
        case 'VALUE_TRUE':
        case 'VALUE_FALSE':
        case 'VALUE_NULL':
          matchers.push({ kind: 'exact', value: token === 'VALUE_NULL' ? null : token === 'VALUE_TRUE' });
          break;
        default:
          this.barf('Match value must be String, number, true, false, or null');
      }
    }
    if (matchers.length === 0) this.barf('Empty arrays are not allowed');
    return matchers;
  }

  private matchExpression(): LeafMatcher {
    if (this.next() !== 'FIELD_NAME') this.barf('Match expression name not found');
    const name = this.parser.currentName;
    switch (name) {
      case 'exactly':
        return this.endOfExpression({ kind: 'exact', value: this.requiredString('exact match pattern must be a string') });
      case 'prefix':
      case 'suffix': {
        if (this.next() === 'START_OBJECT') return this.ignoreCaseAffix(name);
        if (this.parser.current !== 'VALUE_STRING') this.barf(`${name} match pattern must be a string`);
        return this.endOfExpression({ kind: name, value: this.parser.getText(), ignoreCase: false });
      }
      case 'numeric': {
        if (this.next() !== 'START_ARRAY') this.barf('Value of numeric must be an array.');
        const conditions = this.numericConditions();
        if (this.next() !== 'END_OBJECT') this.barf('Too many elements in numeric expression');
        return { kind: 'numeric', conditions };
      }
      case 'anything-but':
        return this.anythingBut();
      case 'exists': {
        const token = this.next();
        if (token !== 'VALUE_TRUE' && token !== 'VALUE_FALSE') this.barf('exists match pattern must be either true or false.');
        return this.endOfExpression({ kind: 'exists', exists: token === 'VALUE_TRUE' });
      }
      case 'cidr': {
        const text = this.requiredString('prefix match pattern must be a string');
        return this.endOfExpression({ kind: 'cidr', range: parseCidr(text) });
      }
      case 'equals-ignore-case':
        return this.endOfExpression({ kind: 'equals-ignore-case', value: this.requiredString('equals-ignore-case match pattern must be a string') });
      case 'wildcard': {
        const text = this.requiredString('wildcard match pattern must be a string');
        return this.endOfExpression({ kind: 'wildcard', pattern: text, regex: this.located(() => wildcardRegex(text)) });
      }
      default:
        return this.barf(`Unrecognized match type ${name}`);
    }
  }

  /** `{"prefix": {"equals-ignore-case": "x"}}` (and suffix), the parser inside the inner object. */
  private ignoreCaseAffix(kind: 'prefix' | 'suffix'): LeafMatcher {
    const title = kind === 'prefix' ? 'Prefix' : 'Suffix';
    if (this.next() !== 'FIELD_NAME') this.barf(`${title} expression name not found`);
    const operator = this.parser.currentName;
    if (operator !== 'equals-ignore-case') this.barf(`Unsupported ${kind} pattern: ${operator}`);
    const value = this.requiredString('equals-ignore-case match pattern must be a string');
    if (this.next() !== 'END_OBJECT') this.barf('Only one key allowed in match expression');
    return this.endOfExpression({ kind, value, ignoreCase: true });
  }

  private anythingBut(): LeafMatcher {
    let operator: 'equals-ignore-case' | 'prefix' | 'suffix' | 'wildcard' | undefined;
    let token = this.next();
    if (token === 'START_OBJECT') {
      if (this.next() !== 'FIELD_NAME') this.barf('Anything-But expression name not found');
      const name = this.parser.currentName;
      if (name !== 'equals-ignore-case' && name !== 'prefix' && name !== 'suffix' && name !== 'wildcard') this.barf(`Unsupported anything-but pattern: ${name}`);
      operator = name;
      token = this.next();
    }
    if (token !== 'START_ARRAY' && token !== 'VALUE_STRING' && token !== 'VALUE_NUMBER_INT' && token !== 'VALUE_NUMBER_FLOAT') {
      this.barf('Value of anything-but must be an array or single string/number value.');
    }
    let excluded: ValueMatcher[];
    if (operator === undefined) {
      excluded = token === 'START_ARRAY' ? this.anythingButList() : [this.anythingButValue(token)];
    } else {
      const values = token === 'START_ARRAY' ? this.anythingButOperatorList(operator) : [this.anythingButOperatorValue(token, operator)];
      excluded = values.map((value) => this.operatorMatcher(operator!, value));
    }
    if (this.next() !== 'END_OBJECT') this.barf('Too many elements in numeric expression');
    if (operator !== undefined && this.next() !== 'END_OBJECT') this.barf('Too many elements in numeric expression');
    return { kind: 'anything-but', excluded };
  }

  private anythingButValue(token: TokenType): ValueMatcher {
    if (token === 'VALUE_STRING') return { kind: 'exact', value: this.parser.getText() };
    return { kind: 'exact', value: this.comparableNumber() };
  }

  /** processAnythingButListMatchExpression: its errors pass through a catch that adds the location again. */
  private anythingButList(): ValueMatcher[] {
    const values: ValueMatcher[] = [];
    let strings = false;
    let numbers = false;
    this.relocated(() => {
      let token: TokenType | undefined;
      while ((token = this.next()) !== 'END_ARRAY') {
        if (token === 'VALUE_STRING') {
          values.push({ kind: 'exact', value: this.parser.getText() });
          strings = true;
        } else if (token === 'VALUE_NUMBER_INT' || token === 'VALUE_NUMBER_FLOAT') {
          values.push({ kind: 'exact', value: this.comparableNumber() });
          numbers = true;
        } else {
          this.barf('Inside anything but list, start|null|boolean is not supported.');
        }
      }
    });
    if (strings === numbers) this.barf('Inside anything but list, either all values are number or string, mixed type is not supported');
    return values;
  }

  private anythingButOperatorList(operator: string): string[] {
    const values: string[] = [];
    this.relocated(() => {
      let token: TokenType | undefined;
      while ((token = this.next()) !== 'END_ARRAY') values.push(this.anythingButOperatorValue(token!, operator));
    });
    return values;
  }

  private anythingButOperatorValue(token: TokenType, operator: string): string {
    if (token !== 'VALUE_STRING') {
      if (operator === 'equals-ignore-case') this.barf('Inside anything-but/equals-ignore-case list, number|start|null|boolean is not supported.');
      if (operator === 'wildcard') this.barf('wildcard match pattern must be a string');
      this.barf('prefix/suffix match pattern must be a string');
    }
    const text = this.parser.getText();
    if ((operator === 'prefix' || operator === 'suffix') && text === '') this.barf('Null prefix/suffix not allowed');
    return text;
  }

  private operatorMatcher(operator: 'equals-ignore-case' | 'prefix' | 'suffix' | 'wildcard', value: string): ValueMatcher {
    switch (operator) {
      case 'equals-ignore-case':
        return { kind: 'equals-ignore-case', value };
      case 'wildcard':
        return { kind: 'wildcard', pattern: value, regex: this.located(() => wildcardRegex(value)) };
      default:
        return { kind: operator, value, ignoreCase: false };
    }
  }

  private numericConditions(): NumericCondition[] {
    if (this.next() !== 'VALUE_STRING') this.barf(`Invalid member in numeric match: ${this.parser.getText()}`);
    const operator = this.parser.getText();
    let token = this.next();
    return this.located(() => {
      const isNumber = token === 'VALUE_NUMBER_INT' || token === 'VALUE_NUMBER_FLOAT';
      const describe = operator === '=' ? 'equals' : operator;
      if (!NUMERIC_OPERATORS.has(operator)) this.barf(`Unrecognized numeric range operator: ${operator}`);
      if (!isNumber) this.barf(`Value of ${describe} must be numeric`);
      const bound = this.parser.numericValue;
      if (operator === '=' || operator === '<' || operator === '<=') {
        if (this.next() !== 'END_ARRAY') this.barf('Too many elements in numeric expression');
        return [{ operator: operator as NumericOperator, bound: scaled(comparable(bound)) }];
      }
      token = this.next();
      if (token === 'END_ARRAY') return [{ operator: operator as NumericOperator, bound: scaled(comparable(bound)) }];
      if (token !== 'VALUE_STRING') this.barf(`Bad value in numeric range: ${this.parser.getText()}`);
      const upperOperator = this.parser.getText();
      if (upperOperator !== '<' && upperOperator !== '<=') this.barf(`Bad numeric range operator: ${upperOperator}`);
      token = this.next();
      if (token !== 'VALUE_NUMBER_INT' && token !== 'VALUE_NUMBER_FLOAT') this.barf(`Value of ${upperOperator} must be numeric`);
      const top = this.parser.numericValue;
      if (this.next() !== 'END_ARRAY') this.barf('Too many terms in numeric range expression');
      const lower = scaled(comparable(bound));
      const upper = scaled(comparable(top));
      if (lower >= upper) throw new PlainPatternError('Bottom must be less than top');
      return [
        { operator: operator as NumericOperator, bound: lower },
        { operator: upperOperator as NumericOperator, bound: upper },
      ];
    });
  }

  private comparableNumber(): number {
    return comparable(this.parser.numericValue);
  }

  private requiredString(reason: string): string {
    if (this.next() !== 'VALUE_STRING') this.barf(reason);
    return this.parser.getText();
  }

  private endOfExpression(matcher: LeafMatcher): LeafMatcher {
    if (this.next() !== 'END_OBJECT') this.barf('Only one key allowed in match expression');
    return matcher;
  }

  private next(): TokenType | undefined {
    return this.parser.nextToken();
  }

  /** JsonRuleCompiler.barf: the reason with the parser's location. */
  private barf(reason: string): never {
    throw new PatternSyntaxError(`${reason}${this.parser.location()}`);
  }

  /** `catch (IllegalArgumentException e) { barf(parser, e.getMessage()); }`: a plain reason gets the location. */
  private located<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      if (error instanceof PlainPatternError) this.barf(error.message);
      throw error;
    }
  }

  /** `catch (IllegalArgumentException | IOException e) { barf(parser, e.getMessage()); }`: every reason gets the location (again). */
  private relocated(work: () => void): void {
    try {
      work();
    } catch (error) {
      if (error instanceof PlainPatternError || error instanceof PatternSyntaxError) this.barf(error.message);
      throw error;
    }
  }
}

function emptyNode(): ObjectNode {
  return { fields: [], alternatives: [] };
}

/** The object node at a (dotted) field name under a node, created when missing. */
function objectAt(node: ObjectNode, name: string): ObjectNode {
  let current = node;
  for (const segment of name.split('.')) {
    let field = current.fields.find((candidate) => candidate.key === segment);
    if (!field || field.node.kind !== 'object') {
      const created: FieldNode = { kind: 'object', node: emptyNode() };
      if (field) field.node = created;
      else current.fields.push((field = { key: segment, node: created }));
    }
    current = (field.node as { kind: 'object'; node: ObjectNode }).node;
  }
  return current;
}

/** Sets the matchers of a (dotted) field; a later value for the same path replaces the earlier, as event-ruler does. */
function setLeaf(node: ObjectNode, name: string, matchers: LeafMatcher[]): void {
  const segments = name.split('.');
  const last = segments.pop()!;
  const parent = segments.length > 0 ? objectAt(node, segments.join('.')) : node;
  const existing = parent.fields.find((field) => field.key === last);
  if (existing) existing.node = { kind: 'leaf', matchers };
  else parent.fields.push({ key: last, node: { kind: 'leaf', matchers } });
}

/** A number event-ruler can compare (ComparableNumber). */
function comparable(value: number): number {
  if (!Number.isFinite(value) || value < -NUMERIC_LIMIT || value > NUMERIC_LIMIT) {
    throw new PlainPatternError(`Value ${value} is out of the supported numeric range [-5.0e9, 5.0e9]`);
  }
  return value;
}

function scaled(value: number): number {
  return Math.round(value * 1e6);
}

/**
 * event-ruler's WildcardParser: positions are byte offsets in the value as the machine stores it,
 * in double quotes (so the first character is at position 1).
 */
function wildcardRegex(pattern: string): RegExp {
  const position = (index: number): number => Buffer.byteLength(`"${pattern.slice(0, index)}`);
  let source = '';
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index]!;
    if (char === '\\') {
      const next = pattern[index + 1];
      if (next !== '*' && next !== '\\') throw new PlainPatternError(`Invalid escape character at pos ${position(index)}`);
      source += escapeRegex(next);
      index++;
    } else if (char === '*') {
      if (pattern[index + 1] === '*') throw new PlainPatternError(`Consecutive wildcard characters at pos ${position(index)}`);
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

/** Refuses a rule whose wildcards on one field would keep too many match states alive at once. */
function checkWildcardComplexity(root: ObjectNode): void {
  const byPath = new Map<string, string[]>();
  const visit = (node: ObjectNode, path: string): void => {
    for (const { key, node: field } of node.fields) {
      const fieldPath = path ? `${path}.${key}` : key;
      if (field.kind === 'object') {
        visit(field.node, fieldPath);
        continue;
      }
      for (const matcher of field.matchers) {
        const wildcards = matcher.kind === 'wildcard' ? [matcher] : matcher.kind === 'anything-but' ? matcher.excluded.filter((excluded) => excluded.kind === 'wildcard') : [];
        for (const wildcard of wildcards) {
          if (wildcard.kind === 'wildcard') byPath.set(fieldPath, [...(byPath.get(fieldPath) ?? []), `"${wildcard.pattern}"`]);
        }
      }
    }
    for (const alternatives of node.alternatives) for (const alternative of alternatives) visit(alternative, path);
  };
  visit(root, '');
  for (const patterns of byPath.values()) {
    if (wildcardComplexity(patterns) > MAX_WILDCARD_COMPLEXITY) throw new PlainPatternError(TOO_COMPLEX);
  }
}

// ---------------------------------------------------------------------------------------------
// IP addresses

/** event-ruler's CIDR.cidr, with its reasons (given without a location). */
function parseCidr(text: string): CidrRange {
  // Java's String.split drops trailing empty strings.
  const slashed = text.split('/');
  while (slashed.length > 0 && slashed[slashed.length - 1] === '') slashed.pop();
  if (slashed.length !== 2) throw new PlainPatternError("Malformed CIDR, one '/' required");
  if (!/^[+-]?\d+$/.test(slashed[1]!) || Math.abs(Number(slashed[1])) > 2 ** 31 - 1) throw new PlainPatternError('Malformed CIDR, mask bits must be an integer');
  const prefix = Number(slashed[1]);
  if (prefix < 0) throw new PlainPatternError('Malformed CIDR, mask bits must not be negative');
  const parsed = parseIp(slashed[0]!);
  if (!parsed) throw new PlainPatternError(`Nonstandard IP address: ${slashed[0]}`);
  const bits = parsed.version === 4 ? 32 : 128;
  if (prefix > bits - 1) throw new PlainPatternError(parsed.version === 4 ? 'IPv4 mask bits must be < 32' : 'IPv6 mask bits must be < 128');
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

/** True when an object in the event has a field name with a dot (which names a nested path). */
function hasDottedKeys(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasDottedKeys);
  if (!isPlainObject(value)) return false;
  return Object.entries(value).some(([key, child]) => key.includes('.') || hasDottedKeys(child));
}

/**
 * The event with dotted field names as nested fields: event-ruler flattens an event to dotted paths,
 * so `{"detail.state": "x"}` is at the path `detail.state`, like `{"detail": {"state": "x"}}`. Two values
 * at one path are both that path's values (as an array's are).
 */
function expandDottedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(expandDottedKeys);
  if (!isPlainObject(value)) return value;
  const result: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const segments = key.split('.');
    let target = result;
    for (const segment of segments.slice(0, -1)) {
      const existing = target[segment];
      if (!isPlainObject(existing)) target[segment] = existing === undefined ? {} : mergeValues(existing, {});
      target = (isPlainObject(target[segment]) ? target[segment] : (target[segment] as unknown[]).at(-1)) as Record<string, unknown>;
    }
    const last = segments[segments.length - 1]!;
    const expanded = expandDottedKeys(child);
    target[last] = last in target ? mergeValues(target[last], expanded) : expanded;
  }
  return result;
}

function mergeValues(existing: unknown, added: unknown): unknown {
  if (isPlainObject(existing) && isPlainObject(added)) {
    const merged: Record<string, unknown> = { ...existing };
    for (const [key, value] of Object.entries(added)) merged[key] = key in merged ? mergeValues(merged[key], value) : value;
    return merged;
  }
  return [...(Array.isArray(existing) ? existing : [existing]), ...(Array.isArray(added) ? added : [added])];
}

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
