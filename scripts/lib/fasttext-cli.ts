/**
 * The native fastText CLI, the reference the local BlazingText is measured against: the same training
 * from a job's BlazingText hyperparameters, `fasttext test`'s precision at 1, `predict-prob`.
 *
 * Where it comes from, first match wins:
 *   1. `FASTTEXT_CLI` (a path), when set: used as given, an error if it is not executable;
 *   2. `/usr/bin/fasttext` (Debian's package `fasttext`), when installed;
 *   3. a CLI compiled once, with the machine's g++, from the fastText sources the `fasttext` npm package
 *      ships (`node_modules/fasttext/fastText/src`, `main.cc` included: the very code the local stack's
 *      native binding trains with), cached in `node_modules/.cache/fasttext-cli/<hash>/fasttext`. The
 *      hash covers the sources, the compiler and its flags, so an upgraded package builds anew; `npm ci`
 *      (which empties node_modules) does too. Concurrent builds (jest workers, a bench beside a test run)
 *      each compile into a file of their own and rename it into place: the last rename wins, and every
 *      rename puts a complete binary there.
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { createHash } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempPathFor } from '../../local-stack/src/core/persistence';
import { SUPERVISED_DEFAULTS } from '../../local-stack/src/providers/sagemaker/model/hyperparameters';

const ROOT = path.resolve(__dirname, '..', '..');
const execFileAsync = promisify(execFile);
export const DEBIAN_FASTTEXT_CLI = '/usr/bin/fasttext';
/** The package's own compile flags (binding.gyp), for a binary that computes what the binding computes. */
const CXXFLAGS = ['-std=c++11', '-pthread', '-O3', '-fexceptions', '-DUSE_SSE', '-DUSE_SSE2'];

/** Where to look and build (the defaults are this checkout's; tests give their own). */
export interface FastTextCliLocation {
  sourceDir: string;
  cacheRoot: string;
  env: NodeJS.ProcessEnv;
  debianPath: string;
}

const defaults = (): FastTextCliLocation => ({
  sourceDir: path.join(ROOT, 'node_modules', 'fasttext', 'fastText', 'src'),
  cacheRoot: path.join(ROOT, 'node_modules', '.cache', 'fasttext-cli'),
  env: process.env,
  debianPath: DEBIAN_FASTTEXT_CLI,
});

export interface ResolvedFastTextCli {
  path: string;
  origin: 'FASTTEXT_CLI' | 'debian' | 'built';
  /** Seconds spent compiling, when this call built it. */
  builtInSeconds?: number;
}

let resolved: ResolvedFastTextCli | undefined;

/** The fastText CLI's path, building it first when this machine has none (see the module comment). */
export function fastTextCli(): string {
  resolved ??= resolveFastTextCli();
  return resolved.path;
}

/** Finds or builds the CLI, saying where it came from. */
export function resolveFastTextCli(location: Partial<FastTextCliLocation> = {}): ResolvedFastTextCli {
  const { sourceDir, cacheRoot, env, debianPath } = { ...defaults(), ...location };
  const configured = env.FASTTEXT_CLI;
  if (configured) {
    if (!isExecutable(configured)) throw new Error(`FASTTEXT_CLI=${configured} is not an executable file`);
    return { path: configured, origin: 'FASTTEXT_CLI' };
  }
  if (isExecutable(debianPath)) return { path: debianPath, origin: 'debian' };
  return buildFastTextCli(sourceDir, cacheRoot);
}

/** Compiles the CLI from `sourceDir` into `cacheRoot/<hash>/fasttext` unless it is there already. */
export function buildFastTextCli(sourceDir: string, cacheRoot: string, compiler = process.env.CXX ?? 'g++'): ResolvedFastTextCli {
  if (!existsSync(path.join(sourceDir, 'main.cc'))) {
    throw new Error(`No fastText CLI: ${DEBIAN_FASTTEXT_CLI} is not installed and ${sourceDir} (from the fasttext npm package) has no main.cc. Run npm ci, or set FASTTEXT_CLI.`);
  }
  const sources = readdirSync(sourceDir)
    .filter((name) => name.endsWith('.cc'))
    .sort();
  const compilerVersion = spawnSync(compiler, ['--version'], { encoding: 'utf8' });
  if (compilerVersion.error || compilerVersion.status !== 0) {
    throw new Error(
      `No fastText CLI: ${DEBIAN_FASTTEXT_CLI} is not installed, and building one from ${sourceDir} needs a C++ compiler (${compiler}: ${compilerVersion.error?.message ?? compilerVersion.stderr}). ` +
        'Install g++ (Debian: apt-get install g++; npm ci needs it already for the fasttext binding), or set FASTTEXT_CLI to a fastText binary.',
    );
  }
  const hash = createHash('sha256').update(compilerVersion.stdout).update(CXXFLAGS.join(' '));
  for (const name of readdirSync(sourceDir).sort()) hash.update(name).update(readFileSync(path.join(sourceDir, name)));
  const dir = path.join(cacheRoot, hash.digest('hex').slice(0, 16));
  const binary = path.join(dir, 'fasttext');
  if (isExecutable(binary)) return { path: binary, origin: 'built' };

  mkdirSync(dir, { recursive: true });
  const partial = tempPathFor(binary);
  const started = performance.now();
  try {
    execFileSync(compiler, [...CXXFLAGS, '-o', partial, ...sources.map((name) => path.join(sourceDir, name))], { stdio: ['ignore', 'ignore', 'pipe'] });
    renameSync(partial, binary);
  } catch (error) {
    rmSync(partial, { force: true });
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`Building the fastText CLI from ${sourceDir} failed${stderr ? `:\n${stderr.slice(-2000)}` : `: ${String(error)}`}`);
  }
  return { path: binary, origin: 'built', builtInSeconds: (performance.now() - started) / 1000 };
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** BlazingText supervised hyperparameters and their fastText flags. */
const FLAGS: Readonly<Record<string, string>> = {
  epochs: '-epoch',
  learning_rate: '-lr',
  word_ngrams: '-wordNgrams',
  vector_dim: '-dim',
  min_count: '-minCount',
  buckets: '-bucket',
};

/**
 * The CLI flags that train what a BlazingText job with these hyperparameters trains: BlazingText's defaults
 * (the local stack's, which differ from fastText's) for what the job leaves out, no subwords, softmax.
 */
export function cliFlagsFor(hyperparameters: Readonly<Record<string, string>>): string[] {
  return [
    ...Object.entries(FLAGS).flatMap(([name, flag]) => [flag, hyperparameters[name] ?? SUPERVISED_DEFAULTS[name]!]),
    '-minn', '0', '-maxn', '0', '-loss', 'softmax',
  ];
}

/** `fasttext supervised`: trains `<output>.bin` on `trainFile`; returns the wall time in seconds. */
export function train(trainFile: string, output: string, flags: readonly string[], threads = 2): number {
  const started = performance.now();
  execFileSync(fastTextCli(), ['supervised', '-input', trainFile, '-output', output, '-thread', String(threads), '-verbose', '0', ...flags], { stdio: ['ignore', 'ignore', 'pipe'] });
  return (performance.now() - started) / 1000;
}

/** `fasttext test`'s top-1 precision (the accuracy, to the 3 digits it prints) of a model on a file. */
export function testAccuracy(model: string, testFile: string): number {
  // It prints `Number of examples` on stderr: kept out of the caller's output (and in the error if it fails).
  return parseTestReport(execFileSync(fastTextCli(), ['test', model, testFile], { stdio: ['ignore', 'pipe', 'pipe'] }).toString());
}

/** The P@1 of what `fasttext test` printed (`N`, `P@1`, `R@1` lines). */
export function parseTestReport(report: string): number {
  const precision = /^P@1\s+([\d.]+)$/m.exec(report)?.[1];
  if (precision === undefined) throw new Error(`fasttext test printed no P@1: ${report}`);
  return Number(precision);
}

/** Trains `<output>.bin` on `trainFile` with 2 threads; returns the wall time and `fasttext test`'s P@1 on `testFile`. */
export function trainAndTest(trainFile: string, testFile: string, output: string, flags: readonly string[]): { seconds: number; accuracy: number } {
  const seconds = train(trainFile, output, flags);
  return { seconds, accuracy: testAccuracy(`${output}.bin`, testFile) };
}

export interface TestLabelFigures {
  /** Undefined where fastText prints dashes (precision of a label never predicted, recall of one without rows). */
  precision: number | undefined;
  recall: number | undefined;
  f1: number | undefined;
}

/** Whether the CLI has `test-label` (fastText 0.9; the 0.1 sources the npm package ships have not). */
export function hasTestLabel(cli = fastTextCli()): boolean {
  const usage = spawnSync(cli, ['test-label'], { encoding: 'utf8' });
  return `${usage.stdout}${usage.stderr}`.includes('usage: fasttext test-label');
}

/**
 * A fastText CLI with `test-label`, for the per-class reference: `FASTTEXT_TEST_LABEL_CLI` when set (an
 * error if it has no test-label; .ci/run points it at Debian's fastText 0.9.2, extracted privately), else
 * the reference CLI when it has one; undefined when neither has (the CLI built from the npm sources is 0.1).
 */
export function testLabelCli(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const configured = env.FASTTEXT_TEST_LABEL_CLI;
  if (configured) {
    if (!isExecutable(configured) || !hasTestLabel(configured)) throw new Error(`FASTTEXT_TEST_LABEL_CLI=${configured} is not a fastText CLI with test-label`);
    return configured;
  }
  return hasTestLabel() ? fastTextCli() : undefined;
}

/**
 * Each label's recall as fastText itself counts it, whatever its version: `fasttext test` (k = 1) on the
 * label's rows alone answers P@1 = rows of the label predicted as it / rows of the label, to the 3 digits
 * it prints. (fastText 0.9.2's test-label prints dashes for every recall: facebookresearch/fastText#1072.)
 */
export async function recallsByTest(model: string, testLines: readonly string[], dir: string, cli = fastTextCli()): Promise<Map<string, number>> {
  const byLabel = new Map<string, string[]>();
  for (const line of testLines) {
    const label = /^__label__(\S+)/.exec(line)?.[1];
    if (label === undefined) continue;
    byLabel.set(label, [...(byLabel.get(label) ?? []), line]);
  }
  const recalls = new Map<string, number>();
  for (const [label, lines] of byLabel) {
    const file = path.join(dir, `test-recall-${recalls.size}.txt`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    // Not execFileSync: a test serves the stack from its own process, whose event loop must keep turning.
    recalls.set(label, parseTestReport((await execFileAsync(cli, ['test', model, file])).stdout));
  }
  return recalls;
}

/** `fasttext test-label <model> <file>` (k = 1): precision, recall and F1 per label, keyed without `__label__`. */
export async function testLabel(model: string, testFile: string, cli = fastTextCli()): Promise<Map<string, TestLabelFigures>> {
  return parseTestLabelReport((await execFileAsync(cli, ['test-label', model, testFile], { maxBuffer: 1 << 26 })).stdout);
}

/** The per-label lines of test-label's report: `F1-Score : 0.97  Precision : 0.96  Recall : 0.98   __label__X`. */
export function parseTestLabelReport(report: string): Map<string, TestLabelFigures> {
  const figure = (text: string): number | undefined => (/^-+$/.test(text) ? undefined : Number(text));
  const labels = new Map<string, TestLabelFigures>();
  for (const match of report.matchAll(/^F1-Score\s*:\s*(\S+)\s+Precision\s*:\s*(\S+)\s+Recall\s*:\s*(\S+)\s+__label__(\S+)\s*$/gm)) {
    labels.set(match[4]!, { f1: figure(match[1]!), precision: figure(match[2]!), recall: figure(match[3]!) });
  }
  return labels;
}
