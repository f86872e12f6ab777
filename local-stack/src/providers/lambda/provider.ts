/** The Lambda provider: the REST-JSON API in front of the Lambda service (functions, workers, invocations). */
import { declareOperations } from '../../core/operations';
import { routesByOperation } from '../../core/rest-routes';
import type { AwsProtocol, AwsRequest, AwsResponse, Provider } from '../../core/types';
import { handleLambdaRequest, LAMBDA_ROUTES } from './operations';
import { LambdaService, type LambdaServiceOptions } from './model/service';

export class LambdaProvider implements Provider {
  readonly signingNames = ['lambda'] as const;
  readonly operations = declareOperations(routesByOperation(LAMBDA_ROUTES), { protocols: ['rest-json'] });
  readonly protocol: AwsProtocol = 'rest-json';
  readonly service: LambdaService;

  constructor(options: LambdaServiceOptions) {
    this.service = new LambdaService(options);
  }

  handle(request: AwsRequest): Promise<AwsResponse> {
    return handleLambdaRequest(this.service, request);
  }

  start(): Promise<void> {
    return this.service.start();
  }

  stop(): Promise<void> {
    return this.service.stop();
  }
}
