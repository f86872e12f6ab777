/**
 * Amazon SageMaker for the local stack, signing name `sagemaker`: the SageMaker API (awsJson1.1,
 * `X-Amz-Target: SageMaker.<Operation>`) for training jobs, models, endpoint configs and endpoints,
 * and SageMaker Runtime's InvokeEndpoint (`POST /endpoints/<name>/invocations`, which signs as
 * `sagemaker` too). State lives under `<stateDir>/sagemaker/`.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { jsonErrorResponse, toAwsError } from '../../core/errors';
import { dispatchJsonProtocol, type JsonOperationHandler } from '../../core/json-protocol';
import { silentLogger, type LocalStackLogger } from '../../core/logger';
import { declareOperations } from '../../core/operations';
import type { AwsRequest, AwsResponse, EventPublisher, ObjectStore, OperationDeclarations, Provider } from '../../core/types';
import { EndpointConfigs } from './model/endpoint-configs';
import { Endpoints } from './model/endpoints';
import { Models } from './model/models';
import { PredictionPool } from './runtime/prediction-pool';
import { EndpointRuntime, invocationEndpoint, runtimeErrorResponse } from './operations/invoke-endpoint';
import { providerBundle } from './runtime/script-bundle';
import { TrainingJobs } from './model/training-jobs';
import { ResourceTags } from './operations/tags';

export interface SageMakerProviderOptions {
  /** The stack's state directory; SageMaker keeps its state under `<stateDir>/sagemaker/`. */
  stateDir: string;
  /** Training channels are read from, and model artifacts written to, the S3 provider's store. */
  objects: ObjectStore;
  events: EventPublisher;
  logger?: LocalStackLogger;
  /** fastText threads per training job (default: every core). */
  trainingThreads?: number;
  /** Training jobs allowed to run at once before CreateTrainingJob answers ResourceLimitExceeded (default 4). */
  maxConcurrentTrainingJobs?: number;
  /** Worker threads for large prediction batches (default: every core; below 2, none). */
  predictionWorkers?: number;
}

const SAGEMAKER_TARGET_PREFIX = 'SageMaker';

export class SageMakerProvider implements Provider {
  readonly signingNames = ['sagemaker'] as const;
  readonly operations: OperationDeclarations;
  readonly trainingJobs: TrainingJobs;
  private readonly models: Models;
  private readonly configs: EndpointConfigs;
  readonly endpoints: Endpoints;
  private readonly runtime: EndpointRuntime;
  private readonly pool: PredictionPool;
  private readonly handlers: Readonly<Record<string, JsonOperationHandler>>;

  constructor(options: SageMakerProviderOptions) {
    const root = join(options.stateDir, 'sagemaker');
    const logger = options.logger ?? silentLogger;
    this.trainingJobs = new TrainingJobs({
      root,
      objects: options.objects,
      events: options.events,
      trainingThreads: options.trainingThreads ?? availableParallelism(),
      maxConcurrentJobs: options.maxConcurrentTrainingJobs ?? 4,
      logger,
    });
    this.models = new Models(root);
    this.configs = new EndpointConfigs(root, this.models);
    this.pool = new PredictionPool(providerBundle('runtime/prediction-worker', join(root, 'runtime')), options.predictionWorkers ?? availableParallelism(), logger);
    this.endpoints = new Endpoints({
      root,
      objects: options.objects,
      events: options.events,
      models: this.models,
      configs: this.configs,
      logger,
      hosting: this.pool,
    });
    this.runtime = new EndpointRuntime(this.endpoints, this.pool);

    const jobs = this.trainingJobs;
    const endpoints = this.endpoints;
    // Tags live in each resource's record: the Create* calls keep theirs, deletion drops them.
    const tags = new ResourceTags({
      'training-job': (name) => jobs.taggable(name),
      model: (name) => this.models.taggable(name),
      'endpoint-config': (name) => this.configs.taggable(name),
      endpoint: (name) => endpoints.taggable(name),
    });
    this.handlers = {
      AddTags: (input) => tags.add(input),
      ListTags: (input) => tags.list(input),
      DeleteTags: (input) => tags.delete(input),
      CreateTrainingJob: (input, request) => jobs.create(input, request.region, request.accountId),
      DescribeTrainingJob: (input) => jobs.describe(input),
      ListTrainingJobs: (input) => jobs.list(input),
      StopTrainingJob: (input) => jobs.stopJob(input),
      CreateModel: (input, request) => this.models.create(input, request.region, request.accountId),
      DescribeModel: (input, request) => this.models.describe(input, request.region, request.accountId),
      ListModels: (input) => this.models.list(input),
      DeleteModel: (input, request) => this.models.delete(input, request.region, request.accountId),
      CreateEndpointConfig: (input, request) => this.configs.create(input, request.region, request.accountId),
      DescribeEndpointConfig: (input, request) => this.configs.describe(input, request.region, request.accountId),
      ListEndpointConfigs: (input) => this.configs.list(input),
      DeleteEndpointConfig: (input, request) => this.configs.delete(input, request.region, request.accountId),
      CreateEndpoint: (input, request) => endpoints.create(input, request.region, request.accountId),
      UpdateEndpoint: (input, request) => endpoints.update(input, request.region, request.accountId),
      DescribeEndpoint: (input, request) => endpoints.describe(input, request.region, request.accountId),
      ListEndpoints: (input) => endpoints.list(input),
      DeleteEndpoint: (input, request) => endpoints.delete(input, request.region, request.accountId),
    };
    this.operations = {
      ...declareOperations(this.handlers, { protocols: ['json'], jsonTargetPrefix: SAGEMAKER_TARGET_PREFIX }),
      // SageMaker Runtime's one operation, which signs as `sagemaker` too.
      ...declareOperations({ InvokeEndpoint: this.runtime }, { protocols: ['rest-json'] }),
    };
  }

  async start(): Promise<void> {
    await Promise.all([this.models.load(), this.configs.load()]);
    await this.trainingJobs.start();
    await this.endpoints.start();
  }

  async stop(): Promise<void> {
    await Promise.all([this.trainingJobs.stop(), this.endpoints.stop()]);
    await this.pool.stop();
  }

  /** Errors are written here, in the protocol of the API called (the two differ). */
  async handle(request: AwsRequest): Promise<AwsResponse> {
    const endpointName = invocationEndpoint(request.rawPath);
    if (endpointName !== undefined) {
      try {
        return await this.runtime.invoke(request, endpointName);
      } catch (error) {
        return runtimeErrorResponse(toAwsError(error));
      }
    }
    try {
      return await dispatchJsonProtocol(request, { targetPrefix: SAGEMAKER_TARGET_PREFIX, serviceName: 'SageMaker', handlers: this.handlers });
    } catch (error) {
      return jsonErrorResponse(toAwsError(error));
    }
  }

  /** A training job's log file (CloudWatch Logs is not emulated). */
  trainingJobLogPath(name: string): string {
    return this.trainingJobs.logPath(name);
  }

  readTrainingJobLog(name: string): Promise<string | undefined> {
    return this.trainingJobs.readLog(name);
  }
}
