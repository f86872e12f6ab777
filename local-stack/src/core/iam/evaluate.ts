/**
 * IAM's policy evaluation logic for a request within one account
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html):
 *
 * 1. an explicit `Deny` in any applicable policy (identity-based or resource-based) refuses;
 * 2. else an `Allow` in a resource-based policy that names the caller itself (the role, or the role
 *    session) allows; one that names only the caller's account defers to the identity policies;
 * 3. else an `Allow` in an identity-based policy allows;
 * 4. else the request is implicitly denied.
 *
 * Pure: no state, no I/O. Policies come parsed (`parsePolicyDocument`).
 */
import { conditionsHold } from './conditions';
import { actionMatches, arnMatches, substituteVariables, type RequestContext } from './matching';
import type { PolicyDocument, PrincipalElement, Statement } from './policy-document';

/** Who asks: an IAM principal (the account root, a role session) or an AWS service. */
export interface CallerIdentity {
  /** The principal's ARN (`arn:aws:sts::<account>:assumed-role/<role>/<session>`), or the service principal (`events.amazonaws.com`). */
  readonly arn: string;
  readonly accountId: string;
  /** For a role session: the role's ARN, which a resource or trust policy may name. */
  readonly roleArn?: string;
  /** Set when the caller is a service principal. */
  readonly service?: string;
}

export interface AuthorizationRequest {
  readonly caller: CallerIdentity;
  /** `service:Action`, as the service authorization reference names it (`s3:GetObject`). */
  readonly action: string;
  /** The resource's ARN, or `*` for actions that take none. */
  readonly resource: string;
  readonly context: RequestContext;
}

export interface ApplicablePolicies {
  readonly identity: readonly PolicyDocument[];
  /** The resource's own policy (a bucket or queue policy, a role's trust policy), when it has one. */
  readonly resource?: PolicyDocument;
}

export type PolicyType = 'identity-based' | 'resource-based';

export type Decision =
  | { readonly decision: 'Allow'; readonly by: PolicyType; readonly statement: Statement }
  | { readonly decision: 'ExplicitDeny'; readonly by: PolicyType; readonly statement: Statement }
  | { readonly decision: 'ImplicitDeny' };

function appliesToAction(statement: Statement, action: string): boolean {
  if (statement.action) return statement.action.some((pattern) => actionMatches(pattern, action));
  return !statement.notAction!.some((pattern) => actionMatches(pattern, action));
}

function resourcePatternMatches(pattern: string, resource: string, context: RequestContext): boolean {
  const resolved = substituteVariables(pattern, context);
  return resolved !== undefined && arnMatches(resolved, resource);
}

/** A statement without Resource/NotResource (a trust policy's) applies to its own resource. */
function appliesToResource(statement: Statement, resource: string, context: RequestContext): boolean {
  if (statement.resource) return statement.resource.some((pattern) => resourcePatternMatches(pattern, resource, context));
  if (statement.notResource) return !statement.notResource.some((pattern) => resourcePatternMatches(pattern, resource, context));
  return true;
}

/** How a principal element names the caller: itself, only its account, or not at all. */
export type PrincipalMatch = 'caller' | 'account' | 'none';

function principalMatch(element: PrincipalElement, caller: CallerIdentity): PrincipalMatch {
  if (element === '*') return 'caller';
  let match: PrincipalMatch = 'none';
  for (const [kind, names] of Object.entries(element)) {
    for (const name of names) {
      if (kind === 'Service') {
        if (caller.service !== undefined && name.toLowerCase() === caller.service.toLowerCase()) return 'caller';
      } else if (kind === 'AWS' && caller.service === undefined) {
        if (name === '*' || name === caller.arn || (caller.roleArn !== undefined && name === caller.roleArn)) return 'caller';
        if (name === caller.accountId || name === `arn:aws:iam::${caller.accountId}:root`) match = 'account';
      }
    }
  }
  return match;
}

function statementPrincipalMatch(statement: Statement, caller: CallerIdentity): PrincipalMatch {
  if (statement.principal) return principalMatch(statement.principal, caller);
  if (statement.notPrincipal) return principalMatch(statement.notPrincipal, caller) === 'none' ? 'caller' : 'none';
  return 'none';
}

function applies(statement: Statement, request: AuthorizationRequest): boolean {
  return appliesToAction(statement, request.action) && appliesToResource(statement, request.resource, request.context) && conditionsHold(statement.condition, request.context);
}

/** The decision for one request: explicit deny first, then a resource policy's allow, then identity policies. */
export function evaluate(request: AuthorizationRequest, policies: ApplicablePolicies): Decision {
  let identityAllow: Statement | undefined;
  let resourceAllow: Statement | undefined;
  for (const policy of policies.identity) {
    for (const statement of policy.statements) {
      if (!applies(statement, request)) continue;
      if (statement.effect === 'Deny') return { decision: 'ExplicitDeny', by: 'identity-based', statement };
      identityAllow ??= statement;
    }
  }
  for (const statement of policies.resource?.statements ?? []) {
    const named = statementPrincipalMatch(statement, request.caller);
    if (named === 'none' || !applies(statement, request)) continue;
    if (statement.effect === 'Deny') return { decision: 'ExplicitDeny', by: 'resource-based', statement };
    if (named === 'caller') resourceAllow ??= statement;
  }
  if (resourceAllow) return { decision: 'Allow', by: 'resource-based', statement: resourceAllow };
  if (identityAllow) return { decision: 'Allow', by: 'identity-based', statement: identityAllow };
  return { decision: 'ImplicitDeny' };
}

/**
 * How far a resource policy's applicable Allow statements grant the request: to the caller itself,
 * only to its account (the identity policies must then allow too), or not at all. A role's trust
 * policy must grant AssumeRole so (an identity Allow alone does not let anyone assume a role).
 */
export function resourcePolicyGrant(request: AuthorizationRequest, policy: PolicyDocument): PrincipalMatch {
  let grant: PrincipalMatch = 'none';
  for (const statement of policy.statements) {
    if (statement.effect !== 'Allow') continue;
    const named = statementPrincipalMatch(statement, request.caller);
    if (named === 'none' || !applies(statement, request)) continue;
    if (named === 'caller') return 'caller';
    grant = 'account';
  }
  return grant;
}

/**
 * AWS's AccessDenied message (the wording IAM's documentation and the services give since 2023):
 * `User: <arn> is not authorized to perform: <action> on resource: <arn> because no identity-based
 * policy allows the <action> action`, or `... with an explicit deny in a(n) <type> policy`.
 */
export function denialMessage(request: AuthorizationRequest, decision: Exclude<Decision, { decision: 'Allow' }>, options: { quoteResource?: boolean } = {}): string {
  // S3 quotes the resource ARN (its "Troubleshoot access denied (403 Forbidden) errors" examples).
  const resource = options.quoteResource ? `"${request.resource}"` : request.resource;
  const head = `User: ${request.caller.arn} is not authorized to perform: ${request.action} on resource: ${resource}`;
  if (decision.decision === 'ExplicitDeny') return `${head} with an explicit deny in ${decision.by === 'identity-based' ? 'an identity-based' : 'a resource-based'} policy`;
  return `${head} because no identity-based policy allows the ${request.action} action`;
}
