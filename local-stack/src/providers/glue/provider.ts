/**
 * The Glue provider (signing name `glue`, AWSGlue JSON 1.1): dispatches to `GLUE_OPERATIONS` over
 * the model (`GlueService`), whose job runs are Python shell scripts run by the local python3.
 */
import { iamDetails, type Authorizer } from '../../core/iam';
import { dispatchJsonProtocol } from '../../core/json-protocol';
import { bindOperations, declareOperations } from '../../core/operations';
import type { AwsProtocol, AwsRequest, AwsResponse, Provider } from '../../core/types';
import { GlueService, type GlueServiceOptions } from './model/service';
import { GLUE_OPERATIONS } from './operations';
import { GLUE_PERMISSIONS } from './permissions';

const GLUE_TARGET_PREFIX = 'AWSGlue';

export type GlueProviderOptions = GlueServiceOptions & { authorizer?: Authorizer };

export class GlueProvider implements Provider {
  readonly signingNames = ['glue'] as const;
  readonly protocol: AwsProtocol = 'json';
  readonly operations = declareOperations(
    GLUE_OPERATIONS,
    { protocols: ['json'], jsonTargetPrefix: GLUE_TARGET_PREFIX },
    iamDetails(GLUE_PERMISSIONS),
  );
  readonly service: GlueService;
  private readonly handlers;
  private readonly authorizer?: Authorizer;

  constructor(options: GlueProviderOptions) {
    this.service = new GlueService(options);
    this.handlers = bindOperations(GLUE_OPERATIONS, this.service);
    this.authorizer = options.authorizer;
  }

  handle(request: AwsRequest): Promise<AwsResponse> {
    return dispatchJsonProtocol(request, {
      targetPrefix: GLUE_TARGET_PREFIX,
      serviceName: 'Glue',
      handlers: this.handlers,
      jsonVersion: '1.1',
      authorization: { authorizer: this.authorizer, service: 'glue', operations: this.operations },
    });
  }

  /** Runs that were active when the stack stopped cannot be resumed: they fail, and say so. */
  start(): Promise<void> {
    return this.service.start();
  }

  stop(): Promise<void> {
    return this.service.stop();
  }

  /** For the deployer: create or replace a job definition. */
  putJob(...definition: Parameters<GlueService['putJob']>): void {
    this.service.putJob(...definition);
  }

  deleteJob(name: string): void {
    this.service.deleteJob(name);
  }
}
