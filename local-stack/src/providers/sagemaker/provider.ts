/**
 * Amazon SageMaker for the local stack, signing name `sagemaker`: the SageMaker API (awsJson1.1,
 * `X-Amz-Target: SageMaker.<Operation>`) for training jobs, models, endpoint configs, endpoints,
 * transform jobs (Batch Transform) and the Model Registry (model package groups and their versions),
 * and SageMaker Runtime's InvokeEndpoint (`POST /endpoints/<name>/invocations`, which signs as
 * `sagemaker` too). State lives under `<stateDir>/sagemaker/`.
 */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { jsonErrorResponse, toAwsError } from '../../core/errors';
import { dispatchJsonProtocol } from '../../core/json-protocol';
import { silentLogger, type LocalStackLogger } from '../../core/logger';
import { bindOperations, declareOperations } from '../../core/operations';
import type { AwsRequest, AwsResponse, EventPublisher, LogSink, ObjectStore, OperationDeclarations, Provider } from '../../core/types';
import { EndpointConfigs } from './model/endpoint-configs';
import { Endpoints } from './model/endpoints';
import { ModelRegistry } from './model/model-registry';
import { ModelCache } from './model/model-cache';
import { Models } from './model/models';
import { TrainingJobs } from './model/training-jobs';
import { TransformJobs } from './model/transform-jobs';
import type { SageMakerOperation } from './operations/context';
import { ENDPOINT_CONFIG_OPERATIONS } from './operations/endpoint-configs';
import { ENDPOINT_OPERATIONS } from './operations/endpoints';
import { EndpointRuntime, invocationEndpoint, runtimeErrorResponse } from './operations/invoke-endpoint';
import { MODEL_REGISTRY_OPERATIONS } from './operations/model-registry';
import { MODEL_OPERATIONS } from './operations/models';
import { ResourceTags, TAG_OPERATIONS } from './operations/tags';
import { TRAINING_JOB_OPERATIONS } from './operations/training-jobs';
import { TRANSFORM_JOB_OPERATIONS } from './operations/transform-jobs';
import { PredictionPool } from './runtime/prediction-pool';
import { providerBundle } from './runtime/script-bundle';

export interface SageMakerProviderOptions {
  /** The stack's state directory; SageMaker keeps its state under `<stateDir>/sagemaker/`. */
  stateDir: string;
  /** Training channels are read from, and model artifacts written to, the S3 provider's store. */
  objects: ObjectStore;
  events: EventPublisher;
  logger?: LocalStackLogger;
  /** CloudWatch Logs: training jobs write to /aws/sagemaker/TrainingJobs. */
  logs?: LogSink;
  /** fastText threads per training job (default: every core). */
  trainingThreads?: number;
  /** Training jobs allowed to run at once before CreateTrainingJob answers ResourceLimitExceeded (default 4). */
  maxConcurrentTrainingJobs?: number;
  /** Worker threads for large prediction batches (default: every core; below 2, none). */
  predictionWorkers?: number;
}

const SAGEMAKER_TARGET_PREFIX = 'SageMaker';

/** The SageMaker API's operations (awsJson1.1); InvokeEndpoint is SageMaker Runtime's. */
const SAGEMAKER_OPERATIONS: Readonly<Record<string, SageMakerOperation>> = {
  ...TAG_OPERATIONS,
  ...TRAINING_JOB_OPERATIONS,
  ...MODEL_OPERATIONS,
  ...ENDPOINT_CONFIG_OPERATIONS,
  ...ENDPOINT_OPERATIONS,
  ...MODEL_REGISTRY_OPERATIONS,
  ...TRANSFORM_JOB_OPERATIONS,
};

export class SageMakerProvider implements Provider {
  readonly signingNames = ['sagemaker'] as const;
  readonly operations: OperationDeclarations;
  readonly trainingJobs: TrainingJobs;
  private readonly models: Models;
  private readonly configs: EndpointConfigs;
  readonly endpoints: Endpoints;
  /** The Model Registry: model package groups and their versions (CloudFormation creates groups through it). */
  readonly registry: ModelRegistry;
  readonly transformJobs: TransformJobs;
  private readonly runtime: EndpointRuntime;
  private readonly pool: PredictionPool;
  private readonly modelCache: ModelCache;
  private readonly handlers;

  constructor(options: SageMakerProviderOptions) {
    const root = join(options.stateDir, 'sagemaker');
    const logger = options.logger ?? silentLogger;
    this.pool = new PredictionPool(providerBundle('runtime/prediction-worker', join(root, 'runtime')), options.predictionWorkers ?? availableParallelism(), logger);
    this.modelCache = new ModelCache(options.objects, join(root, 'extracted-models'), this.pool);
    this.trainingJobs = new TrainingJobs({
      root,
      objects: options.objects,
      events: options.events,
      trainingThreads: options.trainingThreads ?? availableParallelism(),
      maxConcurrentJobs: options.maxConcurrentTrainingJobs ?? 4,
      logger,
      extractedModels: this.modelCache,
      logs: options.logs,
    });
    this.registry = new ModelRegistry(root, { events: options.events, logger });
    this.models = new Models(root, this.registry);
    this.configs = new EndpointConfigs(root, this.models);
    this.endpoints = new Endpoints({ root, events: options.events, models: this.models, configs: this.configs, logger, modelCache: this.modelCache, hosting: this.pool });
    this.transformJobs = new TransformJobs({ root, objects: options.objects, events: options.events, models: this.models, modelCache: this.modelCache, pool: this.pool, logger, logs: options.logs });
    this.runtime = new EndpointRuntime(this.endpoints, this.pool);

    // Tags live in each resource's record: the Create* calls keep theirs, deletion drops them.
    const tags = new ResourceTags({
      'training-job': (name) => this.trainingJobs.records.taggable(name),
      model: (name) => this.models.records.taggable(name),
      'endpoint-config': (name) => this.configs.records.taggable(name),
      endpoint: (name) => this.endpoints.records.taggable(name),
      'transform-job': (name) => this.transformJobs.records.taggable(name),
      'model-package-group': (name) => this.registry.groups.taggable(name),
      'model-package': (name) => this.registry.packages.taggable(name),
    });
    this.handlers = bindOperations(SAGEMAKER_OPERATIONS, { trainingJobs: this.trainingJobs, models: this.models, configs: this.configs, endpoints: this.endpoints, transformJobs: this.transformJobs, registry: this.registry, tags });
    this.operations = {
      ...declareOperations(SAGEMAKER_OPERATIONS, { protocols: ['json'], jsonTargetPrefix: SAGEMAKER_TARGET_PREFIX }),
      // SageMaker Runtime's one operation, which signs as `sagemaker` too.
      ...declareOperations({ InvokeEndpoint: this.runtime }, { protocols: ['rest-json'] }),
    };
  }

  async start(): Promise<void> {
    await Promise.all([this.models.load(), this.configs.load(), this.modelCache.start(), this.registry.load()]);
    await this.trainingJobs.start();
    await this.endpoints.start();
    await this.transformJobs.start();
  }

  async stop(): Promise<void> {
    await Promise.all([this.trainingJobs.stop(), this.endpoints.stop(), this.transformJobs.stop()]);
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
