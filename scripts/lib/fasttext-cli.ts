/**
 * The native fastText CLI (Debian package `fasttext`), the reference the local BlazingText is measured
 * against: the same training from a job's BlazingText hyperparameters, and `fasttext test`'s precision at 1.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { SUPERVISED_DEFAULTS } from '../../local-stack/src/providers/sagemaker/model/hyperparameters';

export const FASTTEXT_CLI = '/usr/bin/fasttext';
export const fastTextCliInstalled = (): boolean => existsSync(FASTTEXT_CLI);

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

/** Trains `<output>.bin` on `trainFile` with 2 threads; returns the wall time and `fasttext test`'s P@1 on `testFile`. */
export function trainAndTest(trainFile: string, testFile: string, output: string, flags: readonly string[]): { seconds: number; accuracy: number } {
  const started = performance.now();
  execFileSync(FASTTEXT_CLI, ['supervised', '-input', trainFile, '-output', output, '-thread', '2', '-verbose', '0', ...flags]);
  const seconds = (performance.now() - started) / 1000;
  const report = execFileSync(FASTTEXT_CLI, ['test', `${output}.bin`, testFile]).toString();
  const precision = /P@1\s+([\d.]+)/.exec(report)?.[1];
  if (precision === undefined) throw new Error(`fasttext test printed no P@1: ${report}`);
  return { seconds, accuracy: Number(precision) };
}
