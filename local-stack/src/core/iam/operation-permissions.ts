/**
 * The authorization step of a provider's dispatch: the operation's declared permissions
 * (`OperationDeclaration.iam`) for its parsed input, checked for the request's verified caller.
 * An operation that declares none is checked as `<service>:<Operation>` on `*` (never an unchecked
 * allow): declaring is part of adding an operation.
 */
import type { AwsRequestHead, OperationDeclaration, OperationDeclarations, OperationPermissions } from '../types';
import type { Authorizer, Permission } from './authorizer';

/** What a protocol dispatcher needs to authorize an operation before its handler (json, query and REST dispatch take it). */
export interface OperationAuthorization {
  readonly authorizer?: Authorizer;
  /** The IAM service prefix (`glue`), which also picks the AccessDenied shape. */
  readonly service: string;
  readonly operations: OperationDeclarations;
}

export function authorizeOperation(authorizer: Authorizer | undefined, service: string, operation: string, declaration: OperationDeclaration | undefined, input: unknown, request: AwsRequestHead): void {
  if (authorizer === undefined || !authorizer.enforced) return;
  const permissions = declaration?.iam?.(input, request) ?? [{ action: `${service}:${operation}`, resource: '*' }];
  authorizer.authorize(service, request.caller, permissions);
}

/** `authorizeOperation` with a dispatcher's `authorization` option (nothing to check without one). */
export function authorizeDispatched(authorization: OperationAuthorization | undefined, operation: string, input: unknown, request: AwsRequestHead): void {
  if (authorization === undefined) return;
  authorizeOperation(authorization.authorizer, authorization.service, operation, authorization.operations[operation], input, request);
}

/** A provider's permissions table as `declareOperations`' details (`{ iam }` per operation). */
export function iamDetails<Name extends string>(permissions: { readonly [N in Name]: (input: never, request: never) => readonly Permission[] }): { readonly [N in Name]: { iam: OperationPermissions } } {
  return Object.fromEntries(Object.entries(permissions).map(([name, iam]) => [name, { iam }])) as { [N in Name]: { iam: OperationPermissions } };
}

/** `arn:aws:<service>:<region>:<account>:<resource>`, in the request's region and account. */
export function arnOf(service: string, resource: string, request: Pick<AwsRequestHead, 'region' | 'accountId'>): string {
  return `arn:aws:${service}:${request.region}:${request.accountId}:${resource}`;
}
