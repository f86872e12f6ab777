/**
 * The authorization step: after a request's signature is verified (`request.caller`) and its
 * operation's input is parsed, the operation's permissions (`OperationDeclaration.iam`) are checked
 * for the caller. The account root (the documented local keys, the user acting as administrator)
 * may do everything, as in AWS; a role session is evaluated against its role's policies as the
 * CloudFormation engine deployed them (`RolePolicySource`), with the resource's own policy where the
 * provider gives one.
 *
 * Enforced by default; `LOCAL_STACK_ENFORCE_IAM=0` turns it off (nothing is then refused or evaluated,
 * and functions and jobs sign with the local root keys).
 */
import type { Principal } from '../credentials';
import { ACCOUNT_ID, AwsError } from '../types';
import { denialMessage, evaluate, resourcePolicyGrant, type AuthorizationRequest, type CallerIdentity } from './evaluate';
import { requestContext } from './matching';
import { parsePolicyDocument, type PolicyDocument } from './policy-document';

/** One permission an operation needs: the action on the resource, with the request's condition keys. */
export interface Permission {
  readonly action: string;
  /** The resource's ARN, `*` for actions without resource-level permissions. */
  readonly resource: string;
  readonly context?: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** The resource's own policy (bucket or queue policy), when it has one. */
  readonly resourcePolicy?: PolicyDocument;
}

/** A role's policies, as deployed (inline and AWS::IAM::Policy resources; managed policies unresolved). */
export interface RolePolicies {
  readonly roleArn: string;
  readonly trustPolicy?: PolicyDocument;
  readonly identity: readonly PolicyDocument[];
  /** Managed policy ARNs the stack does not know the content of: named in refusals, never assumed to allow. */
  readonly unresolvedManagedPolicies: readonly string[];
}

export interface RolePolicySource {
  /** The role by its name (the role session's), or undefined when no deployed stack has it. */
  rolePolicies(roleName: string): RolePolicies | undefined;
}

/** The error code each service answers an authorization refusal with, and its HTTP status. */
export interface AccessDeniedShape {
  readonly code: string;
  readonly status: number;
}

/** AWS's answers: S3, SQS and STS `AccessDenied` 403; JSON services `AccessDeniedException` (400 for Glue, EventBridge, Logs, SageMaker; 403 for Lambda, SES). */
export const ACCESS_DENIED: Readonly<Record<string, AccessDeniedShape>> = {
  s3: { code: 'AccessDenied', status: 403 },
  sqs: { code: 'AccessDenied', status: 403 },
  sts: { code: 'AccessDenied', status: 403 },
  iam: { code: 'AccessDenied', status: 403 },
  lambda: { code: 'AccessDeniedException', status: 403 },
  ses: { code: 'AccessDeniedException', status: 403 },
  events: { code: 'AccessDeniedException', status: 400 },
  glue: { code: 'AccessDeniedException', status: 400 },
  logs: { code: 'AccessDeniedException', status: 400 },
  sagemaker: { code: 'AccessDeniedException', status: 400 },
  ecr: { code: 'AccessDeniedException', status: 400 },
  cloudformation: { code: 'AccessDenied', status: 403 },
};

/** On unless `LOCAL_STACK_ENFORCE_IAM` is `0`/`false`/`off`; any other value is a mistake and refused. */
export function enforcementFromEnvironment(value: string | undefined = process.env.LOCAL_STACK_ENFORCE_IAM): boolean {
  const setting = value?.trim().toLowerCase() ?? '';
  if (setting === '' || setting === '1' || setting === 'true' || setting === 'on') return true;
  if (setting === '0' || setting === 'false' || setting === 'off') return false;
  throw new Error(`LOCAL_STACK_ENFORCE_IAM=${value}: use 1 (enforce IAM, the default) or 0 (off)`);
}

export function callerIdentity(principal: Principal): CallerIdentity {
  return { arn: principal.arn, accountId: principal.accountId, roleArn: principal.roleArn };
}

/** Told of every refusal (the stack logs it: a missing permission shows in the stack's log, not only in the caller's error). */
export type RefusalObserver = (refusal: { readonly caller: string; readonly action: string; readonly resource: string; readonly message: string }) => void;

export class Authorizer {
  constructor(
    private readonly roles: RolePolicySource,
    readonly enforced: boolean = enforcementFromEnvironment(),
    private readonly onRefusal: RefusalObserver = () => undefined,
  ) {}

  /**
   * Throws AWS's AccessDenied for `service` naming the first permission refused. The caller is the
   * verified principal; undefined (no authentication step, in-process calls) is the account root.
   */
  authorize(service: string, caller: Principal | undefined, permissions: readonly Permission[]): void {
    if (!this.enforced || caller === undefined || caller.type === 'account-root') return;
    const identity = this.identityPolicies(caller);
    for (const permission of permissions) {
      const request: AuthorizationRequest = {
        caller: callerIdentity(caller),
        action: permission.action,
        resource: permission.resource,
        context: requestContext({
          // Decided: the stack admits loopback clients only (core/front-door.ts), so plain HTTP here never
          // leaves the machine; it counts as the secure transport a TLS-only policy (the templates' bucket
          // policies) asks for, as on AWS those requests would be made over TLS.
          'aws:SecureTransport': 'true',
          'aws:PrincipalArn': caller.roleArn ?? caller.arn,
          'aws:PrincipalAccount': caller.accountId,
          'aws:userid': caller.sessionName,
          'aws:CurrentTime': new Date().toISOString(),
          'aws:EpochTime': String(Math.floor(Date.now() / 1000)),
          ...permission.context,
        }),
      };
      const decision = evaluate(request, { identity, resource: permission.resourcePolicy });
      if (decision.decision === 'Allow') continue;
      const shape = ACCESS_DENIED[service] ?? { code: 'AccessDenied', status: 403 };
      const message = denialMessage(request, decision, { quoteResource: service === 's3' });
      this.onRefusal({ caller: caller.arn, action: permission.action, resource: permission.resource, message });
      throw new AwsError(shape.code, message, shape.status);
    }
  }

  /**
   * Throws AWS's AccessDenied unless `caller` may assume the role: the role must be deployed and its
   * trust policy admit the caller (`trustAllows`). Not checked while enforcement is off.
   */
  authorizeAssumeRole(caller: Principal, roleName: string, roleArn: string): void {
    if (!this.enforced) return;
    const role = this.roles.rolePolicies(roleName);
    const assumer = callerIdentity(caller);
    const allowed = role !== undefined && role.roleArn === roleArn && trustAllows(role, assumer, caller.type === 'account-root' ? 'administrator' : this.identityPolicies(caller));
    if (!allowed) throw new AwsError('AccessDenied', `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`, 403);
  }

  /**
   * Throws unless the AWS service (`lambda.amazonaws.com`) may assume the role for the account: the
   * role a function, job or training job runs with must trust that service.
   */
  authorizeServiceAssumeRole(service: string, roleName: string, roleArn: string): void {
    if (!this.enforced) return;
    const role = this.roles.rolePolicies(roleName);
    if (role === undefined || !trustAllows(role, servicePrincipal(service, ACCOUNT_ID), [])) {
      throw new AwsError('AccessDenied', `${service} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`, 403);
    }
  }

  /**
   * Throws AccessDenied unless one of the resource's policies lets the AWS service (`events.amazonaws.com`)
   * do `action` on it (with `context`: `aws:SourceArn`), and none denies it: how AWS authorizes a service
   * delivering to a queue for a rule. Not checked while enforcement is off.
   */
  authorizeServiceDelivery(service: string, action: string, resource: string, resourcePolicies: readonly PolicyDocument[], context: Readonly<Record<string, string>>): void {
    if (!this.enforced) return;
    const request: AuthorizationRequest = {
      caller: servicePrincipal(service, ACCOUNT_ID),
      action,
      resource,
      context: requestContext({ 'aws:SourceAccount': ACCOUNT_ID, 'aws:SecureTransport': 'true', ...context }),
    };
    const decisions = resourcePolicies.map((policy) => evaluate(request, { identity: [], resource: policy }).decision);
    if (decisions.includes('Allow') && !decisions.includes('ExplicitDeny')) return;
    const shape = ACCESS_DENIED[resource.split(':')[2] ?? ''] ?? { code: 'AccessDenied', status: 403 };
    const message = `${service} is not authorized to perform: ${action} on resource: ${resource} because no resource-based policy allows the ${action} action`;
    this.onRefusal({ caller: service, action, resource, message });
    throw new AwsError(shape.code, message, shape.status);
  }

  /** A federated user or a session without a deployed role has no identity policy: everything is implicitly denied. */
  private identityPolicies(caller: Principal): readonly PolicyDocument[] {
    if (caller.type !== 'assumed-role' || caller.roleName === undefined) return [];
    return this.roles.rolePolicies(caller.roleName)?.identity ?? [];
  }
}

/** A role as the CloudFormation engine reports it (`DeployedRole`), reduced to what authorization reads. */
export interface DeployedRoleDocuments {
  readonly roleName: string;
  readonly arn: string;
  readonly assumeRolePolicyDocument: unknown;
  readonly policies: ReadonlyArray<{ readonly policyDocument: unknown }>;
  readonly managedPolicyArns: readonly string[];
}

/**
 * Roles from a source of deployed roles, parsed once per version of their documents. The source answers
 * the same role object until the role's stack changes (the engine caches per version), so a role is
 * recognised by identity first and by its documents' JSON only when the source gave a new object.
 */
export class DeployedRolePolicies implements RolePolicySource {
  private cache = new Map<string, { role: DeployedRoleDocuments; key: string; policies: RolePolicies }>();

  constructor(private readonly deployedRoles: () => readonly DeployedRoleDocuments[]) {}

  rolePolicies(roleName: string): RolePolicies | undefined {
    const role = this.deployedRoles().find((candidate) => candidate.roleName === roleName);
    if (role === undefined) return undefined;
    const cached = this.cache.get(roleName);
    if (cached?.role === role) return cached.policies;
    const key = JSON.stringify([role.arn, role.assumeRolePolicyDocument, role.policies, role.managedPolicyArns]);
    if (cached?.key === key) {
      this.cache.set(roleName, { ...cached, role });
      return cached.policies;
    }
    const policies: RolePolicies = {
      roleArn: role.arn,
      trustPolicy: role.assumeRolePolicyDocument === undefined ? undefined : parsePolicyDocument(role.assumeRolePolicyDocument),
      identity: role.policies.map((policy) => parsePolicyDocument(policy.policyDocument)),
      unresolvedManagedPolicies: role.managedPolicyArns,
    };
    this.cache.set(roleName, { role, key, policies });
    return policies;
  }
}

const ALLOW_ALL = parsePolicyDocument({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] });

/**
 * Whether `assumer` may assume the role (sts:AssumeRole on the role, its trust policy as the resource
 * policy). The account root has every identity permission, so a trust policy naming the account
 * (`"AWS": "<account>"` or `arn:aws:iam::<account>:root`) lets it in, as in AWS; a trust naming only
 * `lambda.amazonaws.com` admits only that service. A role session needs its own role to allow
 * sts:AssumeRole on the target.
 */
export function trustAllows(role: RolePolicies, assumer: CallerIdentity, assumerPolicies: readonly PolicyDocument[] | 'administrator'): boolean {
  if (role.trustPolicy === undefined) return false;
  const identity = assumerPolicies === 'administrator' ? [ALLOW_ALL] : assumer.service !== undefined ? [] : assumerPolicies;
  const request: AuthorizationRequest = { caller: assumer, action: 'sts:AssumeRole', resource: role.roleArn, context: requestContext({ 'aws:PrincipalAccount': assumer.accountId }) };
  if (evaluate(request, { identity, resource: role.trustPolicy }).decision !== 'Allow') return false;
  const grant = resourcePolicyGrant(request, role.trustPolicy);
  return grant === 'caller' || (grant === 'account' && evaluate(request, { identity }).decision === 'Allow');
}

/** The identity of an AWS service acting for the account (`lambda.amazonaws.com`). */
export function servicePrincipal(service: string, accountId: string): CallerIdentity {
  return { arn: service, accountId, service };
}
