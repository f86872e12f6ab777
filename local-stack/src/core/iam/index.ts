/** IAM policy evaluation: documents, matching, conditions, decisions (pure; see evaluate.ts). */
export { parsePolicyDocument, MalformedPolicyError, type PolicyDocument, type Statement } from './policy-document';
export { requestContext, type RequestContext } from './matching';
export { UnsupportedConditionError } from './conditions';
export { evaluate, denialMessage, type AuthorizationRequest, type ApplicablePolicies, type CallerIdentity, type Decision } from './evaluate';
export {
  ACCESS_DENIED,
  Authorizer,
  DeployedRolePolicies,
  enforcementFromEnvironment,
  servicePrincipal,
  trustAllows,
  type DeployedRoleDocuments,
  type Permission,
  type RolePolicies,
  type RolePolicySource,
} from './authorizer';
export { arnOf, authorizeDispatched, authorizeOperation, iamDetails, type OperationAuthorization } from './operation-permissions';
