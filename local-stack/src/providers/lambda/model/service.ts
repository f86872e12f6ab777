/**
 * Lambda state and behaviour, independent of the wire API: functions (created in-process by the
 * deployer, persisted in `<stateDir>/lambda/functions.json`), their instance pools, synchronous
 * and asynchronous invocation, event-invoke configs and SQS event source mappings.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { silentLogger, type LocalStackLogger } from '../../../core/logger';
import { removeStaleTempFilesSync, tempPathFor, writeJsonAtomicSync } from '../../../core/persistence';
import { ACCOUNT_ID, AwsError, type LogSink } from '../../../core/types';
import { AsyncInvocationQueue, DEFAULT_EVENT_INVOKE_CONFIG, type AttemptResult, type EventInvokeConfig } from './async-invocations';
import { InstancePool, STACK_STOPPING_ERROR, type PoolStats } from '../runtime/instance-pool';
import { SpareWorkers } from '../runtime/spare-workers';
import { forkWorker, type WorkerSpec } from '../runtime/worker-instance';
import { lambdaLogStreamName } from '../runtime/worker-instance';
import { terminalEntry } from './function-log';
import type { RoleCredentialsPort } from '../../../core/credentials';
import type { LambdaEventBusPort, LambdaQueuePort, QueueMessageAttribute } from './ports';
import { resolveRuntime } from '../runtime/node-runtimes';
import { SqsEventSourcePoller, type EventSourceMapping } from './sqs-event-source';
import { extractZip } from './zip';

export interface LambdaServiceOptions {
  stateDir: string;
  region: string;
  /** The stack's URL, given to functions as AWS_ENDPOINT_URL. */
  endpointUrl: () => string;
  queues?: LambdaQueuePort;
  eventBus?: LambdaEventBusPort;
  logger?: LocalStackLogger;
  /** CloudWatch Logs: each function's output goes to `/aws/lambda/<name>`, one stream per instance. */
  logs?: LogSink;
  /** Temporary credentials of a role for a session (undefined: functions get the local root credentials). */
  roleCredentials?: RoleCredentialsPort;
  /**
   * Where function output lines go besides CloudWatch Logs (default: the logger, a handler's warnings and
   * errors at warn and error, everything else at debug; function-log.ts).
   */
  functionLog?: (functionName: string, line: string) => void;
  /** Chaos: share of invocations that fail before the handler runs, and the random source. */
  invocationFailureRate?: number;
  random?: () => number;
  /** Instances per function when the function sets no reserved concurrency (default 5). */
  defaultConcurrency?: number;
  /** Idle instances are stopped after this long (default 10 minutes). */
  idleInstanceTimeoutMs?: number;
  /** First async retry delay, doubled for the next (AWS waits 1 then 2 minutes; default 1 s). */
  asyncRetryBaseDelayMs?: number;
  initTimeoutMs?: number;
  /** The built worker runtime (default: built with esbuild into `<stateDir>/lambda/runtime/`). */
  runtimeScript?: string;
}

export interface CreateFunctionInput {
  name: string;
  /** `path/inside/code.exportName`. */
  handler: string;
  /** An unpacked bundle folder, or a .zip package (unpacked under the state directory). */
  codeDir?: string;
  zipFile?: string;
  runtime?: string;
  environment?: Record<string, string>;
  timeoutSeconds?: number;
  memoryMb?: number;
  /** Reserved concurrency: the most instances the function runs at once. */
  maxConcurrency?: number;
  /** The execution role's ARN: the function's code runs with its temporary credentials. */
  role?: string;
  description?: string;
  /** The function's own dead-letter queue for failed async events (SQS ARN). */
  deadLetterTargetArn?: string;
}

export interface FunctionRecord {
  name: string;
  handler: string;
  runtime: string;
  codeDir: string;
  codeSha256: string;
  codeSize: number;
  environment: Record<string, string>;
  timeoutSeconds: number;
  memoryMb: number;
  maxConcurrency: number;
  description: string;
  deadLetterTargetArn?: string;
  lastModified: string;
  /** The execution role's ARN (absent in state written before roles were kept). */
  role?: string;
}

interface PersistedState {
  functions: FunctionRecord[];
  eventInvokeConfigs: Record<string, EventInvokeConfig>;
  eventSourceMappings: EventSourceMapping[];
}

export interface InvocationResult {
  requestId: string;
  /** 'Unhandled' when the function failed. */
  functionError?: string;
  /** JSON text: the result, or the error. */
  payload: string;
  logs: string[];
  durationMs: number;
  coldStartMs?: number;
}

/** A cold start's two phases: the worker process up to the runtime (spawn), and loading the handler module (init). */
export interface ColdStartPhases {
  spawnMs: number;
  initMs: number;
}

export interface CreateEventSourceMappingInput {
  functionName: string;
  queueArn: string;
  batchSize?: number;
  maximumBatchingWindowSeconds?: number;
  functionResponseTypes?: string[];
  enabled?: boolean;
  maximumConcurrency?: number;
}

export interface PutEventInvokeConfigInput {
  maximumRetryAttempts?: number;
  maximumEventAgeInSeconds?: number;
  onSuccessDestination?: string;
  onFailureDestination?: string;
}

const FUNCTION_NAME = /^[A-Za-z0-9_-]{1,64}$/;

export class LambdaService {
  private readonly functions = new Map<string, FunctionRecord>();
  private readonly eventInvokeConfigs = new Map<string, EventInvokeConfig>();
  private readonly mappings = new Map<string, EventSourceMapping>();
  private readonly pools = new Map<string, InstancePool>();
  /** Processes started ahead of cold starts (one per kind of function deployed). */
  private readonly spares = new SpareWorkers();
  private readonly pollers = new Map<string, SqsEventSourcePoller>();
  private readonly coldStarts = new Map<string, ColdStartPhases[]>();
  private readonly chaosFailures = new Map<string, number>();
  private readonly root: string;
  private readonly asyncQueue: AsyncInvocationQueue;
  private readonly logger: LocalStackLogger;
  private runtimeScript: Promise<string> | undefined;
  private started = false;
  /** Set by stop(): no instance may start after it (one would outlive the stack, a process nobody stops). */
  private stopped = false;

  constructor(private readonly options: LambdaServiceOptions) {
    this.root = path.join(options.stateDir, 'lambda');
    mkdirSync(this.root, { recursive: true });
    this.logger = options.logger ?? silentLogger;
    if (options.runtimeScript) this.runtimeScript = Promise.resolve(options.runtimeScript);
    this.asyncQueue = new AsyncInvocationQueue(path.join(this.root, 'async'), {
      invoke: (name, payload, requestId) => this.attempt(name, payload, requestId),
      configOf: (name) => this.eventInvokeConfigs.get(name) ?? DEFAULT_EVENT_INVOKE_CONFIG,
      deadLetterTargetOf: (name) => this.functions.get(name)?.deadLetterTargetArn,
      functionArn: (name) => this.functionArn(name),
      deliver: (arn, body, attributes) => this.deliver(arn, body, attributes),
      retryDelayMs: (retry) => (options.asyncRetryBaseDelayMs ?? 1000) * 2 ** (retry - 1),
      logger: this.logger,
    });
    this.load();
  }

  /** Builds the worker runtime, resumes queued async events and starts event source mappings. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.stopped = false;
    await this.workerRuntime();
    this.pruneUnusedCode();
    const resumed = this.asyncQueue.resume();
    if (resumed > 0) this.logger.info('resumed queued async Lambda events', { count: resumed });
    for (const mapping of this.mappings.values()) this.startPoller(mapping);
    for (const record of this.functions.values()) void this.prepareSpare(record);
  }

  async stop(): Promise<void> {
    this.started = false;
    this.stopped = true;
    this.asyncQueue.stop();
    // Pollers stop polling at once; killing the instances then ends the batches in flight (their
    // messages return to the queue after the visibility timeout) instead of waiting for them.
    const pollersStopped = [...this.pollers.values()].map((poller) => poller.stop());
    this.pollers.clear();
    for (const pool of this.pools.values()) pool.dispose({ killBusy: true });
    this.pools.clear();
    this.spares.stop();
    await Promise.all(pollersStopped);
  }

  // ---------------------------------------------------------------------------------------------
  // Functions

  createFunction(input: CreateFunctionInput): FunctionRecord {
    if (!FUNCTION_NAME.test(input.name)) throw invalidParameter(`Invalid function name: ${input.name}`);
    const runtime = input.runtime ?? 'nodejs24.x';
    // Refused here, as Lambda refuses a runtime it does not offer, rather than at the first invocation.
    resolveRuntime(runtime);
    if (!input.handler.includes('.')) throw invalidParameter(`Handler ${input.handler} must be path/to/module.exportName`);
    const timeoutSeconds = input.timeoutSeconds ?? 3;
    if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > 900) throw invalidParameter('Timeout must be between 1 and 900 seconds');
    const memoryMb = input.memoryMb ?? 128;
    if (!Number.isInteger(memoryMb) || memoryMb < 128 || memoryMb > 10_240) throw invalidParameter('MemorySize must be between 128 and 10240 MB');
    const code = this.prepareCode(input);
    const record: FunctionRecord = {
      name: input.name,
      handler: input.handler,
      runtime,
      codeDir: code.dir,
      codeSha256: code.sha256,
      codeSize: code.size,
      environment: { ...input.environment },
      timeoutSeconds,
      memoryMb,
      maxConcurrency: input.maxConcurrency ?? this.options.defaultConcurrency ?? 5,
      description: input.description ?? '',
      ...(input.deadLetterTargetArn && { deadLetterTargetArn: input.deadLetterTargetArn }),
      lastModified: awsTimestamp(new Date()),
      ...(input.role !== undefined && { role: input.role }),
    };
    this.retirePool(input.name);
    this.functions.set(input.name, record);
    this.save();
    if (this.started) void this.prepareSpare(record);
    return record;
  }

  deleteFunction(nameOrArn: string): void {
    const name = this.requireFunction(nameOrArn).name;
    this.retirePool(name);
    this.functions.delete(name);
    this.eventInvokeConfigs.delete(name);
    for (const mapping of [...this.mappings.values()].filter((candidate) => candidate.functionName === name)) this.deleteEventSourceMapping(mapping.uuid);
    this.save();
  }

  getFunction(nameOrArn: string): FunctionRecord {
    return this.requireFunction(nameOrArn);
  }

  listFunctions(): FunctionRecord[] {
    return [...this.functions.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The processes waiting for a cold start (spare-workers.ts). */
  get sparePids(): number[] {
    return this.spares.pids;
  }

  functionArn(name: string): string {
    return `arn:aws:lambda:${this.options.region}:${ACCOUNT_ID}:function:${name}`;
  }

  /**
   * Instances, cold starts and invocations of the current code, the last 100 cold starts (spawn + init
   * in ms, and the two phases apart), chaos failures.
   */
  functionStats(nameOrArn: string): PoolStats & { coldStartDurationsMs: number[]; coldStartPhasesMs: ColdStartPhases[]; chaosFailures: number } {
    const name = this.requireFunction(nameOrArn).name;
    const stats = this.pools.get(name)?.stats ?? { instances: 0, busy: 0, coldStarts: 0, invocations: 0 };
    const phases = this.coldStarts.get(name) ?? [];
    return {
      ...stats,
      coldStartDurationsMs: phases.map((phase) => phase.spawnMs + phase.initMs),
      coldStartPhasesMs: phases.map((phase) => ({ ...phase })),
      chaosFailures: this.chaosFailures.get(name) ?? 0,
    };
  }

  /** Stops the function's instances (busy ones after their invocation), as a configuration update does: the next invocation starts cold. */
  retireInstances(nameOrArn: string): void {
    this.retirePool(this.requireFunction(nameOrArn).name);
  }

  // ---------------------------------------------------------------------------------------------
  // Invocation

  /** A synchronous (RequestResponse) invocation. */
  async invoke(nameOrArn: string, payload: string, options: { clientContext?: string } = {}): Promise<InvocationResult> {
    const record = this.requireFunction(nameOrArn);
    return this.run(record, payload, randomUUID(), options.clientContext);
  }

  /** An asynchronous (Event) invocation: queued durably, retried, then sent to its destination. */
  invokeAsync(nameOrArn: string, payload: string): { requestId: string } {
    const record = this.requireFunction(nameOrArn);
    return { requestId: this.asyncQueue.enqueue(record.name, payload) };
  }

  /** Async events queued or being retried (for tests and the stack's shutdown report). */
  get pendingAsyncEvents(): number {
    return this.asyncQueue.pendingCount;
  }

  putFunctionEventInvokeConfig(nameOrArn: string, input: PutEventInvokeConfigInput): EventInvokeConfig {
    const name = this.requireFunction(nameOrArn).name;
    const maximumRetryAttempts = input.maximumRetryAttempts ?? DEFAULT_EVENT_INVOKE_CONFIG.maximumRetryAttempts;
    const maximumEventAgeInSeconds = input.maximumEventAgeInSeconds ?? DEFAULT_EVENT_INVOKE_CONFIG.maximumEventAgeInSeconds;
    if (!Number.isInteger(maximumRetryAttempts) || maximumRetryAttempts < 0 || maximumRetryAttempts > 2) throw invalidParameter('MaximumRetryAttempts must be between 0 and 2');
    if (!Number.isInteger(maximumEventAgeInSeconds) || maximumEventAgeInSeconds < 60 || maximumEventAgeInSeconds > 21_600) {
      throw invalidParameter('MaximumEventAgeInSeconds must be between 60 and 21600');
    }
    for (const destination of [input.onSuccessDestination, input.onFailureDestination]) {
      if (destination !== undefined) this.checkDestination(destination);
    }
    const config: EventInvokeConfig = {
      maximumRetryAttempts,
      maximumEventAgeInSeconds,
      ...(input.onSuccessDestination && { onSuccessDestination: input.onSuccessDestination }),
      ...(input.onFailureDestination && { onFailureDestination: input.onFailureDestination }),
    };
    this.eventInvokeConfigs.set(name, config);
    this.save();
    return config;
  }

  /** Back to Lambda's defaults (two retries, six hours). */
  deleteFunctionEventInvokeConfig(nameOrArn: string): void {
    this.eventInvokeConfigs.delete(this.requireFunction(nameOrArn).name);
    this.save();
  }

  getFunctionEventInvokeConfig(nameOrArn: string): EventInvokeConfig | undefined {
    return this.eventInvokeConfigs.get(this.requireFunction(nameOrArn).name);
  }

  // ---------------------------------------------------------------------------------------------
  // Event source mappings (SQS)

  createEventSourceMapping(input: CreateEventSourceMappingInput): EventSourceMapping {
    const functionName = this.requireFunction(input.functionName).name;
    const queues = this.options.queues;
    if (!queues) throw invalidParameter('This local stack has no SQS service to map events from');
    if (!input.queueArn.startsWith('arn:aws:sqs:')) throw invalidParameter(`Unsupported event source ${input.queueArn}: the local stack maps SQS queues only`);
    if (!queues.queueExists(input.queueArn)) throw invalidParameter(`Invalid EventSourceArn: queue ${input.queueArn} does not exist`);
    // As AWS: a batch may run for the function's timeout, and its messages must stay invisible that long,
    // or the mapping receives them again while they are being processed (duplicates, receive counts spent).
    const visibilityTimeout = queues.visibilityTimeoutOf(input.queueArn);
    const functionTimeout = this.functions.get(functionName)!.timeoutSeconds;
    if (visibilityTimeout < functionTimeout) {
      throw invalidParameter(`Queue visibility timeout: ${visibilityTimeout} seconds is less than Function timeout: ${functionTimeout} seconds`);
    }
    const window = input.maximumBatchingWindowSeconds ?? 0;
    const batchSize = input.batchSize ?? 10;
    if (!Number.isInteger(window) || window < 0 || window > 300) throw invalidParameter('MaximumBatchingWindowInSeconds must be between 0 and 300');
    // CreateEventSourceMapping's BatchSize (botocore's Lambda model): up to 10,000 for standard queues, 10 for FIFO queues.
    const fifo = input.queueArn.endsWith('.fifo');
    const maxBatch = window > 0 && !fifo ? 10_000 : 10;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > maxBatch) {
      throw invalidParameter(`BatchSize must be between 1 and ${maxBatch}${fifo ? ' for a FIFO queue' : window === 0 ? ' when MaximumBatchingWindowInSeconds is 0' : ''}`);
    }
    const responseTypes = input.functionResponseTypes ?? [];
    const unknownType = responseTypes.find((type) => type !== 'ReportBatchItemFailures');
    if (unknownType) throw invalidParameter(`Unsupported FunctionResponseTypes value ${unknownType}`);
    const mapping: EventSourceMapping = {
      uuid: randomUUID(),
      functionName,
      eventSourceArn: input.queueArn,
      batchSize,
      maximumBatchingWindowSeconds: window,
      functionResponseTypes: responseTypes,
      enabled: input.enabled ?? true,
      maximumConcurrency: input.maximumConcurrency ?? this.functions.get(functionName)!.maxConcurrency,
      lastModified: Date.now(),
    };
    this.mappings.set(mapping.uuid, mapping);
    this.save();
    if (this.started) this.startPoller(mapping);
    return mapping;
  }

  /** For deployers: replaces any mapping of the same function and queue. */
  putEventSourceMapping(input: CreateEventSourceMappingInput): EventSourceMapping {
    const functionName = this.requireFunction(input.functionName).name;
    for (const existing of this.listEventSourceMappings({ functionName, eventSourceArn: input.queueArn })) this.deleteEventSourceMapping(existing.uuid);
    return this.createEventSourceMapping(input);
  }

  deleteEventSourceMappings(functionName: string): void {
    for (const mapping of this.listEventSourceMappings({ functionName })) this.deleteEventSourceMapping(mapping.uuid);
  }

  deleteEventSourceMapping(uuid: string): EventSourceMapping {
    const mapping = this.getEventSourceMapping(uuid);
    this.mappings.delete(uuid);
    const poller = this.pollers.get(uuid);
    this.pollers.delete(uuid);
    void poller?.stop();
    this.save();
    return mapping;
  }

  getEventSourceMapping(uuid: string): EventSourceMapping {
    const mapping = this.mappings.get(uuid);
    if (!mapping) throw new AwsError('ResourceNotFoundException', `The resource you requested does not exist. (Service: Lambda, EventSourceMapping ${uuid})`, 404, { Type: 'User' });
    return mapping;
  }

  listEventSourceMappings(filter: { functionName?: string; eventSourceArn?: string } = {}): EventSourceMapping[] {
    const functionName = filter.functionName === undefined ? undefined : functionNameOf(filter.functionName);
    return [...this.mappings.values()].filter(
      (mapping) => (functionName === undefined || mapping.functionName === functionName) && (filter.eventSourceArn === undefined || mapping.eventSourceArn === filter.eventSourceArn),
    );
  }

  // ---------------------------------------------------------------------------------------------

  private async run(record: FunctionRecord, payload: string, requestId: string, clientContext?: string): Promise<InvocationResult> {
    let logStream = '';
    const log = (line: string): void => this.functionLog(record.name, line, logStream);
    const failureRate = this.options.invocationFailureRate ?? 0;
    if (failureRate > 0 && (this.options.random ?? Math.random)() < failureRate) {
      const error = { errorType: 'ChaosInjectedFailure', errorMessage: 'LOCAL_STACK_CHAOS: this invocation failed before the handler ran' };
      logStream = lambdaLogStreamName();
      log(`START RequestId: ${requestId} Version: $LATEST`);
      log(`END RequestId: ${requestId}`);
      this.chaosFailures.set(record.name, (this.chaosFailures.get(record.name) ?? 0) + 1);
      this.logger.warn(`function ${record.name} failed (chaos)`, { function: record.name, requestId });
      return { requestId, functionError: 'Unhandled', payload: JSON.stringify(error), logs: [], durationMs: 0 };
    }
    const pool = await this.poolFor(record);
    if (!pool) {
      // The stack stopped while this invocation was on its way (a batch a poller had just received, an
      // async event being retried, a request in flight): it does not run, and no instance logs it.
      return { requestId, functionError: 'Unhandled', payload: JSON.stringify(STACK_STOPPING_ERROR), logs: [], durationMs: 0 };
    }
    const outcome = await pool.invoke({
      requestId,
      payload,
      invokedFunctionArn: this.functionArn(record.name),
      clientContext,
      timeoutMs: record.timeoutSeconds * 1000,
      onStart: (stream) => {
        logStream = stream;
        log(`START RequestId: ${requestId} Version: $LATEST`);
      },
    });
    logStream = outcome.logStream;
    const coldStartMs = outcome.coldStart ? outcome.coldStart.spawnMs + outcome.coldStart.initMs : undefined;
    log(`END RequestId: ${requestId}`);
    log(
      `REPORT RequestId: ${requestId}\tDuration: ${outcome.durationMs.toFixed(2)} ms\tBilled Duration: ${Math.ceil(outcome.durationMs)} ms\t` +
        `Memory Size: ${record.memoryMb} MB\tMax Memory Used: ${Math.round((outcome.rssBytes ?? 0) / 1_048_576)} MB` +
        (outcome.coldStart ? `\tInit Duration: ${outcome.coldStart.initMs.toFixed(2)} ms` : '') +
        reportStatus(outcome.error?.errorType),
    );
    if (!outcome.ok) {
      this.logger.error(`function ${record.name} failed`, { function: record.name, requestId, errorType: outcome.error?.errorType, errorMessage: outcome.error?.errorMessage });
    }
    return {
      requestId,
      ...(!outcome.ok && { functionError: 'Unhandled' }),
      payload: outcome.payload,
      logs: outcome.logs,
      durationMs: outcome.durationMs,
      ...(coldStartMs !== undefined && { coldStartMs }),
    };
  }

  /** One invocation for the async queue and event source mappings; undefined if the function is gone. */
  private async attempt(name: string, payload: string, requestId: string = randomUUID()): Promise<AttemptResult | undefined> {
    const record = this.functions.get(name);
    if (!record) return undefined;
    const result = await this.run(record, payload, requestId);
    return { functionError: result.functionError, payload: result.payload };
  }

  /** The function's pool, created on first use; undefined once the service has stopped. */
  private async poolFor(record: FunctionRecord): Promise<InstancePool | undefined> {
    if (this.stopped) return undefined;
    const existing = this.pools.get(record.name);
    if (existing) return existing;
    const runtimeScript = await this.workerRuntime();
    if (this.stopped) return undefined;
    // Another invocation may have created it while the runtime was being built.
    const raced = this.pools.get(record.name);
    if (raced) return raced;
    const pool = new InstancePool(
      this.workerSpecOf(record, runtimeScript),
      record.maxConcurrency,
      this.options.idleInstanceTimeoutMs ?? 600_000,
      {
        log: (line, logStream) => this.functionLog(record.name, line, logStream),
        coldStart: (spawnMs, initMs) => {
          const phases = this.coldStarts.get(record.name) ?? [];
          phases.push({ spawnMs, initMs });
          if (phases.length > 100) phases.shift();
          this.coldStarts.set(record.name, phases);
          this.logger.info(`cold start of ${record.name}`, { function: record.name, totalMs: round(spawnMs + initMs), spawnMs: round(spawnMs), initMs: round(initMs) });
        },
      },
      (spec) => this.spares.take(spec, forkWorker),
    );
    this.pools.set(record.name, pool);
    return pool;
  }

  private workerSpecOf(record: FunctionRecord, runtimeScript: string, credentials = this.credentialsOf(record)): WorkerSpec {
    return {
      functionName: record.name,
      runtimeScript,
      // The runtime's own Node.js major, not the stack's (resolved again: the binary may be gone since).
      execPath: resolveRuntime(record.runtime).execPath,
      taskRoot: record.codeDir,
      handler: record.handler,
      environment: this.environmentOf(record, credentials),
      memoryMb: record.memoryMb,
      initTimeoutMs: this.options.initTimeoutMs ?? 10_000,
    };
  }

  /** A process for the function's first cold start, started now (deploying it), not when the first event comes. */
  private async prepareSpare(record: FunctionRecord): Promise<void> {
    try {
      const runtimeScript = await this.workerRuntime();
      if (this.stopped || !this.started) return;
      // A spare is chosen by what Node.js reads at its start, never the credentials: none are issued for it.
      this.spares.prepare(this.workerSpecOf(record, runtimeScript, {}));
    } catch (error) {
      // Its cold start forks then, and reports what is wrong with the runtime.
      this.logger.debug('no spare worker', { function: record.name, error: String(error) });
    }
  }

  /** The function's variables, then what Lambda itself sets (which functions cannot override). */
  private environmentOf(record: FunctionRecord, credentials: Record<string, string>): Record<string, string> {
    const region = this.options.region;
    return {
      ...record.environment,
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      LANG: 'en_US.UTF-8',
      TZ: ':UTC',
      LAMBDA_TASK_ROOT: record.codeDir,
      LAMBDA_RUNTIME_DIR: path.dirname(this.options.runtimeScript ?? path.join(this.root, 'runtime', 'worker.mjs')),
      _HANDLER: record.handler,
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      AWS_ENDPOINT_URL: this.options.endpointUrl(),
      ...credentials,
      // Keep the host's ~/.aws profiles (regions, endpoints, credentials) out of the function.
      AWS_CONFIG_FILE: path.join(this.root, 'no-aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(this.root, 'no-aws-credentials'),
      AWS_EXECUTION_ENV: `AWS_Lambda_${record.runtime}`,
      AWS_LAMBDA_FUNCTION_NAME: record.name,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(record.memoryMb),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${record.name}`,
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    };
  }

  /**
   * The execution role's temporary credentials, as Lambda gives them (the session is named after the
   * function); the documented local credentials when the stack gives none (IAM not enforced).
   */
  private credentialsOf(record: FunctionRecord): Record<string, string> {
    const issued = record.role === undefined ? undefined : this.options.roleCredentials?.(record.role, record.name);
    if (issued === undefined) return { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' };
    return { AWS_ACCESS_KEY_ID: issued.accessKeyId, AWS_SECRET_ACCESS_KEY: issued.secretAccessKey, AWS_SESSION_TOKEN: issued.sessionToken };
  }

  /** A line of a function's output: into its log group (`/aws/lambda/<name>`, the instance's stream) and to the terminal. */
  private functionLog(functionName: string, line: string, logStream: string): void {
    this.options.logs?.put(`/aws/lambda/${functionName}`, logStream, line);
    if (this.options.functionLog) {
      this.options.functionLog(functionName, line);
      return;
    }
    const entry = terminalEntry(line);
    this.logger[entry.level](`[lambda:${functionName}] ${entry.text}`);
  }

  /** Sends a record to an SQS queue, a Lambda function (async) or an event bus. */
  private async deliver(arn: string, body: string, messageAttributes?: Record<string, QueueMessageAttribute>): Promise<void> {
    const service = arn.split(':')[2];
    if (service === 'sqs' && this.options.queues) {
      await this.options.queues.sendMessageToArn(arn, body, messageAttributes);
    } else if (service === 'lambda') {
      this.invokeAsync(arn, body);
    } else if (service === 'events' && this.options.eventBus) {
      const record = JSON.parse(body) as { requestContext: { condition: string; functionArn: string } };
      await this.options.eventBus.putEvent(arn, {
        source: 'lambda',
        detailType: `Lambda Function Invocation Result - ${record.requestContext.condition === 'Success' ? 'Success' : 'Failure'}`,
        detail: record as unknown as Record<string, unknown>,
        resources: [record.requestContext.functionArn],
      });
    } else {
      throw new Error(`unsupported destination ${arn}`);
    }
  }

  private checkDestination(arn: string): void {
    const service = arn.split(':')[2];
    const supported = (service === 'sqs' && this.options.queues) || service === 'lambda' || (service === 'events' && this.options.eventBus);
    if (!supported) throw invalidParameter(`Destination ${arn} is not supported by the local stack (SQS queues, Lambda functions and event buses are)`);
  }

  private startPoller(mapping: EventSourceMapping): void {
    if (!mapping.enabled || !this.options.queues || this.pollers.has(mapping.uuid)) return;
    const poller = new SqsEventSourcePoller(mapping, {
      queues: this.options.queues,
      invoke: (name, payload) => this.attempt(name, payload),
      region: this.options.region,
      logger: this.logger,
    });
    this.pollers.set(mapping.uuid, poller);
    poller.start();
  }

  private retirePool(name: string): void {
    this.pools.get(name)?.dispose({ killBusy: false });
    this.pools.delete(name);
  }

  private requireFunction(nameOrArn: string): FunctionRecord {
    const name = functionNameOf(nameOrArn);
    const record = this.functions.get(name);
    if (!record) throw new AwsError('ResourceNotFoundException', `Function not found: ${this.functionArn(name)}`, 404, { Type: 'User' });
    return record;
  }

  private prepareCode(input: CreateFunctionInput): { dir: string; sha256: string; size: number } {
    if (input.zipFile) {
      const zip = readFileSync(input.zipFile);
      const sha256 = createHash('sha256').update(zip).digest('base64');
      const dir = path.join(this.root, 'code', `${input.name}-${createHash('sha256').update(zip).digest('hex').slice(0, 16)}`);
      if (!existsSync(dir)) {
        // Unpacked beside its place and renamed into it, so a package is there whole or not at all.
        const staging = tempPathFor(dir);
        try {
          extractZip(input.zipFile, staging);
          renameSync(staging, dir);
        } catch (error) {
          rmSync(staging, { recursive: true, force: true });
          throw error;
        }
      }
      return { dir, sha256, size: zip.length };
    }
    if (!input.codeDir) throw invalidParameter('A function needs codeDir or zipFile');
    const dir = path.resolve(input.codeDir);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw invalidParameter(`Code folder ${dir} does not exist`);
    return { dir, ...fingerprint(dir) };
  }

  /** Builds the worker runtime once per service (a standalone ES module). */
  private workerRuntime(): Promise<string> {
    this.runtimeScript ??= (async () => {
      const { build } = await import('esbuild');
      const outfile = path.join(this.root, 'runtime', 'worker.mjs');
      await build({
        entryPoints: [path.join(__dirname, '..', 'runtime', 'worker-main.ts')],
        outfile,
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        logLevel: 'silent',
      });
      return outfile;
    })();
    return this.runtimeScript;
  }

  /** Removes unpacked packages that no function uses any more (replaced or deleted functions). */
  private pruneUnusedCode(): void {
    const codeRoot = path.join(this.root, 'code');
    if (!existsSync(codeRoot)) return;
    const inUse = new Set([...this.functions.values()].map((record) => record.codeDir));
    for (const entry of readdirSync(codeRoot)) {
      const dir = path.join(codeRoot, entry);
      if (!inUse.has(dir)) rmSync(dir, { recursive: true, force: true });
    }
  }

  private load(): void {
    removeStaleTempFilesSync(this.root);
    removeStaleTempFilesSync(path.join(this.root, 'code'));
    const file = path.join(this.root, 'functions.json');
    if (!existsSync(file)) return;
    const state = JSON.parse(readFileSync(file, 'utf8')) as PersistedState;
    for (const record of state.functions) {
      if (existsSync(record.codeDir)) this.functions.set(record.name, record);
      else this.logger.warn('function code is gone; function not restored', { function: record.name, codeDir: record.codeDir });
    }
    for (const [name, config] of Object.entries(state.eventInvokeConfigs)) if (this.functions.has(name)) this.eventInvokeConfigs.set(name, config);
    for (const mapping of state.eventSourceMappings) if (this.functions.has(mapping.functionName)) this.mappings.set(mapping.uuid, mapping);
  }

  private save(): void {
    const file = path.join(this.root, 'functions.json');
    const state: PersistedState = {
      functions: [...this.functions.values()],
      eventInvokeConfigs: Object.fromEntries(this.eventInvokeConfigs),
      eventSourceMappings: [...this.mappings.values()],
    };
    writeJsonAtomicSync(file, state);
  }
}

/** The function name in a name, a partial ARN (`000000000000:function:f`) or a full ARN, without qualifier. */
export /** As Lambda ends a REPORT line when the runtime itself failed (a handler's own error adds nothing). */
function reportStatus(errorType: string | undefined): string {
  if (errorType === 'Sandbox.Timedout') return '\tStatus: timeout';
  if (errorType?.startsWith('Runtime.')) return `\tStatus: error\tError Type: ${errorType}`;
  return '';
}

function functionNameOf(nameOrArn: string): string {
  const match = /(?:^|:)function:([^:]+)/.exec(nameOrArn);
  return match ? match[1]! : nameOrArn.split(':')[0]!;
}

function invalidParameter(message: string): AwsError {
  return new AwsError('InvalidParameterValueException', message, 400, { Type: 'User' });
}

/** Lambda's LastModified format: `2026-11-25T11:04:09.123+0000`. */
function awsTimestamp(date: Date): string {
  return date.toISOString().replace('Z', '+0000');
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/** A cheap identity of an unpacked bundle: its files' paths, sizes and modification times. */
function fingerprint(dir: string): { sha256: string; size: number } {
  const hash = createHash('sha256');
  let size = 0;
  const walk = (current: string): void => {
    for (const entry of readdirSync(current, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) {
        walk(full);
      } else if (entry.isFile()) {
        const stats = statSync(full);
        size += stats.size;
        hash.update(`${path.relative(dir, full)}\0${stats.size}\0${stats.mtimeMs}\n`);
      }
    }
  };
  walk(dir);
  return { sha256: hash.digest('base64'), size };
}
