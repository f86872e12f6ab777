/** The ECR provider (signing name `ecr`, awsJson1.1): a registry without images, which keeps no state. */
import { iamDetails, type Authorizer } from '../../core/iam';
import { dispatchJsonProtocol } from '../../core/json-protocol';
import { declareOperations } from '../../core/operations';
import type { AwsRequest, AwsResponse, Provider } from '../../core/types';
import { ECR_OPERATIONS } from './operations';
import { ECR_PERMISSIONS } from './permissions';

const TARGET_PREFIX = 'AmazonEC2ContainerRegistry_V20150921';

export class EcrProvider implements Provider {
  readonly signingNames = ['ecr'] as const;
  readonly protocol = 'json' as const;
  readonly operations = declareOperations(ECR_OPERATIONS, { protocols: ['json'], jsonTargetPrefix: TARGET_PREFIX }, iamDetails(ECR_PERMISSIONS));

  constructor(private readonly authorizer?: Authorizer) {}

  handle(request: AwsRequest): Promise<AwsResponse> {
    return dispatchJsonProtocol(request, { targetPrefix: TARGET_PREFIX, serviceName: 'ECR', handlers: ECR_OPERATIONS,
      authorization: { authorizer: this.authorizer, service: 'ecr', operations: this.operations },
    });
  }
}
