import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { eventHandler, InvalidEventError, logContext, validateEvent } from './middleware';

const context = { functionName: 'fn', awsRequestId: 'req-1' } as Context;

function build(logger: Logger) {
  const schema = z.object({ detail: z.object({ count: z.number() }) });
  return middy(async (event: z.infer<typeof schema>) => event.detail.count * 2)
    .use(logContext(logger))
    .use(validateEvent(schema, logger));
}

describe('validateEvent', () => {
  it('hands the parsed event to the handler', async () => {
    const handler = build(new Logger({ logLevel: 'SILENT' }));
    await expect(handler({ detail: { count: 21 } }, context)).resolves.toBe(42);
  });

  it('fails a malformed event with every problem named, and logs it', async () => {
    const logger = new Logger({ logLevel: 'SILENT' });
    const logged = jest.spyOn(logger, 'error');
    const handler = build(logger);
    const outcome = handler({ detail: { count: 'many' } } as never, context);
    await expect(outcome).rejects.toBeInstanceOf(InvalidEventError);
    await expect(handler({} as never, context)).rejects.toThrow(/malformed event: detail: /);
    expect(logged).toHaveBeenCalledWith('malformed event', expect.objectContaining({ issues: expect.any(Array) }));
  });
});

describe('eventHandler', () => {
  const schema = z.object({ detail: z.object({ count: z.number() }) });
  class FakeClient {
    static built = 0;
    constructor(readonly settings: unknown) {
      FakeClient.built += 1;
    }
  }
  beforeEach(() => {
    FakeClient.built = 0;
  });

  it('builds clients and configuration once, at the first valid invocation, and hands them to the work with the parsed event', async () => {
    const config = jest.fn(() => ({ factor: 3 }));
    const handler = eventHandler({
      service: 'test',
      schema,
      clients: { fake: FakeClient },
      config,
      handle: async (event, deps) => ({ doubled: event.detail.count * deps.config.factor, settings: deps.fake.settings, now: deps.now() instanceof Date }),
    });
    await expect(handler({ detail: { count: 'x' } } as never, context)).rejects.toBeInstanceOf(InvalidEventError);
    expect(config).not.toHaveBeenCalled();
    await expect(handler({ detail: { count: 2 } }, context)).resolves.toEqual({ doubled: 6, settings: { maxAttempts: 5 }, now: true });
    await expect(handler({ detail: { count: 5 } }, context)).resolves.toMatchObject({ doubled: 15 });
    expect(config).toHaveBeenCalledTimes(1);
    expect(FakeClient.built).toBe(1);
  });

  it('fails the invocation, logged, when the configuration cannot be read (a missing setting)', async () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const handler = eventHandler({
      service: 'test',
      schema,
      clients: {},
      config: () => {
        throw new Error('environment variable STAGE is not set');
      },
      handle: async () => 'never',
    });
    await expect(handler({ detail: { count: 1 } }, context)).rejects.toThrow('environment variable STAGE is not set');
    expect(logged).toHaveBeenCalledWith('invocation failed', expect.objectContaining({ error: expect.any(Error) }));
    logged.mockRestore();
  });
});
