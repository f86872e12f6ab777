/**
 * CloudFormation's resource layer: what creating, updating and deleting each resource type of a
 * template means in the local stack's providers (reached through DeployTargets). The engine
 * (providers/cloudformation/model/engine.ts) decides when; this decides how. Every handler gets properties
 * with intrinsic functions already resolved, and returns the physical id and the attributes
 * Fn::GetAtt reads. A type without a handler fails its resource, naming the type, and the engine
 * rolls the stack back.
 */
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { removeStaleTempFilesSync, writeFileAtomicSync } from '../core/persistence';
import type { DeployTargets, RuleTarget } from './targets';
import type { CfnResource } from './templates';

export type Properties = Record<string, unknown>;

export interface ResourceContext {
  stackName: string;
  logicalId: string;
  /** The resource as the template declares it (Metadata, DeletionPolicy, ...). */
  resource: CfnResource;
}

export interface Provisioned {
  physicalId: string;
  attributes: Record<string, string>;
}

export interface ResourceHandler {
  /**
   * Properties whose change replaces the resource, as CloudFormation documents them ("Update requires:
   * Replacement"): a new resource is created and the old one deleted once the update is complete.
   * `'any'` for resources that are immutable.
   */
  replaceOn: readonly string[] | 'any';
  create(properties: Properties, context: ResourceContext): Promise<Provisioned>;
  /** An update in place; without one, the handler's create is run again (its targets replace what they find). */
  update?(properties: Properties, previous: Provisioned, context: ResourceContext): Promise<Provisioned>;
  delete(previous: Provisioned & { properties: Properties }, context: ResourceContext): Promise<void>;
}

/** A resource operation that failed for a reason the stack events should state. */
export class ResourceFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResourceFailure';
  }
}

export interface ResourceLayerOptions {
  targets: DeployTargets;
  accountId: string;
  region: string;
  /** Where inline (`Code.ZipFile`) function sources are written. */
  inlineCodeDir: string;
}

export class ResourceLayer {
  private readonly handlers: Record<string, ResourceHandler>;

  constructor(private readonly options: ResourceLayerOptions) {
    this.handlers = this.createHandlers();
  }

  supportedTypes(): string[] {
    return Object.keys(this.handlers).sort();
  }

  handler(type: string): ResourceHandler {
    const handler = this.handlers[type];
    if (!handler) {
      throw new ResourceFailure(`Resource type ${type} is not supported by the local stack (it creates ${this.supportedTypes().join(', ')})`);
    }
    return handler;
  }

  private arn(service: string, resource: string): string {
    return `arn:aws:${service}:${this.options.region}:${this.options.accountId}:${resource}`;
  }

  private createHandlers(): Record<string, ResourceHandler> {
    const { targets, accountId } = this.options;
    /** Resources the local stack records without an effect of their own (policies are not enforced yet). */
    const recorded = (physicalId: (properties: Properties, context: ResourceContext) => string, replaceOn: readonly string[] | 'any' = []): ResourceHandler => ({
      replaceOn,
      create: async (properties, context) => ({ physicalId: physicalId(properties, context), attributes: {} }),
      update: async (_properties, previous) => previous,
      delete: async () => undefined,
    });
    const refusingExisting = async (exists: Promise<boolean>, name: string, type: string) => {
      if (await exists) throw new ResourceFailure(`${name} already exists (CloudFormation does not adopt an existing ${type}: delete it, or give the resource another name)`);
    };

    const bucket: ResourceHandler = {
      replaceOn: ['BucketName'],
      create: async (properties, context) => {
        const name = optionalString(properties.BucketName) ?? generatedName(context, 63).toLowerCase();
        await refusingExisting(targets.s3.bucketExists(name), name, 'bucket');
        return configureBucket(name, properties);
      },
      update: async (properties, previous) => configureBucket(previous.physicalId, properties),
      delete: async (previous) => targets.s3.deleteBucket(previous.physicalId),
    };
    const configureBucket = async (name: string, properties: Properties): Promise<Provisioned> => {
      await targets.s3.ensureBucket({
        name,
        versioning: (properties.VersioningConfiguration as { Status?: string } | undefined)?.Status === 'Enabled',
        eventBridge: (properties.NotificationConfiguration as { EventBridgeConfiguration?: { EventBridgeEnabled?: boolean } } | undefined)?.EventBridgeConfiguration?.EventBridgeEnabled === true,
        properties,
      });
      return {
        physicalId: name,
        attributes: {
          Arn: `arn:aws:s3:::${name}`,
          DomainName: `${name}.s3.amazonaws.com`,
          RegionalDomainName: `${name}.s3.${this.options.region}.amazonaws.com`,
          WebsiteURL: `http://${name}.s3-website-${this.options.region}.amazonaws.com`,
        },
      };
    };

    const queue: ResourceHandler = {
      replaceOn: ['QueueName', 'FifoQueue'],
      create: async (properties, context) => {
        const fifo = properties.FifoQueue === true || properties.FifoQueue === 'true';
        const name = optionalString(properties.QueueName) ?? `${generatedName(context, fifo ? 75 : 80)}${fifo ? '.fifo' : ''}`;
        await refusingExisting(targets.sqs.queueExists(name), name, 'queue');
        return configureQueue(name, properties);
      },
      update: async (properties, previous) => configureQueue(previous.attributes.QueueName ?? previous.physicalId, properties),
      delete: async (previous) => targets.sqs.deleteQueue(previous.attributes.QueueName ?? previous.physicalId),
    };
    const configureQueue = async (name: string, properties: Properties): Promise<Provisioned> => {
      const attributes: Record<string, string> = {};
      for (const [key, value] of Object.entries(properties)) {
        if (key === 'QueueName' || key === 'Tags') continue;
        attributes[key] = typeof value === 'string' ? value : JSON.stringify(value);
      }
      const created = await targets.sqs.ensureQueue({ name, attributes });
      return { physicalId: created.url, attributes: { Arn: created.arn, QueueName: name, QueueUrl: created.url } };
    };

    const lambdaFunction: ResourceHandler = {
      replaceOn: ['FunctionName'],
      create: async (properties, context) => {
        const name = optionalString(properties.FunctionName) ?? generatedName(context, 64);
        await refusingExisting(targets.lambda.functionExists(name), name, 'function');
        return putFunction(name, properties, context);
      },
      update: async (properties, previous, context) => putFunction(previous.physicalId, properties, context),
      delete: async (previous) => targets.lambda.deleteFunction(previous.physicalId),
    };
    const putFunction = async (name: string, properties: Properties, context: ResourceContext): Promise<Provisioned> => {
      if (properties.Role === undefined) throw new ResourceFailure(`Properties validation failed for resource ${context.logicalId} with message: #: required key [Role] not found`);
      const runtime = optionalString(properties.Runtime);
      if (!runtime) throw new ResourceFailure(`Properties validation failed for resource ${context.logicalId} with message: #: Runtime is required for a .zip package`);
      await targets.lambda.putFunction({
        name,
        handler: String(properties.Handler ?? 'index.handler'),
        runtime,
        ...(await this.functionCode(properties.Code as FunctionCode | undefined, runtime, context)),
        environment: (properties.Environment as { Variables?: Record<string, string> } | undefined)?.Variables ?? {},
        timeoutSeconds: Number(properties.Timeout ?? 3),
        memoryMb: Number(properties.MemorySize ?? 128),
        role: optionalString(properties.Role),
        description: optionalString(properties.Description),
      });
      return { physicalId: name, attributes: { Arn: this.arn('lambda', `function:${name}`) } };
    };

    const rule: ResourceHandler = {
      replaceOn: ['Name', 'EventBusName'],
      create: async (properties, context) => putRule(optionalString(properties.Name) ?? generatedName(context, 64), properties),
      update: async (properties, previous) => putRule(previous.physicalId, properties),
      delete: async (previous) => targets.events.deleteRule(previous.physicalId, previous.attributes.EventBusName ?? 'default'),
    };
    const putRule = async (name: string, properties: Properties): Promise<Provisioned> => {
      const eventBusName = optionalString(properties.EventBusName)?.split('/').pop() ?? 'default';
      const pattern = typeof properties.EventPattern === 'string' ? JSON.parse(properties.EventPattern) : properties.EventPattern;
      await targets.events.putRule({
        name,
        eventBusName,
        pattern: pattern as Record<string, unknown> | undefined,
      scheduleExpression: optionalString(properties.ScheduleExpression),
        enabled: properties.State !== 'DISABLED',
        description: optionalString(properties.Description),
        targets: ((properties.Targets as Properties[] | undefined) ?? []).map(ruleTarget),
      });
      const arn = eventBusName === 'default' ? this.arn('events', `rule/${name}`) : this.arn('events', `rule/${eventBusName}/${name}`);
      return { physicalId: name, attributes: { Arn: arn, EventBusName: eventBusName } };
    };

    const logGroup: ResourceHandler = {
      replaceOn: ['LogGroupName'],
      create: async (properties, context) => {
        const name = optionalString(properties.LogGroupName) ?? generatedName(context, 512);
        if (await targets.logs.logGroupExists(name)) throw new ResourceFailure(`Resource of type 'AWS::Logs::LogGroup' with identifier '${name}' already exists.`);
        return putLogGroup(name, properties);
      },
      update: async (properties, previous) => putLogGroup(previous.physicalId, properties),
      delete: async (previous) => targets.logs.deleteLogGroup(previous.physicalId),
    };
    const putLogGroup = async (name: string, properties: Properties): Promise<Provisioned> => {
      await targets.logs.putLogGroup({ name, retentionInDays: optionalNumber(properties.RetentionInDays) });
      return { physicalId: name, attributes: { Arn: this.arn('logs', `log-group:${name}:*`) } };
    };

    const glueJob: ResourceHandler = {
      replaceOn: ['Name'],
      create: async (properties, context) => putJob(optionalString(properties.Name) ?? generatedName(context, 255), properties),
      update: async (properties, previous) => putJob(previous.physicalId, properties),
      delete: async (previous) => targets.glue.deleteJob(previous.physicalId),
    };
    const putJob = async (name: string, properties: Properties): Promise<Provisioned> => {
      await targets.glue.putJob({
        name,
        role: optionalString(properties.Role),
        command: properties.Command as { Name: string; ScriptLocation: string; PythonVersion?: string },
        defaultArguments: (properties.DefaultArguments as Record<string, string> | undefined) ?? {},
        maxConcurrentRuns: (properties.ExecutionProperty as { MaxConcurrentRuns?: number } | undefined)?.MaxConcurrentRuns ?? 1,
        timeoutMinutes: optionalNumber(properties.Timeout),
        maxCapacity: optionalNumber(properties.MaxCapacity),
        description: optionalString(properties.Description),
      });
      return { physicalId: name, attributes: {} };
    };

    // Ref is the group's ARN, as CloudFormation documents it. Deleting a group that still holds versions
    // fails (DELETE_FAILED, SageMaker's ConflictException), as on AWS: the versions are a model's record,
    // never deleted as a side effect (local-stack/README.md, "answers differently on purpose").
    const modelPackageGroup: ResourceHandler = {
      replaceOn: ['ModelPackageGroupName', 'ModelPackageGroupDescription'],
      create: async (properties, context) => {
        const name = optionalString(properties.ModelPackageGroupName) ?? generatedName(context, 63);
        await refusingExisting(targets.sagemaker.modelPackageGroupExists(name), name, 'model package group');
        return putModelPackageGroup(name, properties);
      },
      update: async (properties, previous) => putModelPackageGroup(previous.attributes.ModelPackageGroupName ?? previous.physicalId, properties),
      delete: async (previous) => targets.sagemaker.deleteModelPackageGroup(previous.attributes.ModelPackageGroupName ?? previous.physicalId),
    };
    const putModelPackageGroup = async (name: string, properties: Properties): Promise<Provisioned> => {
      const tags = ((properties.Tags as Array<{ Key: string; Value?: string }> | undefined) ?? []).map((tag) => ({ Key: String(tag.Key), Value: String(tag.Value ?? '') }));
      const { arn, creationTime } = await targets.sagemaker.putModelPackageGroup({ name, description: optionalString(properties.ModelPackageGroupDescription), tags });
      return {
        physicalId: arn,
        attributes: { ModelPackageGroupArn: arn, ModelPackageGroupName: name, CreationTime: new Date(creationTime).toISOString(), ModelPackageGroupStatus: 'Completed' },
      };
    };

    return {
      'AWS::S3::Bucket': bucket,
      'AWS::S3::BucketPolicy': recorded((properties) => String(properties.Bucket), ['Bucket']),
      'AWS::SQS::Queue': queue,
      'AWS::SQS::QueuePolicy': recorded((_properties, context) => generatedName(context, 128)),
      // Roles and policies are kept, resolved, in the engine's state (ResourceRecord.properties) for the
      // IAM enforcement to read; creating one has no other effect yet.
      'AWS::IAM::Role': {
        replaceOn: ['RoleName', 'Path'],
        create: async (properties, context) => {
          const name = optionalString(properties.RoleName) ?? generatedName(context, 64);
          const rolePath = optionalString(properties.Path) ?? '/';
          return { physicalId: name, attributes: { Arn: `arn:aws:iam::${accountId}:role${rolePath}${name}`, RoleId: `AROA${createHash('sha256').update(name).digest('hex').slice(0, 17).toUpperCase()}` } };
        },
        update: async (_properties, previous) => previous,
        delete: async () => undefined,
      },
      'AWS::IAM::Policy': recorded((_properties, context) => generatedName(context, 128)),
      'AWS::IAM::ManagedPolicy': {
        replaceOn: ['ManagedPolicyName', 'Path'],
        create: async (properties, context) => ({
          physicalId: `arn:aws:iam::${accountId}:policy${optionalString(properties.Path) ?? '/'}${optionalString(properties.ManagedPolicyName) ?? generatedName(context, 128)}`,
          attributes: {},
        }),
        update: async (_properties, previous) => previous,
        delete: async () => undefined,
      },
      'AWS::Logs::LogGroup': logGroup,
      'AWS::Lambda::Function': lambdaFunction,
      // Versions are immutable: any change is a new version. The local stack serves $LATEST.
      'AWS::Lambda::Version': {
        replaceOn: 'any',
        create: async (properties) => {
          const functionName = functionNameOf(properties.FunctionName);
          return { physicalId: this.arn('lambda', `function:${functionName}:1`), attributes: { Version: '1', FunctionArn: this.arn('lambda', `function:${functionName}`) } };
        },
        delete: async () => undefined,
      },
      'AWS::Lambda::Permission': recorded((properties, context) => `${functionNameOf(properties.FunctionName)}-${generatedName(context, 64)}`, 'any'),
      'AWS::Lambda::EventInvokeConfig': {
        replaceOn: ['FunctionName', 'Qualifier'],
        create: async (properties, context) => {
          const destination = properties.DestinationConfig as { OnFailure?: { Destination?: string } } | undefined;
          await targets.lambda.putEventInvokeConfig({
            functionName: functionNameOf(properties.FunctionName),
            maximumRetryAttempts: optionalNumber(properties.MaximumRetryAttempts),
            maximumEventAgeInSeconds: optionalNumber(properties.MaximumEventAgeInSeconds),
            onFailureArn: destination?.OnFailure?.Destination,
          });
          return { physicalId: generatedName(context, 64), attributes: {} };
        },
        delete: async (previous) => targets.lambda.deleteEventInvokeConfig(functionNameOf(previous.properties.FunctionName)),
      },
      'AWS::Lambda::EventSourceMapping': {
        replaceOn: ['EventSourceArn', 'StartingPosition'],
        create: async (properties) => {
          const uuid = await targets.lambda.createEventSourceMapping({
            functionName: functionNameOf(properties.FunctionName),
            queueArn: String(properties.EventSourceArn),
            batchSize: optionalNumber(properties.BatchSize) ?? 10,
            maximumBatchingWindowSeconds: optionalNumber(properties.MaximumBatchingWindowInSeconds) ?? 0,
            reportBatchItemFailures: ((properties.FunctionResponseTypes as string[] | undefined) ?? []).includes('ReportBatchItemFailures'),
            enabled: properties.Enabled !== false && properties.Enabled !== 'false',
          });
          return { physicalId: uuid, attributes: { Id: uuid } };
        },
        update: async (properties, previous, context) => {
          await targets.lambda.deleteEventSourceMapping(previous.physicalId);
          return this.handlers['AWS::Lambda::EventSourceMapping']!.create(properties, context);
        },
        delete: async (previous) => targets.lambda.deleteEventSourceMapping(previous.physicalId),
      },
      'AWS::Events::Rule': rule,
      'AWS::Glue::Job': glueJob,
      'AWS::SageMaker::ModelPackageGroup': modelPackageGroup,
    };
  }

  /** A function's code: an S3 object (what `serverless deploy` uploads), or inline source. */
  private async functionCode(code: FunctionCode | undefined, runtime: string, context: ResourceContext): Promise<{ zipFile?: string; codeDir?: string }> {
    if (code?.S3Bucket !== undefined && code.S3Key !== undefined) {
      try {
        return { zipFile: await this.options.targets.s3.objectFile(String(code.S3Bucket), String(code.S3Key)) };
      } catch (error) {
        const { name, message } = error as Error;
        throw new ResourceFailure(`Error occurred while GetObject. S3 Error Code: ${name}. S3 Error Message: ${message} (s3://${code.S3Bucket}/${code.S3Key})`);
      }
    }
    if (typeof code?.ZipFile === 'string') {
      if (!runtime.startsWith('nodejs')) throw new ResourceFailure(`inline ZipFile code is supported for Node.js runtimes only, not ${runtime}`);
      const digest = createHash('sha256').update(code.ZipFile).digest('hex').slice(0, 16);
      const dir = path.join(this.options.inlineCodeDir, `${context.stackName}-${context.logicalId}-${digest}`);
      // The folder is the function's code: no torn file, and nothing a killed write left, in it.
      removeStaleTempFilesSync(dir);
      writeFileAtomicSync(path.join(dir, 'index.js'), code.ZipFile);
      return { codeDir: dir };
    }
    if (code?.ImageUri !== undefined) throw new ResourceFailure('container image functions (Code.ImageUri) are not supported by the local stack');
    throw new ResourceFailure(`Properties validation failed for resource ${context.logicalId} with message: #/Code: S3Bucket and S3Key, or ZipFile, are required`);
  }
}

interface FunctionCode {
  S3Bucket?: unknown;
  S3Key?: unknown;
  ZipFile?: unknown;
  ImageUri?: unknown;
}

/**
 * A name as CloudFormation generates one for a resource the template does not name:
 * `<stack>-<logicalId>-<random suffix>`, shortened to the resource type's limit.
 */
export function generatedName(context: Pick<ResourceContext, 'stackName' | 'logicalId'>, maxLength: number): string {
  const suffix = randomBytes(9).toString('base64').replace(/[^A-Za-z0-9]/g, '').slice(0, 12).toUpperCase().padEnd(12, 'X');
  const head = `${context.stackName}-${context.logicalId}`.slice(0, maxLength - suffix.length - 1);
  return `${head}-${suffix}`;
}

function ruleTarget(target: Properties): RuleTarget {
  const retry = target.RetryPolicy as { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number } | undefined;
  const transformer = target.InputTransformer as { InputPathsMap?: Record<string, string>; InputTemplate?: unknown } | undefined;
  return {
    id: String(target.Id),
    arn: String(target.Arn),
    input: optionalString(target.Input),
    inputPath: optionalString(target.InputPath),
    inputTransformer: transformer && { inputPathsMap: transformer.InputPathsMap, inputTemplate: String(transformer.InputTemplate) },
    retryPolicy: retry && { maximumRetryAttempts: optionalNumber(retry.MaximumRetryAttempts), maximumEventAgeInSeconds: optionalNumber(retry.MaximumEventAgeInSeconds) },
    deadLetterArn: (target.DeadLetterConfig as { Arn?: string } | undefined)?.Arn,
    sqsMessageGroupId: optionalString((target.SqsParameters as { MessageGroupId?: unknown } | undefined)?.MessageGroupId),
  };
}

/** A FunctionName property may hold a name, an ARN, or a qualified ARN. */
function functionNameOf(value: unknown): string {
  const text = String(value);
  const match = /:function:([^:]+)/.exec(text);
  return match ? match[1]! : text;
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function optionalNumber(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const number = Number(value);
  return Number.isFinite(number) ? number : undefined;
}
