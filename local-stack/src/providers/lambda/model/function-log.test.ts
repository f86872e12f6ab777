import { terminalEntry } from './function-log';

describe("the terminal's view of a function's output", () => {
  it("shows a Powertools record's warnings and errors, one line each, with the error's message", () => {
    const error = JSON.stringify({
      level: 'ERROR',
      message: 'malformed event',
      service: 'ingestion',
      timestamp: '2026-12-07T08:00:00.000Z',
      function_request_id: 'r1',
      error: { name: 'ZodError', message: 'key: Required', stack: 'ZodError: ...\n    at parse' },
    });
    expect(terminalEntry(error)).toEqual({ level: 'error', text: 'malformed event: ZodError: key: Required' });
    const warning = JSON.stringify({ level: 'WARN', message: 'drop rejected', service: 'ingestion', cold_start: true, key: 'incoming/a.csv', reason: 'wrong columns' });
    expect(terminalEntry(warning)).toEqual({ level: 'warn', text: 'drop rejected {"key":"incoming/a.csv","reason":"wrong columns"}' });
    expect(terminalEntry(JSON.stringify({ level: 'INFO', message: 'accepted' }))).toEqual({ level: 'debug', text: 'accepted' });
  });

  it("reads the level of the runtime's console format, and of JSON inside it", () => {
    expect(terminalEntry('2026-12-07T08:00:00.000Z\tr1\tWARN\tslow\nsecond line')).toEqual({ level: 'warn', text: 'slow ⏎ second line' });
    expect(terminalEntry(`2026-12-07T08:00:00.000Z\tr1\tERROR\t${JSON.stringify({ level: 'ERROR', message: 'inner' })}`)).toEqual({ level: 'error', text: 'inner' });
    expect(terminalEntry('2026-12-07T08:00:00.000Z\tr1\tINFO\thello').level).toBe('debug');
  });

  it('keeps START, END and REPORT at debug, and runtime crash reports at error', () => {
    expect(terminalEntry('START RequestId: r1 Version: $LATEST').level).toBe('debug');
    expect(terminalEntry('REPORT RequestId: r1\tDuration: 1.00 ms').text).toBe('REPORT RequestId: r1 Duration: 1.00 ms');
    expect(terminalEntry('Runtime.UncaughtException\t{"errorType":"Error"}').level).toBe('error');
    expect(terminalEntry('Invoke Error \t{"errorType":"Error"}').level).toBe('error');
  });

  it('bounds a long line', () => {
    expect(terminalEntry(JSON.stringify({ level: 'ERROR', message: 'x'.repeat(5000) })).text.length).toBeLessThanOrEqual(501);
  });
});
