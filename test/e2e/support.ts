/**
 * End-to-end test support, on a deployed stack (test/support/stack.ts): drops into incoming/, what the
 * pipeline leaves behind (objects, job states, emails), data sets of our own, and endpoint predictions.
 * Every wait polls a condition with a deadline (test/support/wait.ts): no test sleeps and hopes.
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type _Object } from '@aws-sdk/client-s3';
import { GetJobRunsCommand, type JobRun } from '@aws-sdk/client-glue';
import {
  DescribeEndpointCommand,
  ListTrainingJobsCommand,
  type DescribeEndpointCommandOutput,
  type TrainingJobSummary,
} from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { glueJobName, trainingJobPrefix } from '../../shared/src/names';
import { PIPELINE_DETAIL_TYPES, PIPELINE_EVENTS, type PipelineDetailType } from '../../shared/src/events';
import { parseManifest, type PreprocessManifest } from '../../shared/src/manifest';
import { TextClassifier } from '../../shared/src/inference';
import { seededRandom } from '../../shared/src/random';
import type { Mail } from '../../scripts/lib/mail';
import { classesFile, csvLine, generateRows, type GeneratorOptions } from '../../scripts/lib/synthetic-dbpedia';
import { localCredentials, type DeployedStack } from '../support/stack';
import { waitFor } from '../support/wait';

/** The subject of each pipeline event's email (docs/contracts.md, Emails), by detail type. */
export const SUBJECT = Object.fromEntries(
  PIPELINE_DETAIL_TYPES.map((detailType) => [detailType, new RegExp(`^\\[local\\] ${PIPELINE_EVENTS[detailType].emailSubject}: `)]),
) as Record<PipelineDetailType, RegExp>;

const TERMINAL = /^\[local\] (Model deployed|Model rejected|Pipeline failed): /;
const runIdOfRun = (run: JobRun): string => run.Arguments?.['--run_id'] ?? '';

/** Every Glue run has ended and has its final email (deployed, rejected or failed): the pipeline is idle. */
export async function waitUntilIdle(e2e: DeployedStack, timeoutMs: number): Promise<{ runs: JobRun[]; finals: Mail[] }> {
  return waitFor(
    'every run to end with its email',
    async () => {
      const runs = await glueRuns(e2e);
      if (runs.length === 0 || runs.some((run) => run.JobRunState === 'RUNNING' || run.JobRunState === 'STARTING' || run.JobRunState === 'STOPPING')) return false;
      const finals = e2e.mail.matching(TERMINAL);
      const reported = new Set(finals.map(runIdOf));
      if (!runs.every((run) => reported.has(runIdOfRun(run)))) return false;
      if ((await trainingJobs(e2e)).some((job) => job.TrainingJobStatus === 'InProgress' || job.TrainingJobStatus === 'Stopping')) return false;
      const endpoint = await describeEndpoint(e2e);
      return endpoint?.EndpointStatus === 'InService' && { runs, finals };
    },
    timeoutMs,
    250,
  );
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

const RECIPE_WORDS =
  'recipe flour sugar butter oven bake baked whisk simmer saucepan teaspoon tablespoon dough knead yeast garlic onion ' +
  'stir boil roast pepper salt cinnamon vanilla batter skillet marinade chopped minced grated served dish cuisine';
const FILLER_WORDS = 'the of and a to is in with for traditional popular made often from its served region';

/** A class of test data of our own: the label its rows carry (a name, or a number for a classes.txt to name), and its words. */
export interface VocabularyClass {
  label: string | number;
  words: string;
}

/**
 * Rows in the DBpedia CSV shape for classes the synthetic generator does not have: each row's text draws most of
 * its words from its class's vocabulary, the rest from filler; `rowsPerClass` of each, interleaved.
 */
export function vocabularyCsv(classes: readonly VocabularyClass[], rowsPerClass: number, seed: number): string {
  const next = seededRandom(seed);
  const filler = FILLER_WORDS.split(' ');
  const vocabularies = classes.map((vocabulary) => vocabulary.words.split(' '));
  const pick = (words: string[]) => words[Math.floor(next() * words.length)]!;
  let csv = '';
  for (let i = 0; i < rowsPerClass * classes.length; i++) {
    const index = i % classes.length;
    const title = `Entry ${Math.floor(next() * 1e9).toString(36)}`;
    const words = Array.from({ length: 14 + Math.floor(next() * 16) }, () => (next() < 0.55 ? pick(vocabularies[index]!) : pick(filler)));
    csv += csvLine({ label: 0, title, content: words.join(' ') }).replace(/^"0"/, `"${classes[index]!.label}"`);
  }
  return csv;
}

/** Rows of a class the synthetic generator does not have (label `Recipe`), in the same CSV shape. */
export function recipeCsv(rows: number, seed: number): string {
  return vocabularyCsv([{ label: 'Recipe', words: RECIPE_WORDS }], rows, seed);
}

/** A recipe-like text none of the data sets holds, for probing which model serves. */
export const RECIPE_PROBE = 'Lemon tart is a dish: whisk the sugar and butter, knead the dough, bake in the oven and serve with vanilla';

// ---------------------------------------------------------------------------------------------
// S3

export async function drop(e2e: DeployedStack, relativeKey: string, body: string | Uint8Array): Promise<string> {
  const key = `${e2e.info.incomingPrefix}${relativeKey}`;
  await e2e.s3.send(new PutObjectCommand({ Bucket: e2e.info.dataBucket, Key: key, Body: body }));
  return key;
}

export async function listObjects(e2e: DeployedStack, prefix: string): Promise<_Object[]> {
  const objects: _Object[] = [];
  let token: string | undefined;
  do {
    const page = await e2e.s3.send(new ListObjectsV2Command({ Bucket: e2e.info.dataBucket, Prefix: prefix, ContinuationToken: token }));
    objects.push(...(page.Contents ?? []));
    token = page.NextContinuationToken;
  } while (token);
  return objects;
}

export async function listKeys(e2e: DeployedStack, prefix: string): Promise<string[]> {
  return (await listObjects(e2e, prefix)).map((object) => object.Key!);
}

export async function getText(e2e: DeployedStack, key: string): Promise<string> {
  const object = await e2e.s3.send(new GetObjectCommand({ Bucket: e2e.info.dataBucket, Key: key }));
  return object.Body!.transformToString('utf-8');
}

export async function getBytes(e2e: DeployedStack, key: string): Promise<Uint8Array> {
  const object = await e2e.s3.send(new GetObjectCommand({ Bucket: e2e.info.dataBucket, Key: key }));
  return object.Body!.transformToByteArray();
}

/**
 * Waits until the drop `incoming/<stem>.<ext>` is kept under labeled/ (`labeled/<stem>.<etag 12><ext>`; a
 * `<folder>/classes.txt` is kept as `labeled/<folder>/classes.<dropped at>.<etag 12>.txt`); returns that key (the
 * newest, for a classes.txt dropped into the folder before).
 */
export async function waitForLabeled(e2e: DeployedStack, relativeKey: string, timeoutMs = 30_000, since = new Date(0)): Promise<string> {
  if (relativeKey === 'classes.txt' || relativeKey.endsWith('/classes.txt')) {
    const folder = relativeKey.slice(0, -'classes.txt'.length);
    const pattern = new RegExp(`^labeled/${escape(folder)}classes\\.\\d{8}T\\d{6}Z\\.[0-9a-f]{12}\\.txt$`);
    return waitFor(
      `labeled/ to keep ${relativeKey}`,
      async () =>
        (await listObjects(e2e, `labeled/${folder}classes.`))
          .filter((object) => pattern.test(object.Key!) && object.LastModified! >= new Date(since.getTime() - 1000))
          .map((object) => object.Key!)
          .sort()
          .at(-1),
      timeoutMs,
    );
  }
  const dot = relativeKey.lastIndexOf('.');
  const pattern = new RegExp(`^labeled/${escape(relativeKey.slice(0, dot))}\\.[0-9a-f]{12}${escape(relativeKey.slice(dot))}$`);
  return waitFor(
    `labeled/ to keep ${relativeKey}`,
    async () => (await listKeys(e2e, `labeled/${relativeKey.slice(0, dot)}`)).find((key) => pattern.test(key)),
    timeoutMs,
  );
}

/**
 * A numeric-label drop as the README says to make one: `<folder>/classes.txt` (the synthetic generator's 14 names
 * unless given), then the data file beside it. Returns the data file's incoming key.
 */
export async function dropWithClasses(e2e: DeployedStack, relativeKey: string, body: string, classes = classesFile()): Promise<string> {
  const folder = relativeKey.slice(0, relativeKey.lastIndexOf('/') + 1);
  await drop(e2e, `${folder}classes.txt`, classes);
  return drop(e2e, relativeKey, body);
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export async function readManifest(e2e: DeployedStack, runId: string): Promise<PreprocessManifest> {
  return parseManifest(await getText(e2e, `prepared/${runId}/manifest.json`));
}

/** The labeled/ keys a run's manifest says it read. */
export function manifestSourceKeys(manifest: PreprocessManifest, bucket: string): string[] {
  return manifest.sources.map((source) => source.uri.replace(`s3://${bucket}/`, '')).sort();
}

// ---------------------------------------------------------------------------------------------
// Glue and SageMaker

export async function glueRuns(e2e: DeployedStack): Promise<JobRun[]> {
  const runs: JobRun[] = [];
  let token: string | undefined;
  do {
    const page = await e2e.glue.send(new GetJobRunsCommand({ JobName: glueJobName(e2e.info.stage), NextToken: token }));
    runs.push(...(page.JobRuns ?? []));
    token = page.NextToken;
  } while (token);
  return runs;
}

export async function trainingJobs(e2e: DeployedStack): Promise<TrainingJobSummary[]> {
  const jobs: TrainingJobSummary[] = [];
  let token: string | undefined;
  do {
    const page = await e2e.sagemaker.send(new ListTrainingJobsCommand({ NameContains: trainingJobPrefix(e2e.info.stage), MaxResults: 100, NextToken: token }));
    jobs.push(...(page.TrainingJobSummaries ?? []));
    token = page.NextToken;
  } while (token);
  return jobs;
}

export async function describeEndpoint(e2e: DeployedStack): Promise<DescribeEndpointCommandOutput | undefined> {
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
export async function invokeRaw(e2e: DeployedStack, instances: string[], k: number): Promise<{ contentType: string | undefined; body: unknown }> {
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
export async function endpointTestAccuracy(e2e: DeployedStack, runId: string, limit = 300): Promise<number> {
  const lines = (await getText(e2e, `prepared/${runId}/test/test.txt`)).split('\n').filter((line) => line.trim() !== '').slice(0, limit);
  const truths = lines.map((line) => line.slice('__label__'.length, line.indexOf(' ')));
  const texts = lines.map((line) => line.slice(line.indexOf(' ') + 1));
  const predictions = await e2e.classifier.classify(texts, { skipNormalization: true });
  const right = predictions.filter((prediction, i) => prediction[0]?.label === truths[i]).length;
  return right / lines.length;
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
    e2e: DeployedStack,
    private readonly texts: string[],
    private readonly intervalMs = 25,
  ) {
    const runtime = new SageMakerRuntimeClient({
      endpoint: e2e.info.endpoint,
      region: e2e.info.region,
      credentials: localCredentials,
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
