/**
 * Benchmark of deploying to the local stack with the real CLI (issue 10):
 *
 *   npx tsx bench/deploy.ts [--runs 3]
 *
 * In a copy of the working tree (as a fresh clone would be; node_modules linked), each run starts a
 * stack on a fresh state directory (packages reused after the first run: what `npm start` deployed is
 * the baseline), then times `npx serverless deploy --stage local` as a user types it:
 * 1. one service from its folder (services/deployment, with a --param that differs each run, so the
 *    deploy is never skipped): packaging by serverless, the upload to the local S3, the change set, the
 *    stack events until UPDATE_COMPLETE;
 * 2. all four from the root through serverless-compose.
 * `npm start` to ready, fresh, is measured by bench/stack.ts.
 *
 * Writes bench/results/deploy.json.
 */
import '../local-stack/src/cli/warnings';
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { startLocalStack } from '../local-stack/src/stack';
import { defineCommand, integerOption, parseCommandLine } from '../scripts/lib/cli';
import { copyWorkingTree } from '../scripts/lib/working-tree';
import { temporaryDirectory } from '../test/support/temporary-directory';
import { busyMachineNote, machineInfo, median, ROOT, round, writeSection, type Figure } from './lib/report';

const COMMAND = defineCommand({
  usage: 'npx tsx bench/deploy.ts [options]',
  summary:
    'Times `npx serverless deploy --stage local` of one service from its folder and of all four through compose, against a ' +
    'stack started in a copy of the working tree; writes bench/results/deploy.json.',
  options: { runs: { type: 'string', value: 'n', default: '3', description: 'measured runs, each on a fresh stack' } },
});

interface Run {
  /** `serverless deploy` of services/deployment. */
  oneServiceMs: number;
  /** `serverless deploy` of all four through compose. */
  allServicesMs: number;
  loadAverage: number;
}

function serverless(cwd: string, localDir: string, args: string[]): Promise<number> {
  const env: NodeJS.ProcessEnv = { ...process.env, LOCAL_STACK_DIR: localDir, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' };
  for (const name of Object.keys(env)) if (/^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN|PROFILE|ENDPOINT_URL.*)$/.test(name)) delete env[name];
  const started = performance.now();
  return new Promise((resolve, reject) => {
    execFile('npx', ['--no-install', 'serverless', ...args], { cwd, env, timeout: 300_000, maxBuffer: 1 << 24 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`serverless ${args.join(' ')} in ${cwd} failed: ${error.message}\n${stdout}${stderr}`));
      else resolve(performance.now() - started);
    });
  });
}

async function measure(copy: string, run: number): Promise<Run> {
  const local = temporaryDirectory('bench-deploy-state');
  const localDir = local.dir;
  const loadAverage = round(loadavg()[0]!, 2);
  const stack = await startLocalStack({ root: copy, localDir, port: 0, chaos: '' });
  try {
    const oneServiceMs = await serverless(join(copy, 'services', 'deployment'), localDir, ['deploy', '--stage', 'local', `--param=minAccuracy=0.7${run}`]);
    const allServicesMs = await serverless(copy, localDir, ['deploy', '--stage', 'local']);
    console.error(`run ${run + 1}: one service ${(oneServiceMs / 1000).toFixed(2)} s, all four ${(allServicesMs / 1000).toFixed(2)} s (load ${loadAverage})`);
    return { oneServiceMs, allServicesMs, loadAverage };
  } finally {
    await stack.stop();
    local.remove();
  }
}

async function main(): Promise<void> {
  const runs = integerOption(COMMAND, 'runs', parseCommandLine(COMMAND).values.runs, { min: 1 });
  const machine = machineInfo();
  const loadBefore = loadavg();
  const copy = copyWorkingTree(ROOT, 'bench-deploy-');
  const results: Run[] = [];
  try {
    for (let run = 0; run < runs; run++) results.push(await measure(copy, run));
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
  const seconds = (values: number[]) => round(median(values) / 1000, 2);
  const figures: Figure[] = [
    { measure: `\`npx serverless deploy --stage local --param=...\` of one service (deployment) from its folder, median of ${runs}`, value: seconds(results.map((run) => run.oneServiceMs)), unit: 's' },
    { measure: `\`npx serverless deploy --stage local\` of all four services from the root (compose), median of ${runs}`, value: seconds(results.map((run) => run.allServicesMs)), unit: 's' },
  ];
  const busy = busyMachineNote(loadBefore);
  writeSection({
    name: 'deploy',
    title: 'serverless deploy against the local stack',
    issue: '10 Deployable to AWS today, and locally the same way',
    command: `npx tsx bench/deploy.ts --runs ${runs}`,
    machine,
    figures,
    details: { runs: results.map((run) => ({ ...run, oneServiceMs: round(run.oneServiceMs, 1), allServicesMs: round(run.allServicesMs, 1) })), loadAverageAfter: loadavg().map((value) => round(value, 2)) },
    notes: [
      'each figure is the whole command as a user runs it: the CLI start-up, packaging (esbuild), the upload to the local S3, the change set and the stack events until the stack is complete',
      'compose runs the four services in parallel on this machine\'s cores',
      ...(busy ? [busy] : []),
    ],
  });
}

void main().catch((error: Error) => {
  console.error(error);
  process.exit(1);
});
