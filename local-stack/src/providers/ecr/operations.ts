/**
 * ECR, as far as a registry without images goes: the local stack runs functions from .zip packages
 * only (no container images), so it holds no repositories. DescribeRepositories answers as ECR does
 * for that state (`serverless remove` asks whether the service's image repository exists); any
 * other operation is named as not emulated.
 */
import type { JsonOperationHandler } from '../../core/json-protocol';
import { AwsError } from '../../core/types';

export const ECR_OPERATIONS: Readonly<Record<string, JsonOperationHandler>> = {
  DescribeRepositories: (input, request) => {
    const names = (input.repositoryNames as string[] | undefined) ?? [];
    if (names.length > 0) {
      const registry = (input.registryId as string | undefined) ?? request.accountId;
      throw new AwsError('RepositoryNotFoundException', `The repository with name '${names[0]}' does not exist in the registry with id '${registry}'`, 400);
    }
    return { repositories: [] };
  },
};
