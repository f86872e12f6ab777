/**
 * The local stack's composition root: one provider per AWS service behind one HTTP server on
 * 127.0.0.1, the four services packaged by `serverless package` and deployed into it through its own
 * CloudFormation (as `serverless deploy` would: deploy/service-deploy.ts), and `.local/stack.json`
 * written once all of that is ready.
 */
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  HeadBucketCommand,
  DeleteBucketLifecycleCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketVersioningCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { dataBucketName, endpointName, glueJobName, trainingJobPrefix } from '@pipeline/shared';
import { CONSOLE_PREFIX, consolePages } from '../../console/server/pages';
import { CredentialStore, parseLocalKeys, roleSessionPrincipal, type LongTermKey, type RoleAuthorizationPort } from './core/credentials';
import { Authorizer, DeployedRolePolicies, enforcementFromEnvironment, parsePolicyDocument, type PolicyDocument } from './core/iam';
import { parseList } from './core/front-door';
import { createLocalServer, type LocalServer } from './core/server';
import { consoleLogger, silentLogger, type LocalStackLogger } from './core/logger';
import { removeStaleTempFilesSync, writeJsonAtomicSync } from './core/persistence';
import { ACCOUNT_ID, AwsError, type Provider } from './core/types';
import { lifecycleOfTemplate } from './deploy/bucket-lifecycle';
import { packageServices } from './deploy/package';
import { ResourceLayer } from './deploy/resources';
import { deployPackagedService } from './deploy/service-deploy';
import type { DeployTargets } from './deploy/targets';
import { loadPackagedService, SERVICE_NAMES, type ServiceName } from './deploy/templates';
import { createRandom, parseChaosConfig } from './core/chaos';
import { CloudFormationEngine, CloudFormationProvider } from './providers/cloudformation';
import { EcrProvider } from './providers/ecr';
import { EventsProvider } from './providers/events';
import { GlueProvider } from './providers/glue';
import { LambdaProvider } from './providers/lambda';
import { LogsProvider } from './providers/logs';
import { S3Provider } from './providers/s3';
import { SageMakerProvider } from './providers/sagemaker';
import { SesProvider } from './providers/ses';
import { SqsProvider } from './providers/sqs';
import { StsProvider } from './providers/sts';

export const DEFAULT_PORT = 4566;
export const REGION = 'us-east-1';
export const STAGE = 'local';

export interface LocalStackOptions {
  /** The repository root (services, glue_scripts and node_modules are found from it). */
  root: string;
  /** Default `<root>/.local`. */
  localDir?: string;
  /** Default LOCAL_STACK_PORT or 4566; 0 picks a free port. */
  port?: number;
  /** Default LOCAL_STACK_CHAOS. */
  chaos?: string;
  services?: readonly ServiceName[];
  logger?: LocalStackLogger;
  /** Progress lines for a person (packaging, deploying). */
  progress?: (message: string) => void;
}

/** `.local/stack.json`, the contract for everything that talks to the stack. */
export interface StackInfo {
  endpoint: string;
  region: string;
  stage: string;
  dataBucket: string;
  incomingPrefix: string;
  endpointName: string;
  mailDir: string;
  /** The pipeline console, served by the stack on its own origin (console/). */
  consoleUrl: string;
}

export interface RunningStack {
  info: StackInfo;
  infoFile: string;
  providers: StackProviders;
  stop(): Promise<void>;
  timings: { packagingMs: number; deployMs: number; readyMs: number };
}

export interface StackProviders {
  s3: S3Provider;
  sqs: SqsProvider;
  events: EventsProvider;
  lambda: LambdaProvider;
  logs: LogsProvider;
  glue: GlueProvider;
  sagemaker: SageMakerProvider;
  ses: SesProvider;
  sts: StsProvider;
  ecr: EcrProvider;
  cloudformation: CloudFormationProvider;
}

export function localPaths(root: string, localDir = path.join(root, '.local')) {
  return {
    localDir,
    stateDir: path.join(localDir, 'state'),
    mailDir: path.join(localDir, 'mail'),
    infoFile: path.join(localDir, 'stack.json'),
  };
}

/** Settings the stack leaves at their defaults and tests shorten (retry delays) or pin (training threads). */
export interface ProviderTuning {
  eventsRetryBaseDelayMs?: number;
  eventsRetryMaxDelayMs?: number;
  lambdaAsyncRetryBaseDelayMs?: number;
  trainingThreads?: number;
  /** The clock of SQS's FIFO deduplication window and purge interval (tests move it). */
  sqsClock?: () => number;
}

/** The stack's providers, wired to each other; `url` is read when a provider needs the stack's endpoint. */
export function createProviders(options: {
  stateDir: string;
  mailDir: string;
  chaos: string | undefined;
  url: () => string;
  logger: LocalStackLogger;
  tuning?: ProviderTuning;
  /** The long-term keys requests may be signed with (default: local/local and test/test). */
  localKeys?: readonly LongTermKey[];
  /** Evaluate role sessions' requests against their roles' policies (default: LOCAL_STACK_ENFORCE_IAM). */
  enforceIam?: boolean;
}): StackProviders {
  const chaos = parseChaosConfig(options.chaos);
  const tuning = options.tuning ?? {};
  const common = { stateDir: options.stateDir, region: REGION, logger: options.logger };
  // Providers reach each other through these late-bound references: each needs another that is built after it.
  const late: { lambda?: LambdaProvider; sqs?: SqsProvider; engine?: CloudFormationEngine } = {};
  // IAM from the templates: role sessions are evaluated against the roles the CloudFormation engine deployed.
  const authorizer = new Authorizer(new DeployedRolePolicies(() => late.engine?.deployedRoles() ?? []), options.enforceIam ?? enforcementFromEnvironment(), (refusal) =>
    options.logger.warn('IAM refused a request', refusal),
  );
  const credentials = new CredentialStore({ stateDir: options.stateDir, localKeys: options.localKeys, accountId: ACCOUNT_ID });
  const roleCredentials = serviceRoleCredentials(authorizer, credentials);
  const logs = new LogsProvider({ ...common, authorizer });
  const sqs = new SqsProvider({ ...common, baseUrl: options.url, clock: tuning.sqsClock, authorizer });
  const events = new EventsProvider({
    ...common,
    authorizer,
    invokers: {
      lambda: { invokeAsync: (functionArn, payload) => late.lambda!.service.invokeAsync(functionArn, payload) },
      sqs: {
        sendMessage: (queueArn, body, attributes, messageGroupId, rule) => {
          // A rule's delivery is allowed by the queue's policy (AWS::SQS::QueuePolicy), as AWS authorizes it.
          if (rule !== undefined) {
            const policies = queuePolicies(late.engine, sqs.service.queuePolicyOf(queueArn), queueArn);
            authorizer.authorizeServiceDelivery('events.amazonaws.com', 'sqs:SendMessage', queueArn, policies, { 'aws:SourceArn': rule.ruleArn });
          }
          return sqs.service.sendMessageToArn(queueArn, body, attributes, messageGroupId);
        },
      },
    },
    duplicateDeliveries: chaos.duplicateEvents,
    random: createRandom(chaos.seed === undefined ? undefined : chaos.seed + 1),
    retryBaseDelayMs: tuning.eventsRetryBaseDelayMs,
    retryMaxDelayMs: tuning.eventsRetryMaxDelayMs,
  });
  const lambda = new LambdaProvider({
    ...common,
    endpointUrl: options.url,
    queues: sqs.service,
    eventBus: events,
    logs: logs.service,
    invocationFailureRate: chaos.invocationFailureRate,
    random: createRandom(chaos.seed),
    asyncRetryBaseDelayMs: tuning.lambdaAsyncRetryBaseDelayMs,
    roleCredentials: roleCredentials('lambda.amazonaws.com'),
    authorizer,
  });
  late.lambda = lambda;
  late.sqs = sqs;
  const s3 = new S3Provider({ ...common, events, authorizer });
  const services = {
    s3,
    sqs,
    events,
    lambda,
    logs,
    glue: new GlueProvider({
      stateDir: options.stateDir,
      objects: s3,
      events,
      endpointUrl: options.url,
      region: REGION,
      logs: logs.service,
      authorizer,
      roleCredentials: roleCredentials('glue.amazonaws.com'),
      authorizeRole: roleAuthorization(authorizer),
    }),
    sagemaker: new SageMakerProvider({
      stateDir: options.stateDir,
      objects: s3,
      events,
      logger: options.logger,
      trainingThreads: tuning.trainingThreads,
      logs: logs.service,
      authorizer,
      roleCredentials: roleCredentials('sagemaker.amazonaws.com'),
      authorizeRole: roleAuthorization(authorizer),
    }),
    ses: new SesProvider({ stateDir: options.stateDir, mailDir: options.mailDir, logger: options.logger, authorizer }),
    sts: new StsProvider(credentials, authorizer),
  };
  const resources = new ResourceLayer({
    targets: deployTargets(services, options.url),
    accountId: ACCOUNT_ID,
    region: REGION,
    inlineCodeDir: path.join(options.stateDir, 'cloudformation', 'inline-code'),
  });
  const engine = new CloudFormationEngine({
    stateDir: options.stateDir,
    accountId: ACCOUNT_ID,
    region: REGION,
    resources,
    readObject: async (bucket, key) => Buffer.concat(await (await s3.readObject(bucket, key)).toArray()),
    logger: options.logger,
  });
  late.engine = engine;
  return { ...services, ecr: new EcrProvider(authorizer), cloudformation: new CloudFormationProvider(engine, authorizer) };
}

/**
 * The queue's policies: those the deployed AWS::SQS::QueuePolicy resources set on it (matched by name:
 * they name queues by URL) and its own Policy attribute (SetQueueAttributes, AddPermission).
 */
function queuePolicies(engine: CloudFormationEngine | undefined, attribute: unknown, queueArn: string): PolicyDocument[] {
  const name = queueArn.slice(queueArn.lastIndexOf(':') + 1);
  const deployed = (engine?.deployedQueuePolicies() ?? []).filter((policy) => policy.queueUrls.some((url) => url.slice(url.lastIndexOf('/') + 1) === name)).map((policy) => policy.policyDocument);
  return [...deployed, ...(attribute === undefined ? [] : [attribute])].map((document) => parsePolicyDocument(document));
}

/** How long the role credentials of a function instance, Glue run or training job last (STS's longest role session). */
const ROLE_SESSION_SECONDS = 43_200;

/**
 * The role credentials a service gives the code it runs, once the role's trust policy admits the
 * service (`lambda.amazonaws.com`, `glue.amazonaws.com`, `sagemaker.amazonaws.com`). None while IAM is
 * not enforced: the code then signs as the account root with the local keys.
 */
function serviceRoleCredentials(authorizer: Authorizer, store: CredentialStore) {
  return (service: string) =>
    authorizer.enforced
      ? (roleArn: string, sessionName: string) => {
          const principal = roleSessionPrincipal(roleArn, sessionName);
          if (principal === undefined) return undefined;
          authorizer.authorizeServiceAssumeRole(service, principal.roleName!, roleArn);
          return store.issueTemporary(principal, ROLE_SESSION_SECONDS);
        }
      : undefined;
}

/** In-process work a service does with a role (Glue reading its script, SageMaker its channels), authorized as a session of the role. */
function roleAuthorization(authorizer: Authorizer): RoleAuthorizationPort {
  return (roleArn, sessionName, service, action, resource, context) => {
    const principal = roleSessionPrincipal(roleArn, sessionName);
    if (principal !== undefined) authorizer.authorize(service, principal, [{ action, resource, context }]);
  };
}

/** The providers in the order the server starts them (and stops them in reverse). */
export function providersInStartOrder(providers: StackProviders): Provider[] {
  // CloudWatch Logs first (stopped last: what the others print while they stop is kept), SQS before EventBridge
  // before Lambda, CloudFormation last: stopped in reverse, nothing in flight is dropped.
  return [providers.logs, providers.s3, providers.sqs, providers.events, providers.lambda, providers.glue, providers.sagemaker, providers.ses, providers.sts, providers.ecr, providers.cloudformation];
}

/**
 * CloudFormation's view of the providers (deploy/targets.ts). S3 is configured through its own API,
 * as CloudFormation would; the others are called in-process.
 */
function deployTargets(providers: Omit<StackProviders, 'cloudformation' | 'ecr'>, url: () => string): DeployTargets {
  let client: S3Client | undefined;
  const s3 = () => (client ??= new S3Client({ endpoint: url(), region: REGION, forcePathStyle: true, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }));
  const { lambda, events, sqs, glue, logs, sagemaker } = providers;
  const ignoring = (...codes: string[]) => (error: unknown) => {
    if (!codes.includes((error as Error).name)) throw error;
  };
  return {
    s3: {
      bucketExists: async (name) => {
        try {
          await s3().send(new HeadBucketCommand({ Bucket: name }));
          return true;
        } catch (error) {
          if ((error as Error).name === 'NotFound' || (error as Error).name === 'NoSuchBucket') return false;
          throw error;
        }
      },
      ensureBucket: async (spec) => {
        await s3().send(new CreateBucketCommand({ Bucket: spec.name })).catch(ignoring('BucketAlreadyOwnedByYou'));
        if (spec.versioning) await s3().send(new PutBucketVersioningCommand({ Bucket: spec.name, VersioningConfiguration: { Status: 'Enabled' } }));
        await s3().send(
          new PutBucketNotificationConfigurationCommand({
            Bucket: spec.name,
            NotificationConfiguration: spec.eventBridge ? { EventBridgeConfiguration: {} } : {},
          }),
        );
        // The rules as CloudFormation sets them (an update without them removes them); S3 applies them from now on.
        const lifecycle = lifecycleOfTemplate(spec.properties.LifecycleConfiguration);
        if (lifecycle) await s3().send(new PutBucketLifecycleConfigurationCommand({ Bucket: spec.name, LifecycleConfiguration: lifecycle }));
        else await s3().send(new DeleteBucketLifecycleCommand({ Bucket: spec.name }));
      },
      deleteBucket: async (name) => {
        await s3().send(new DeleteBucketCommand({ Bucket: name })).catch(ignoring('NoSuchBucket'));
      },
      objectFile: (bucket, key) => providers.s3.objectPath(bucket, key),
    },
    sqs: {
      queueExists: async (name) => sqs.service.listQueues(name).some((queue) => queue.name === name),
      ensureQueue: async (spec) => {
        const queue = sqs.service.ensureQueue(spec.name, spec.attributes);
        return { url: sqs.service.queueUrl(spec.name), arn: queue.arn };
      },
      deleteQueue: async (name) => {
        const queue = sqs.service.listQueues(name).find((candidate) => candidate.name === name);
        if (queue) sqs.service.deleteQueue(queue);
      },
    },
    events: {
      putRule: async (spec) => {
        events.putRule({ name: spec.name, eventBusName: spec.eventBusName, eventPattern: spec.pattern, scheduleExpression: spec.scheduleExpression, state: spec.enabled ? 'ENABLED' : 'DISABLED', description: spec.description });
        // Targets go through PutTargets' validation; a target that fails fails the resource, as
        // CloudFormation fails an AWS::Events::Rule whose PutTargets answers FailedEntries.
        const failed = events.setTargets(
          spec.name,
          spec.targets.map((target) => ({
            Id: target.id,
            Arn: target.arn,
            Input: target.input,
            InputPath: target.inputPath,
            InputTransformer: target.inputTransformer && { InputPathsMap: target.inputTransformer.inputPathsMap, InputTemplate: target.inputTransformer.inputTemplate },
            RetryPolicy: target.retryPolicy && { MaximumRetryAttempts: target.retryPolicy.maximumRetryAttempts, MaximumEventAgeInSeconds: target.retryPolicy.maximumEventAgeInSeconds },
            DeadLetterConfig: target.deadLetterArn ? { Arn: target.deadLetterArn } : undefined,
            SqsParameters: target.sqsMessageGroupId === undefined ? undefined : { MessageGroupId: target.sqsMessageGroupId },
          })),
          spec.eventBusName,
        );
        if (failed.length > 0) throw new AwsError('ValidationException', failed.map((entry) => `${entry.TargetId}: ${entry.ErrorMessage}`).join('; '));
      },
      deleteRule: async (name, eventBusName) => {
        try {
          events.setTargets(name, [], eventBusName);
          events.deleteRule(name, eventBusName);
        } catch (error) {
          ignoring('ResourceNotFoundException')(error);
        }
      },
    },
    lambda: {
      functionExists: async (name) => lambda.service.listFunctions().some((record) => record.name === name),
      putFunction: async (spec) => {
        lambda.service.createFunction({
          name: spec.name,
          handler: spec.handler,
          zipFile: spec.zipFile,
          codeDir: spec.codeDir,
          runtime: spec.runtime,
          environment: spec.environment,
          timeoutSeconds: spec.timeoutSeconds,
          memoryMb: spec.memoryMb,
          description: spec.description,
          role: spec.role,
        });
      },
      deleteFunction: async (name) => {
        try {
          lambda.service.deleteFunction(name);
        } catch (error) {
          ignoring('ResourceNotFoundException')(error);
        }
      },
      putEventInvokeConfig: async (spec) => {
        lambda.service.putFunctionEventInvokeConfig(spec.functionName, {
          maximumRetryAttempts: spec.maximumRetryAttempts,
          maximumEventAgeInSeconds: spec.maximumEventAgeInSeconds,
          onFailureDestination: spec.onFailureArn,
        });
      },
      deleteEventInvokeConfig: async (functionName) => {
        try {
          lambda.service.deleteFunctionEventInvokeConfig(functionName);
        } catch (error) {
          ignoring('ResourceNotFoundException')(error);
        }
      },
      createEventSourceMapping: async (spec) =>
        lambda.service.createEventSourceMapping({
          functionName: spec.functionName,
          queueArn: spec.queueArn,
          batchSize: spec.batchSize,
          maximumBatchingWindowSeconds: spec.maximumBatchingWindowSeconds,
          functionResponseTypes: spec.reportBatchItemFailures ? ['ReportBatchItemFailures'] : [],
          enabled: spec.enabled,
        }).uuid,
      deleteEventSourceMapping: async (uuid) => {
        try {
          lambda.service.deleteEventSourceMapping(uuid);
        } catch (error) {
          ignoring('ResourceNotFoundException')(error);
        }
      },
    },
    logs: {
      logGroupExists: async (name) => logs.service.hasLogGroup(name),
      putLogGroup: async (spec) => {
        if (!logs.service.hasLogGroup(spec.name)) logs.service.createLogGroup({ name: spec.name });
        logs.service.putRetentionPolicy(spec.name, spec.retentionInDays);
      },
      deleteLogGroup: async (name) => {
        try {
          logs.service.deleteLogGroup(name);
        } catch (error) {
          ignoring('ResourceNotFoundException')(error);
        }
      },
    },
    glue: {
      putJob: async (spec) => {
        glue.putJob({
          Name: spec.name,
          Role: spec.role,
          Command: spec.command,
          DefaultArguments: spec.defaultArguments,
          ExecutionProperty: { MaxConcurrentRuns: spec.maxConcurrentRuns },
          Timeout: spec.timeoutMinutes,
          MaxCapacity: spec.maxCapacity,
          Description: spec.description,
        });
      },
      deleteJob: async (name) => {
        glue.deleteJob(name);
      },
    },
    sagemaker: {
      modelPackageGroupExists: async (name) => sagemaker.registry.groups.has(name),
      putModelPackageGroup: async (spec) => {
        const scope = { region: REGION, accountId: ACCOUNT_ID };
        if (!sagemaker.registry.groups.has(spec.name)) {
          await sagemaker.registry.createGroup({ ModelPackageGroupName: spec.name, ModelPackageGroupDescription: spec.description, Tags: spec.tags }, scope);
        } else await sagemaker.registry.setGroupTags(spec.name, spec.tags);
        const group = sagemaker.registry.group(spec.name, scope);
        return { arn: group.ModelPackageGroupArn, creationTime: group.CreationTime };
      },
      deleteModelPackageGroup: async (name) => {
        if (sagemaker.registry.groups.has(name)) await sagemaker.registry.deleteGroup(name, { region: REGION, accountId: ACCOUNT_ID });
      },
    },
  };
}

/**
 * The time of `POST /_local/s3-lifecycle`: the buckets' lifecycle rules applied as S3 would apply them then, so
 * that what they do in a month shows now. `{"at": "<ISO time>"}`, `{"days": n}` (n days from now), or `{}` (now).
 */
export function lifecycleTime(input: unknown): Date {
  const { at, days } = (input ?? {}) as { at?: unknown; days?: unknown };
  if (at !== undefined) {
    const time = new Date(String(at));
    if (Number.isNaN(time.getTime())) throw new AwsError('ValidationException', `"at" is not a time: ${String(at)}`, 400);
    return time;
  }
  if (days !== undefined) {
    if (typeof days !== 'number' || !Number.isFinite(days)) throw new AwsError('ValidationException', `"days" is not a number: ${String(days)}`, 400);
    return new Date(Date.now() + days * 86_400_000);
  }
  return new Date();
}

const CLOCK_UNITS: Readonly<Record<string, number>> = { seconds: 1000, minutes: 60_000, hours: 3_600_000, days: 86_400_000 };

/**
 * How far `POST /_local/events-clock` moves the schedule rules' clock, in ms: `{"minutes": n}` (or
 * `seconds`, `hours`, `days`), `{"to": "<ISO time>"}` (a time ahead of the clock), or `{}` (not at all:
 * the answer then only says the time and the next occurrences).
 */
export function scheduleClockAdvance(input: unknown, now: number): number {
  const fields = (input ?? {}) as Record<string, unknown>;
  const given = Object.keys(fields);
  if (given.length > 1) throw new AwsError('ValidationException', `Give one of "to", ${Object.keys(CLOCK_UNITS).map((unit) => `"${unit}"`).join(', ')}: got ${given.join(', ')}`, 400);
  const [field] = given;
  if (field === undefined) return 0;
  if (field === 'to') {
    const time = Date.parse(String(fields.to));
    if (Number.isNaN(time)) throw new AwsError('ValidationException', `"to" is not a time: ${String(fields.to)}`, 400);
    if (time < now) throw new AwsError('ValidationException', `"to" (${String(fields.to)}) is before the schedule clock (${new Date(now).toISOString()}): the clock moves forward only`, 400);
    return time - now;
  }
  const unit = CLOCK_UNITS[field];
  const amount = fields[field];
  if (unit === undefined) throw new AwsError('ValidationException', `Unknown field "${field}": give "to" or one of ${Object.keys(CLOCK_UNITS).join(', ')}`, 400);
  if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0) throw new AwsError('ValidationException', `"${field}" is not a positive number: ${String(amount)}`, 400);
  return amount * unit;
}

/** The stack's control routes (`POST /_local/<name>`): not AWS APIs, for tests and users who will not wait. */
export function controlRoutes(providers: Pick<StackProviders, 's3' | 'events'>): Record<string, (input: unknown) => Promise<unknown>> {
  const scheduler = providers.events.service.scheduler;
  return {
    's3-lifecycle': (input) => providers.s3.lifecycle.evaluate(lifecycleTime(input)),
    'events-clock': async (input) => ({
      ...scheduler.advance(scheduleClockAdvance(input, providers.events.service.clock.now())),
      next: scheduler.nextOccurrences(),
    }),
  };
}

/** Starts the stack, packages and deploys the services, and writes `.local/stack.json`. */
export async function startLocalStack(options: LocalStackOptions): Promise<RunningStack> {
  const started = Date.now();
  const paths = localPaths(options.root, options.localDir);
  const progress = options.progress ?? (() => undefined);
  const logger = options.logger ?? silentLogger;
  const services = options.services ?? SERVICE_NAMES;
  rmSync(paths.infoFile, { force: true });
  removeStaleTempFilesSync(paths.localDir);
  mkdirSync(paths.mailDir, { recursive: true });

  const packaging = (async () => {
    const begin = Date.now();
    const result = await packageServices(options.root, services, STAGE, progress);
    if (result.reused.length > 0) progress(`reused the current packages of ${result.reused.join(', ')}`);
    return Date.now() - begin;
  })();
  // Packaging runs while the providers start; a failure of either is reported once both settle.
  packaging.catch(() => undefined);

  let url = '';
  const providers = createProviders({
    stateDir: paths.stateDir,
    mailDir: paths.mailDir,
    chaos: options.chaos ?? process.env.LOCAL_STACK_CHAOS,
    url: () => url,
    logger,
    localKeys: parseLocalKeys(process.env.LOCAL_STACK_CREDENTIALS),
  });
  const pages = consolePages(() => ({
    mode: 'local',
    stage: STAGE,
    region: REGION,
    dataBucket: dataBucketName(STAGE, ACCOUNT_ID, REGION),
    endpointName: endpointName(STAGE),
    glueJobName: glueJobName(STAGE),
    trainingJobPrefix: trainingJobPrefix(STAGE),
    incomingPrefix: 'incoming/',
    // The documented local credentials: the page signs with them, as any client of the stack does.
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  }));
  const server: LocalServer = await createLocalServer({
    port: options.port ?? Number(process.env.LOCAL_STACK_PORT ?? DEFAULT_PORT),
    providers: providersInStartOrder(providers),
    credentials: providers.sts.credentials,
    frontDoor: { allowedHosts: parseList(process.env.LOCAL_STACK_ALLOWED_HOSTS), allowedOrigins: parseList(process.env.LOCAL_STACK_ALLOWED_ORIGINS) },
    logger,
    onListening: (listening) => (url = listening),
    pages,
    controlRoutes: controlRoutes(providers),
  });

  try {
    const packagingMs = await packaging;
    const deployStarted = Date.now();
    const deployer = { engine: providers.cloudformation.engine, objects: providers.s3, root: options.root, log: progress };
    for (const service of services) {
      const packaged = loadPackagedService(options.root, service);
      const outcome = await deployPackagedService(deployer, packaged);
      progress(outcome === 'unchanged' ? `${packaged.stackName} is deployed from the current package` : `${outcome} stack ${packaged.stackName}`);
    }
    const deployMs = Date.now() - deployStarted;
    const info: StackInfo = {
      endpoint: url,
      region: REGION,
      stage: STAGE,
      dataBucket: dataBucketName(STAGE, ACCOUNT_ID, REGION),
      incomingPrefix: 'incoming/',
      endpointName: endpointName(STAGE),
      mailDir: path.resolve(paths.mailDir),
      consoleUrl: `${url}${CONSOLE_PREFIX}`,
    };
    writeJsonAtomicSync(paths.infoFile, info);
    return {
      info,
      infoFile: paths.infoFile,
      providers,
      timings: { packagingMs, deployMs, readyMs: Date.now() - started },
      stop: async () => {
        rmSync(paths.infoFile, { force: true });
        await server.close();
      },
    };
  } catch (error) {
    await server.close();
    throw error;
  }
}

export { consoleLogger };
