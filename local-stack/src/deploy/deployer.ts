import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { removeStaleTempFilesSync, writeJsonAtomicSync } from '../core/persistence';
import { resolveIntrinsics, type IntrinsicContext } from './intrinsics';
import type { DeployTargets, RuleTarget } from './targets';
import type { CfnResource, PackagedService } from './templates';

export interface DeployedResource {
  type: string;
  physicalId: string;
  attributes: Record<string, string>;
}

export interface DeployedStack {
  stackName: string;
  service: string;
  deployedAt: string;
  resources: Record<string, DeployedResource>;
  exports: Record<string, unknown>;
}

export class UnsupportedResourceError extends Error {
  constructor(stackName: string, unsupported: string[]) {
    super(`stack ${stackName} uses resource types the local stack cannot deploy: ${unsupported.join(', ')}`);
    this.name = 'UnsupportedResourceError';
  }
}

export interface DeployerOptions {
  /** Repository root: Glue script sources in template Metadata are relative to it. */
  root: string;
  stateDir: string;
  accountId: string;
  region: string;
  targets: DeployTargets;
  log?: (message: string) => void;
}

type Properties = Record<string, unknown>;
type Created = { physicalId: string; attributes?: Record<string, string> };
type ResourceHandler = (logicalId: string, properties: Properties, resource: CfnResource) => Promise<Created>;

/** The template Metadata key naming the repository file a Glue job's script is uploaded from. */
export const GLUE_SCRIPT_SOURCE = 'ml-pipeline:script-source';
/** The modules the script imports (Metadata, paths from the repository root): uploaded beside the script. */
export const GLUE_EXTRA_PY_FILES_SOURCE = 'ml-pipeline:extra-py-files-source';

/**
 * Deploys packaged Serverless templates into the local stack, the way CloudFormation would: resources
 * in dependency order, intrinsic functions resolved, physical names generated where the template gives
 * none. Redeploying a stack replaces its functions, rules, mappings and jobs; buckets and queues (the
 * data) are kept, as CloudFormation keeps a resource whose logical id did not change.
 */
export class StackDeployer {
  private readonly stacksFile: string;
  private readonly stacks: Record<string, DeployedStack>;
  private readonly handlers: Record<string, ResourceHandler>;

  constructor(private readonly options: DeployerOptions) {
    const directory = path.join(options.stateDir, 'cloudformation');
    mkdirSync(directory, { recursive: true });
    removeStaleTempFilesSync(directory);
    this.stacksFile = path.join(directory, 'stacks.json');
    this.stacks = readJson(this.stacksFile) ?? {};
    this.handlers = this.resourceHandlers();
  }

  deployedStacks(): DeployedStack[] {
    return Object.values(this.stacks);
  }

  async deploy(service: PackagedService): Promise<DeployedStack> {
    const { template, stackName } = service;
    const unsupported = [
      ...new Set(Object.values(template.Resources).map((resource) => resource.Type).filter((type) => !(type in this.handlers))),
    ];
    if (unsupported.length > 0) throw new UnsupportedResourceError(stackName, unsupported);

    await this.removeReplaceable(stackName);
    const deployed: DeployedStack = { stackName, service: service.name, deployedAt: new Date().toISOString(), resources: {}, exports: {} };
    const context = this.intrinsicContext(service, deployed);
    this.current = { stackName, artifacts: service.artifacts };
    for (const logicalId of deploymentOrder(template.Resources)) {
      const resource = template.Resources[logicalId]!;
      const properties = (resolveIntrinsics(resource.Properties ?? {}, context) ?? {}) as Properties;
      const created = await this.handlers[resource.Type]!(logicalId, properties, resource);
      deployed.resources[logicalId] = { type: resource.Type, physicalId: created.physicalId, attributes: created.attributes ?? {} };
    }
    for (const output of Object.values(template.Outputs ?? {})) {
      if (!output.Export) continue;
      deployed.exports[String(resolveIntrinsics(output.Export.Name, context))] = resolveIntrinsics(output.Value, context);
    }
    this.stacks[stackName] = deployed;
    writeJsonAtomicSync(this.stacksFile, this.stacks);
    this.options.log?.(`deployed ${stackName}: ${Object.keys(deployed.resources).length} resources`);
    return deployed;
  }

  /** The stack being deployed: resource handlers name resources and find artifacts through it. */
  private current: { stackName: string; artifacts: Record<string, string> } = { stackName: '', artifacts: {} };

  private intrinsicContext(service: PackagedService, deployed: DeployedStack): IntrinsicContext {
    const parameters = Object.fromEntries(
      Object.entries(service.template.Parameters ?? {}).map(([name, parameter]) => [name, parameter.Default]),
    );
    return {
      accountId: this.options.accountId,
      region: this.options.region,
      stackName: service.stackName,
      parameters,
      refResource: (logicalId) => this.resourceOf(deployed, logicalId).physicalId,
      getAtt: (logicalId, attribute) => {
        const value = this.resourceOf(deployed, logicalId).attributes[attribute];
        if (value === undefined) throw new Error(`${deployed.stackName}: ${logicalId} has no attribute ${attribute} locally`);
        return value;
      },
      importValue: (name) => {
        for (const stack of Object.values(this.stacks)) if (name in stack.exports) return stack.exports[name];
        throw new Error(`${deployed.stackName}: no stack exports ${name}`);
      },
    };
  }

  private resourceOf(deployed: DeployedStack, logicalId: string): DeployedResource {
    const resource = deployed.resources[logicalId];
    if (!resource) throw new Error(`${deployed.stackName}: ${logicalId} is referenced before it exists`);
    return resource;
  }

  /** Functions, rules, mappings and jobs of the previous deployment go; the new template recreates its own. */
  private async removeReplaceable(stackName: string): Promise<void> {
    const previous = this.stacks[stackName];
    if (!previous) return;
    const { targets } = this.options;
    for (const resource of Object.values(previous.resources)) {
      if (resource.type === 'AWS::Events::Rule') {
        await targets.events.deleteRule(resource.physicalId, resource.attributes.EventBusName ?? 'default');
      } else if (resource.type === 'AWS::Lambda::Function') {
        await targets.lambda.deleteEventSourceMappings(resource.physicalId);
        await targets.lambda.deleteFunction(resource.physicalId);
      } else if (resource.type === 'AWS::Glue::Job') {
        await targets.glue.deleteJob(resource.physicalId);
      }
    }
  }

  private arn(service: string, resource: string): string {
    return `arn:aws:${service}:${this.options.region}:${this.options.accountId}:${resource}`;
  }

  private resourceHandlers(): Record<string, ResourceHandler> {
    const { targets, accountId } = this.options;
    const recordOnly: ResourceHandler = async (logicalId) => ({ physicalId: logicalId });
    return {
      'AWS::S3::Bucket': async (logicalId, properties) => {
        const name = optionalString(properties.BucketName) ?? generatedName(this.current.stackName, logicalId, 63).toLowerCase();
        await targets.s3.ensureBucket({
          name,
          versioning: (properties.VersioningConfiguration as { Status?: string } | undefined)?.Status === 'Enabled',
          eventBridge:
            (properties.NotificationConfiguration as { EventBridgeConfiguration?: { EventBridgeEnabled?: boolean } } | undefined)
              ?.EventBridgeConfiguration?.EventBridgeEnabled === true,
          properties,
        });
        return {
          physicalId: name,
          attributes: {
            Arn: `arn:aws:s3:::${name}`,
            DomainName: `${name}.s3.amazonaws.com`,
            RegionalDomainName: `${name}.s3.${this.options.region}.amazonaws.com`,
          },
        };
      },
      'AWS::S3::BucketPolicy': recordOnly,
      'AWS::SQS::Queue': async (logicalId, properties) => {
        const name = optionalString(properties.QueueName) ?? generatedName(this.current.stackName, logicalId, 80);
        const attributes: Record<string, string> = {};
        for (const [key, value] of Object.entries(properties)) {
          if (key === 'QueueName' || key === 'Tags') continue;
          attributes[key] = typeof value === 'string' ? value : JSON.stringify(value);
        }
        const queue = await targets.sqs.ensureQueue({ name, attributes });
        return { physicalId: queue.url, attributes: { Arn: queue.arn, QueueName: name, QueueUrl: queue.url } };
      },
      'AWS::SQS::QueuePolicy': recordOnly,
      'AWS::IAM::Role': async (logicalId, properties) => {
        const name = optionalString(properties.RoleName) ?? generatedName(this.current.stackName, logicalId, 64);
        return { physicalId: name, attributes: { Arn: `arn:aws:iam::${accountId}:role/${name}`, RoleId: name } };
      },
      'AWS::IAM::Policy': recordOnly,
      'AWS::IAM::ManagedPolicy': async (logicalId) => ({ physicalId: `arn:aws:iam::${accountId}:policy/${logicalId}` }),
      'AWS::Logs::LogGroup': async (logicalId, properties) => {
        const name = optionalString(properties.LogGroupName) ?? logicalId;
        return { physicalId: name, attributes: { Arn: this.arn('logs', `log-group:${name}:*`) } };
      },
      'AWS::Lambda::Function': async (logicalId, properties) => {
        const name = optionalString(properties.FunctionName) ?? generatedName(this.current.stackName, logicalId, 64);
        const zipFile = this.current.artifacts[logicalId];
        if (!zipFile) throw new Error(`function ${logicalId} has no packaged artifact`);
        await targets.lambda.putFunction({
          name,
          handler: String(properties.Handler),
          runtime: String(properties.Runtime ?? 'nodejs20.x'),
          zipFile,
          environment: (properties.Environment as { Variables?: Record<string, string> } | undefined)?.Variables ?? {},
          timeoutSeconds: Number(properties.Timeout ?? 3),
          memoryMb: Number(properties.MemorySize ?? 128),
          role: optionalString(properties.Role),
        });
        return { physicalId: name, attributes: { Arn: this.arn('lambda', `function:${name}`) } };
      },
      'AWS::Lambda::Version': async (_logicalId, properties) => {
        const arn = this.arn('lambda', `function:${String(properties.FunctionName)}:1`);
        return { physicalId: arn, attributes: { Version: '1' } };
      },
      'AWS::Lambda::Permission': recordOnly,
      'AWS::Lambda::EventInvokeConfig': async (logicalId, properties) => {
        const destination = properties.DestinationConfig as { OnFailure?: { Destination?: string } } | undefined;
        await targets.lambda.putEventInvokeConfig({
          functionName: functionNameOf(properties.FunctionName),
          maximumRetryAttempts: optionalNumber(properties.MaximumRetryAttempts),
          maximumEventAgeInSeconds: optionalNumber(properties.MaximumEventAgeInSeconds),
          onFailureArn: destination?.OnFailure?.Destination,
        });
        return { physicalId: logicalId };
      },
      'AWS::Lambda::EventSourceMapping': async (_logicalId, properties) => {
        const uuid = await targets.lambda.putEventSourceMapping({
          functionName: functionNameOf(properties.FunctionName),
          queueArn: String(properties.EventSourceArn),
          batchSize: optionalNumber(properties.BatchSize) ?? 10,
          maximumBatchingWindowSeconds: optionalNumber(properties.MaximumBatchingWindowInSeconds) ?? 0,
          reportBatchItemFailures: ((properties.FunctionResponseTypes as string[] | undefined) ?? []).includes('ReportBatchItemFailures'),
          enabled: properties.Enabled !== false,
        });
        return { physicalId: uuid };
      },
      'AWS::Events::Rule': async (logicalId, properties) => {
        const name = optionalString(properties.Name) ?? generatedName(this.current.stackName, logicalId, 64);
        const eventBusName = optionalString(properties.EventBusName)?.split('/').pop() ?? 'default';
        const pattern = typeof properties.EventPattern === 'string' ? JSON.parse(properties.EventPattern) : properties.EventPattern;
        await targets.events.putRule({
          name,
          eventBusName,
          pattern: pattern as Record<string, unknown>,
          enabled: properties.State !== 'DISABLED',
          description: optionalString(properties.Description),
          targets: ((properties.Targets as Properties[] | undefined) ?? []).map(ruleTarget),
        });
        return { physicalId: name, attributes: { Arn: this.arn('events', `rule/${name}`), EventBusName: eventBusName } };
      },
      'AWS::Glue::Job': async (logicalId, properties, resource) => {
        const name = optionalString(properties.Name) ?? generatedName(this.current.stackName, logicalId, 255);
        const command = properties.Command as { Name: string; ScriptLocation: string; PythonVersion?: string };
        await this.uploadGlueScript(resource, command.ScriptLocation);
        await targets.glue.putJob({
          name,
          role: optionalString(properties.Role),
          command,
          defaultArguments: (properties.DefaultArguments as Record<string, string> | undefined) ?? {},
          maxConcurrentRuns: (properties.ExecutionProperty as { MaxConcurrentRuns?: number } | undefined)?.MaxConcurrentRuns ?? 1,
          timeoutMinutes: optionalNumber(properties.Timeout),
          maxCapacity: optionalNumber(properties.MaxCapacity),
          description: optionalString(properties.Description),
        });
        return { physicalId: name };
      },
    };
  }

  /**
   * The script a Glue job runs, and the modules it imports (uploaded beside it, under their file names, where
   * --extra-py-files finds them), are uploaded from the repository, as the ingestion service's deploy plugin
   * does on AWS.
   */
  private async uploadGlueScript(resource: CfnResource, scriptLocation: string): Promise<void> {
    const source = resource.Metadata?.[GLUE_SCRIPT_SOURCE];
    if (typeof source !== 'string') return;
    const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(scriptLocation);
    if (!match) throw new Error(`Glue ScriptLocation ${scriptLocation} is not an s3:// URI`);
    const bucket = match[1]!;
    const key = match[2]!;
    const modules = (resource.Metadata?.[GLUE_EXTRA_PY_FILES_SOURCE] as string[] | undefined) ?? [];
    const files = [{ key, source }, ...modules.map((module) => ({ key: key.replace(/[^/]*$/, path.posix.basename(module)), source: module }))];
    for (const file of files) {
      await this.options.targets.s3.putObject(bucket, file.key, readFileSync(path.join(this.options.root, file.source)));
    }
  }
}

/** CloudFormation-style generated names: stable for a stack and logical id, so a redeploy finds the same resource. */
function generatedName(scope: string, logicalId: string, maxLength: number): string {
  const suffix = createHash('sha256').update(`${scope}/${logicalId}`).digest('hex').slice(0, 12).toUpperCase();
  const head = `${scope}-${logicalId}`.slice(0, maxLength - suffix.length - 1);
  return `${head}-${suffix}`;
}

function ruleTarget(target: Properties): RuleTarget {
  const retry = target.RetryPolicy as { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number } | undefined;
  return {
    id: String(target.Id),
    arn: String(target.Arn),
    input: optionalString(target.Input),
    inputPath: optionalString(target.InputPath),
    retryPolicy: retry && { maximumRetryAttempts: retry.MaximumRetryAttempts, maximumEventAgeInSeconds: retry.MaximumEventAgeInSeconds },
    deadLetterArn: (target.DeadLetterConfig as { Arn?: string } | undefined)?.Arn,
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

/** Logical ids ordered so every resource comes after those it references (Ref, GetAtt, Sub, DependsOn). */
export function deploymentOrder(resources: Record<string, CfnResource>): string[] {
  const ids = Object.keys(resources);
  const dependencies = new Map(ids.map((id) => [id, referencedIds(resources[id]!, ids)]));
  const ordered: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, trail: string[]) => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting') throw new Error(`circular dependency: ${[...trail, id].join(' -> ')}`);
    state.set(id, 'visiting');
    for (const dependency of [...dependencies.get(id)!].sort()) visit(dependency, [...trail, id]);
    state.set(id, 'done');
    ordered.push(id);
  };
  for (const id of [...ids].sort()) visit(id, []);
  return ordered;
}

function referencedIds(resource: CfnResource, ids: string[]): Set<string> {
  const found = new Set<string>([resource.DependsOn ?? []].flat());
  const known = new Set(ids);
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(walk);
    if (value === null || typeof value !== 'object') return;
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      if (key === 'Ref' && typeof item === 'string' && known.has(item)) found.add(item);
      else if (key === 'Fn::GetAtt') {
        const target = Array.isArray(item) ? item[0] : String(item).split('.')[0];
        if (typeof target === 'string' && known.has(target)) found.add(target);
      } else if (key === 'Fn::Sub') {
        const text = Array.isArray(item) ? String(item[0]) : String(item);
        for (const match of text.matchAll(/\$\{([^}!.]+)(?:\.[^}]*)?\}/g)) if (known.has(match[1]!)) found.add(match[1]!);
        if (Array.isArray(item)) walk(item[1]);
      } else walk(item);
    }
  };
  walk(resource.Properties ?? {});
  return found;
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
