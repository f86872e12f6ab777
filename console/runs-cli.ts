/**
 * `npm run runs [-- --stage prod] [--region r] [--limit 20 | --all]`: the recent runs and their outcome, in
 * the terminal, from the console's data layer. Stage `local` (the default) reads the running local stack
 * (stack.json); another stage reads AWS with the standard credentials.
 */
import '../local-stack/src/cli/warnings';
import { createPipelineClients, pipelineConfig } from './src/data/clients';
import { resolveStageTarget, type StageTarget, STAGE_OPTIONS } from '../scripts/lib/operate/stage-target';
import { formatDuration, formatTime, OUTCOME_LABELS, stageDuration } from './src/data/format';
import { STAGES, type PipelineConfig, type Run, type StageStatus } from './src/data/model';
import { PipelineStore } from './src/data/store';
import { defineCommand, integerOption, parseCommandLine } from '../scripts/lib/cli';
import type { PipelineClients } from './src/data/sources';

const SYMBOLS: Record<StageStatus, string> = { succeeded: '✓', running: '▶', pending: '…', failed: '✗', rejected: '✗', skipped: '·', unknown: '?' };

class CliError extends Error {}

const COMMAND = defineCommand({
  usage: 'npm run runs [-- --stage <stage>] [--region <region>] [--limit <n> | --all]',
  summary:
    "The recent runs of the pipeline, newest first, with their stages and outcome (the console's data layer). Stage local " +
    'reads the running local stack (stack.json, under LOCAL_STACK_DIR if set); another stage reads AWS with the standard credentials.',
  options: {
    ...STAGE_OPTIONS,
    limit: { type: 'string', value: 'n', default: '20', description: 'how many runs to list' },
    all: { type: 'boolean', default: false, description: 'list every run' },
  },
});

async function target(stage: string, region: string | undefined): Promise<{ clients: PipelineClients; config: PipelineConfig; where: string }> {
  let resolved: StageTarget;
  try {
    resolved = await resolveStageTarget(stage, region);
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  const { clientConfig } = resolved;
  return {
    clients: createPipelineClients({ region: resolved.region, credentials: clientConfig.credentials, ...(clientConfig.endpoint ? { endpoint: clientConfig.endpoint } : {}) }),
    config: resolved.local ? pipelineConfig(stage, resolved.region, '', resolved.dataBucket) : pipelineConfig(stage, resolved.region, resolved.account),
    where: resolved.where,
  };
}

function line(run: Run, now: Date): string {
  const stages = STAGES.filter((name) => name !== 'evaluate' || run.stages.evaluate.status !== 'skipped')
    .map((name) => `${SYMBOLS[run.stages[name].status]}${name}`)
    .join(' ');
  const total = run.outcome.at ? formatDuration(run.outcome.at.getTime() - run.startedAt.getTime()) : '';
  const current = run.current ? ` (${run.current.stage}${run.current.progress ? ` epoch ${run.current.progress.epoch}/${run.current.progress.epochs}` : ''}, ${formatDuration(stageDuration(run.stages[run.current.stage], now))})` : '';
  const drops = run.trigger.drops.filter((drop) => !drop.droppedKey.endsWith('classes.txt')).map((drop) => drop.droppedKey.replace(/^incoming\//, ''));
  const accuracy = run.validationAccuracy !== undefined ? ` ${(run.validationAccuracy * 100).toFixed(2)}%` : '';
  return [
    `${run.runId}  ${formatTime(run.startedAt)}  ${OUTCOME_LABELS[run.outcome.status].padEnd(11)}${accuracy}${current}${total ? ` in ${total}` : ''}`,
    `    ${stages}${drops.length > 0 ? `   from ${drops.slice(0, 2).join(', ')}${drops.length > 2 ? ` +${drops.length - 2}` : ''}` : ''}`,
    ...(run.outcome.reason ? [`    ${run.outcome.reason}`] : []),
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseCommandLine(COMMAND);
  const limit = values.all ? Infinity : integerOption(COMMAND, 'limit', values.limit, { min: 1 });
  const { clients, config, where } = await target(values.stage, values.region);
  const store = new PipelineStore(clients, config);
  const first = await store.refresh();
  if (first.error) throw new CliError(`reading ${where}: ${first.error}`);
  const shown = first.runs.slice(0, limit);
  store.want({ runs: shown.map((run) => run.runId) });
  const snapshot = await store.refresh();
  const runs = snapshot.runs.slice(0, limit);
  const byOutcome = new Map<string, number>();
  for (const run of snapshot.runs) byOutcome.set(OUTCOME_LABELS[run.outcome.status], (byOutcome.get(OUTCOME_LABELS[run.outcome.status]) ?? 0) + 1);
  const counts = [...byOutcome].map(([name, count]) => `${count} ${name}`).join(', ');
  console.log(`${snapshot.runs.length} run(s) of stage ${config.stage} in ${where}${counts ? `: ${counts}` : ''}`);
  if (snapshot.endpoint) console.log(`endpoint ${snapshot.endpoint.name}: ${snapshot.endpoint.status}, serving ${snapshot.endpoint.configName ?? 'nothing'}`);
  if (runs.length > 0) console.log('');
  for (const run of runs) console.log(line(run, snapshot.refreshedAt));
  if (snapshot.runs.length > runs.length) console.log(`\n... and ${snapshot.runs.length - runs.length} older run(s) (--all lists them)`);
}

main().catch((error: Error) => {
  console.error(`runs: ${error.message}`);
  process.exitCode = error instanceof CliError ? 2 : 1;
});
