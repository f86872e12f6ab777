/**
 * ECR, as far as a registry without images goes: the local stack runs functions from .zip packages
 * only (no container images), so it holds no repositories. DescribeRepositories answers as ECR does
 * for that state (`serverless remove` asks whether the service's image repository exists); any
 * other operation is named as not emulated.
 */
import { dispatchJsonProtocol, type JsonOperationHandler } from '../../core/json-protocol';
import { declareOperations } from '../../core/operations';
import { AwsError, type AwsRequest, type AwsResponse, type Provider } from '../../core/types';

const TARGET_PREFIX = 'AmazonEC2ContainerRegistry_V20150921';

const ECR_OPERATIONS: Readonly<Record<string, JsonOperationHandler>> = {
  DescribeRepositories: (input, request) => {
    const names = (input.repositoryNames as string[] | undefined) ?? [];
    if (names.length > 0) {
      const registry = (input.registryId as string | undefined) ?? request.accountId;
      throw new AwsError('RepositoryNotFoundException', `The repository with name '${names[0]}' does not exist in the registry with id '${registry}'`, 400);
    }
    return { repositories: [] };
  },
};

export class EcrProvider implements Provider {
  readonly signingNames = ['ecr'] as const;
  readonly protocol = 'json' as const;
  readonly operations = declareOperations(ECR_OPERATIONS, { protocols: ['json'], jsonTargetPrefix: TARGET_PREFIX });

  handle(request: AwsRequest): Promise<AwsResponse> {
    return dispatchJsonProtocol(request, { targetPrefix: TARGET_PREFIX, serviceName: 'ECR', handlers: ECR_OPERATIONS });
  }
}
