import middy from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { InvalidEventError, logContext, validateEvent } from './middleware';

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
