/**
 * `npm run bench [-- --only artifacts,stack] [--quick]`: every benchmark, one after the other (they time
 * the same two cores, so never at once), then `bench/results.json` (all sections) and `bench/results.md`
 * (one table per section: each figure beside its reference and target).
 *
 * Sections, in order: artifacts (issue 2), stack (issue 4), deploy (issue 10), preprocess (issue 3),
 * sagemaker (issue 5), pipeline (issue 6), console (issue 13), iam (issue 11). `--quick` skips the 560,000-row parts and
 * takes fewer samples (a few minutes in all, instead of about ten). A section that fails is reported and the others still run; the exit status is then 1.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineCommand, parseCommandLine, usageError } from '../scripts/lib/cli';
import { figuresTable, machineInfo, RESULTS_DIR, ROOT, type BenchSection } from './lib/report';

const SECTIONS: Record<string, { full: string[]; quick: string[] }> = {
  artifacts: { full: [], quick: ['--cold', '3'] },
  stack: { full: [], quick: ['--starts', '1', '--samples', '100', '--window-samples', '20'] },
  deploy: { full: [], quick: ['--runs', '1'] },
  preprocess: { full: ['--runs', '3'], quick: ['--runs', '1'] },
  sagemaker: { full: [], quick: ['--runs', '1', '--skip-scale', '--requests', '1000'] },
  pipeline: { full: [], quick: ['--sample-runs', '1', '--skip-scale'] },
  console: { full: [], quick: ['--samples', '2', '--window', '10'] },
  iam: { full: [], quick: ['--runs', '1', '--samples', '30'] },
};

const COMMAND = defineCommand({
  usage: 'npm run bench [-- --only artifacts,stack] [--quick]',
  summary: 'Runs every benchmark one after the other, then writes bench/results.json and bench/results.md.',
  options: {
    only: { type: 'string', value: 'sections', description: `the sections to run, comma-separated (${Object.keys(SECTIONS).join(', ')})` },
    quick: { type: 'boolean', default: false, description: 'skip the 560,000-row parts and take fewer samples' },
  },
});

function main(): void {
  const { values } = parseCommandLine(COMMAND);
  const names = values.only ? values.only.split(',').map((name) => name.trim()) : Object.keys(SECTIONS);
  const unknown = names.filter((name) => !(name in SECTIONS));
  if (unknown.length > 0) usageError(COMMAND, `unknown section(s) ${unknown.join(', ')}; known: ${Object.keys(SECTIONS).join(', ')}`);
  const started = Date.now();
  const failed: string[] = [];
  for (const name of names) {
    const args = values.quick ? SECTIONS[name]!.quick : SECTIONS[name]!.full;
    console.log(`\n=== bench ${name}: npx tsx bench/${name}.ts ${args.join(' ')}`.trimEnd());
    const result = spawnSync(process.execPath, [...process.execArgv, join(ROOT, 'bench', `${name}.ts`), ...args], { cwd: ROOT, stdio: 'inherit' });
    if (result.status !== 0) failed.push(`${name} (exit ${result.status ?? result.signal})`);
  }
  const sections = Object.keys(SECTIONS)
    .map((name) => join(RESULTS_DIR, `${name}.json`))
    .filter((file) => existsSync(file))
    .map((file) => JSON.parse(readFileSync(file, 'utf8')) as BenchSection);
  const summary = { measuredAt: new Date().toISOString(), machine: machineInfo(), quick: values.quick, sections, failed };
  writeFileSync(join(ROOT, 'bench', 'results.json'), `${JSON.stringify(summary, null, 2)}\n`);
  writeFileSync(join(ROOT, 'bench', 'results.md'), markdown(sections, failed));
  console.log(`\nbench: ${names.length} section(s) in ${((Date.now() - started) / 1000).toFixed(0)} s; bench/results.json and bench/results.md written`);
  const missed = sections.flatMap((section) => section.figures.filter((figure) => figure.met === false).map((figure) => `${section.name}: ${figure.measure}`));
  for (const line of missed) console.log(`target missed: ${line}`);
  if (failed.length > 0) {
    console.error(`bench: failed: ${failed.join(', ')}`);
    process.exitCode = 1;
  }
}

function markdown(sections: BenchSection[], failed: string[]): string {
  const machine = sections[0]?.machine ?? machineInfo();
  const parts = [
    '# Benchmarks',
    '',
    `\`npm run bench\` on ${machine.cpus} × ${machine.model ?? 'CPU'}, ${machine.memoryGiB} GiB, Node ${machine.node}. ` +
      'Each figure is measured in the run that wrote it; references (native fastText CLI, fastText\'s shell pipeline) are measured in the same run.',
  ];
  for (const section of sections) {
    parts.push('', `## ${section.title}`, '', `Issue ${section.issue}; \`${section.command}\`, ${section.measuredAt} (load ${section.machine.loadAverage.join(' ')}).`, '', figuresTable(section.figures));
    for (const note of section.notes ?? []) parts.push('', `- ${note}`);
  }
  if (failed.length > 0) parts.push('', `**Failed sections:** ${failed.join(', ')}`);
  return `${parts.join('\n')}\n`;
}

main();
