/**
 * Benchmark of the pipeline console (issue 13): its first load with 1,000 runs recorded, and what it costs
 * the stack to keep one console open.
 *
 *   npx tsx bench/console.ts [--runs 1000] [--samples 5] [--window 30] [--evaluated 0] [--show]
 *
 * 1. A fresh local stack (a child process: this file with --serve, so the browser's and this file's work are
 *    not counted as the stack's) over a state directory seeded with --runs runs (bench/lib/seed-runs.ts:
 *    Glue runs and training jobs as provider state, the S3 side through the S3 API, then given the times
 *    the runs would have written it, and the stack started again over it).
 * 2. First load, in Debian's chromium (playwright-core), a fresh browser profile per sample: from navigation
 *    to (a) the first page of 50 runs drawn with their stages and outcomes, (b) those rows' details read
 *    (accuracies, the reasons of refused and failed runs). The page is built once before (the build is
 *    reported apart: the stack builds it at the first request).
 * 3. Refresh cost: CPU time of the stack's process tree (utime + stime from /proc) per second of wall time,
 *    over --window seconds with no console open, then with one console open on the Runs page; and the
 *    page's requests per second.
 *
 * Writes bench/results/console.json. `--show` measures nothing: it seeds the stack, prints the console's URL
 * and keeps the stack up until Ctrl-C, to look at the page at 1,000 runs.
 */
import '../local-stack/src/cli/warnings';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import type { Page } from 'playwright-core';
import { localPaths, startLocalStack, type StackInfo } from '../local-stack/src/stack';
import { defineCommand, integerOption, parseCommandLine } from '../scripts/lib/cli';
import { serveUntilSignalled, startChildServer, stopChildServer } from './lib/child-server';
import { processTree } from './lib/process-memory';
import { busyMachineNote, machineInfo, median, ROOT, round, WORK_ROOT, writeSection, type Figure } from './lib/report';
import { backdateObjects, plannedRuns, seededObjects, writeObjects, writeProviderState } from './lib/seed-runs';
import { browserMissing, openBrowser } from '../test/support/browser';

const COMMAND = defineCommand({
  usage: 'npx tsx bench/console.ts [options]',
  summary:
    "Times the pipeline console's first load in chromium with --runs runs recorded, and the stack CPU one open console " +
    'costs; writes bench/results/console.json.',
  options: {
    runs: { type: 'string', value: 'n', default: '1000', description: 'runs to seed' },
    samples: { type: 'string', value: 'n', default: '5', description: 'first loads measured, each in a fresh browser profile' },
    window: { type: 'string', value: 'seconds', default: '30', description: 'how long each CPU measurement lasts' },
    evaluated: { type: 'string', value: 'n', default: '0', description: 'the newest n deployed runs get an evaluation report (evaluations/<runId>/report.json)' },
    show: { type: 'boolean', default: false, description: 'measure nothing: seed the stack, print the console URL, keep it up until Ctrl-C' },
    serve: { type: 'string', value: 'dir', description: 'internal: be the server this benchmark measures (the benchmark starts itself so)' },
  },
});

const TARGETS = { firstContentMs: 2000, addedCpuMsPerSecond: 50 };
const ROWS = 50;
const CLOCK_TICKS_PER_SECOND = 100;
/** In the page: the first page of runs is drawn. */
const ROWS_DRAWN = `document.querySelectorAll('table.runs tbody tr').length >= ${ROWS}`;
/** In the page: every refused or failed row shows its reason, every deployed one its accuracy. */
const DETAILS_READ = `(() => {
  const rows = [...document.querySelectorAll('table.runs tbody tr')];
  const explained = rows.filter((row) => ['rejected', 'failed'].includes(row.getAttribute('data-outcome'))).every((row) => row.querySelector('.reason'));
  const measured = rows.filter((row) => row.getAttribute('data-outcome') === 'deployed').every((row) => row.querySelector('.outcome .small'));
  return rows.length >= ${ROWS} && explained && measured;
})()`;

/**
 * The page's clock (performance.now(), from navigation) at the first animation frame where `condition`, an
 * expression, holds. Checked in the page by a script of its own (Runtime.evaluate): playwright's
 * waitForFunction evaluates a string predicate with eval, which the console's content security policy refuses.
 */
function pageTimeWhen(page: Page, condition: string, timeoutMs: number): Promise<number> {
  return page.evaluate(`new Promise((resolve, reject) => {
    const deadline = performance.now() + ${timeoutMs};
    const check = () => {
      if (${condition}) resolve(performance.now());
      else if (performance.now() > deadline) reject(new Error(${JSON.stringify(`timed out after ${timeoutMs} ms waiting for ${condition}`)}));
      else requestAnimationFrame(check);
    };
    check();
  })`) as Promise<number>;
}

/** CPU seconds (user + system) of a process tree, from /proc/<pid>/stat (fields 14 and 15, in clock ticks). */
function treeCpuSeconds(root: number): number {
  let ticks = 0;
  for (const pid of processTree(root)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // the process ended meanwhile
    }
  }
  return ticks / CLOCK_TICKS_PER_SECOND;
}

async function serve(localDir: string): Promise<void> {
  const stack = await startLocalStack({ root: ROOT, localDir, port: 0, chaos: '' });
  serveUntilSignalled({ ...stack.info, pid: process.pid }, () => stack.stop());
}

type Server = Awaited<ReturnType<typeof startChildServer<StackInfo & { pid: number }>>>;

/** A stack over `localDir` with `runCount` runs recorded, the S3 objects at their runs' times. */
async function seededStack(localDir: string, runCount: number, evaluated: number): Promise<{ server: Server; objects: number; seedSeconds: number }> {
  const started = Date.now();
  const runs = plannedRuns(runCount);
  const { stateDir } = localPaths(ROOT, localDir);
  await writeProviderState(stateDir, runs);
  let server = await startChildServer<StackInfo & { pid: number }>(__filename, [localDir]);
  const objects = seededObjects(server.info.dataBucket, runs, evaluated);
  try {
    const s3 = new S3Client({ endpoint: server.info.endpoint, region: server.info.region, forcePathStyle: true, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    await writeObjects(s3, server.info.dataBucket, objects);
  } finally {
    await stopChildServer(server.child);
  }
  backdateObjects(stateDir, server.info.dataBucket, objects);
  server = await startChildServer<StackInfo & { pid: number }>(__filename, [localDir]);
  return { server, objects: objects.length, seedSeconds: (Date.now() - started) / 1000 };
}

async function main(): Promise<void> {
  const { values } = parseCommandLine(COMMAND);
  if (values.serve !== undefined) return serve(values.serve);
  const runCount = integerOption(COMMAND, 'runs', values.runs, { min: 1 });
  const samples = integerOption(COMMAND, 'samples', values.samples, { min: 1 });
  const windowSeconds = integerOption(COMMAND, 'window', values.window, { min: 1 });
  const evaluated = integerOption(COMMAND, 'evaluated', values.evaluated, { min: 0 });
  const missing = browserMissing();
  if (missing !== undefined && !values.show) throw new Error(`the console benchmark runs in a browser: ${missing}`);
  const loadBefore = machineInfo().loadAverage;

  const localDir = join(WORK_ROOT, 'console');
  rmSync(localDir, { recursive: true, force: true });
  mkdirSync(localDir, { recursive: true });
  const { server, objects, seedSeconds } = await seededStack(localDir, runCount, evaluated);
  const { info, child } = server;
  try {
    console.log(`seeded ${runCount} runs (${objects} S3 objects) in ${seedSeconds.toFixed(1)} s`);
    if (values.show) {
      console.log(`console: ${info.consoleUrl} (Ctrl-C stops the stack)`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      return;
    }

    const buildStarted = Date.now();
    const built = await fetch(`${info.consoleUrl}app.js`);
    if (!built.ok) throw new Error(`the console did not build: ${await built.text()}`);
    const buildMs = Date.now() - buildStarted;

    // First load, cold browser each time.
    const firstRows: number[] = [];
    const detailsRead: number[] = [];
    const requestsToContent: number[] = [];
    for (let sample = 0; sample < samples; sample++) {
      const { page, close } = await openBrowser();
      let requests = 0;
      page.on('request', () => (requests += 1));
      await page.goto(info.consoleUrl);
      firstRows.push(await pageTimeWhen(page, ROWS_DRAWN, 60_000));
      requestsToContent.push(requests);
      detailsRead.push(await pageTimeWhen(page, DETAILS_READ, 60_000));
      await close();
    }

    // The Models page, opened first: every trained model's validation accuracy (a DescribeTrainingJob each), its last page filled.
    const trained = plannedRuns(runCount).filter((run) => run.accuracy !== undefined).length;
    const lastPage = Math.max(1, Math.ceil(trained / ROWS));
    const onLastPage = trained - (lastPage - 1) * ROWS;
    const models = await openBrowser();
    const modelsPage = models.page;
    await modelsPage.goto(`${info.consoleUrl}#/models?page=${lastPage}`);
    const modelsMs = await pageTimeWhen(
      modelsPage,
      `[...document.querySelectorAll('table[aria-label="model versions"] tbody tr')].filter((row) => /%/.test(row.children[2]?.textContent ?? '')).length >= ${onLastPage}`,
      120_000,
    );
    await models.close();

    // Refresh cost: the stack alone, then with one console open.
    const measureCpu = async () => {
      const cpuBefore = treeCpuSeconds(info.pid);
      const started = Date.now();
      await new Promise((resolve) => setTimeout(resolve, windowSeconds * 1000));
      return ((treeCpuSeconds(info.pid) - cpuBefore) * 1000) / ((Date.now() - started) / 1000);
    };
    const idleCpu = await measureCpu();
    const open = await openBrowser();
    const { page } = open;
    await page.goto(info.consoleUrl);
    // Past the first load's reads: from here on, only the refreshes.
    await pageTimeWhen(page, DETAILS_READ, 60_000);
    let requests = 0;
    let bytes = 0;
    page.on('request', () => (requests += 1));
    page.on('response', (response) => void response.body().then((body) => (bytes += body.length)).catch(() => undefined));
    const openCpu = await measureCpu();
    const requestsPerSecond = requests / windowSeconds;
    const bytesPerSecond = bytes / windowSeconds;
    await open.close();

    const figures: Figure[] = [
      { measure: `first load with ${runCount} runs: the first ${ROWS} runs drawn (median of ${samples}, cold browser)`, value: round(median(firstRows), 0), unit: 'ms', target: `<= ${TARGETS.firstContentMs} ms`, met: median(firstRows) <= TARGETS.firstContentMs },
      { measure: `first load with ${runCount} runs: those rows' accuracies and reasons read (median)`, value: round(median(detailsRead), 0), unit: 'ms' },
      { measure: 'requests until the first runs are drawn (page files and API calls, median)', value: median(requestsToContent) },
      { measure: `Models page opened first: all ${trained} models' validation accuracies read and drawn (one sample)`, value: round(modelsMs, 0), unit: 'ms' },
      { measure: 'stack CPU, no console open', value: round(idleCpu, 1), unit: 'ms/s' },
      { measure: 'stack CPU, one console open on the Runs page', value: round(openCpu, 1), unit: 'ms/s' },
      { measure: 'stack CPU added by one open console', value: round(openCpu - idleCpu, 1), unit: 'ms/s', target: `<= ${TARGETS.addedCpuMsPerSecond} ms/s (5% of a core)`, met: openCpu - idleCpu <= TARGETS.addedCpuMsPerSecond },
      { measure: 'API requests per second of one open console', value: round(requestsPerSecond, 1), unit: 'req/s' },
      { measure: 'bytes per second the open console reads', value: round(bytesPerSecond / 1024, 1), unit: 'KiB/s' },
      { measure: 'console build at the first request (esbuild, once per stack)', value: buildMs, unit: 'ms' },
    ];
    const note = busyMachineNote(loadBefore);
    writeSection({
      name: 'console',
      title: 'Pipeline console: first load at 1,000 runs, refresh cost',
      issue: '13',
      command: `npx tsx bench/console.ts --runs ${runCount} --samples ${samples} --window ${windowSeconds} --evaluated ${evaluated}`,
      figures,
      details: { firstRowsMs: firstRows.map((value) => round(value, 0)), detailsReadMs: detailsRead.map((value) => round(value, 0)), seedSeconds: round(seedSeconds, 1), objects, windowSeconds },
      notes: [
        `${runCount} runs seeded (${objects} S3 objects at their runs' times; Glue runs and training jobs as provider state; ${evaluated} evaluation report(s); no endpoint) in ${seedSeconds.toFixed(1)} s, the stack started twice.`,
        'First load: from navigation (performance.now() in the page) to the rows drawn; the page is built before the samples.',
        'CPU: utime + stime of the stack process tree over the window, per second of wall time; the console refreshes every second while visible.',
        ...(note ? [note] : []),
      ],
    });
  } finally {
    await stopChildServer(child);
  }
}

main().catch((error: Error) => {
  console.error(`bench console: ${error.stack ?? error.message}`);
  process.exitCode = 1;
});
