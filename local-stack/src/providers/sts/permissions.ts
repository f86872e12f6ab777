/**
 * What each STS operation needs in IAM beyond its own checks: GetCallerIdentity needs none (AWS answers
 * it for any valid credentials); AssumeRole is decided by the role's trust policy together with the
 * caller's sts:AssumeRole permission (`Authorizer.authorizeAssumeRole`), so it declares none here;
 * GetSessionToken is sts:GetSessionToken on `*`, GetFederationToken sts:GetFederationToken on
 * `federated-user/<Name>`. Parameters come as the query protocol's or the JSON protocol's input.
 */
import type { OperationPermissions } from '../../core/types';
import type { STS_OPERATIONS } from './operations';

type StsPermissions = OperationPermissions<URLSearchParams | Record<string, unknown>>;

function parameter(input: URLSearchParams | Record<string, unknown>, name: string): string | undefined {
  const value = input instanceof URLSearchParams ? input.get(name) : input[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export const STS_PERMISSIONS: { readonly [Name in keyof typeof STS_OPERATIONS]: StsPermissions } = {
  GetCallerIdentity: () => [],
  AssumeRole: () => [],
  GetSessionToken: () => [{ action: 'sts:GetSessionToken', resource: '*' }],
  GetFederationToken: (input, request) => {
    const name = parameter(input, 'Name');
    return [{ action: 'sts:GetFederationToken', resource: name === undefined ? '*' : `arn:aws:sts::${request.accountId}:federated-user/${name}` }];
  },
};
