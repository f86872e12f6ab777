/**
 * Operation declarations: each provider states which operations it answers, next to its signing
 * names, from the same table its dispatch uses, so that what it declares and what it answers cannot
 * drift apart. Service resolution derives its tables (query actions, JSON target prefixes) from them.
 */
import type { OperationDeclaration, OperationDeclarations } from './types';

/**
 * One declaration per operation of `handlers` (a provider's operation table, keyed by AWS operation
 * name), all answered in the same wire protocols. Each operation gets its own declaration object.
 */
export function declareOperations<Name extends string>(
  handlers: Readonly<Record<Name, unknown>>,
  wire: OperationDeclaration,
): OperationDeclarations<Name> {
  return Object.freeze(
    Object.fromEntries(Object.keys(handlers).map((name) => [name, Object.freeze({ ...wire })])) as Record<Name, OperationDeclaration>,
  );
}

/**
 * A provider's operation table with its model bound: `table[name](model, input, request)` becomes
 * `handlers[name](input, request)`, the shape the protocol dispatchers take.
 */
export function bindOperations<Model, Input, Request, Output>(
  table: Readonly<Record<string, (model: Model, input: Input, request: Request) => Output>>,
  model: Model,
): Record<string, (input: Input, request: Request) => Output> {
  return Object.fromEntries(Object.entries(table).map(([name, operation]) => [name, (input: Input, request: Request) => operation(model, input, request)]));
}
