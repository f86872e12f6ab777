/** The Lambda provider: the REST-JSON API in front of the Lambda service (functions, workers, invocations). */
import { iamDetails, type Authorizer } from '../../core/iam';
import { declareOperations } from '../../core/operations';
import { routesByOperation } from '../../core/rest-routes';
import type { AwsProtocol, AwsRequest, AwsResponse, Provider } from '../../core/types';
import { handleLambdaRequest, LAMBDA_ROUTES } from './operations';
import { LambdaService, type LambdaServiceOptions } from './model/service';
import { LAMBDA_PERMISSIONS } from './permissions';

export type LambdaProviderOptions = LambdaServiceOptions & { authorizer?: Authorizer };

export class LambdaProvider implements Provider {
  readonly signingNames = ['lambda'] as const;
  readonly operations = declareOperations(routesByOperation(LAMBDA_ROUTES), { protocols: ['rest-json'] }, iamDetails(LAMBDA_PERMISSIONS));
  readonly protocol: AwsProtocol = 'rest-json';
  readonly service: LambdaService;
  private readonly authorizer?: Authorizer;

  constructor(options: LambdaProviderOptions) {
    this.service = new LambdaService(options);
    this.authorizer = options.authorizer;
  }

  handle(request: AwsRequest): Promise<AwsResponse> {
    return handleLambdaRequest(this.service, request, { authorizer: this.authorizer, service: 'lambda', operations: this.operations });
  }

  start(): Promise<void> {
    return this.service.start();
  }

  stop(): Promise<void> {
    return this.service.stop();
  }
}
