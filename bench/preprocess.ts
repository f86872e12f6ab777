/**
 * Benchmark of the Glue preprocessing job (issue 3) at DBpedia scale.
 *
 *   npx tsx bench/preprocess.ts [--runs 3] [--input .local/bench/dbpedia_560k.csv]
 *
 * Generates the 560,000-row input with scripts/scale-dbpedia.py when it is missing, runs
 * glue_scripts/preprocess.py on it `runs` times (local folders, one process each, as the local stack runs it),
 * and times fastText's own normalisation pipeline (classification-example.sh: tr + sed, no dedupe, no split,
 * no shuffle) on the same file as the reference ceiling. Wall time, CPU time and peak RSS of each run come from
 * a python3 wrapper reading getrusage(RUSAGE_CHILDREN). MB are 10^6 bytes of input. Prints a markdown table and
 * writes bench/results/preprocess.json.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { defineCommand, integerOption, parseCommandLine } from '../scripts/lib/cli';
import { busyMachineNote, median, ROOT, round, WORK_ROOT, writeSection } from './lib/report';

const WORK_DIR = WORK_ROOT;
const TARGET_MB_PER_SECOND = 16;
const TARGET_PEAK_RSS_MIB = 1024;
const SPLIT_FILES = ['train/train.txt', 'validation/validation.txt', 'test/test.txt', 'rejected.jsonl'];

/** The normalize_text function of fastText's classification-example.sh, without its final shuffle. */
const FASTTEXT_PIPELINE = [
  `tr '[:upper:]' '[:lower:]' | sed -e 's/^/__label__/g' |`,
  `sed -e "s/'/ ' /g" -e 's/"//g' -e 's/\\./ \\. /g' -e 's/<br \\/>/ /g'`,
  `-e 's/,/ , /g' -e 's/(/ ( /g' -e 's/)/ ) /g' -e 's/\\!/ \\! /g'`,
  `-e 's/\\?/ \\? /g' -e 's/\\;/ /g' -e 's/\\:/ /g' | tr -s " "`,
].join(' ');

/** Runs a command and reports its usage, as seen by a python3 parent process. */
const USAGE_WRAPPER = `
import json, resource, subprocess, sys, time
stats_path, command = sys.argv[1], sys.argv[2:]
start = time.perf_counter()
code = subprocess.call(command, stdout=subprocess.DEVNULL)
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(stats_path, "w") as out:
    json.dump({"exit": code, "wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "max_rss_kib": usage.ru_maxrss}, out)
`;

interface Usage {
  exit: number;
  wall: number;
  cpu: number;
  max_rss_kib: number;
}

interface RunFigures {
  wallSeconds: number;
  cpuSeconds: number;
  /** Input MB per second of wall time: the figure the issue's target is about. */
  mbPerSecond: number;
  /** Input MB per CPU-second (user + system): what one core does, much less sensitive to a busy machine. */
  mbPerCpuSecond: number;
  peakRssMiB: number;
}

interface Options {
  runs: number;
  input: string;
}

const COMMAND = defineCommand({
  usage: 'npx tsx bench/preprocess.ts [--runs 3] [--input .local/bench/dbpedia_560k.csv]',
  summary: "Times glue_scripts/preprocess.py on a DBpedia-scale CSV against fastText's tr/sed normalisation; writes bench/results/preprocess.json.",
  options: {
    runs: { type: 'string', value: 'n', default: '3', description: 'runs of the Glue script' },
    input: { type: 'string', value: 'file', description: 'the CSV (default: .local/bench/dbpedia_560k.csv, generated when missing)' },
  },
});

function parseOptions(argv: string[]): Options {
  const { values } = parseCommandLine(COMMAND, argv);
  return { runs: integerOption(COMMAND, 'runs', values.runs, { min: 1 }), input: values.input ? resolve(values.input) : join(WORK_DIR, 'dbpedia_560k.csv') };
}

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${result.status}`);
}

function ensureInput(input: string): void {
  if (existsSync(input)) return;
  console.log(`generating ${input} ...`);
  run('python3', [join(ROOT, 'scripts', 'scale-dbpedia.py'), '--out', input]);
}

function measure(command: string[]): Usage {
  const statsPath = join(WORK_DIR, 'usage.json');
  run('python3', ['-c', USAGE_WRAPPER, statsPath, ...command]);
  const usage = JSON.parse(readFileSync(statsPath, 'utf8')) as Usage;
  rmSync(statsPath);
  if (usage.exit !== 0) throw new Error(`${command.join(' ')} exited with ${usage.exit}`);
  return usage;
}

function figures(usage: Usage, inputBytes: number): RunFigures {
  return {
    wallSeconds: round(usage.wall, 3),
    cpuSeconds: round(usage.cpu, 3),
    mbPerSecond: round(inputBytes / 1e6 / usage.wall, 1),
    mbPerCpuSecond: round(inputBytes / 1e6 / usage.cpu, 1),
    peakRssMiB: round(usage.max_rss_kib / 1024, 1),
  };
}

function hashOutputs(folder: string): string {
  const hash = createHash('sha256');
  for (const relative of SPLIT_FILES) hash.update(readFileSync(join(folder, relative)));
  return hash.digest('hex');
}

function runPreprocess(input: string, index: number): { usage: Usage; digest: string; manifest: unknown } {
  const output = join(WORK_DIR, `preprocess-out-${index}`);
  rmSync(output, { recursive: true, force: true });
  const usage = measure([
    'python3', join(ROOT, 'glue_scripts', 'preprocess.py'),
    '--input_uri', input, '--output_uri', output, '--run_id', `bench-${index}`,
  ]);
  const digest = hashOutputs(output);
  const manifest = JSON.parse(readFileSync(join(output, 'manifest.json'), 'utf8')) as unknown;
  rmSync(output, { recursive: true, force: true });
  return { usage, digest, manifest };
}

function runReference(input: string): Usage {
  const output = join(WORK_DIR, 'fasttext-normalized.txt');
  const usage = measure(['bash', '-c', `set -o pipefail; < "$0" ${FASTTEXT_PIPELINE} > "$1"`, input, output]);
  rmSync(output, { force: true });
  return usage;
}

function summarize(runs: RunFigures[]): RunFigures {
  return {
    wallSeconds: round(median(runs.map((entry) => entry.wallSeconds)), 3),
    cpuSeconds: round(median(runs.map((entry) => entry.cpuSeconds)), 3),
    mbPerSecond: round(median(runs.map((entry) => entry.mbPerSecond)), 1),
    mbPerCpuSecond: round(median(runs.map((entry) => entry.mbPerCpuSecond)), 1),
    peakRssMiB: Math.max(...runs.map((entry) => entry.peakRssMiB)),
  };
}

function tableRow(name: string, entry: RunFigures): string {
  const cells = [
    name, entry.wallSeconds.toFixed(2), entry.cpuSeconds.toFixed(2), entry.mbPerSecond.toFixed(1),
    entry.mbPerCpuSecond.toFixed(1), entry.peakRssMiB.toFixed(0),
  ];
  return `| ${cells.join(' | ')} |`;
}

function main(): void {
  const options = parseOptions(process.argv.slice(2));
  mkdirSync(WORK_DIR, { recursive: true });
  ensureInput(options.input);
  const inputBytes = statSync(options.input).size;
  const loadBefore = loadavg();
  const results = Array.from({ length: options.runs }, (_, index) => runPreprocess(options.input, index + 1));
  const runs = results.map((result) => figures(result.usage, inputBytes));
  const reference = figures(runReference(options.input), inputBytes);
  const preprocess = summarize(runs);
  const byteIdentical = results.every((result) => result.digest === results[0]?.digest);
  const best = runs.reduce((a, b) => (a.mbPerSecond >= b.mbPerSecond ? a : b));
  const megabytes = round(inputBytes / 1e6, 1);
  console.log(`\nPreprocessing ${megabytes} MB (${options.runs} runs, load ${loadBefore[0]?.toFixed(2)} before)\n`);
  console.log('| what | wall s | CPU s | MB/s | MB/CPU-s | peak RSS MiB |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  console.log(tableRow('glue_scripts/preprocess.py (median)', preprocess));
  console.log(tableRow('glue_scripts/preprocess.py (best)', best));
  console.log(tableRow('fastText tr/sed normalisation (reference)', reference));
  const referenceName = "fastText example's tr/sed";
  const note = busyMachineNote(loadBefore);
  writeSection({
    name: 'preprocess',
    title: `Glue preprocessing (glue_scripts/preprocess.py), ${megabytes} MB / 560,000-row CSV, median of ${options.runs}`,
    issue: '3 Glue preprocessing job',
    command: 'npx tsx bench/preprocess.ts',
    figures: [
      { measure: 'throughput, end to end (wall)', value: preprocess.mbPerSecond, unit: 'MB/s', reference: reference.mbPerSecond, referenceName, target: `>= ${TARGET_MB_PER_SECOND} MB/s`, met: preprocess.mbPerSecond >= TARGET_MB_PER_SECOND },
      { measure: 'throughput per CPU-second', value: preprocess.mbPerCpuSecond, unit: 'MB/s', reference: reference.mbPerCpuSecond, referenceName },
      { measure: 'wall time', value: preprocess.wallSeconds, unit: 's', reference: reference.wallSeconds, referenceName },
      { measure: 'peak memory (RSS)', value: preprocess.peakRssMiB, unit: 'MiB', reference: reference.peakRssMiB, referenceName, target: `< ${TARGET_PEAK_RSS_MIB} MiB`, met: preprocess.peakRssMiB < TARGET_PEAK_RSS_MIB },
      { measure: 'outputs byte-identical across runs', value: byteIdentical ? 'yes' : 'no', target: 'yes', met: byteIdentical },
    ],
    details: {
      input: { path: options.input, bytes: inputBytes, megabytes },
      preprocess: { median: preprocess, best, runs, manifest: results[0]?.manifest },
      fastTextShellReference: { pipeline: FASTTEXT_PIPELINE, ...reference },
    },
    notes: note ? [note] : [],
  });
}
main();
