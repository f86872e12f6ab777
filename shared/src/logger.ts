import { Logger } from '@aws-lambda-powertools/logger';

/** One structured logger per service; POWERTOOLS_SERVICE_NAME and POWERTOOLS_LOG_LEVEL configure it. */
export function createLogger(serviceName: string): Logger {
  return new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? serviceName });
}
