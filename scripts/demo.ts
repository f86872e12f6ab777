/**
 * `npm run demo [-- --data train.csv [--classes classes.txt] | --dbpedia | --rows N] [--keep] [--stay]`: the main job in one
 * command. Starts the local stack, drops a labeled data set into incoming/, follows the run through every
 * stage (ingest, preprocess, train, deploy, notify) with the console's data layer, the lines npm start prints,
 * prints the console's URL (open it to watch), the `Model deployed` email's summary and a few predictions on
 * held-out texts (with --stay, keeps the stack and its console up until Ctrl-C), stops the stack and exits 0 (1 when the pipeline reports a failure, 2 for bad options or a
 * data set the corpus holds already).
 *
 * The stack's state: LOCAL_STACK_DIR when given; else with --keep the checkout's .local/ (the user's stack, whose
 * corpus the demo's data joins); else a throwaway folder, removed at the end, so the model is trained on exactly
 * the demo's data and the user's stack is left alone.
 */
import '../local-stack/src/cli/warnings';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { TextClassifier, stripLabelPrefix } from '../shared/src/inference';
import { startLocalStack, localPaths, type RunningStack } from '../local-stack/src/stack';
import { createPipelineClients, LOCAL_CREDENTIALS, pipelineConfig } from '../console/src/data/clients';
import { followRuns, RunFollower } from '../console/src/data/follow';
import type { EmailRecord, Run } from '../console/src/data/model';
import { PipelineStore } from '../console/src/data/store';
import { classesFile, csvLine, generateRows } from './lib/synthetic-dbpedia';
import { DBPEDIA_URL, fetchDbpedia } from './lib/dbpedia';
import { finished } from 'node:stream/promises';
import { defineCommand, parseCommandLine, usageError, type ParsedCommandLine } from './lib/cli';

const root = path.resolve(__dirname, '..');
const DEFAULT_ROWS = 14_000;
const TIMEOUT_MS = 15 * 60_000;
const POLL_MS = 500;

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s`;
const say = (stage: string, message: string) => console.log(`${elapsed()}  ${stage.padEnd(10)} ${message}`);

interface DemoData {
  csv: string;
  classes?: string;
  description: string;
}

const COMMAND = defineCommand({
  usage: 'npm run demo [-- --data train.csv [--classes classes.txt] | --dbpedia [--dbpedia-url URL] | --rows N] [--keep] [--stay]',
  summary:
    'Starts the local stack, drops a labeled data set into incoming/, follows the run through every stage, prints the ' +
    `Model deployed email and predictions, and stops the stack. Without an option: ${DEFAULT_ROWS} rows of the project's ` +
    "synthetic DBpedia-shaped generator. It runs on a throwaway state folder (removed at the end), so the model is trained on " +
    'exactly that data and your stack is left alone; LOCAL_STACK_DIR=<dir> runs it on that folder instead.',
  options: {
    keep: {
      type: 'boolean',
      description:
        "run on your stack's own state (.local/): the data joins its corpus (a new synthetic seed each run, so every run adds " +
        'new data and retrains on all of it) and the model is still served at the next npm start',
    },
    stay: { type: 'boolean', description: 'after the run, keep the stack up until Ctrl-C, to look at the run and its metrics in the console' },
    rows: { type: 'string', value: 'n', description: 'the synthetic data set with n rows (at least 100)' },
    data: { type: 'string', value: 'file', description: 'your labeled data (.csv, .jsonl or .txt, optionally .gz; see README "Data")' },
    classes: { type: 'string', value: 'file', description: 'a classes.txt naming your numeric labels (line 1 names label 1), with --data' },
    dbpedia: { type: 'boolean', description: `the real DBpedia data set (560,000 rows), downloaded once from ${DBPEDIA_URL} and cached under .local/downloads/` },
    'dbpedia-url': { type: 'string', value: 'url', description: 'download the DBpedia data set from a mirror instead' },
  },
});

/** Checks the options before anything starts; fetches the DBpedia data set when asked (the only step that needs a network). */
async function dataSource(values: ParsedCommandLine<typeof COMMAND.options>['values']): Promise<{ data?: DemoData; rows: number }> {
  const chosen = [values.data !== undefined, values.dbpedia === true, values.rows !== undefined].filter(Boolean).length;
  if (chosen > 1) usageError(COMMAND, '--data, --dbpedia and --rows are alternatives: give one of them');
  if (values.classes !== undefined && values.data === undefined) usageError(COMMAND, '--classes goes with --data');
  const rows = Number(values.rows ?? DEFAULT_ROWS);
  if (!Number.isInteger(rows) || rows < 100) usageError(COMMAND, `--rows must be a whole number of at least 100, not "${values.rows}"`);
  if (values.data !== undefined) {
    const csv = path.resolve(values.data);
    if (!existsSync(csv)) usageError(COMMAND, `--data ${values.data}: no such file`);
    const classes = values.classes ? path.resolve(values.classes) : undefined;
    if (classes && !existsSync(classes)) usageError(COMMAND, `--classes ${values.classes}: no such file`);
    return { rows, data: { csv, classes, description: `${path.basename(csv)} (${(statSync(csv).size / 1e6).toFixed(1)} MB)` } };
  }
  if (values.dbpedia) {
    const cacheDir = path.join(localPaths(root).localDir, 'downloads');
    let shown = 0;
    const files = await fetchDbpedia({
      cacheDir,
      url: values['dbpedia-url'],
      onProgress: ({ bytes, totalBytes }) => {
        if (bytes - shown < 8e6 && bytes !== totalBytes) return;
        shown = bytes;
        say('download', `${(bytes / 1e6).toFixed(0)}${totalBytes ? ` of ${(totalBytes / 1e6).toFixed(0)}` : ''} MB`);
      },
    });
    say('download', files.cached ? `DBpedia data set from the cache (${path.dirname(files.train)})` : `DBpedia data set extracted to ${path.dirname(files.train)}`);
    return { rows, data: { csv: files.train, classes: files.classes, description: `the DBpedia ontology data set, train.csv (${(statSync(files.train).size / 1e6).toFixed(1)} MB)` } };
  }
  return { rows };
}

/**
 * The project's synthetic data set. Its seed counts the synthetic sets the corpus (labeled/) holds already:
 * the very same file again would be nothing new (the pipeline answers so, and starts no run), so each demo run on
 * a kept stack adds new rows and retrains on all of them; on a fresh stack it is always the first seed.
 */
async function generatedData(s3: S3Client, bucket: string, rows: number, localDir: string): Promise<DemoData> {
  const earlier = (await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'labeled/demo/synthetic-' }))).Contents ?? [];
  const seed = 2026 + earlier.filter((object) => !object.Key!.endsWith('.classes.json')).length;
  const directory = path.join(localDir, 'demo');
  mkdirSync(directory, { recursive: true });
  const csv = path.join(directory, `synthetic-${rows}-seed${seed}.csv`);
  const out = createWriteStream(csv);
  for (const row of generateRows({ rows, seed })) out.write(csvLine(row));
  out.end();
  await finished(out);
  const classes = path.join(directory, 'classes.txt');
  writeFileSync(classes, classesFile());
  const count = seed - 2026;
  const more = count > 0 ? `; the corpus holds ${count} earlier demo set(s), the retrain uses them all` : '';
  return { csv, classes, description: `${rows} synthetic DBpedia-shaped rows, 14 classes (the project's own generator, seed ${seed}${more})` };
}

/**
 * Follows the run through its stages with the console's data layer (the same lines npm start prints):
 * returns the run once it has an outcome and its email has been archived.
 */
async function followRun(stack: RunningStack, since: Date): Promise<{ run: Run; email: EmailRecord }> {
  const { endpoint, region, stage, dataBucket } = stack.info;
  const store = new PipelineStore(createPipelineClients({ region, endpoint, credentials: LOCAL_CREDENTIALS }), pipelineConfig(stage, region, '', dataBucket));
  const ours = (run: Run) => run.startedAt.getTime() >= since.getTime() - 1000;
  let result: { run: Run; email: EmailRecord } | undefined;
  const loop = followRuns(
    store,
    new RunFollower({ include: ours, quietStart: false }),
    {
      onLines: (lines, snapshot) => {
        for (const line of lines) say(line.stage, line.text);
        const run = snapshot.runs.find((candidate) => ours(candidate) && candidate.outcome.status !== 'in-progress');
        const email = run?.refs.notificationKeys.map((key) => snapshot.emails.get(key)).find((candidate) => candidate !== undefined);
        if (run && email) result = { run, email };
        return result !== undefined;
      },
      onError: (message) => say('console', message),
    },
    POLL_MS,
  );
  const timer = setTimeout(() => void loop.stop(), TIMEOUT_MS);
  await loop.done;
  clearTimeout(timer);
  if (!result) throw new Error(`no pipeline email within ${TIMEOUT_MS / 60_000} minutes`);
  return result;
}

async function showPredictions(stack: RunningStack, runId: string): Promise<void> {
  const config = { endpoint: stack.info.endpoint, region: stack.info.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } };
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  const test = await s3.send(new GetObjectCommand({ Bucket: stack.info.dataBucket, Key: `prepared/${runId}/test/test.txt` }));
  const lines = (await test.Body!.transformToString()).split('\n').filter((line) => line.trim() !== '');
  const picks = [0, Math.floor(lines.length / 2), lines.length - 1].map((index) => lines[index]!).filter(Boolean);
  const classifier = new TextClassifier(new SageMakerRuntimeClient(config), stack.info.endpointName, new SageMakerClient(config));
  // The test split is already normalised the way training data was: sent as it is.
  const texts = picks.map((line) => line.replace(/^__label__\S+\s+/, ''));
  const predictions = await classifier.classify(texts, { k: 2, skipNormalization: true });
  console.log('\nPredictions on held-out texts (the test split, never seen in training):');
  picks.forEach((line, index) => {
    const truth = stripLabelPrefix(line.split(' ')[0]!);
    const [best, second] = predictions[index] ?? [];
    const text = texts[index]!;
    console.log(`  "${text.length > 70 ? `${text.slice(0, 67)}...` : text}"`);
    console.log(`    -> ${best?.label} (${best?.probability.toFixed(3)})${second ? `, then ${second.label} (${second.probability.toFixed(3)})` : ''}; true label ${truth}`);
  });
}

/** Drops the data set: its classes.txt first, then the data file beside it (one drop: services/ingestion/README.md). */
async function dropData(s3: S3Client, bucket: string, data: DemoData): Promise<void> {
  if (data.classes) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'incoming/demo/classes.txt', Body: readFileSync(data.classes) }));
  const key = `incoming/demo/${path.basename(data.csv)}`;
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: readFileSync(data.csv) }));
  say('drop', `s3://${bucket}/${key}: ${data.description}`);
}

/**
 * Where the demo's stack keeps its state: LOCAL_STACK_DIR when given, else with --keep the checkout's .local/, else a
 * throwaway folder (removed at the end; kept, and said so, when the pipeline did not deploy).
 */
function stateFolder(keep: boolean): { localDir: string; throwaway: boolean } {
  if (process.env.LOCAL_STACK_DIR) return { localDir: path.resolve(process.env.LOCAL_STACK_DIR), throwaway: false };
  if (keep) return { localDir: localPaths(root).localDir, throwaway: false };
  return { localDir: mkdtempSync(path.join(tmpdir(), 'ml-pipeline-demo-')), throwaway: true };
}

/** The answer that ends the demo: a deployed model (0), nothing new (2), anything else (1). */
function exitCodeOf(run: Run): number {
  return run.outcome.status === 'deployed' ? 0 : run.outcome.status === 'unchanged' ? 2 : 1;
}

async function main(): Promise<void> {
  const { values } = parseCommandLine(COMMAND);
  const source = await dataSource(values);
  const { localDir, throwaway } = stateFolder(values.keep === true);
  say('stack', `starting the local stack on ${throwaway ? 'a throwaway state folder' : 'the state folder'} ${localDir} (packaging the four services if they changed)`);
  // A throwaway stack takes a free port, so that a stack of yours running on 4566 is left alone.
  const port = throwaway && !process.env.LOCAL_STACK_PORT ? 0 : undefined;
  const stack = await startLocalStack({ root, localDir, port, progress: (message) => say('stack', message) });
  let exitCode = 1;
  try {
    say('stack', `ready: ${stack.info.endpoint}, bucket ${stack.info.dataBucket}`);
    say('console', `open ${stack.info.consoleUrl} to watch the run${values.stay ? ' (and afterwards, its metrics: the stack stays up until Ctrl-C)' : ' (--stay keeps it up afterwards)'}`);
    const s3 = new S3Client({ endpoint: stack.info.endpoint, region: stack.info.region, forcePathStyle: true, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const data = source.data ?? (await generatedData(s3, stack.info.dataBucket, source.rows, localDir));
    const since = new Date(Date.now() - 1000);
    await dropData(s3, stack.info.dataBucket, data);
    const { run, email } = await followRun(stack, since);
    console.log(`\n${email.subject}\n${'-'.repeat(Math.min(email.subject.length, 100))}\n${email.text}\n`);
    exitCode = exitCodeOf(run);
    if (exitCode === 0) await showPredictions(stack, run.runId);
    if (values.stay) {
      say('console', `${stack.info.consoleUrl}#/runs/${run.runId} shows the run and its metrics; Ctrl-C stops the stack`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
    }
  } finally {
    say('stack', 'stopping');
    await stack.stop();
    if (throwaway && exitCode === 0) rmSync(localDir, { recursive: true, force: true });
    else if (throwaway) say('stack', `the throwaway state folder is kept for a look: ${localDir} (rm -rf it when done)`);
  }
  const outcome = exitCode === 0 ? 'Demo complete' : exitCode === 2 ? 'Nothing new to train on: no run started' : 'The pipeline did not deploy a model';
  console.log(`\n${outcome} in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  process.exitCode = exitCode;
}

main().catch((error: Error) => {
  console.error(`demo: ${error.message}`);
  process.exitCode = 1;
});
