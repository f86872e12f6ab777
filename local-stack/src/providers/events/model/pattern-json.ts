/**
 * A pull parser for event-pattern JSON that reads the text the way EventBridge's parser (Jackson,
 * under aws/event-ruler's JsonRuleCompiler) does, so that an invalid pattern is refused at the same
 * point and with the same words: AWS's reason ends with Jackson's location of the parser when the
 * compiler gave up, `\n at [Source: (String)"<pattern>"; line: 1, column: 11]`.
 *
 * Jackson's reading positions matter for that column: after a field name it has already read the
 * start of the value (the `[` or `{`, a whole number or literal, or only the opening quote of a
 * string, whose rest is read when its text is asked for, or skipped by the next token).
 */

export type TokenType =
  | 'START_OBJECT'
  | 'END_OBJECT'
  | 'START_ARRAY'
  | 'END_ARRAY'
  | 'FIELD_NAME'
  | 'VALUE_STRING'
  | 'VALUE_NUMBER_INT'
  | 'VALUE_NUMBER_FLOAT'
  | 'VALUE_TRUE'
  | 'VALUE_FALSE'
  | 'VALUE_NULL';

/** An invalid pattern: `message` is the whole reason, with the locations Jackson would append. */
export class PatternSyntaxError extends Error {}

/** Jackson keeps at most this many characters of the source in a location. */
const MAX_SOURCE_SNIPPET = 500;
const VALID_VALUES = "(JSON String, Number, Array, Object or token 'null', 'true' or 'false')";

interface Context {
  kind: 'root' | 'object' | 'array';
  /** No entry read yet (an empty container may close). */
  first: boolean;
  /** Where the container started (for "expected close marker"). */
  start: number;
}

export class PatternJsonParser {
  private position = 0;
  private readonly contexts: Context[] = [{ kind: 'root', first: true, start: 0 }];
  private pending: TokenType | undefined;
  /** The current token is a string whose text is not read yet (position is after its opening quote). */
  private incompleteString = false;
  private currentToken: TokenType | undefined;
  private currentText = '';
  private numberValue = 0;
  currentName = '';

  constructor(private readonly text: string) {}

  /** The next token, or undefined at the end of the root value. */
  nextToken(): TokenType | undefined {
    if (this.pending) {
      this.currentToken = this.pending;
      this.pending = undefined;
      return this.currentToken;
    }
    if (this.incompleteString) this.finishString();
    const context = this.contexts[this.contexts.length - 1]!;
    this.skipWhitespace();
    if (this.position >= this.text.length) {
      if (context.kind === 'root') return (this.currentToken = undefined);
      return this.endOfInput(context);
    }
    let char = this.text[this.position]!;
    if (context.kind === 'root') {
      if (!context.first) return (this.currentToken = undefined);
      context.first = false;
      return (this.currentToken = this.startValue());
    }
    const close = context.kind === 'object' ? '}' : ']';
    if (char === close) {
      this.position++;
      this.contexts.pop();
      this.currentText = close;
      return (this.currentToken = context.kind === 'object' ? 'END_OBJECT' : 'END_ARRAY');
    }
    if (!context.first) {
      if (char !== ',') {
        throw this.unexpected(char, `was expecting comma to separate ${context.kind === 'object' ? 'Object' : 'Array'} entries`);
      }
      this.position++;
      this.skipWhitespace();
      if (this.position >= this.text.length) return this.endOfInput(context);
      char = this.text[this.position]!;
    }
    context.first = false;
    if (context.kind === 'array') return (this.currentToken = this.startValue());
    if (char !== '"') throw this.unexpected(char, 'was expecting double-quote to start field name');
    this.position++;
    this.currentName = this.readString();
    this.skipWhitespace();
    const colon = this.text[this.position];
    if (colon !== ':') {
      if (colon === undefined) return this.endOfInput(context);
      throw this.unexpected(colon, 'was expecting a colon to separate field name and value');
    }
    this.position++;
    this.skipWhitespace();
    if (this.position >= this.text.length) return this.endOfInput(context);
    this.pending = this.startValue();
    return (this.currentToken = 'FIELD_NAME');
  }

  /** The current token's text (a string's is read now). */
  getText(): string {
    if (this.incompleteString) this.finishString();
    if (this.currentToken === 'FIELD_NAME') return this.currentName;
    return this.currentText;
  }

  get current(): TokenType | undefined {
    return this.currentToken;
  }

  get numericValue(): number {
    return this.numberValue;
  }

  /** Jackson's location of the parser now: ` at [Source: ...; line: L, column: C]` after a newline. */
  location(): string {
    return `\n at ${this.locationAt(this.position)}`;
  }

  // -------------------------------------------------------------------------------------------

  private endOfInput(context: Context): never {
    const marker = context.kind === 'object' ? 'Object' : 'Array';
    throw this.error(`Unexpected end-of-input: expected close marker for ${marker} (start marker at ${this.locationAt(context.start)})`, this.position);
  }

  /** Reads the start of a value at the position; a string is left incomplete. */
  private startValue(): TokenType {
    const char = this.text[this.position]!;
    const start = this.position;
    switch (char) {
      case '"':
        this.position++;
        this.incompleteString = true;
        return 'VALUE_STRING';
      case '{':
        this.position++;
        this.contexts.push({ kind: 'object', first: true, start });
        this.currentText = '{';
        return 'START_OBJECT';
      case '[':
        this.position++;
        this.contexts.push({ kind: 'array', first: true, start });
        this.currentText = '[';
        return 'START_ARRAY';
      case 't':
      case 'f':
      case 'n': {
        const literal = char === 't' ? 'true' : char === 'f' ? 'false' : 'null';
        if (this.text.startsWith(literal, start) && !isIdentifierPart(this.text[start + literal.length])) {
          this.position += literal.length;
          this.currentText = literal;
          return literal === 'true' ? 'VALUE_TRUE' : literal === 'false' ? 'VALUE_FALSE' : 'VALUE_NULL';
        }
        throw this.unrecognizedToken(start);
      }
      default:
        if (char === '-' || (char >= '0' && char <= '9')) return this.readNumber();
        if (isIdentifierPart(char)) throw this.unrecognizedToken(start);
        throw this.unexpected(char, `expected a valid value ${VALID_VALUES}`);
    }
  }

  private readNumber(): TokenType {
    const match = /-?(\d*)(\.\d+)?([eE][+-]?\d+)?/y;
    match.lastIndex = this.position;
    const found = match.exec(this.text)!;
    const [whole, integer, fraction, exponent] = found;
    if (integer === '') {
      const next = this.text[this.position + 1];
      throw this.unexpected(next ?? ' ', 'in numeric value: expected digit (0-9) to follow minus sign, for valid numeric value', this.position + 1);
    }
    if (integer!.length > 1 && integer!.startsWith('0')) throw this.error('Invalid numeric value: Leading zeroes not allowed', this.position + whole.indexOf('0') + 1);
    this.position += whole.length;
    this.currentText = whole;
    this.numberValue = Number(whole);
    return fraction !== undefined || exponent !== undefined ? 'VALUE_NUMBER_FLOAT' : 'VALUE_NUMBER_INT';
  }

  private finishString(): void {
    this.incompleteString = false;
    this.currentText = this.readString();
  }

  /** Reads a string's content from the position (after its opening quote) to past its closing quote. */
  private readString(): string {
    let value = '';
    for (;;) {
      if (this.position >= this.text.length) throw this.error('Unexpected end-of-input: was expecting closing quote for a string value', this.position);
      const char = this.text[this.position++]!;
      if (char === '"') return value;
      if (char === '\\') {
        const escape = this.text[this.position++];
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (escape !== undefined && simple[escape] !== undefined) {
          value += simple[escape];
        } else if (escape === 'u' && /^[0-9a-fA-F]{4}$/.test(this.text.slice(this.position, this.position + 4))) {
          value += String.fromCharCode(parseInt(this.text.slice(this.position, this.position + 4), 16));
          this.position += 4;
        } else {
          throw this.error(`Unrecognized character escape ${describeChar(escape ?? ' ')}`, this.position);
        }
      } else if (char.charCodeAt(0) < 32) {
        throw this.error(`Illegal unquoted character (${describeChar(char)}): has to be escaped using backslash to be included in string value`, this.position);
      } else {
        value += char;
      }
    }
  }

  private skipWhitespace(): void {
    while (this.position < this.text.length && ' \t\n\r'.includes(this.text[this.position]!)) this.position++;
  }

  private unrecognizedToken(start: number): PatternSyntaxError {
    let end = start;
    while (end < this.text.length && isIdentifierPart(this.text[end])) end++;
    return this.error(`Unrecognized token '${this.text.slice(start, end)}': was expecting ${VALID_VALUES}`, end);
  }

  private unexpected(char: string, expectation: string, at = this.position): PatternSyntaxError {
    return this.error(`Unexpected character (${describeChar(char)}): ${expectation}`, at);
  }

  private error(message: string, at: number): PatternSyntaxError {
    return new PatternSyntaxError(`${message}\n at ${this.locationAt(at)}`);
  }

  private locationAt(offset: number): string {
    let line = 1;
    let lineStart = 0;
    for (let index = 0; index < offset && index < this.text.length; index++) {
      if (this.text[index] === '\n') {
        line++;
        lineStart = index + 1;
      }
    }
    const snippet =
      this.text.length > MAX_SOURCE_SNIPPET
        ? `"${this.text.slice(0, MAX_SOURCE_SNIPPET)}"[truncated ${this.text.length - MAX_SOURCE_SNIPPET} chars]`
        : `"${this.text}"`;
    return `[Source: (String)${snippet}; line: ${line}, column: ${offset - lineStart + 1}]`;
  }
}

function isIdentifierPart(char: string | undefined): boolean {
  return char !== undefined && /[\p{L}\p{N}_$]/u.test(char);
}

/** Jackson's description of a character: `'x' (code 120)`, `(CTRL-CHAR, code 10)`. */
function describeChar(char: string): string {
  const code = char.codePointAt(0)!;
  if (code < 32) return `(CTRL-CHAR, code ${code})`;
  if (code > 255) return `'${char}' (code ${code} / 0x${code.toString(16)})`;
  return `'${char}' (code ${code})`;
}
