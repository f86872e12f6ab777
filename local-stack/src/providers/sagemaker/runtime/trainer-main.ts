/**
 * The local BlazingText trainer, run as a child process (bundled by esbuild, started with the
 * path of a TrainerSpec JSON file): trains with the `fasttext` native binding on all the threads
 * it is given, reports progress and results over IPC, and writes `<workDir>/model.bin`.
 *
 * Why a child process: the binding trains on a libuv thread (the event loop stays free) but can
 * neither be cancelled nor report progress, exits the process on bad arguments, and writes its
 * progress straight to fd 2. A child can be killed (StopTrainingJob, MaxRuntimeInSeconds), and its
 * output lands in the job's log.
 */
import { createReadStream } from 'node:fs';
import { open, readFile, rename, rm, stat, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Classifier, type Options } from 'fasttext';
import { FastTextModel } from '../model/fasttext/model';
import { ClientError, type SupervisedSettings } from '../model/hyperparameters';
import type { EpochProgress, RunResult, TrainerMessage, TrainerResult, TrainerSpec } from './trainer-protocol';

const SAMPLE_BYTES = 64 * 1024;
const PROGRESS_INTERVAL_MS = 250;
const LABEL_PREFIX = '__label__';

function send(message: TrainerMessage): void {
  process.send?.(message);
}

function log(line: string): void {
  send({ type: 'log', line });
}

/** Checks the training file has labelled lines and estimates tokens per byte from its start. */
async function sampleTrainingFile(path: string): Promise<{ bytes: number; tokensPerByte: number }> {
  const { size } = await stat(path);
  if (size === 0) throw new ClientError('The train channel is empty');
  const handle = await open(path, 'r');
  try {
    const sample = Buffer.alloc(Math.min(size, SAMPLE_BYTES));
    await handle.read(sample, 0, sample.length, 0);
    const text = sample.toString('utf8');
    if (!text.includes(LABEL_PREFIX)) {
      throw new ClientError(`The train channel has no labels: each line must start with ${LABEL_PREFIX}<label> (fastText format)`);
    }
    const lines = text.split('\n').length;
    const tokens = text.split(/\s+/).filter(Boolean).length + lines; // every line also counts </s>
    return { bytes: size, tokensPerByte: tokens / sample.length };
  } finally {
    await handle.close();
  }
}

/** Bytes this process has read so far (Linux); undefined where /proc is not available. */
async function bytesRead(): Promise<number | undefined> {
  try {
    const io = await readFile('/proc/self/io', 'utf8');
    const match = /^rchar:\s*(\d+)/m.exec(io);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * fastText reads the file once to build its dictionary, then once per epoch (all threads
 * together), so the bytes read tell the epoch and the throughput without costing fastText anything
 * (its own per-100-token progress printing is unbuffered and slows training noticeably).
 */
function watchProgress(fileBytes: number, tokensPerByte: number, runEpochs: number, threads: number, baseline: number | undefined): () => void {
  if (baseline === undefined) return () => undefined;
  let previous = { at: performance.now(), trainedBytes: 0 };
  let lastEpoch = 0;
  const timer = setInterval(() => {
    void bytesRead().then((total) => {
      if (total === undefined) return;
      const trainedBytes = Math.max(0, total - baseline - fileBytes);
      if (trainedBytes === 0) return;
      const now = performance.now();
      const seconds = (now - previous.at) / 1000;
      const rate = ((trainedBytes - previous.trainedBytes) * tokensPerByte) / seconds / threads;
      previous = { at: now, trainedBytes };
      const progress: EpochProgress = {
        runEpochs,
        epoch: Math.min(runEpochs, Math.floor(trainedBytes / fileBytes) + 1),
        progress: Math.min(1, trainedBytes / (fileBytes * runEpochs)),
        wordsPerSecondPerThread: Math.round(rate),
      };
      if (progress.epoch !== lastEpoch || progress.progress < 1) send({ type: 'progress', progress });
      lastEpoch = progress.epoch;
    });
  }, PROGRESS_INTERVAL_MS);
  return () => clearInterval(timer);
}

async function trainRun(spec: TrainerSpec, epochs: number, sample: { bytes: number; tokensPerByte: number }): Promise<{ modelFile: string; seconds: number }> {
  const { settings } = spec;
  const output = join(spec.workDir, `run-${epochs}`);
  // The binding always writes word vectors next to the model; nobody reads them here.
  await rm(`${output}.vec`, { force: true });
  await symlink('/dev/null', `${output}.vec`).catch(() => undefined);
  const classifier = new Classifier();
  const stopWatching = watchProgress(sample.bytes, sample.tokensPerByte, epochs, spec.threads, await bytesRead());
  const started = performance.now();
  // The binding's typings mark every option as required; fastText has a default for each.
  const options: Partial<Options> = {
    input: spec.trainFile,
    output,
    epoch: epochs,
    lr: settings.learningRate,
    dim: settings.vectorDim,
    wordNgrams: settings.wordNgrams,
    minCount: settings.minCount,
    bucket: settings.buckets,
    minn: 0,
    maxn: 0,
    loss: 'softmax',
    thread: spec.threads,
    verbose: 1,
  };
  try {
    await classifier.train('supervised', options as Options);
  } catch (error) {
    throw new Error(`fastText training failed: ${String(error)}`);
  } finally {
    stopWatching();
  }
  const seconds = (performance.now() - started) / 1000;
  // The binding frees the native model when the Classifier is collected: keep it alive until here.
  void classifier;
  await rm(`${output}.vec`, { force: true });
  return { modelFile: `${output}.bin`, seconds };
}

/** Precision at 1 over the labelled lines of a fastText-format file, as `fasttext test` computes it. */
async function accuracyOn(modelFile: string, dataFile: string): Promise<{ accuracy: number; lines: number }> {
  const model = FastTextModel.parse(await readFile(modelFile));
  let correct = 0;
  let counted = 0;
  const lines = createInterface({ input: createReadStream(dataFile), crlfDelay: Infinity });
  for await (const line of lines) {
    const evaluation = model.evaluate(line);
    if (evaluation === undefined) continue;
    counted += 1;
    if (evaluation.labels.includes(evaluation.predicted)) correct += 1;
  }
  if (counted === 0) throw new ClientError('The validation channel has no labelled lines');
  return { accuracy: correct / counted, lines: counted };
}

/**
 * The epoch counts to train. Without early stopping, one run of `epochs`. With it, fastText cannot
 * pause and resume training, so each epoch count from `min_epochs` on is its own run (with the
 * learning rate decaying over that many epochs), evaluated on the validation channel; training
 * stops after `patience` runs without improvement, and the best model is kept.
 */
async function train(spec: TrainerSpec): Promise<TrainerResult> {
  const sample = await sampleTrainingFile(spec.trainFile);
  const { settings } = spec;
  log(`Training BlazingText (fastText supervised) on ${(sample.bytes / 1e6).toFixed(1)} MB with ${spec.threads} threads: ${describe(settings)}`);
  const runs: RunResult[] = [];
  const early = settings.earlyStopping;
  const firstEpochs = early ? Math.min(early.minEpochs, settings.epochs) : settings.epochs;
  let best: { epochs: number; modelFile: string; accuracy?: number; lines?: number } | undefined;
  let runsWithoutImprovement = 0;
  let stoppedEarly = false;
  for (let epochs = firstEpochs; epochs <= settings.epochs; epochs++) {
    const { modelFile, seconds } = await trainRun(spec, epochs, sample);
    const validation = spec.validationFile === undefined ? undefined : await accuracyOn(modelFile, spec.validationFile);
    const run: RunResult = { epochs, seconds, ...(validation ? { validationAccuracy: validation.accuracy } : {}) };
    runs.push(run);
    send({ type: 'run-complete', run });
    if (best === undefined || (validation !== undefined && validation.accuracy > (best.accuracy ?? -1))) {
      if (best !== undefined) await rm(best.modelFile, { force: true });
      best = { epochs, modelFile, ...(validation ? { accuracy: validation.accuracy, lines: validation.lines } : {}) };
      runsWithoutImprovement = 0;
    } else {
      await rm(modelFile, { force: true });
      runsWithoutImprovement += 1;
    }
    if (!early) break;
    if (runsWithoutImprovement >= early.patience && epochs < settings.epochs) {
      stoppedEarly = true;
      log(`Early stopping: no validation accuracy improvement for ${early.patience} epoch(s); keeping the ${best.epochs}-epoch model`);
      break;
    }
  }
  if (best === undefined) throw new Error('no training run completed');
  const modelFile = join(spec.workDir, 'model.bin');
  await rename(best.modelFile, modelFile);
  return {
    modelFile,
    epochs: best.epochs,
    ...(best.accuracy !== undefined ? { validationAccuracy: best.accuracy, validationLines: best.lines } : {}),
    stoppedEarly,
    runs,
    trainingSeconds: runs.reduce((sum, run) => sum + run.seconds, 0),
  };
}

function describe(settings: SupervisedSettings): string {
  const early = settings.earlyStopping ? `, early stopping (min_epochs ${settings.earlyStopping.minEpochs}, patience ${settings.earlyStopping.patience})` : '';
  return `epochs ${settings.epochs}, learning_rate ${settings.learningRate}, vector_dim ${settings.vectorDim}, word_ngrams ${settings.wordNgrams}, min_count ${settings.minCount}, buckets ${settings.buckets}${early}`;
}

async function main(): Promise<void> {
  const specPath = process.argv[2];
  if (specPath === undefined) throw new Error('usage: trainer <spec.json>');
  const spec = JSON.parse(await readFile(specPath, 'utf8')) as TrainerSpec;
  try {
    const result = await train(spec);
    send({ type: 'done', result });
  } catch (error) {
    send({ type: 'failed', message: (error as Error).message, clientError: error instanceof ClientError });
  }
  process.disconnect?.();
}

void main();
