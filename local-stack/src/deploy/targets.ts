/**
 * What CloudFormation's resource layer (resources.ts) needs from the providers, in CloudFormation's
 * terms. The stack's composition root adapts each provider to this, so the resource layer knows
 * templates and nothing of provider internals. Deletes of what is already gone succeed (as
 * CloudFormation's delete handlers do); anything else a provider refuses is thrown as its AWS error.
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
  inputTransformer?: { inputPathsMap?: Record<string, string>; inputTemplate: string };
  retryPolicy?: { maximumRetryAttempts?: number; maximumEventAgeInSeconds?: number };
  deadLetterArn?: string;
  /** SqsParameters.MessageGroupId: the group of the messages sent to a FIFO queue. */
  sqsMessageGroupId?: string;
}

export interface RuleSpec {
  name: string;
  eventBusName: string;
  /** The rule's EventPattern, its ScheduleExpression, or both. */
  pattern?: Record<string, unknown>;
  scheduleExpression?: string;
  enabled: boolean;
  description?: string;
  targets: RuleTarget[];
}

export interface FunctionSpec {
  name: string;
  handler: string;
  runtime: string;
  /** The code: a .zip package, or a folder (inline `ZipFile` code). */
  zipFile?: string;
  codeDir?: string;
  description?: string;
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

export interface LogGroupSpec {
  name: string;
  /** Undefined: the events never expire. */
  retentionInDays?: number;
}

export interface ModelPackageGroupSpec {
  name: string;
  description?: string;
  tags: Array<{ Key: string; Value: string }>;
}

export interface DeployTargets {
  s3: {
    bucketExists(name: string): Promise<boolean>;
    /** Creates the bucket if it does not exist, then applies the configuration. */
    ensureBucket(spec: BucketSpec): Promise<void>;
    /** Fails as S3 does when the bucket still holds objects (BucketNotEmpty). */
    deleteBucket(name: string): Promise<void>;
    /** The file that holds an object's bytes (a function's code package). */
    objectFile(bucket: string, key: string): Promise<string>;
  };
  sqs: {
    queueExists(name: string): Promise<boolean>;
    /** Creates the queue or brings an existing one's attributes up to date (messages kept). */
    ensureQueue(spec: QueueSpec): Promise<{ url: string; arn: string }>;
    deleteQueue(name: string): Promise<void>;
  };
  events: {
    /** Creates or replaces the rule and its targets. */
    putRule(spec: RuleSpec): Promise<void>;
    deleteRule(name: string, eventBusName: string): Promise<void>;
  };
  lambda: {
    functionExists(name: string): Promise<boolean>;
    /** Creates the function or replaces its code and configuration. */
    putFunction(spec: FunctionSpec): Promise<void>;
    deleteFunction(name: string): Promise<void>;
    putEventInvokeConfig(spec: EventInvokeConfigSpec): Promise<void>;
    deleteEventInvokeConfig(functionName: string): Promise<void>;
    /** Returns the mapping's UUID. */
    createEventSourceMapping(spec: EventSourceMappingSpec): Promise<string>;
    deleteEventSourceMapping(uuid: string): Promise<void>;
  };
  logs: {
    logGroupExists(name: string): Promise<boolean>;
    /** Creates the group if it does not exist, then sets its retention (events kept). */
    putLogGroup(spec: LogGroupSpec): Promise<void>;
    deleteLogGroup(name: string): Promise<void>;
  };
  glue: {
    /** Creates or replaces the job. */
    putJob(spec: GlueJobSpec): Promise<void>;
    deleteJob(name: string): Promise<void>;
  };
  sagemaker: {
    modelPackageGroupExists(name: string): Promise<boolean>;
    /** Creates the group, or sets an existing one's tags; returns its ARN and creation time (epoch ms). */
    putModelPackageGroup(spec: ModelPackageGroupSpec): Promise<{ arn: string; creationTime: number }>;
    /** Refused with SageMaker's ConflictException while the group holds versions. */
    deleteModelPackageGroup(name: string): Promise<void>;
  };
}
