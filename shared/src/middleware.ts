import type { Logger } from '@aws-lambda-powertools/logger';
import middy, { type MiddlewareObj } from '@middy/core';
import type { z } from 'zod';
import { clientConfig } from './aws';
import { createLogger } from './logger';
import { describeIssues } from './zod-issues';

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

/** What the work behind every handler gets besides its AWS clients: the service's settings, a logger and a clock. */
export interface HandlerDeps<TConfig> {
  config: TConfig;
  logger: Logger;
  now: () => Date;
}

type ClientClasses<TClients> = { [K in keyof TClients]: new (config: typeof clientConfig) => TClients[K] };

/**
 * The one way to define a Lambda handler: middy with logContext and validateEvent around the work, a
 * plain function of the parsed event and its dependencies (tested without AWS). The dependencies are
 * the AWS clients (each built with clientConfig), the service's configuration, a logger and a clock,
 * built once per Lambda instance at its first invocation, so that a missing setting fails that
 * invocation with a logged error. Each invocation's result is logged.
 *
 *     export const handler = eventHandler({
 *       service: 'training',
 *       schema: glueJobStateChangeEvent,
 *       clients: { glue: GlueClient, s3: S3Client, sagemaker: SageMakerClient, eventBridge: EventBridgeClient },
 *       config: loadConfig,
 *       handle: (event, deps) => startTraining(deps, event),
 *     });
 */
export function eventHandler<TSchema extends z.ZodType, TClients, TConfig, TResult, TEvent = z.infer<TSchema>>(definition: {
  /** The service's name in its logs (POWERTOOLS_SERVICE_NAME overrides it). */
  service: string;
  /** The event's shape: a malformed event fails the invocation before `handle` runs. */
  schema: TSchema;
  clients: ClientClasses<TClients>;
  config: () => TConfig;
  handle: (event: TEvent, deps: NoInfer<TClients> & HandlerDeps<NoInfer<TConfig>>) => Promise<TResult>;
}) {
  const { schema, clients, config, handle } = definition;
  const logger = createLogger(definition.service);
  let deps: (TClients & HandlerDeps<TConfig>) | undefined;
  const dependencies = (): TClients & HandlerDeps<TConfig> => {
    const built = Object.fromEntries(Object.entries(clients).map(([name, Client]) => [name, new (Client as new (c: typeof clientConfig) => unknown)(clientConfig)]));
    return { ...(built as TClients), config: config(), logger, now: () => new Date() };
  };
  return middy(async (event: TEvent) => {
    const result = await handle(event, (deps ??= dependencies()));
    logger.info('event handled', { result });
    return result;
  })
    .use(logContext(logger))
    .use(validateEvent(schema, logger));
}
