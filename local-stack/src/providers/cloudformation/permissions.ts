/**
 * What each CloudFormation operation needs in IAM (the service authorization reference, "Actions
 * defined by AWS CloudFormation"): stack and change-set operations on the stack
 * (`stack/<name>/*`, or the stack ARN given as StackName); ValidateTemplate, ListStacks, ListExports
 * and a GetTemplateSummary of a template body on `*`. What a deploy then creates is CloudFormation's
 * own doing (the account root's, as the caller's service role is not modelled).
 */
import { arnOf } from '../../core/iam';
import type { OperationPermissions } from '../../core/types';
import type { CLOUDFORMATION_OPERATIONS } from './operations';

type CloudFormationPermissions = OperationPermissions<URLSearchParams>;

const onStack = (action: string): CloudFormationPermissions => (params, request) => {
  const name = params.get('StackName');
  if (name === null || name === '') return [{ action, resource: '*' }];
  return [{ action, resource: name.startsWith('arn:') ? name : arnOf('cloudformation', `stack/${name}/*`, request) }];
};
const onAnything = (action: string): CloudFormationPermissions => () => [{ action, resource: '*' }];

export const CLOUDFORMATION_PERMISSIONS: { readonly [Name in keyof typeof CLOUDFORMATION_OPERATIONS]: CloudFormationPermissions } = {
  CreateStack: onStack('cloudformation:CreateStack'),
  UpdateStack: onStack('cloudformation:UpdateStack'),
  DeleteStack: onStack('cloudformation:DeleteStack'),
  DescribeStacks: onStack('cloudformation:DescribeStacks'),
  ListStacks: onAnything('cloudformation:ListStacks'),
  DescribeStackEvents: onStack('cloudformation:DescribeStackEvents'),
  DescribeStackResource: onStack('cloudformation:DescribeStackResource'),
  DescribeStackResources: onStack('cloudformation:DescribeStackResources'),
  ListStackResources: onStack('cloudformation:ListStackResources'),
  GetTemplate: onStack('cloudformation:GetTemplate'),
  ValidateTemplate: onAnything('cloudformation:ValidateTemplate'),
  GetTemplateSummary: onStack('cloudformation:GetTemplateSummary'),
  ListExports: onAnything('cloudformation:ListExports'),
  UpdateTerminationProtection: onStack('cloudformation:UpdateTerminationProtection'),
  CreateChangeSet: onStack('cloudformation:CreateChangeSet'),
  DescribeChangeSet: onStack('cloudformation:DescribeChangeSet'),
  ListChangeSets: onStack('cloudformation:ListChangeSets'),
  ExecuteChangeSet: onStack('cloudformation:ExecuteChangeSet'),
  DeleteChangeSet: onStack('cloudformation:DeleteChangeSet'),
};
