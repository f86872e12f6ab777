/**
 * What the deployer needs from the providers, in CloudFormation's terms. The stack's composition root
 * adapts each provider to this, so the deployer knows templates and nothing of provider internals.
 */
export interface BucketSpec {
  name: string;
  versioning: boolean;
  eventBridge: boolean;
  /** Everything else the template said (encryption, public access block, lifecycle...), kept as given. */
  properties: Record<string, unknown>;
}

export interface QueueSpec {
  name: string;
  /** SQS attributes as strings, as SetQueueAttributes takes them (RedrivePolicy as JSON). */
  attributes: Record<string, string>;
}

export interface RuleTarget {
  id: string;
  arn: string;
  input?: string;
  inputPath?: string;
  retryPolicy?: { maximumRetryAttempts?: number; maximumEventAgeInSeconds?: number };
  deadLetterArn?: string;
}

export interface RuleSpec {
  name: string;
  eventBusName: string;
  pattern: Record<string, unknown>;
  enabled: boolean;
  description?: string;
  targets: RuleTarget[];
}

export interface FunctionSpec {
  name: string;
  handler: string;
  runtime: string;
  zipFile: string;
  environment: Record<string, string>;
  timeoutSeconds: number;
  memoryMb: number;
  role?: string;
}

export interface EventInvokeConfigSpec {
  functionName: string;
  maximumRetryAttempts?: number;
  maximumEventAgeInSeconds?: number;
  onFailureArn?: string;
}

export interface EventSourceMappingSpec {
  functionName: string;
  queueArn: string;
  batchSize: number;
  maximumBatchingWindowSeconds: number;
  reportBatchItemFailures: boolean;
  enabled: boolean;
}

export interface GlueJobSpec {
  name: string;
  role?: string;
  command: { Name: string; ScriptLocation: string; PythonVersion?: string };
  defaultArguments: Record<string, string>;
  maxConcurrentRuns: number;
  timeoutMinutes?: number;
  maxCapacity?: number;
  description?: string;
}

export interface DeployTargets {
  s3: {
    ensureBucket(spec: BucketSpec): Promise<void>;
    putObject(bucket: string, key: string, body: Buffer): Promise<void>;
  };
  sqs: {
    ensureQueue(spec: QueueSpec): Promise<{ url: string; arn: string }>;
  };
  events: {
    putRule(spec: RuleSpec): Promise<void>;
    deleteRule(name: string, eventBusName: string): Promise<void>;
  };
  lambda: {
    putFunction(spec: FunctionSpec): Promise<void>;
    deleteFunction(name: string): Promise<void>;
    putEventInvokeConfig(spec: EventInvokeConfigSpec): Promise<void>;
    /** Replaces any mapping of the same function and queue; returns its UUID. */
    putEventSourceMapping(spec: EventSourceMappingSpec): Promise<string>;
    deleteEventSourceMappings(functionName: string): Promise<void>;
  };
  glue: {
    putJob(spec: GlueJobSpec): Promise<void>;
    deleteJob(name: string): Promise<void>;
  };
}
