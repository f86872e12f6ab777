/** The SQS provider: JSON 1.0 protocol (SDK v3, recent CLIs) and query protocol (older CLIs). */
import type { JsonOperationHandler } from '../../core/json-protocol';
import { iamDetails, type Authorizer } from '../../core/iam';
import { declareOperations } from '../../core/operations';
import type { AwsRequest, AwsResponse, Provider } from '../../core/types';
import { handleJsonRequest, jsonHandlers, SQS_TARGET_PREFIX } from './json-protocol';
import { SQS_OPERATIONS } from './operations';
import { SQS_PERMISSIONS } from './permissions';
import { handleQueryRequest } from './query-protocol';
import { SqsService, type SqsServiceOptions } from './model/service';

export class SqsProvider implements Provider {
  readonly signingNames = ['sqs'] as const;
  readonly operations = declareOperations(
    SQS_OPERATIONS,
    { protocols: ['json', 'query'], jsonTargetPrefix: SQS_TARGET_PREFIX },
    iamDetails(SQS_PERMISSIONS),
  );
  readonly service: SqsService;
  private readonly handlers: Readonly<Record<string, JsonOperationHandler>>;

  private readonly authorizer?: Authorizer;

  constructor(options: SqsServiceOptions & { authorizer?: Authorizer }) {
    this.service = new SqsService(options);
    this.authorizer = options.authorizer;
    this.handlers = jsonHandlers(this.service, { authorizer: this.authorizer, operations: this.operations });
  }

  handle(request: AwsRequest): Promise<AwsResponse> {
    if (request.headers['x-amz-target'] !== undefined) return handleJsonRequest(request, this.handlers);
    return handleQueryRequest(this.service, request, { authorizer: this.authorizer, operations: this.operations });
  }

  async stop(): Promise<void> {
    this.service.close();
  }
}
