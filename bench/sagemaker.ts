/**
 * Benchmark of the local SageMaker (issue 5): BlazingText training and real-time inference.
 *
 *   npx tsx bench/sagemaker.ts [--runs 2] [--skip-scale] [--requests 3000]
 *
 * 1. Accuracy: an 80/10/10 split of the DBpedia sample (normalised as the Glue job does), a local
 *    BlazingText training job and the fastText CLI with the same hyperparameters (epoch 10, lr 0.5,
 *    wordNgrams 2, dim 10, minCount 1, 2M buckets, 2 threads); test accuracy through the endpoint
 *    vs `fasttext test`, and wall times. Target: within 0.5 points.
 * 2. Training time at DBpedia scale (560,000 rows, .local/bench/dbpedia_560k.csv from
 *    scripts/scale-dbpedia.py, 5 epochs, bigrams, dim 10, lr 0.1): the local job's Training phase
 *    vs `fasttext supervised -thread 2`, alternating runs. Target: ratio <= 1.
 * 3. Inference on loopback with the AWS SDK: single-instance latency p50/p99 (targets 2 ms / 10 ms)
 *    and batched throughput (target >= 20,000 predictions/s).
 *
 * The stack runs in a child process (this file with --serve), so the client's work is not counted
 * in the server's latency. Prints a markdown table and writes bench/results/sagemaker.json.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  CreateTrainingJobCommand,
  DescribeEndpointCommand,
  DescribeTrainingJobCommand,
  SageMakerClient,
  type DescribeTrainingJobCommandOutput,
} from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { normalizeText } from '../shared/src/normalize';
import { seededRandom } from '../shared/src/random';
import { testAccuracy, train } from '../scripts/lib/fasttext-cli';
import { ProviderStack } from '../test/support/stack';
import { waitFor } from '../test/support/wait';
import { serveUntilSignalled, startChildServer, stopChildServer } from './lib/child-server';
import { defineCommand, integerOption, parseCommandLine } from '../scripts/lib/cli';
import { busyMachineNote, median, percentile, ROOT, round, WORK_ROOT, writeSection, type Figure } from './lib/report';

const COMMAND = defineCommand({
  usage: 'npx tsx bench/sagemaker.ts [--runs 2] [--skip-scale] [--requests 3000]',
  summary: 'Measures local BlazingText accuracy and training time against the fastText CLI, and endpoint latency and throughput; writes bench/results/sagemaker.json.',
  options: {
    runs: { type: 'string', value: 'n', default: '2', description: 'training runs per comparison' },
    requests: { type: 'string', value: 'n', default: '3000', description: 'single-instance requests for the latency figures' },
    'skip-scale': { type: 'boolean', default: false, description: 'skip the 560,000-row training comparison' },
    serve: { type: 'string', value: 'dir', description: 'internal: be the server this benchmark measures (the benchmark starts itself so)' },
  },
});

const WORK_DIR = join(WORK_ROOT, 'sagemaker');
const SAMPLE_CSV = resolve(ROOT, '..', 'shared', 'data', 'dbpedia_sample', 'train.csv');
const SCALED_CSV = join(WORK_ROOT, 'dbpedia_560k.csv');
const IMAGE = '811284229777.dkr.ecr.us-east-1.amazonaws.com/blazingtext:1';
const ROLE = 'arn:aws:iam::000000000000:role/bench';
const BUCKET = 'bench';
const REGION = 'us-east-1';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

const TARGETS = { accuracyPoints: 0.5, trainingRatio: 1, p50Ms: 2, p99Ms: 10, predictionsPerSecond: 20_000 };

// ---------------------------------------------------------------------------------------------
// --serve: the local stack's providers, wired as `npm start` wires them, in this child process (two
// training threads, as the fastText CLI runs).

async function serve(stateDir: string): Promise<void> {
  const stack = await ProviderStack.start({ stateDir, tuning: { trainingThreads: 2 } });
  serveUntilSignalled({ url: stack.url }, () => stack.stop());
}

async function startServer(stateDir: string): Promise<{ url: string; child: ChildProcess }> {
  const { info, child } = await startChildServer<{ url: string }>(__filename, [stateDir]);
  return { url: info.url, child };
}

// ---------------------------------------------------------------------------------------------
// Data

/** The fields of one CSV line (quoted fields may hold commas and doubled quotes, not newlines). */
function csvFields(line: string): string[] {
  const fields: string[] = [];
  let at = 0;
  while (at <= line.length) {
    if (line[at] === '"') {
      let end = at + 1;
      for (;;) {
        end = line.indexOf('"', end);
        if (end < 0 || line[end + 1] !== '"') break;
        end += 2;
      }
      if (end < 0) throw new Error(`unterminated quoted field in: ${line.slice(0, 80)}`);
      fields.push(line.slice(at + 1, end).replaceAll('""', '"'));
      at = end + 2;
    } else {
      const comma = line.indexOf(',', at);
      const end = comma < 0 ? line.length : comma;
      fields.push(line.slice(at, end));
      at = end + 1;
    }
  }
  return fields;
}

/** fastText lines (`__label__<class> <normalised title and content>`) in a seeded shuffled order. */
async function fastTextLinesOf(csvPath: string, seed: number): Promise<string[]> {
  const lines: string[] = [];
  for await (const row of createInterface({ input: createReadStream(csvPath), crlfDelay: Infinity })) {
    if (row === '') continue;
    const [label, title, content] = csvFields(row);
    lines.push(`__label__${label} ${normalizeText(`${title} ${content}`)}`);
  }
  const next = seededRandom(seed);
  for (let i = lines.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [lines[i], lines[j]] = [lines[j]!, lines[i]!];
  }
  return lines;
}

async function writeLines(path: string, lines: readonly string[]): Promise<void> {
  const out = createWriteStream(path);
  for (let i = 0; i < lines.length; i += 10_000) {
    if (!out.write(`${lines.slice(i, i + 10_000).join('\n')}\n`)) await new Promise<void>((drained) => out.once('drain', () => drained()));
  }
  await new Promise<void>((done, failed) => out.end(() => done()).once('error', failed));
}

interface Split {
  train: string;
  validation: string;
  test: string;
  testLines: string[];
}

async function prepareSplit(): Promise<Split> {
  const lines = await fastTextLinesOf(SAMPLE_CSV, 80_10_10);
  const trainEnd = Math.floor(lines.length * 0.8);
  const validationEnd = Math.floor(lines.length * 0.9);
  const files = { train: join(WORK_DIR, 'train.txt'), validation: join(WORK_DIR, 'validation.txt'), test: join(WORK_DIR, 'test.txt') };
  await writeLines(files.train, lines.slice(0, trainEnd));
  await writeLines(files.validation, lines.slice(trainEnd, validationEnd));
  await writeLines(files.test, lines.slice(validationEnd));
  return { ...files, testLines: lines.slice(validationEnd) };
}

async function prepareScaled(): Promise<string> {
  const out = join(WORK_DIR, 'dbpedia_560k.txt');
  if (existsSync(out)) return out;
  if (!existsSync(SCALED_CSV)) {
    console.error('generating the 560,000-row CSV with scripts/scale-dbpedia.py ...');
    execFileSync('python3', [join(ROOT, 'scripts', 'scale-dbpedia.py'), '--out', SCALED_CSV], { stdio: 'inherit' });
  }
  console.error('normalising the 560,000 rows ...');
  const lines = await fastTextLinesOf(SCALED_CSV, 560_000);
  await writeLines(`${out}.partial`, lines);
  renameSync(`${out}.partial`, out);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Measurements

function seconds(from: Date | undefined, to: Date | undefined): number {
  return ((to?.getTime() ?? NaN) - (from?.getTime() ?? NaN)) / 1000;
}

interface CliRun {
  seconds: number;
  accuracy?: number;
}

function cliTrain(input: string, output: string, args: string[], testFile?: string): CliRun {
  const elapsed = train(input, output, args);
  return testFile === undefined ? { seconds: elapsed } : { seconds: elapsed, accuracy: testAccuracy(`${output}.bin`, testFile) };
}

class LocalStack {
  readonly s3: S3Client;
  readonly api: SageMakerClient;
  readonly runtime: SageMakerRuntimeClient;

  constructor(url: string) {
    this.s3 = new S3Client({ endpoint: url, region: REGION, forcePathStyle: true, credentials });
    this.api = new SageMakerClient({ endpoint: url, region: REGION, credentials });
    this.runtime = new SageMakerRuntimeClient({ endpoint: url, region: REGION, credentials });
  }

  async upload(key: string, file: string): Promise<void> {
    await this.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: readFileSync(file) }));
  }

  async train(name: string, hyperparameters: Record<string, string>, trainKey: string, validationKey?: string): Promise<DescribeTrainingJobCommandOutput> {
    const channel = (channelName: string, key: string) => ({
      ChannelName: channelName,
      DataSource: { S3DataSource: { S3DataType: 'S3Prefix' as const, S3Uri: `s3://${BUCKET}/${key}` } },
    });
    await this.api.send(
      new CreateTrainingJobCommand({
        TrainingJobName: name,
        AlgorithmSpecification: { TrainingImage: IMAGE, TrainingInputMode: 'File' },
        RoleArn: ROLE,
        HyperParameters: { mode: 'supervised', ...hyperparameters },
        InputDataConfig: [channel('train', trainKey), ...(validationKey ? [channel('validation', validationKey)] : [])],
        OutputDataConfig: { S3OutputPath: `s3://${BUCKET}/models` },
        ResourceConfig: { InstanceType: 'ml.c5.xlarge', InstanceCount: 1, VolumeSizeInGB: 30 },
        StoppingCondition: { MaxRuntimeInSeconds: 3600 },
      }),
    );
    // Bounded by the job's own MaxRuntimeInSeconds (the stack stops it then), with a minute to spare.
    const job = await waitFor(
      `training job ${name} to end`,
      async () => {
        const described = await this.api.send(new DescribeTrainingJobCommand({ TrainingJobName: name }));
        return described.TrainingJobStatus === 'InProgress' || described.TrainingJobStatus === 'Stopping' ? undefined : described;
      },
      3_660_000,
      100,
    );
    if (job.TrainingJobStatus !== 'Completed') throw new Error(`${name}: ${job.TrainingJobStatus}: ${job.FailureReason}`);
    return job;
  }

  async deploy(name: string, modelDataUrl: string): Promise<void> {
    await this.api.send(new CreateModelCommand({ ModelName: name, ExecutionRoleArn: ROLE, PrimaryContainer: { Image: IMAGE, ModelDataUrl: modelDataUrl } }));
    await this.api.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: name,
        ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: name, InitialInstanceCount: 1, InstanceType: 'ml.m5.large' }],
      }),
    );
    await this.api.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: name }));
    const endpoint = await waitFor(
      `endpoint ${name} to leave Creating`,
      async () => {
        const described = await this.api.send(new DescribeEndpointCommand({ EndpointName: name }));
        return described.EndpointStatus === 'Creating' ? undefined : described;
      },
      600_000,
      100,
    );
    if (endpoint.EndpointStatus !== 'InService') throw new Error(`${name}: ${endpoint.EndpointStatus}: ${endpoint.FailureReason}`);
  }

  async predict(endpoint: string, texts: readonly string[], k = 1): Promise<Array<{ label: string[]; prob: number[] }>> {
    const response = await this.runtime.send(
      new InvokeEndpointCommand({ EndpointName: endpoint, ContentType: 'application/json', Body: JSON.stringify({ instances: texts, configuration: { k } }) }),
    );
    return JSON.parse(new TextDecoder().decode(response.Body)) as Array<{ label: string[]; prob: number[] }>;
  }

  destroy(): void {
    this.s3.destroy();
    this.api.destroy();
    this.runtime.destroy();
  }
}

/** Training phase (Training -> Uploading) and the fastText time the job's log reports. */
function trainingPhaseSeconds(job: DescribeTrainingJobCommandOutput): number {
  const transitions = job.SecondaryStatusTransitions ?? [];
  const training = transitions.find((transition) => transition.Status === 'Training');
  return seconds(training?.StartTime, training?.EndTime);
}

function splitText(line: string): { label: string; text: string } {
  const space = line.indexOf(' ');
  return { label: line.slice(0, space), text: line.slice(space + 1) };
}

async function main(): Promise<void> {
  const { values } = parseCommandLine(COMMAND);
  if (values.serve !== undefined) return serve(values.serve);
  const runs = integerOption(COMMAND, 'runs', values.runs, { min: 1 });
  const requests = integerOption(COMMAND, 'requests', values.requests, { min: 1 });
  const skipScale = values['skip-scale'];

  mkdirSync(WORK_DIR, { recursive: true });
  const stateDir = join(WORK_DIR, `state-${process.pid}`);
  rmSync(stateDir, { recursive: true, force: true });
  const split = await prepareSplit();
  const scaled = skipScale ? undefined : await prepareScaled();
  const server = await startServer(stateDir);
  const stack = new LocalStack(server.url);
  const results: Record<string, unknown> = {};
  const loadBefore = loadavg();

  try {
    await stack.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await stack.upload('split/train/train.txt', split.train);
    await stack.upload('split/validation/validation.txt', split.validation);

    // 1. Accuracy on the test split, same hyperparameters.
    const hyper = { epochs: '10', learning_rate: '0.5', word_ngrams: '2', vector_dim: '10', min_count: '1', buckets: '2000000' };
    const cliArgs = ['-epoch', '10', '-lr', '0.5', '-wordNgrams', '2', '-dim', '10', '-minCount', '1', '-bucket', '2000000'];
    const accuracyRuns: Array<{ cli: CliRun; local: { accuracy: number; validationAccuracy: number; jobSeconds: number; trainingSeconds: number } }> = [];
    const testTexts = split.testLines.map((line) => splitText(line));
    for (let run = 0; run < runs; run++) {
      const cli = cliTrain(split.train, join(WORK_DIR, `cli-split-${run}`), cliArgs, split.test);
      const job = await stack.train(`split-${run}`, hyper, 'split/train/', 'split/validation/');
      await stack.deploy(`split-${run}`, job.ModelArtifacts!.S3ModelArtifacts!);
      const predictions = await stack.predict(`split-${run}`, testTexts.map((example) => example.text));
      const correct = predictions.filter((prediction, i) => prediction.label[0] === testTexts[i]!.label).length;
      accuracyRuns.push({
        cli,
        local: {
          accuracy: correct / testTexts.length,
          validationAccuracy: job.FinalMetricDataList?.[0]?.Value ?? NaN,
          jobSeconds: seconds(job.CreationTime, job.TrainingEndTime),
          trainingSeconds: trainingPhaseSeconds(job),
        },
      });
      console.error(`accuracy run ${run + 1}/${runs}: local ${accuracyRuns[run]!.local.accuracy.toFixed(4)}, CLI ${cli.accuracy}`);
    }
    const localAccuracy = accuracyRuns.reduce((sum, r) => sum + r.local.accuracy, 0) / runs;
    const cliAccuracy = accuracyRuns.reduce((sum, r) => sum + r.cli.accuracy!, 0) / runs;
    results.accuracy = {
      testRows: testTexts.length,
      runs: accuracyRuns,
      meanLocal: round(localAccuracy, 4),
      meanCli: round(cliAccuracy, 4),
      differencePoints: round((localAccuracy - cliAccuracy) * 100, 2),
      target: `|difference| <= ${TARGETS.accuracyPoints} points`,
      met: Math.abs(localAccuracy - cliAccuracy) * 100 <= TARGETS.accuracyPoints,
    };

    // 2. Training time at DBpedia scale.
    if (scaled !== undefined) {
      await stack.upload('scaled/train/train.txt', scaled);
      const scaledHyper = { epochs: '5', learning_rate: '0.1', word_ngrams: '2', vector_dim: '10', min_count: '1', buckets: '2000000' };
      const scaledCli = ['-epoch', '5', '-lr', '0.1', '-wordNgrams', '2', '-dim', '10', '-minCount', '1', '-bucket', '2000000'];
      const timing: Array<{ cliSeconds: number; localTrainingPhaseSeconds: number; localJobSeconds: number }> = [];
      for (let run = 0; run < runs; run++) {
        const cli = cliTrain(scaled, join(WORK_DIR, 'cli-560k'), scaledCli);
        const job = await stack.train(`scaled-${run}`, scaledHyper, 'scaled/train/');
        timing.push({ cliSeconds: round(cli.seconds), localTrainingPhaseSeconds: round(trainingPhaseSeconds(job)), localJobSeconds: round(seconds(job.CreationTime, job.TrainingEndTime)) });
        console.error(`560k run ${run + 1}/${runs}: CLI ${cli.seconds.toFixed(1)} s, local training phase ${trainingPhaseSeconds(job).toFixed(1)} s`);
      }
      const cliMedian = median(timing.map((t) => t.cliSeconds));
      const localMedian = median(timing.map((t) => t.localTrainingPhaseSeconds));
      results.training560k = {
        rows: 560_000,
        hyperparameters: scaledHyper,
        runs: timing,
        medianCliSeconds: round(cliMedian, 2),
        medianLocalTrainingPhaseSeconds: round(localMedian, 2),
        ratio: round(localMedian / cliMedian, 3),
        target: `local / CLI <= ${TARGETS.trainingRatio}`,
        met: localMedian / cliMedian <= TARGETS.trainingRatio,
      };
    }

    // 3. Inference latency and throughput on loopback, with the AWS SDK.
    const endpoint = 'split-0';
    for (let i = 0; i < 300; i++) await stack.predict(endpoint, [testTexts[i % testTexts.length]!.text]);
    const latencies: number[] = [];
    for (let i = 0; i < requests; i++) {
      const started = performance.now();
      await stack.predict(endpoint, [testTexts[i % testTexts.length]!.text]);
      latencies.push(performance.now() - started);
    }
    latencies.sort((a, b) => a - b);
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    results.latency = {
      requests,
      p50Ms: round(p50),
      p99Ms: round(p99),
      meanMs: round(latencies.reduce((sum, value) => sum + value, 0) / latencies.length),
      maxMs: round(latencies[latencies.length - 1]!),
      target: `p50 <= ${TARGETS.p50Ms} ms, p99 <= ${TARGETS.p99Ms} ms`,
      met: p50 <= TARGETS.p50Ms && p99 <= TARGETS.p99Ms,
    };

    const batchSize = 1000;
    const batch = Array.from({ length: batchSize }, (_, i) => testTexts[i % testTexts.length]!.text);
    await stack.predict(endpoint, batch);
    const durationMs = 5000;
    let predictions = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: 2 }, async () => {
        while (performance.now() - started < durationMs) {
          predictions += (await stack.predict(endpoint, batch)).length;
        }
      }),
    );
    const perSecond = predictions / ((performance.now() - started) / 1000);
    results.throughput = {
      batchSize,
      concurrency: 2,
      predictions,
      predictionsPerSecond: Math.round(perSecond),
      target: `>= ${TARGETS.predictionsPerSecond} predictions/s`,
      met: perSecond >= TARGETS.predictionsPerSecond,
    };
  } finally {
    stack.destroy();
    await stopChildServer(server.child);
    rmSync(stateDir, { recursive: true, force: true });
  }

  const note = busyMachineNote(loadBefore);
  writeSection({
    name: 'sagemaker',
    title: 'Local SageMaker: BlazingText training (fastText) and real-time inference',
    issue: '5 Local SageMaker',
    command: 'npx tsx bench/sagemaker.ts',
    figures: sagemakerFigures(results),
    details: results,
    notes: note ? [note] : [],
  });
}

function sagemakerFigures(results: Record<string, unknown>): Figure[] {
  const accuracy = results.accuracy as { meanLocal: number; meanCli: number; differencePoints: number; met: boolean; runs: Array<{ cli: CliRun; local: { trainingSeconds: number; jobSeconds: number } }> };
  const cli = 'fastText CLI, 2 threads';
  const splitWall = (pick: (run: (typeof accuracy.runs)[number]) => number) => round(median(accuracy.runs.map(pick)), 2);
  const figures: Figure[] = [
    { measure: `test accuracy through the endpoint, DBpedia sample 80/10/10 (mean of ${accuracy.runs.length})`, value: accuracy.meanLocal, reference: accuracy.meanCli, referenceName: cli, target: `within ${TARGETS.accuracyPoints} points (${accuracy.differencePoints})`, met: accuracy.met },
    { measure: 'sample training, training phase / whole job (median)', value: `${splitWall((r) => r.local.trainingSeconds)} / ${splitWall((r) => r.local.jobSeconds)}`, unit: 's', reference: splitWall((r) => r.cli.seconds), referenceName: cli },
  ];
  const scaled = results.training560k as { medianCliSeconds: number; medianLocalTrainingPhaseSeconds: number; ratio: number; met: boolean } | undefined;
  if (scaled) {
    figures.push({ measure: 'training at DBpedia scale, 560,000 rows, 5 epochs, bigrams, dim 10 (median)', value: scaled.medianLocalTrainingPhaseSeconds, unit: 's', reference: scaled.medianCliSeconds, referenceName: cli, target: `ratio <= ${TARGETS.trainingRatio} (${scaled.ratio})`, met: scaled.met });
  }
  const latency = results.latency as { p50Ms: number; p99Ms: number; requests: number };
  figures.push(
    { measure: `single-instance InvokeEndpoint latency p50 (${latency.requests} requests, loopback)`, value: latency.p50Ms, unit: 'ms', target: `<= ${TARGETS.p50Ms} ms`, met: latency.p50Ms <= TARGETS.p50Ms },
    { measure: 'single-instance InvokeEndpoint latency p99', value: latency.p99Ms, unit: 'ms', target: `<= ${TARGETS.p99Ms} ms`, met: latency.p99Ms <= TARGETS.p99Ms },
  );
  const throughput = results.throughput as { predictionsPerSecond: number; batchSize: number; concurrency: number; met: boolean };
  figures.push({ measure: `batched throughput (${throughput.batchSize} per request, ${throughput.concurrency} clients)`, value: throughput.predictionsPerSecond, unit: 'predictions/s', target: `>= ${TARGETS.predictionsPerSecond}`, met: throughput.met });
  return figures;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
