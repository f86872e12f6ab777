/** The local stack's logging seam: structured messages, silent unless a logger is injected. */
export interface LocalStackLogger {
  debug(message: string, details?: Record<string, unknown>): void;
  info(message: string, details?: Record<string, unknown>): void;
  warn(message: string, details?: Record<string, unknown>): void;
  error(message: string, details?: Record<string, unknown>): void;
}

const noop = (): void => undefined;

export const silentLogger: LocalStackLogger = { debug: noop, info: noop, warn: noop, error: noop };

export type LogLevel = keyof LocalStackLogger;

const LEVEL_ORDER: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** One line per message on stderr: `<time> <LEVEL> [<scope>] message {details}`. */
export function consoleLogger(scope: string, minimumLevel: LogLevel = 'info'): LocalStackLogger {
  const threshold = LEVEL_ORDER.indexOf(minimumLevel);
  const write =
    (level: LogLevel) =>
    (message: string, details?: Record<string, unknown>): void => {
      if (LEVEL_ORDER.indexOf(level) < threshold) return;
      const suffix = details && Object.keys(details).length > 0 ? ` ${JSON.stringify(details)}` : '';
      process.stderr.write(`${new Date().toISOString()} ${level.toUpperCase()} [${scope}] ${message}${suffix}\n`);
    };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
