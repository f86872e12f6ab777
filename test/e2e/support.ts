/**
 * End-to-end test support: a local stack in a temporary directory, AWS SDK v3 clients configured
 * from its stack.json (as any user of the stack would), drops into incoming/, bounded waits on
 * what the pipeline leaves behind (emails, objects, job states), and endpoint predictions.
 *
 * Every wait polls a condition with a deadline: no test sleeps and hopes.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, type _Object } from '@aws-sdk/client-s3';
import { GetJobRunsCommand, GlueClient, type JobRun } from '@aws-sdk/client-glue';
import {
  DescribeEndpointCommand,
  ListTrainingJobsCommand,
  SageMakerClient,
  type DescribeEndpointCommandOutput,
  type TrainingJobSummary,
} from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { SQSClient } from '@aws-sdk/client-sqs';
import { startLocalStack, type RunningStack, type StackInfo } from '../../local-stack/src/stack';
import { glueJobName, trainingJobPrefix } from '../../shared/src/names';
import { PIPELINE_DETAIL_TYPES, PIPELINE_EVENTS, type PipelineDetailType } from '../../shared/src/events';
import { parseManifest, type PreprocessManifest } from '../../shared/src/manifest';
import { TextClassifier } from '../../shared/src/inference';
import { readMailbox, type Mail } from '../../scripts/lib/mail';
import { classesFile, csvLine, generateRows, type GeneratorOptions } from '../../scripts/lib/synthetic-dbpedia';

export const ROOT = path.resolve(__dirname, '..', '..');

/** The subject of each pipeline event's email (docs/contracts.md, Emails), by detail type. */
export const SUBJECT = Object.fromEntries(
  PIPELINE_DETAIL_TYPES.map((detailType) => [detailType, new RegExp(`^\\[local\\] ${PIPELINE_EVENTS[detailType].emailSubject}: `)]),
) as Record<PipelineDetailType, RegExp>;

export interface E2EStack {
  stack: RunningStack;
  /** The content of stack.json, as written by the stack. */
  info: StackInfo;
  localDir: string;
  s3: S3Client;
  glue: GlueClient;
  sagemaker: SageMakerClient;
  runtime: SageMakerRuntimeClient;
  sqs: SQSClient;
  classifier: TextClassifier;
  mail: MailWatcher;
  stop(): Promise<void>;
}

export function temporaryLocalDir(name: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), `e2e-${name}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Starts a stack over `localDir` (reused as is: state survives from a previous stack) on a free port,
 * from this checkout or another `root` (a copy of it), with npm start's progress lines to `progress`.
 */
export async function startStack(localDir: string, options: { chaos?: string; root?: string; progress?: (line: string) => void } = {}): Promise<E2EStack> {
  const started = Date.now();
  const stack = await startLocalStack({ root: options.root ?? ROOT, localDir, port: 0, chaos: options.chaos ?? '', progress: options.progress });
  log(`stack ready in ${secondsSince(started)} s (packaging ${(stack.timings.packagingMs / 1000).toFixed(1)} s) at ${stack.info.endpoint}`);
  // Clients are configured from stack.json, the contract for everything that talks to the stack.
  const info = JSON.parse(readFileSync(stack.infoFile, 'utf8')) as StackInfo;
  const config = { endpoint: info.endpoint, region: info.region, credentials: { accessKeyId: 'e2e', secretAccessKey: 'e2e' } };
  const runtime = new SageMakerRuntimeClient(config);
  const sagemaker = new SageMakerClient(config);
  let stopped = false;
  return {
    stack,
    info,
    localDir,
    s3: new S3Client({ ...config, forcePathStyle: true }),
    glue: new GlueClient(config),
    sagemaker,
    runtime,
    sqs: new SQSClient(config),
    classifier: new TextClassifier(runtime, info.endpointName, sagemaker),
    mail: new MailWatcher(info.mailDir),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      const stopping = Date.now();
      await stack.stop();
      log(`stack stopped in ${secondsSince(stopping)} s`);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Waiting

/** Polls `probe` until it returns something other than undefined/false; fails after `timeoutMs` naming `what`. */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs: number,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

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
      `an email matching ${subject}`,
      () => this.all().find((mail) => !seen.has(mail.file) && subject.test(mail.subject) && filter(mail)),
      timeoutMs,
      50,
    ).catch((error: Error) => {
      const subjects = this.all().filter((mail) => !seen.has(mail.file)).map((mail) => mail.subject);
      throw new Error(`${error.message}; new emails: ${JSON.stringify(subjects)}`);
    });
  }
}

/** The run id named in a pipeline email's subject (`... run <runId> ...`). */
export function runIdOf(mail: Mail): string {
  const runId = /\brun (\d{8}-\d{6}-[0-9a-f]{6})\b/.exec(mail.subject)?.[1];
  if (!runId) throw new Error(`no run id in subject "${mail.subject}"`);
  return runId;
}

// ---------------------------------------------------------------------------------------------
// Data

export function syntheticCsv(options: GeneratorOptions): string {
  let csv = '';
  for (const row of generateRows(options)) csv += csvLine(row);
  return csv;
}

export { classesFile };

/** mulberry32, for test data of our own. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const RECIPE_WORDS =
  'recipe flour sugar butter oven bake baked whisk simmer saucepan teaspoon tablespoon dough knead yeast garlic onion ' +
  'stir boil roast pepper salt cinnamon vanilla batter skillet marinade chopped minced grated served dish cuisine';
const FILLER_WORDS = 'the of and a to is in with for traditional popular made often from its served region';

/** Rows of a class the synthetic generator does not have (label `Recipe`), in the same CSV shape. */
export function recipeCsv(rows: number, seed: number): string {
  const next = seededRandom(seed);
  const own = RECIPE_WORDS.split(' ');
  const filler = FILLER_WORDS.split(' ');
  const pick = (words: string[]) => words[Math.floor(next() * words.length)]!;
  let csv = '';
  for (let i = 0; i < rows; i++) {
    const title = `Dish ${Math.floor(next() * 1e9).toString(36)}`;
    const words = Array.from({ length: 14 + Math.floor(next() * 16) }, () => (next() < 0.55 ? pick(own) : pick(filler)));
    csv += csvLine({ label: 0, title, content: words.join(' ') }).replace(/^"0"/, '"Recipe"');
  }
  return csv;
}

/** A recipe-like text none of the data sets holds, for probing which model serves. */
export const RECIPE_PROBE = 'Lemon tart is a dish: whisk the sugar and butter, knead the dough, bake in the oven and serve with vanilla';

// ---------------------------------------------------------------------------------------------
// S3

export async function drop(e2e: E2EStack, relativeKey: string, body: string | Uint8Array): Promise<string> {
  const key = `${e2e.info.incomingPrefix}${relativeKey}`;
  await e2e.s3.send(new PutObjectCommand({ Bucket: e2e.info.dataBucket, Key: key, Body: body }));
  return key;
}

export async function listObjects(e2e: E2EStack, prefix: string): Promise<_Object[]> {
  const objects: _Object[] = [];
  let token: string | undefined;
  do {
    const page = await e2e.s3.send(new ListObjectsV2Command({ Bucket: e2e.info.dataBucket, Prefix: prefix, ContinuationToken: token }));
    objects.push(...(page.Contents ?? []));
    token = page.NextContinuationToken;
  } while (token);
  return objects;
}

export async function listKeys(e2e: E2EStack, prefix: string): Promise<string[]> {
  return (await listObjects(e2e, prefix)).map((object) => object.Key!);
}

export async function getText(e2e: E2EStack, key: string): Promise<string> {
  const object = await e2e.s3.send(new GetObjectCommand({ Bucket: e2e.info.dataBucket, Key: key }));
  return object.Body!.transformToString('utf-8');
}

export async function getBytes(e2e: E2EStack, key: string): Promise<Uint8Array> {
  const object = await e2e.s3.send(new GetObjectCommand({ Bucket: e2e.info.dataBucket, Key: key }));
  return object.Body!.transformToByteArray();
}

/**
 * Waits until the drop `incoming/<stem>.<ext>` is kept under labeled/ (`labeled/<stem>.<etag 12><ext>`;
 * any classes.txt is kept as `labeled/classes.txt`); returns that key.
 */
export async function waitForLabeled(e2e: E2EStack, relativeKey: string, timeoutMs = 30_000): Promise<string> {
  if (relativeKey === 'classes.txt' || relativeKey.endsWith('/classes.txt')) {
    return waitFor('labeled/classes.txt', async () => (await listKeys(e2e, 'labeled/classes.txt')).find((key) => key === 'labeled/classes.txt'), timeoutMs);
  }
  const dot = relativeKey.lastIndexOf('.');
  const pattern = new RegExp(`^labeled/${escape(relativeKey.slice(0, dot))}\\.[0-9a-f]{12}${escape(relativeKey.slice(dot))}$`);
  return waitFor(
    `labeled/ to keep ${relativeKey}`,
    async () => (await listKeys(e2e, `labeled/${relativeKey.slice(0, dot)}`)).find((key) => pattern.test(key)),
    timeoutMs,
  );
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export async function readManifest(e2e: E2EStack, runId: string): Promise<PreprocessManifest> {
  return parseManifest(await getText(e2e, `prepared/${runId}/manifest.json`));
}

/** The labeled/ keys a run's manifest says it read. */
export function manifestSourceKeys(manifest: PreprocessManifest, bucket: string): string[] {
  return manifest.sources.map((source) => source.uri.replace(`s3://${bucket}/`, '')).sort();
}

// ---------------------------------------------------------------------------------------------
// Glue and SageMaker

export async function glueRuns(e2e: E2EStack): Promise<JobRun[]> {
  const runs: JobRun[] = [];
  let token: string | undefined;
  do {
    const page = await e2e.glue.send(new GetJobRunsCommand({ JobName: glueJobName(e2e.info.stage), NextToken: token }));
    runs.push(...(page.JobRuns ?? []));
    token = page.NextToken;
  } while (token);
  return runs;
}

export async function trainingJobs(e2e: E2EStack): Promise<TrainingJobSummary[]> {
  const jobs: TrainingJobSummary[] = [];
  let token: string | undefined;
  do {
    const page = await e2e.sagemaker.send(new ListTrainingJobsCommand({ NameContains: trainingJobPrefix(e2e.info.stage), MaxResults: 100, NextToken: token }));
    jobs.push(...(page.TrainingJobSummaries ?? []));
    token = page.NextToken;
  } while (token);
  return jobs;
}

export async function describeEndpoint(e2e: E2EStack): Promise<DescribeEndpointCommandOutput | undefined> {
  try {
    return await e2e.sagemaker.send(new DescribeEndpointCommand({ EndpointName: e2e.info.endpointName }));
  } catch (error) {
    if ((error as Error).name === 'ValidationException' || (error as Error).name === 'ResourceNotFound') return undefined;
    throw error;
  }
}

export interface BlazingTextPrediction {
  label: string[];
  prob: number[];
}

/** InvokeEndpoint with BlazingText's JSON request, answered in BlazingText's JSON format (docs/contracts.md, Inference). */
export async function invokeRaw(e2e: E2EStack, instances: string[], k: number): Promise<{ contentType: string | undefined; body: unknown }> {
  const response = await e2e.runtime.send(
    new InvokeEndpointCommand({
      EndpointName: e2e.info.endpointName,
      ContentType: 'application/json',
      Accept: 'application/json',
      Body: JSON.stringify({ instances, configuration: { k } }),
    }),
  );
  return { contentType: response.ContentType, body: JSON.parse(new TextDecoder().decode(response.Body)) as unknown };
}

/** The share of a run's held-out test split (fastText lines, already normalised) the endpoint labels right. */
export async function endpointTestAccuracy(e2e: E2EStack, runId: string, limit = 300): Promise<number> {
  const lines = (await getText(e2e, `prepared/${runId}/test/test.txt`)).split('\n').filter((line) => line.trim() !== '').slice(0, limit);
  const truths = lines.map((line) => line.slice('__label__'.length, line.indexOf(' ')));
  const texts = lines.map((line) => line.slice(line.indexOf(' ') + 1));
  const predictions = await e2e.classifier.classify(texts, { skipNormalization: true });
  const right = predictions.filter((prediction, i) => prediction[0]?.label === truths[i]).length;
  return right / lines.length;
}

/** Seconds since `started`, to one decimal, for the timing lines the tests print. */
export function secondsSince(started: number): string {
  return ((Date.now() - started) / 1000).toFixed(1);
}

/** One line on stdout (jest's console adds a stack trace to each line). */
export function log(line: string): void {
  process.stdout.write(`[e2e] ${line}\n`);
}

/**
 * A client that keeps querying the endpoint (one request at a time, `intervalMs` apart) with no SDK
 * retries, so every failed request is seen, recording what each answer's top label was.
 */
export class EndpointProber {
  readonly answers: Array<{ at: number; labels: string[] }> = [];
  readonly failures: Array<{ at: number; error: string }> = [];
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly classifier: TextClassifier;

  constructor(
    e2e: E2EStack,
    private readonly texts: string[],
    private readonly intervalMs = 25,
  ) {
    const runtime = new SageMakerRuntimeClient({
      endpoint: e2e.info.endpoint,
      region: e2e.info.region,
      credentials: { accessKeyId: 'e2e', secretAccessKey: 'e2e' },
      maxAttempts: 1,
    });
    this.classifier = new TextClassifier(runtime, e2e.info.endpointName, e2e.sagemaker);
  }

  get requests(): number {
    return this.answers.length + this.failures.length;
  }

  start(): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        try {
          const predictions = await this.classifier.classify(this.texts);
          this.answers.push({ at: Date.now(), labels: predictions.map((prediction) => prediction[0]?.label ?? '') });
        } catch (error) {
          this.failures.push({ at: Date.now(), error: `${(error as Error).name}: ${(error as Error).message}` });
        }
        await new Promise((resolve) => setTimeout(resolve, this.intervalMs));
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }
}
