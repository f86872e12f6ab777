/**
 * What the `npm start` terminal shows of a function's output (all of it is in CloudWatch Logs): a
 * handler's warnings and errors, one line each, at warn and error (the message, the error's, and the
 * record's own fields, without Powertools' context keys); everything else (START, END, REPORT, info
 * and debug lines) at debug, so that LOCAL_STACK_LOG_LEVEL=debug still shows it all.
 *
 * The level is the one the line carries: Powertools' JSON `level`, or the Node.js runtime's
 * `<time>\t<request id>\t<LEVEL>\t<message>` console format.
 */
export interface TerminalEntry {
  level: 'error' | 'warn' | 'debug';
  text: string;
}

const MAX_TEXT = 500;

export function terminalEntry(line: string): TerminalEntry {
  const json = jsonEntry(line);
  if (json) return json;
  const runtime = /^\S+\t\S+\t(ERROR|WARN|INFO|DEBUG|TRACE|FATAL)\t([\s\S]*)$/.exec(line);
  if (runtime) {
    const nested = jsonEntry(runtime[2]!);
    if (nested) return nested;
    return { level: levelOf(runtime[1]!), text: oneLine(runtime[2]!) };
  }
  // A runtime crash report (`Runtime.UncaughtException\t{...}`, `Invoke Error \t{...}`) is an error.
  if (/^(Runtime\.\w+|Invoke Error|INIT_ERROR)\s*\t/.test(line)) return { level: 'error', text: oneLine(line) };
  return { level: 'debug', text: oneLine(line) };
}

/** Powertools' own keys: the context of every record, not what the handler said. */
const CONTEXT_KEYS = new Set(['level', 'message', 'timestamp', 'service', 'cold_start', 'function_arn', 'function_memory_size', 'function_name', 'function_request_id', 'sampling_rate', 'xray_trace_id', 'error']);

function jsonEntry(text: string): TerminalEntry | undefined {
  if (!text.startsWith('{')) return undefined;
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof record !== 'object' || record === null || typeof record.level !== 'string') return undefined;
  const error = record.error as { name?: unknown; message?: unknown } | undefined;
  const detail = error && typeof error === 'object' && typeof error.message === 'string' ? `: ${typeof error.name === 'string' ? `${error.name}: ` : ''}${error.message}` : '';
  const fields = Object.fromEntries(Object.entries(record).filter(([key]) => !CONTEXT_KEYS.has(key)));
  const context = Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : '';
  return { level: levelOf(record.level), text: oneLine(`${String(record.message ?? '')}${detail}${context}`) };
}

function levelOf(level: string): TerminalEntry['level'] {
  const upper = level.toUpperCase();
  if (upper === 'ERROR' || upper === 'CRITICAL' || upper === 'FATAL') return 'error';
  if (upper === 'WARN' || upper === 'WARNING') return 'warn';
  return 'debug';
}

function oneLine(text: string): string {
  const flat = text.replace(/\s*\n\s*/g, ' ⏎ ').replace(/\t/g, ' ');
  return flat.length > MAX_TEXT ? `${flat.slice(0, MAX_TEXT)}…` : flat;
}
