import type { Logger } from '@aws-lambda-powertools/logger';
import type { MiddlewareObj } from '@middy/core';
import type { z } from 'zod';

/** Thrown at the handler's edge when an event does not have the shape the handler was written for. */
export class InvalidEventError extends Error {
  constructor(
    message: string,
    readonly issues: readonly unknown[],
  ) {
    super(message);
    this.name = 'InvalidEventError';
  }
}

/** Formats zod issues as "path: message; ..." for logs and error messages. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
}

/**
 * Validates the event against a zod schema before the handler sees it, and replaces it with the
 * parsed value. A malformed event is logged with every problem and fails the invocation with an
 * InvalidEventError, so it lands in the function's failure destination instead of deep in the code.
 */
export function validateEvent<TSchema extends z.ZodType>(schema: TSchema, logger: Logger): MiddlewareObj {
  return {
    before: (request) => {
      const parsed = schema.safeParse(request.event);
      if (!parsed.success) {
        const summary = describeIssues(parsed.error);
        logger.error('malformed event', { issues: parsed.error.issues, event: request.event });
        throw new InvalidEventError(`malformed event: ${summary}`, parsed.error.issues);
      }
      request.event = parsed.data;
    },
  };
}

/** Adds the Lambda context to every log line and logs unhandled errors once, with the function's name. */
export function logContext(logger: Logger): MiddlewareObj {
  return {
    before: (request) => {
      logger.addContext(request.context);
    },
    onError: (request) => {
      if (!(request.error instanceof InvalidEventError)) {
        logger.error('invocation failed', { error: request.error as Error });
      }
    },
  };
}
