/**
 * What every benchmark shares: the statistics it reports, the machine it ran on, and the shape of its
 * results. Each benchmark writes `bench/results/<name>.json` (a `BenchSection`); `bench/run.ts` runs them
 * all and joins the sections into `bench/results.json` and the markdown table `bench/results.md`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..', '..');
export const RESULTS_DIR = join(ROOT, 'bench', 'results');
/** Scratch space of the benchmarks (git-ignored, with the rest of the local state). */
export const WORK_ROOT = join(ROOT, '.local', 'bench');

/** One measured figure, side by side with its reference and target where it has them. */
export interface Figure {
  measure: string;
  value: number | string;
  unit?: string;
  /** The same figure for the reference (the native fastText CLI, fastText's shell pipeline, ...), measured in the same run. */
  reference?: number | string;
  referenceName?: string;
  /** The target, as the issue states it (`<= 15 s`). */
  target?: string;
  /** Whether the value meets the target; absent when there is no target. */
  met?: boolean;
}

export interface MachineInfo {
  cpus: number;
  model: string | undefined;
  memoryGiB: number;
  node: string;
  loadAverage: number[];
}

export interface BenchSection {
  name: string;
  title: string;
  /** The issue the figures answer to. */
  issue: string;
  command: string;
  measuredAt: string;
  machine: MachineInfo;
  figures: Figure[];
  /** Everything else the benchmark measured (per-run figures, inputs), for whoever wants to dig. */
  details?: unknown;
  notes?: string[];
}

export function machineInfo(): MachineInfo {
  return {
    cpus: cpus().length,
    model: cpus()[0]?.model,
    memoryGiB: round(totalmem() / 2 ** 30, 1),
    node: process.version,
    loadAverage: loadavg().map((value) => round(value, 2)),
  };
}

export function round(value: number, digits = 3): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

export { median, percentile } from '../../test/support/statistics';

/**
 * A note when the machine was busy as a measurement began: the 1-minute load average then (which also holds
 * the work of a benchmark section that just ended) above half the cores.
 */
export function busyMachineNote(before: readonly number[]): string | undefined {
  const cores = cpus().length;
  const load = before[0] ?? 0;
  if (load <= cores / 2) return undefined;
  return `load average ${load.toFixed(2)} on ${cores} cores as the measurement began (a 1-minute average: earlier work, an earlier section included, still counts): wall times may be inflated`;
}

function cell(value: number | string | undefined, unit?: string): string {
  if (value === undefined || value === '') return '-';
  return unit ? `${value} ${unit}` : String(value);
}

/** The markdown table of a set of figures. */
export function figuresTable(figures: readonly Figure[]): string {
  const lines = ['| measure | value | reference | target | met |', '| --- | ---: | ---: | --- | :---: |'];
  for (const figure of figures) {
    const reference = figure.reference === undefined ? '-' : `${cell(figure.reference, figure.unit)}${figure.referenceName ? ` (${figure.referenceName})` : ''}`;
    const met = figure.met === undefined ? '-' : figure.met ? 'yes' : '**NO**';
    lines.push(`| ${figure.measure} | ${cell(figure.value, figure.unit)} | ${reference} | ${figure.target ?? '-'} | ${met} |`);
  }
  return lines.join('\n');
}

/** Writes `bench/results/<name>.json` and prints the section's table. */
export function writeSection(section: Omit<BenchSection, 'measuredAt' | 'machine'> & { machine?: MachineInfo }): string {
  const complete: BenchSection = { ...section, measuredAt: new Date().toISOString(), machine: section.machine ?? machineInfo() };
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${section.name}.json`);
  writeFileSync(file, `${JSON.stringify(complete, null, 2)}\n`);
  console.log(`\n## ${section.title}\n\n${figuresTable(section.figures)}\n`);
  for (const note of section.notes ?? []) console.log(`note: ${note}`);
  console.log(`results: ${file}`);
  return file;
}
