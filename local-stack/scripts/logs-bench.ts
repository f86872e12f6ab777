/**
 * CloudWatch Logs costs in the local stack:
 * - PutLogEvents through the AWS SDK (batches of 100 events) and FilterLogEvents over a full group
 *   (no pattern, a term, a JSON pattern);
 * - a warm Lambda invocation (in-process, a handler that logs 3 lines) with and without its output
 *   going to CloudWatch Logs, interleaved so that both see the same machine load.
 *
 *     npx tsx local-stack/scripts/logs-bench.ts [invocations]
 */
import '../src/cli/warnings';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  FilterLogEventsCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { percentile } from '../../bench/lib/report';
import { defineCommand, integerOption, parseCommandLine } from '../../scripts/lib/cli';
import { createLocalServer } from '../src/core/server';
import { LambdaService } from '../src/providers/lambda/model/service';
import { LogsProvider } from '../src/providers/logs';

const COMMAND = defineCommand({
  usage: 'npm run bench:logs -- [invocations]',
  summary: 'CloudWatch Logs: PutLogEvents and FilterLogEvents through the SDK, and a warm Lambda invoke with and without logging.',
  arguments: { name: 'invocations', description: 'warm invocations timed per variant (default 300)', max: 1 },
  options: {},
});

const HANDLER = `
exports.handler = async (event) => {
  console.log('handling', JSON.stringify(event));
  process.stdout.write(JSON.stringify({ level: 'INFO', message: 'powertools-style line', n: event.n }) + '\\n');
  console.warn('a warning');
  return { n: event.n };
};
`;

const ms = (value: number) => `${value.toFixed(2)} ms`;

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

async function logsApi(dir: string): Promise<void> {
  const provider = new LogsProvider({ stateDir: join(dir, 'api'), region: 'us-east-1' });
  const server = await createLocalServer({ port: 0, providers: [provider] });
  const client = new CloudWatchLogsClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    const logGroupName = '/bench/group';
    await client.send(new CreateLogGroupCommand({ logGroupName }));
    await client.send(new CreateLogStreamCommand({ logGroupName, logStreamName: 's' }));
    const puts: number[] = [];
    const batches = 180;
    for (let batch = 0; batch < batches; batch++) {
      const now = Date.now();
      const logEvents = Array.from({ length: 100 }, (_, index) => ({
        timestamp: now,
        message: JSON.stringify({ level: index % 10 === 0 ? 'ERROR' : 'INFO', message: `event ${batch}-${index}`, service: 'bench', padding: 'x'.repeat(100) }),
      }));
      puts.push(await timed(() => client.send(new PutLogEventsCommand({ logGroupName, logStreamName: 's', logEvents }))));
    }
    console.log(`PutLogEvents, 100 events of ~170 B per call (n=${batches}): p50 ${ms(percentile(puts, 50))}, p95 ${ms(percentile(puts, 95))}`);
    for (const [label, filterPattern] of [['no pattern', undefined], ['term "ERROR"', 'ERROR'], ['JSON { $.level = "ERROR" }', '{ $.level = "ERROR" }']] as const) {
      const samples: number[] = [];
      let matched = 0;
      for (let run = 0; run < 10; run++) {
        samples.push(
          await timed(async () => {
            matched = 0;
            let nextToken: string | undefined;
            do {
              const page = await client.send(new FilterLogEventsCommand({ logGroupName, filterPattern, nextToken }));
              matched += page.events?.length ?? 0;
              nextToken = page.nextToken;
            } while (nextToken);
          }),
        );
      }
      console.log(`FilterLogEvents over ${batches * 100} events, ${label}, all pages (${matched} events returned, n=10): p50 ${ms(percentile(samples, 50))}`);
    }
  } finally {
    client.destroy();
    await server.close();
  }
}

/** What a writer pays per line: LogSink.put (buffered; the journal write is timed apart, as the flush runs it). */
function sinkCost(dir: string): void {
  const logs = new LogsProvider({ stateDir: join(dir, 'sink'), region: 'us-east-1', flushIntervalMs: 3_600_000 });
  const line = JSON.stringify({ level: 'INFO', message: 'drop accepted', service: 'ingestion', key: 'incoming/some/drop.csv', padding: 'x'.repeat(300) });
  const lines = 50_000;
  const started = performance.now();
  for (let index = 0; index < lines; index++) logs.service.put('/bench/sink', `stream-${index % 4}`, line);
  const putMs = performance.now() - started;
  const flushStarted = performance.now();
  logs.service.flush();
  const flushMs = performance.now() - flushStarted;
  console.log(`LogSink.put of a ${line.length} B line: ${((putMs * 1000) / lines).toFixed(2)} µs per line (n=${lines}, trims at the 20,000-event cap included); journal flush of what was buffered: ${ms(flushMs)}`);
  logs.service.stop();
}

/** One invocation, which must have run the handler: a failure fast is no measure of the warm path. */
async function invokeChecked(service: LambdaService, n: number): Promise<void> {
  const result = await service.invoke('bench', JSON.stringify({ n }));
  if (result.functionError || result.payload !== JSON.stringify({ n })) throw new Error(`the bench function failed: ${result.payload}`);
}

async function lambdaOverhead(dir: string, invocations: number): Promise<void> {
  const code = join(dir, 'code');
  await mkdir(code, { recursive: true });
  await writeFile(join(code, 'index.js'), HANDLER);
  const logs = new LogsProvider({ stateDir: join(dir, 'lambda-logs'), region: 'us-east-1' });
  const variants = {
    'without CloudWatch Logs': new LambdaService({ stateDir: join(dir, 'without'), region: 'us-east-1', endpointUrl: () => 'http://127.0.0.1:9' }),
    'with CloudWatch Logs': new LambdaService({ stateDir: join(dir, 'with'), region: 'us-east-1', endpointUrl: () => 'http://127.0.0.1:9', logs: logs.service }),
  };
  const samples: Record<string, number[]> = {};
  try {
    for (const [name, service] of Object.entries(variants)) {
      await service.start();
      service.createFunction({ name: 'bench', handler: 'index.handler', codeDir: code });
      for (let warm = 0; warm < 20; warm++) await invokeChecked(service, warm);
      samples[name] = [];
    }
    for (let index = 0; index < invocations; index++) {
      for (const [name, service] of Object.entries(variants)) samples[name]!.push(await timed(() => invokeChecked(service, index)));
    }
    for (const [name, values] of Object.entries(samples)) {
      console.log(`warm Lambda invoke (in-process, 3 handler lines + START/END/REPORT), ${name} (n=${values.length}): p50 ${ms(percentile(values, 50))}, p95 ${ms(percentile(values, 95))}`);
    }
    // Each invocation writes 3 handler lines and START, END, REPORT; all of them in before its invoke returns.
    const events = logs.service.filterLogEvents({ group: '/aws/lambda/bench' }).events.length;
    const expected = (20 + invocations) * 6;
    if (events !== expected) throw new Error(`/aws/lambda/bench holds ${events} events, expected ${expected}`);
    console.log(`events in /aws/lambda/bench: ${events}, as written`);
  } finally {
    for (const service of Object.values(variants)) await service.stop();
    logs.service.stop();
  }
}

async function main(): Promise<void> {
  const invocations = integerOption(COMMAND, 'invocations', parseCommandLine(COMMAND).positionals[0] ?? '300', { min: 1 });
  const dir = await mkdtemp(join(tmpdir(), 'logs-bench-'));
  console.log(`load average at start: ${loadavg().map((value) => value.toFixed(2)).join(' ')}`);
  try {
    await logsApi(dir);
    sinkCost(dir);
    await lambdaOverhead(dir, invocations);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((error: Error) => {
  console.error(error.stack ?? error.message);
  process.exit(1);
});
