/** Helpers for the handler tests of every service (jest only: not exported by the library's index). */
import type { Context } from 'aws-lambda';

/**
 * Sets the environment a handler reads (its settings, with silent logs) and returns the Lambda context
 * to invoke it with. Call before importing the handler: its logger reads the log level when it loads.
 */
export function handlerEnvironment(env: Record<string, string>, functionName = 'fn'): Context {
  Object.assign(process.env, { POWERTOOLS_LOG_LEVEL: 'SILENT', ...env });
  return { functionName, awsRequestId: 'req-1' } as Context;
}
