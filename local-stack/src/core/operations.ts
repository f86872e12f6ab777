/**
 * Operation declarations: each provider states which operations it answers, next to its signing
 * names, from the same table its dispatch uses, so that what it declares and what it answers cannot
 * drift apart. Service resolution derives its tables (query actions, JSON target prefixes) from them.
 */
import type { OperationDeclaration, OperationDeclarations } from './types';

/**
 * What one operation declares beyond what its table shares (`declareOperations`' third argument):
 * a field added to `OperationDeclaration` (the IAM action and resource an operation needs, say) is
 * given here per operation, keyed like the table, so that a name the table lacks fails to compile.
 */
export type OperationDetails<Name extends string> = { readonly [N in Name]?: Partial<OperationDeclaration> };

/**
 * One declaration per operation of `handlers` (a provider's operation table, keyed by AWS operation
 * name): the wire fields all its operations share, then the operation's own `details`. Each
 * operation gets its own frozen declaration object.
 */
export function declareOperations<Name extends string>(
  handlers: Readonly<Record<Name, unknown>>,
  wire: OperationDeclaration,
  details: OperationDetails<NoInfer<Name>> = {},
): OperationDeclarations<Name> {
  const names = Object.keys(handlers) as Name[];
  // A table typed Record<string, ...> (SageMaker's) lets any key through the compiler: check at run time too.
  const unknown = Object.keys(details).filter((name) => !Object.hasOwn(handlers, name));
  if (unknown.length > 0) throw new Error(`details for operations the table does not have: ${unknown.join(', ')}`);
  return Object.freeze(
    Object.fromEntries(names.map((name) => [name, Object.freeze({ ...wire, ...details[name] })])) as Record<Name, OperationDeclaration>,
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
