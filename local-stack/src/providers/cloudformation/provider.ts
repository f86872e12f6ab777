/**
 * The CloudFormation provider (signing name `cloudformation`, query protocol): dispatches
 * `CLOUDFORMATION_OPERATIONS` over the engine (the model), which deploys templates into the other
 * providers through the resource layer (deploy/resources.ts).
 */
import { iamDetails, type Authorizer } from '../../core/iam';
import { bindOperations, declareOperations } from '../../core/operations';
import { dispatchQueryProtocol } from '../../core/query-protocol';
import type { AwsRequest, AwsResponse, Provider } from '../../core/types';
import type { CloudFormationEngine } from './model/engine';
import { CLOUDFORMATION_OPERATIONS, CLOUDFORMATION_XMLNS } from './operations';
import { CLOUDFORMATION_PERMISSIONS } from './permissions';

export class CloudFormationProvider implements Provider {
  readonly signingNames = ['cloudformation'] as const;
  readonly protocol = 'query' as const;
  readonly operations = declareOperations(CLOUDFORMATION_OPERATIONS, { protocols: ['query'] }, iamDetails(CLOUDFORMATION_PERMISSIONS));
  private readonly handlers;

  constructor(
    readonly engine: CloudFormationEngine,
    private readonly authorizer?: Authorizer,
  ) {
    this.handlers = bindOperations(CLOUDFORMATION_OPERATIONS, engine);
  }

  async start(): Promise<void> {
    this.engine.start();
  }

  async stop(): Promise<void> {
    await this.engine.stop();
  }

  handle(request: AwsRequest): Promise<AwsResponse> {
    return dispatchQueryProtocol(request, { serviceName: 'CloudFormation', xmlns: CLOUDFORMATION_XMLNS, handlers: this.handlers,
      authorization: { authorizer: this.authorizer, service: 'cloudformation', operations: this.operations },
    });
  }
}
