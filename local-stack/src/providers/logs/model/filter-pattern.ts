/**
 * CloudWatch Logs filter patterns (FilterLogEvents' `filterPattern`), the subset the local stack
 * emulates:
 *
 * - terms: `ERROR Exception` (every term, as a case-sensitive substring), `"a phrase: with text"`
 *   (quoted, exactly), `?ERROR ?WARN` (at least one of the `?` terms), `-DEBUG` (none of the `-` terms);
 * - JSON: `{ $.level = "ERROR" }`, selectors `$.a.b`, `$.list[0]`; `=` / `!=` on strings (with `*`
 *   wildcards) and numbers, `<` `<=` `>` `>=` on numbers, `IS TRUE` / `IS FALSE` / `IS NULL`,
 *   `NOT EXISTS`; combined with `&&`, `||` and parentheses. A message that is not a JSON object
 *   never matches a JSON pattern.
 *
 * Space-delimited patterns (`[ip, user, ...]`) and regular expressions (`%...%`) are refused with
 * InvalidParameterException, as an invalid pattern is, rather than answered wrongly.
 */
export type LogEventMatcher = (message: string) => boolean;

export class FilterPatternError extends Error {}

const matchAll: LogEventMatcher = () => true;

/** Compiles a pattern; throws FilterPatternError for a pattern that is invalid or not emulated. */
export function compileFilterPattern(pattern: string | undefined): LogEventMatcher {
  const text = (pattern ?? '').trim();
  if (text === '' || text === '""') return matchAll;
  if (text.startsWith('{')) return compileJsonPattern(text);
  if (text.startsWith('[')) throw new FilterPatternError('space-delimited filter patterns ([field, ...]) are not supported by the local stack');
  if (text.includes('%')) throw new FilterPatternError('regular expressions in filter patterns (%...%) are not supported by the local stack');
  return compileTermPattern(text);
}

// --- terms ---------------------------------------------------------------------------------------

function compileTermPattern(text: string): LogEventMatcher {
  const required: string[] = [];
  const anyOf: string[] = [];
  const excluded: string[] = [];
  const tokens = text.match(/[?-]?"(?:[^"\\]|\\.)*"|\S+/g) ?? [];
  for (const token of tokens) {
    const kind = token[0] === '?' || token[0] === '-' ? token[0] : '';
    let term = kind ? token.slice(1) : token;
    if (term.startsWith('"')) {
      if (term.length < 2 || !term.endsWith('"')) throw new FilterPatternError(`unterminated quoted term ${token}`);
      term = term.slice(1, -1).replace(/\\(.)/g, '$1');
    } else if (term.includes('"')) {
      throw new FilterPatternError(`a quote inside the term ${token}: quote the whole term`);
    }
    if (term === '') throw new FilterPatternError(`empty term ${token}`);
    (kind === '?' ? anyOf : kind === '-' ? excluded : required).push(term);
  }
  return (message) =>
    required.every((term) => message.includes(term)) &&
    (anyOf.length === 0 || anyOf.some((term) => message.includes(term))) &&
    !excluded.some((term) => message.includes(term));
}

// --- JSON ----------------------------------------------------------------------------------------

type JsonValue = unknown;
type Condition = (document: JsonValue) => boolean;

type Token =
  | { kind: 'selector'; path: Array<string | number> }
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'word'; value: string }
  | { kind: 'op'; value: string };

function compileJsonPattern(text: string): LogEventMatcher {
  if (!text.endsWith('}')) throw new FilterPatternError('a JSON filter pattern must end with }');
  const tokens = tokenize(text.slice(1, -1));
  let position = 0;
  const peek = (): Token | undefined => tokens[position];
  const next = (): Token => {
    const token = tokens[position++];
    if (!token) throw new FilterPatternError('the JSON filter pattern ends too early');
    return token;
  };
  const isOp = (token: Token | undefined, value: string): boolean => token?.kind === 'op' && token.value === value;

  /** `operand (op operand)*`: one condition, or all of them (&&) / any of them (||). */
  const chain = (operator: '&&' | '||', operand: () => Condition) => (): Condition => {
    const conditions = [operand()];
    while (isOp(peek(), operator)) {
      position++;
      conditions.push(operand());
    }
    if (conditions.length === 1) return conditions[0]!;
    return operator === '&&' ? (document) => conditions.every((condition) => condition(document)) : (document) => conditions.some((condition) => condition(document));
  };
  const parseAnd = (): Condition => chain('&&', parseTerm)();
  const parseOr = chain('||', parseAnd);
  const parseTerm = (): Condition => {
    const token = next();
    if (isOp(token, '(')) {
      const inner = parseOr();
      if (!isOp(next(), ')')) throw new FilterPatternError('a ( without its )');
      return inner;
    }
    if (token.kind !== 'selector') throw new FilterPatternError(`expected a selector such as $.level, found ${describe(token)}`);
    return parseComparison(token.path);
  };
  const parseComparison = (selector: Array<string | number>): Condition => {
    const operator = next();
    if (operator.kind === 'word' && operator.value === 'IS') {
      const value = next();
      if (value.kind !== 'word' || !['TRUE', 'FALSE', 'NULL'].includes(value.value)) throw new FilterPatternError('IS takes TRUE, FALSE or NULL');
      const expected = value.value === 'TRUE' ? true : value.value === 'FALSE' ? false : null;
      return (document) => select(document, selector).found && select(document, selector).value === expected;
    }
    if (operator.kind === 'word' && operator.value === 'NOT') {
      const exists = next();
      if (exists.kind !== 'word' || exists.value !== 'EXISTS') throw new FilterPatternError('NOT takes EXISTS');
      return (document) => !select(document, selector).found;
    }
    if (operator.kind !== 'op' || !['=', '!=', '<', '<=', '>', '>='].includes(operator.value)) {
      throw new FilterPatternError(`expected a comparison (=, !=, <, <=, >, >=, IS, NOT EXISTS) after the selector, found ${describe(operator)}`);
    }
    const value = next();
    if (value.kind === 'number') return numberComparison(selector, operator.value, value.value);
    if (value.kind !== 'string' && value.kind !== 'word') throw new FilterPatternError(`expected a value after ${operator.value}, found ${describe(value)}`);
    if (operator.value !== '=' && operator.value !== '!=') throw new FilterPatternError(`${operator.value} compares numbers, not the string ${value.value}`);
    const matches = wildcard(value.value);
    return (document) => {
      const selected = select(document, selector);
      const text = selected.found && (typeof selected.value === 'string' || typeof selected.value === 'number' || typeof selected.value === 'boolean') ? String(selected.value) : undefined;
      if (text === undefined) return operator.value === '!=' && selected.found;
      return matches(text) === (operator.value === '=');
    };
  };

  const condition = parseOr();
  if (position < tokens.length) throw new FilterPatternError(`unexpected ${describe(tokens[position]!)} in the JSON filter pattern`);
  return (message) => {
    const start = message.indexOf('{');
    if (start < 0) return false;
    let document: unknown;
    try {
      // A Lambda runtime line is `<time>\t<request id>\t<LEVEL>\t{...}`: the JSON is its last field.
      document = JSON.parse(message.slice(start));
    } catch {
      return false;
    }
    return document !== null && typeof document === 'object' && condition(document);
  };
}

function numberComparison(selector: Array<string | number>, operator: string, expected: number): Condition {
  return (document) => {
    const selected = select(document, selector);
    if (!selected.found || typeof selected.value !== 'number') return false;
    const actual = selected.value;
    switch (operator) {
      case '=':
        return actual === expected;
      case '!=':
        return actual !== expected;
      case '<':
        return actual < expected;
      case '<=':
        return actual <= expected;
      case '>':
        return actual > expected;
      default:
        return actual >= expected;
    }
  };
}

function wildcard(pattern: string): (text: string) => boolean {
  if (!pattern.includes('*')) return (text) => text === pattern;
  const expression = new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`, 's');
  return (text) => expression.test(text);
}

function select(document: JsonValue, path: Array<string | number>): { found: boolean; value?: unknown } {
  let current: unknown = document;
  for (const step of path) {
    if (current === null || typeof current !== 'object') return { found: false };
    if (typeof step === 'number') {
      if (!Array.isArray(current) || step >= current.length) return { found: false };
      current = current[step];
    } else {
      if (Array.isArray(current) || !Object.hasOwn(current, step)) return { found: false };
      current = (current as Record<string, unknown>)[step];
    }
  }
  return { found: true, value: current };
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < text.length) {
    const rest = text.slice(index);
    const space = /^\s+/.exec(rest);
    if (space) {
      index += space[0].length;
      continue;
    }
    const selector = /^\$((?:\.[A-Za-z0-9_@-]+|\[\d+\])*)/.exec(rest);
    if (selector && selector[0].length > 1) {
      const path = [...selector[1]!.matchAll(/\.([A-Za-z0-9_@-]+)|\[(\d+)\]/g)].map((step) => (step[1] !== undefined ? step[1] : Number(step[2])));
      tokens.push({ kind: 'selector', path });
      index += selector[0].length;
      continue;
    }
    const string = /^"((?:[^"\\]|\\.)*)"/.exec(rest);
    if (string) {
      tokens.push({ kind: 'string', value: string[1]!.replace(/\\(.)/g, '$1') });
      index += string[0].length;
      continue;
    }
    if (rest.startsWith('%')) throw new FilterPatternError('regular expressions in filter patterns (%...%) are not supported by the local stack');
    const operator = /^(&&|\|\||!=|<=|>=|=|<|>|\(|\))/.exec(rest);
    if (operator) {
      tokens.push({ kind: 'op', value: operator[1]! });
      index += operator[0].length;
      continue;
    }
    const number = /^-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?![A-Za-z0-9_*])/.exec(rest);
    if (number) {
      tokens.push({ kind: 'number', value: Number(number[0]) });
      index += number[0].length;
      continue;
    }
    const word = /^[A-Za-z0-9_.*:/-]+/.exec(rest);
    if (word) {
      tokens.push({ kind: 'word', value: word[0] });
      index += word[0].length;
      continue;
    }
    throw new FilterPatternError(`unexpected character ${JSON.stringify(rest[0])} in the JSON filter pattern`);
  }
  return tokens;
}

function describe(token: Token): string {
  switch (token.kind) {
    case 'selector':
      return `$.${token.path.join('.')}`;
    case 'string':
      return JSON.stringify(token.value);
    default:
      return String(token.value);
  }
}
