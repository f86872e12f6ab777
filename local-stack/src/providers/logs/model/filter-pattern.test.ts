import { compileFilterPattern, FilterPatternError } from './filter-pattern';

const powertools = (fields: Record<string, unknown>) => JSON.stringify({ timestamp: '2026-12-07T08:00:00.000Z', service: 'ingestion', ...fields });
const runtimeLine = (level: string, message: string) => `2026-12-07T08:00:00.000Z\t6f1c0d2e-0000-4000-8000-000000000000\t${level}\t${message}`;

const matching = (pattern: string, messages: string[]) => messages.filter(compileFilterPattern(pattern));

describe('filter patterns: terms', () => {
  const messages = ['ERROR disk full', 'WARN disk slow', 'INFO all good', 'ERROR: Exception in thread "main"', 'error lower case'];

  it('matches every event without a pattern, or with an empty one', () => {
    expect(matching('', messages)).toEqual(messages);
    expect(messages.filter(compileFilterPattern(undefined))).toEqual(messages);
    expect(matching('""', messages)).toEqual(messages);
  });

  it('needs every plain term, case-sensitively', () => {
    expect(matching('ERROR', messages)).toEqual(['ERROR disk full', 'ERROR: Exception in thread "main"']);
    expect(matching('ERROR disk', messages)).toEqual(['ERROR disk full']);
    expect(matching('disk', messages)).toEqual(['ERROR disk full', 'WARN disk slow']);
  });

  it('matches a quoted phrase exactly, punctuation and spaces included', () => {
    expect(matching('"ERROR: Exception"', messages)).toEqual(['ERROR: Exception in thread "main"']);
    expect(matching('"disk full"', messages)).toEqual(['ERROR disk full']);
    expect(matching('"thread \\"main\\""', messages)).toEqual(['ERROR: Exception in thread "main"']);
  });

  it('takes any of the ? terms, and none of the - terms', () => {
    expect(matching('?ERROR ?WARN', messages)).toEqual(['ERROR disk full', 'WARN disk slow', 'ERROR: Exception in thread "main"']);
    expect(matching('ERROR -Exception', messages)).toEqual(['ERROR disk full']);
    expect(matching('disk -"disk full"', messages)).toEqual(['WARN disk slow']);
  });

  it('refuses what it does not emulate, and malformed terms', () => {
    expect(() => compileFilterPattern('[ip, user, timestamp]')).toThrow(FilterPatternError);
    expect(() => compileFilterPattern('%ERROR|WARN%')).toThrow(/regular expressions/);
    expect(() => compileFilterPattern('"unterminated')).toThrow(/unterminated/);
    expect(() => compileFilterPattern('ab"cd')).toThrow(/quote/);
  });
});

describe('filter patterns: JSON', () => {
  const error = powertools({ level: 'ERROR', message: 'drop rejected', rows: 12, ok: false, detail: { key: 'incoming/a.csv' }, tags: ['x', 'y'] });
  const warn = powertools({ level: 'WARN', message: 'slow drop', rows: 500, ok: true, detail: { key: 'incoming/b.csv' } });
  const info = powertools({ level: 'INFO', message: 'drop accepted', rows: 5000, ok: true, detail: null });
  const inRuntimeLine = runtimeLine('ERROR', JSON.stringify({ level: 'ERROR', message: 'from console.error' }));
  const plain = 'ERROR not json at all';
  const all = [error, warn, info, inRuntimeLine, plain];

  it('compares strings with = and !=, with * wildcards', () => {
    expect(matching('{ $.level = "ERROR" }', all)).toEqual([error, inRuntimeLine]);
    expect(matching('{$.level="ERROR"}', all)).toEqual([error, inRuntimeLine]);
    expect(matching('{ $.level = ERROR }', all)).toEqual([error, inRuntimeLine]);
    expect(matching('{ $.level != "ERROR" }', all)).toEqual([warn, info]);
    expect(matching('{ $.message = "drop *" }', all)).toEqual([error, info]);
    expect(matching('{ $.detail.key = "incoming/*.csv" }', all)).toEqual([error, warn]);
  });

  it('compares numbers', () => {
    expect(matching('{ $.rows > 100 }', all)).toEqual([warn, info]);
    expect(matching('{ $.rows <= 500 }', all)).toEqual([error, warn]);
    expect(matching('{ $.rows = 12 }', all)).toEqual([error]);
    expect(matching('{ $.rows != 12 }', all)).toEqual([warn, info]);
  });

  it('combines conditions with && and ||, in parentheses', () => {
    expect(matching('{ $.level = "WARN" || $.level = "ERROR" }', all)).toEqual([error, warn, inRuntimeLine]);
    expect(matching('{ ($.level = "WARN" || $.level = "INFO") && $.rows > 1000 }', all)).toEqual([info]);
    expect(matching('{ $.level = "ERROR" && $.rows < 100 }', all)).toEqual([error]);
  });

  it('selects array elements and tests IS TRUE / FALSE / NULL and NOT EXISTS', () => {
    expect(matching('{ $.tags[1] = "y" }', all)).toEqual([error]);
    expect(matching('{ $.ok IS TRUE }', all)).toEqual([warn, info]);
    expect(matching('{ $.ok IS FALSE }', all)).toEqual([error]);
    expect(matching('{ $.detail IS NULL }', all)).toEqual([info]);
    expect(matching('{ $.rows NOT EXISTS }', all)).toEqual([inRuntimeLine]);
  });

  it('never matches a message that is not JSON', () => {
    expect(matching('{ $.level = "ERROR" }', [plain, '{ broken json'])).toEqual([]);
  });

  it('refuses malformed JSON patterns, saying what is wrong', () => {
    expect(() => compileFilterPattern('{ $.level = "ERROR"')).toThrow(/must end with }/);
    expect(() => compileFilterPattern('{ $.level }')).toThrow(/ends too early/);
    expect(() => compileFilterPattern('{ $.level ~ "x" }')).toThrow(/unexpected character/);
    expect(() => compileFilterPattern('{ $.level > "x" }')).toThrow(/compares numbers/);
    expect(() => compileFilterPattern('{ ($.a = 1 }')).toThrow(/ends too early|without its/);
    expect(() => compileFilterPattern('{ level = 1 }')).toThrow(/selector/);
    expect(() => compileFilterPattern('{ $.a = %x% }')).toThrow(/regular expressions/);
  });
});
