/** ECR's one operation in IAM: ecr:DescribeRepositories on each repository it names (`repository/<name>`), else `*`. */
import { arnOf } from '../../core/iam';
import type { OperationPermissions } from '../../core/types';
import type { ECR_OPERATIONS } from './operations';

export const ECR_PERMISSIONS: { readonly [Name in keyof typeof ECR_OPERATIONS]: OperationPermissions<Record<string, unknown>> } = {
  DescribeRepositories: (input, request) => {
    const names = Array.isArray(input.repositoryNames) ? input.repositoryNames.filter((name): name is string => typeof name === 'string') : [];
    if (names.length === 0) return [{ action: 'ecr:DescribeRepositories', resource: '*' }];
    return names.map((name) => ({ action: 'ecr:DescribeRepositories', resource: arnOf('ecr', `repository/${name}`, request) }));
  },
};
