/**
 * The CloudWatch Logs provider (signing name `logs`, Logs_20140328 JSON 1.1): dispatches to
 * `LOGS_OPERATIONS` over the model (`LogsService`), which is also the stack's `LogSink` for what
 * functions, Glue jobs and training jobs print.
 */
import { dispatchJsonProtocol } from '../../core/json-protocol';
import { bindOperations, declareOperations } from '../../core/operations';
import type { AwsProtocol, AwsRequest, AwsResponse, Provider } from '../../core/types';
import { LogsService, type LogsServiceOptions } from './model/service';
import { LOGS_OPERATIONS } from './operations';

const LOGS_TARGET_PREFIX = 'Logs_20140328';

export type LogsProviderOptions = LogsServiceOptions;

export class LogsProvider implements Provider {
  readonly signingNames = ['logs'] as const;
  readonly protocol: AwsProtocol = 'json';
  readonly operations = declareOperations(LOGS_OPERATIONS, { protocols: ['json'], jsonTargetPrefix: LOGS_TARGET_PREFIX });
  readonly service: LogsService;
  private readonly handlers;

  constructor(options: LogsProviderOptions) {
    this.service = new LogsService(options);
    this.handlers = bindOperations(LOGS_OPERATIONS, this.service);
  }

  handle(request: AwsRequest): Promise<AwsResponse> {
    return dispatchJsonProtocol(request, { targetPrefix: LOGS_TARGET_PREFIX, serviceName: 'CloudWatch Logs', handlers: this.handlers, jsonVersion: '1.1' });
  }

  /** Applies the groups' retention now and hourly. */
  async start(): Promise<void> {
    this.service.start();
  }

  /** Writes the events still buffered. */
  async stop(): Promise<void> {
    this.service.stop();
  }
}
