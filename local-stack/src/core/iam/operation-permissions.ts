/**
 * The authorization step of a provider's dispatch: the operation's declared permissions
 * (`OperationDeclaration.iam`) for its parsed input, checked for the request's verified caller.
 * An operation that declares none is checked as `<service>:<Operation>` on `*` (never an unchecked
 * allow): declaring is part of adding an operation.
 */
import type { AwsRequestHead, OperationDeclaration } from '../types';
import type { Authorizer } from './authorizer';

export function authorizeOperation(authorizer: Authorizer | undefined, service: string, operation: string, declaration: OperationDeclaration | undefined, input: unknown, request: AwsRequestHead): void {
  if (authorizer === undefined || !authorizer.enforced) return;
  const permissions = declaration?.iam?.(input, request) ?? [{ action: `${service}:${operation}`, resource: '*' }];
  authorizer.authorize(service, request.caller, permissions);
}

/** `arn:aws:<service>:<region>:<account>:<resource>`, in the request's region and account. */
export function arnOf(service: string, resource: string, request: Pick<AwsRequestHead, 'region' | 'accountId'>): string {
  return `arn:aws:${service}:${request.region}:${request.accountId}:${resource}`;
}
