/**
 * The one stack harness of the tests and benchmarks.
 *
 * - `ProviderStack`: the stack's own providers, built by its own wiring (`createProviders` in
 *   local-stack/src/stack.ts, what `npm start` runs), behind its HTTP server on a free port, over a state
 *   directory, with SDK clients; nothing deployed. For the provider and wire-protocol tests. It records
 *   every event a provider publishes (`publisher`), and `restart()` boots new providers over the same state.
 *   `useProviderStack()` gives a describe block one (started before its tests, stopped after), and
 *   `clientsOf(stack)` names its clients once for the block. `useStackProviders()` gives the same providers
 *   unstarted and without a server, for tests of what they declare.
 * - `startDeployedStack`: the whole local stack with the four services deployed (`startLocalStack`), clients
 *   configured from its stack.json as any user's, and its mailbox. For the end-to-end tests;
 *   `useDeployedStack(name)` gives a test file or describe block one.
 */
import { readFileSync } from 'node:fs';
import { Agent } from 'node:http';
import path from 'node:path';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GlueClient } from '@aws-sdk/client-glue';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SQSClient } from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';
import { createLocalServer, type LocalServer, type LocalServerOptions } from '../../local-stack/src/core/server';
import type { LongTermKey } from '../../local-stack/src/core/credentials';
import { silentLogger, type LocalStackLogger } from '../../local-stack/src/core/logger';
import { serviceDirectory, type ServiceDirectory } from '../../local-stack/src/core/service-resolution';
import type { EventBridgeEvent, EventPublisher, Provider } from '../../local-stack/src/core/types';
import { controlRoutes, createProviders, providersInStartOrder, REGION, startLocalStack, type ProviderTuning, type RunningStack, type StackInfo, type StackProviders } from '../../local-stack/src/stack';
import { TextClassifier } from '../../shared/src/inference';
import { readMailbox, type Mail } from '../../scripts/lib/mail';
import { temporaryDirectory, type TemporaryDirectory } from './temporary-directory';
import { waitFor } from './wait';

export { REGION };
export const ROOT = path.resolve(__dirname, '..', '..');
/** The documented local credentials (local-stack/src/core/credentials.ts): what every client of the stack signs with. */
export const testCredentials = { accessKeyId: 'test', secretAccessKey: 'test' };
export const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };

/**
 * A queue Policy that lets EventBridge send to the queue (for the rule `ruleArn` only, when given): what AWS
 * requires of an SQS target, and the stack checks with IAM enforced.
 */
export function eventBridgeQueuePolicy(queueArn: string, ruleArn?: string): string {
  const statement = { Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: queueArn };
  return JSON.stringify({ Version: '2012-10-17', Statement: [ruleArn === undefined ? statement : { ...statement, Condition: { ArnEquals: { 'aws:SourceArn': ruleArn } } }] });
}

/** An S3 client for the server at `url` (path-style addressing unless asked otherwise). */
export function s3Client(url: string, forcePathStyle = true): S3Client {
  return new S3Client({ endpoint: url, region: REGION, forcePathStyle, credentials: testCredentials });
}

type PublishedEvent = Parameters<EventPublisher['publish']>[0];

/** What the providers published, in order (they still reach EventBridge, as in the stack). */
export class RecordingPublisher {
  readonly events: PublishedEvent[] = [];

  ofType(detailType: string): Array<PublishedEvent & Pick<EventBridgeEvent, 'detail'>> {
    return this.events.filter((event) => event['detail-type'] === detailType);
  }
}

/** Retry delays short enough for tests; two training threads, as the fastText CLI references use. */
export const TEST_TUNING: ProviderTuning = { eventsRetryBaseDelayMs: 20, eventsRetryMaxDelayMs: 200, lambdaAsyncRetryBaseDelayMs: 20, trainingThreads: 2 };

export interface ProviderStackOptions {
  /** The state directory (kept); by default a temporary one, removed by stop(). */
  stateDir?: string;
  /** LOCAL_STACK_CHAOS's syntax (`duplicate,fail:0.5,seed:3`). */
  chaos?: string;
  logger?: LocalStackLogger;
  server?: Partial<Pick<LocalServerOptions, 'maxBodyBytes' | 'maxStreamedBodyBytes' | 'frontDoor'>>;
  tuning?: ProviderTuning;
  /** The long-term keys the stack accepts (LOCAL_STACK_CREDENTIALS), instead of local/local and test/test. */
  localKeys?: readonly LongTermKey[];
  /** IAM enforced for role sessions (default: LOCAL_STACK_ENFORCE_IAM). */
  enforceIam?: boolean;
}

type ClientConfig = ProviderStack['clientConfig'];

/** How each SDK client is made for a stack (`ProviderStack.client`, `clientsOf`). */
const CLIENTS = {
  s3: (config: ClientConfig) => new S3Client({ ...config, forcePathStyle: true }),
  sqs: (config: ClientConfig) => new SQSClient(config),
  events: (config: ClientConfig) => new EventBridgeClient(config),
  lambda: (config: ClientConfig) => new LambdaClient(config),
  logs: (config: ClientConfig) => new CloudWatchLogsClient(config),
  sagemaker: (config: ClientConfig) => new SageMakerClient(config),
  runtime: (config: ClientConfig) => new SageMakerRuntimeClient(config),
  ses: (config: ClientConfig) => new SESv2Client(config),
  sts: (config: ClientConfig) => new STSClient(config),
};

type Clients = { [Name in keyof typeof CLIENTS]: ReturnType<(typeof CLIENTS)[Name]> };
const CLIENT_NAMES = Object.keys(CLIENTS) as Array<keyof Clients>;

export class ProviderStack {
  readonly stateDir: string;
  readonly mailDir: string;
  readonly publisher = new RecordingPublisher();
  private current: { server: LocalServer; providers: StackProviders } | undefined;
  private clientCache: Partial<Clients> = {};

  private constructor(
    private readonly options: ProviderStackOptions,
    private readonly ownedDir: { remove(): void } | undefined,
    stateDir: string,
  ) {
    this.stateDir = stateDir;
    this.mailDir = path.join(stateDir, 'mail');
  }

  static async start(options: ProviderStackOptions = {}): Promise<ProviderStack> {
    const owned = options.stateDir === undefined ? temporaryDirectory('provider-stack') : undefined;
    const stack = new ProviderStack(options, owned, options.stateDir ?? owned!.dir);
    await stack.boot();
    return stack;
  }

  get url(): string {
    return this.running.server.url;
  }

  get server(): LocalServer {
    return this.running.server;
  }

  get providers(): StackProviders {
    return this.running.providers;
  }

  get s3(): StackProviders['s3'] {
    return this.providers.s3;
  }

  get sqs(): StackProviders['sqs'] {
    return this.providers.sqs;
  }

  get events(): StackProviders['events'] {
    return this.providers.events;
  }

  get lambda(): StackProviders['lambda'] {
    return this.providers.lambda;
  }

  get sagemaker(): StackProviders['sagemaker'] {
    return this.providers.sagemaker;
  }

  get logs(): StackProviders['logs'] {
    return this.providers.logs;
  }

  /**
   * Settings for an SDK v3 client pointed at the stack (no SDK retries: every failure is seen), each
   * call with its own connection pool. The pool's `timeout` makes Node's agent honour the server's
   * `Keep-Alive: timeout=5` (it frees an idle connection a second before the server closes it; with no
   * timeout it ignores the hint). Without it, the stack serving the test from the test's own process,
   * a request sent in the same turn of the event loop as the server's idle timer fires goes out on a
   * connection the server is closing: read ECONNRESET (reproduced with an S3Client and a timer due after
   * the server's 5 s). It cannot help a request sent right after the test blocked the loop itself (both
   * timers are then overdue): tests run their commands asynchronously (sagemaker-harness's runAsync).
   */
  get clientConfig(): { endpoint: string; region: string; credentials: typeof testCredentials; maxAttempts: number; requestHandler: { httpAgent: Agent } } {
    return { endpoint: this.url, region: REGION, credentials: testCredentials, maxAttempts: 1, requestHandler: { httpAgent: new Agent({ keepAlive: true, timeout: 60_000 }) } };
  }

  /** SDK clients, made on first use and destroyed by restart() and stop(). */
  get client(): Clients {
    const clients = {} as Clients;
    for (const name of CLIENT_NAMES) {
      Object.defineProperty(clients, name, { enumerable: true, get: () => (this.clientCache[name] ??= CLIENTS[name](this.clientConfig) as never) });
    }
    return clients;
  }

  /** Stops the server and its providers, then boots new ones over the same state directory. */
  async restart(): Promise<void> {
    await this.shutDown();
    await this.boot();
  }

  /** Stops the server and its providers; removes the state directory if the harness made it. */
  async stop(): Promise<void> {
    await this.shutDown();
    this.ownedDir?.remove();
  }

  private get running(): { server: LocalServer; providers: StackProviders } {
    if (!this.current) throw new Error('the ProviderStack is not running');
    return this.current;
  }

  private async boot(): Promise<void> {
    let url = '';
    const providers = createProviders({
      stateDir: this.stateDir,
      mailDir: this.mailDir,
      chaos: this.options.chaos ?? '',
      url: () => url,
      logger: this.options.logger ?? silentLogger,
      tuning: { ...TEST_TUNING, ...this.options.tuning },
      localKeys: this.options.localKeys,
      enforceIam: this.options.enforceIam,
    });
    // Every event a provider publishes passes through EventBridge's publish: recorded on its way.
    const publish = providers.events.publish.bind(providers.events);
    providers.events.publish = async (event) => {
      this.publisher.events.push(event);
      await publish(event);
    };
    const server = await createLocalServer({
      port: 0,
      providers: providersInStartOrder(providers),
      credentials: providers.sts.credentials,
      onListening: (listening) => (url = listening),
      controlRoutes: controlRoutes(providers),
      ...this.options.server,
    });
    this.current = { server, providers };
  }

  private async shutDown(): Promise<void> {
    for (const client of Object.values(this.clientCache)) client.destroy();
    this.clientCache = {};
    await this.current?.server.close();
    this.current = undefined;
  }
}

/**
 * A ProviderStack for the enclosing test file or describe block: started before its tests (or before
 * each, `per: 'test'`), stopped after. What it returns stands for the running stack (its clients included):
 * use it inside tests and hooks.
 */
export function useProviderStack(options: ProviderStackOptions & { per?: 'block' | 'test' } = {}): ProviderStack {
  let running: ProviderStack | undefined;
  const [before, after] = options.per === 'test' ? [beforeEach, afterEach] : [beforeAll, afterAll];
  before(async () => {
    running = await ProviderStack.start(options);
  });
  after(async () => {
    await running?.stop();
    running = undefined;
  });
  return standIn(() => running, 'the provider stack');
}

/**
 * The stack's own providers, built by its wiring in a temporary state directory and never started (no
 * server, no worker processes): for tests of what the providers declare and of how requests reach them.
 * Call at the top of a describe block: it registers its own beforeAll / afterAll.
 */
export function useStackProviders(): { list(): Provider[]; directory(): ServiceDirectory } {
  let built: { temp: TemporaryDirectory; providers: Provider[]; directory: ServiceDirectory } | undefined;
  beforeAll(() => {
    const temp = temporaryDirectory('stack-providers');
    const created = createProviders({ stateDir: path.join(temp.dir, 'state'), mailDir: path.join(temp.dir, 'mail'), chaos: undefined, url: () => 'http://127.0.0.1:1', logger: silentLogger });
    const providers = providersInStartOrder(created);
    built = { temp, providers, directory: serviceDirectory(providers) };
  });
  afterAll(async () => {
    for (const provider of [...(built?.providers ?? [])].reverse()) await provider.stop?.();
    built?.temp.remove();
    built = undefined;
  });
  const current = () => {
    if (!built) throw new Error('useStackProviders() is read outside a test or hook');
    return built;
  };
  return { list: () => current().providers, directory: () => current().directory };
}

/**
 * The stack's SDK clients as stand-ins, for a describe block to name once (`const { s3 } = clientsOf(stack)`):
 * each call reaches the running stack's current client (a new one after restart()).
 */
export function clientsOf(stack: ProviderStack): Clients {
  return Object.fromEntries(CLIENT_NAMES.map((name) => [name, standIn(() => stack.client[name], `the ${name} client`)])) as unknown as Clients;
}

/** An object that forwards every property to what `current` returns, once there is one. */
function standIn<T extends object>(current: () => T | undefined, what: string): T {
  return new Proxy({} as T, {
    get: (_target, property) => {
      const target = current();
      if (!target) throw new Error(`${what} is not running: use it inside a test or hook`);
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

// ---------------------------------------------------------------------------------------------
// The deployed stack

/** The stack's mailbox: every email, and waits for new ones. */
export class MailWatcher {
  constructor(readonly dir: string) {}

  all(): Mail[] {
    return readMailbox(this.dir);
  }

  matching(subject: RegExp): Mail[] {
    return this.all().filter((mail) => subject.test(mail.subject));
  }

  /** The files present now: pass to `next` to wait only for emails sent after this point. */
  mark(): Set<string> {
    return new Set(this.all().map((mail) => mail.file));
  }

  /** The first email not in `seen` whose subject matches (and that passes `filter`). */
  async next(subject: RegExp, seen: Set<string>, timeoutMs: number, filter: (mail: Mail) => boolean = () => true): Promise<Mail> {
    return waitFor(
      () => `an email matching ${subject}; new emails: ${JSON.stringify(this.all().filter((mail) => !seen.has(mail.file)).map((mail) => mail.subject))}`,
      () => this.all().find((mail) => !seen.has(mail.file) && subject.test(mail.subject) && filter(mail)),
      timeoutMs,
    );
  }
}

export interface DeployedStack {
  stack: RunningStack;
  /** The content of stack.json, as written by the stack. */
  info: StackInfo;
  localDir: string;
  s3: S3Client;
  glue: GlueClient;
  sagemaker: SageMakerClient;
  runtime: SageMakerRuntimeClient;
  sqs: SQSClient;
  logs: CloudWatchLogsClient;
  classifier: TextClassifier;
  mail: MailWatcher;
  stop(): Promise<void>;
}

/** Seconds since `started`, to one decimal, for the timing lines the tests print. */
export function secondsSince(started: number): string {
  return ((Date.now() - started) / 1000).toFixed(1);
}

/** One line on stdout (jest's console adds a stack trace to each line). */
export function log(line: string): void {
  process.stdout.write(`[e2e] ${line}\n`);
}

export interface DeployedStackOptions {
  chaos?: string;
  /** The checkout to package and deploy from (a copy of this one, say); this one by default. */
  root?: string;
  /** npm start's progress lines. */
  progress?: (line: string) => void;
}

/**
 * Starts a stack over `localDir` (reused as is: state survives from a previous stack) on a free port,
 * from this checkout or another `root`.
 */
export async function startDeployedStack(localDir: string, options: DeployedStackOptions = {}): Promise<DeployedStack> {
  const started = Date.now();
  const stack = await startLocalStack({ root: options.root ?? ROOT, localDir, port: 0, chaos: options.chaos ?? '', progress: options.progress });
  log(`stack ready in ${secondsSince(started)} s (packaging ${(stack.timings.packagingMs / 1000).toFixed(1)} s) at ${stack.info.endpoint}`);
  // Clients are configured from stack.json, the contract for everything that talks to the stack.
  const info = JSON.parse(readFileSync(stack.infoFile, 'utf8')) as StackInfo;
  const config = { endpoint: info.endpoint, region: info.region, credentials: localCredentials };
  const clients = {
    s3: new S3Client({ ...config, forcePathStyle: true }),
    glue: new GlueClient(config),
    sagemaker: new SageMakerClient(config),
    runtime: new SageMakerRuntimeClient(config),
    sqs: new SQSClient(config),
    logs: new CloudWatchLogsClient(config),
  };
  let stopped = false;
  return {
    stack,
    info,
    localDir,
    ...clients,
    classifier: new TextClassifier(clients.runtime, info.endpointName, clients.sagemaker),
    mail: new MailWatcher(info.mailDir),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      const stopping = Date.now();
      for (const client of Object.values(clients)) client.destroy();
      await stack.stop();
      log(`stack stopped in ${secondsSince(stopping)} s`);
    },
  };
}

/**
 * A deployed stack for the enclosing test file or describe block, over a temporary directory: started
 * before its tests, stopped and removed after them (with the time it took in the log). What it returns
 * stands for the running stack: use it inside tests and hooks, where the stack is up.
 */
export function useDeployedStack(name: string, options: DeployedStackOptions = {}): DeployedStack {
  const started = Date.now();
  let temp: TemporaryDirectory | undefined;
  let running: DeployedStack | undefined;
  // Made in the hooks: a skipped block (describeWithCli without a CLI) runs neither and leaves nothing behind.
  beforeAll(async () => {
    temp = temporaryDirectory(`e2e-${name}`);
    running = await startDeployedStack(temp.dir, options);
  }, 180_000);
  afterAll(async () => {
    await running?.stop();
    temp?.remove();
    log(`${name} took ${secondsSince(started)} s`);
  });
  return standIn(() => running, `the ${name} stack`);
}
