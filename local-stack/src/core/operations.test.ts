import { bindOperations, declareOperations } from './operations';

const TABLE = {
  SendThing: (model: { sent: string[] }, input: string) => model.sent.push(input),
  ListThings: (model: { sent: string[] }) => model.sent.length,
};

describe('declareOperations', () => {
  it('declares every operation of the table with the wire fields they share', () => {
    const declared = declareOperations(TABLE, { protocols: ['json', 'query'], jsonTargetPrefix: 'Thing_20250101' });
    expect(declared).toEqual({
      SendThing: { protocols: ['json', 'query'], jsonTargetPrefix: 'Thing_20250101' },
      ListThings: { protocols: ['json', 'query'], jsonTargetPrefix: 'Thing_20250101' },
    });
    expect(Object.isFrozen(declared)).toBe(true);
    expect(Object.isFrozen(declared.SendThing)).toBe(true);
    expect(declared.SendThing).not.toBe(declared.ListThings);
  });

  it('gives an operation its own details, and only that operation', () => {
    const declared = declareOperations(TABLE, { protocols: ['json'], jsonTargetPrefix: 'Thing_20250101' }, { ListThings: { protocols: ['json', 'query'] } });
    expect(declared.ListThings).toEqual({ protocols: ['json', 'query'], jsonTargetPrefix: 'Thing_20250101' });
    expect(declared.SendThing).toEqual({ protocols: ['json'], jsonTargetPrefix: 'Thing_20250101' });
  });

  it('refuses details for an operation the table does not have', () => {
    // @ts-expect-error a table with known keys: the compiler names the operation it lacks
    expect(() => declareOperations(TABLE, { protocols: ['json'] }, { SendThings: {} })).toThrow('details for operations the table does not have: SendThings');
    // A table typed Record<string, ...>: only the run-time check sees it.
    const loose: Readonly<Record<string, unknown>> = TABLE;
    expect(() => declareOperations(loose, { protocols: ['json'] }, { SendThings: { protocols: ['query'] } })).toThrow('details for operations the table does not have: SendThings');
  });
});

describe('bindOperations', () => {
  it('binds the model as the first argument of every operation', () => {
    const model = { sent: [] as string[] };
    const handlers = bindOperations<{ sent: string[] }, string, undefined, number>(TABLE, model);
    handlers.SendThing!('a', undefined);
    expect(handlers.ListThings!('', undefined)).toBe(1);
    expect(model.sent).toEqual(['a']);
  });
});
