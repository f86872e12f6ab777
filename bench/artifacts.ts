/**
 * Benchmark of the four services' Lambda functions (issue 2): deployment artifact sizes and cold starts.
 *
 *   npx tsx bench/artifacts.ts [--cold 7]
 *
 * 1. Each function's deployment package: the zip `serverless package --stage local` wrote into
 *    services/<name>/.serverless/, the one the template's Code.S3Key names (the services are packaged
 *    first when their package is missing or stale). Target: <= 1 MiB each.
 * 2. Each handler's cold start: the packaged services deployed into a local stack (temporary state,
 *    free port); `--cold` times per function, round robin, its instances are retired (as a
 *    configuration update does) and it is invoked through the Lambda API with an empty event, which
 *    the handler's validation rejects. The provider measures the two phases of the cold start: spawn
 *    (fork of the worker process until the runtime is up) and init (loading the handler module).
 *
 * Writes bench/results/artifacts.json.
 */
import '../local-stack/src/cli/warnings';
import { readFileSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { basename, relative } from 'node:path';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { packageServices } from '../local-stack/src/deploy/package';
import { loadPackagedService, SERVICE_NAMES, type ServiceName } from '../local-stack/src/deploy/templates';
import type { LambdaService } from '../local-stack/src/providers/lambda/model/service';
import { startLocalStack, STAGE } from '../local-stack/src/stack';
import { defineCommand, integerOption, parseCommandLine } from '../scripts/lib/cli';
import { temporaryDirectory } from '../test/support/temporary-directory';
import { busyMachineNote, machineInfo, median, ROOT, round, writeSection, type Figure } from './lib/report';

const COMMAND = defineCommand({
  usage: 'npx tsx bench/artifacts.ts [--cold 7]',
  summary: "Measures each function's deployment package and cold start (spawn, init) in a local stack; writes bench/results/artifacts.json.",
  options: { cold: { type: 'string', value: 'n', default: '7', description: 'cold starts per function' } },
});

const TARGET_BYTES = 1024 * 1024;

interface Artifact {
  service: ServiceName;
  logicalId: string;
  functionName: string;
  handler: string;
  zip: string;
  bytes: number;
  /** The sum of the entries' uncompressed sizes. */
  unpackedBytes: number;
  files: number;
}

interface ColdStart {
  spawnMs: number;
  initMs: number;
  /** The Invoke call as the client saw it. */
  invokeMs: number;
  functionError: string | undefined;
}

/** Entry count and uncompressed size, from the zip's central directory (no ZIP64: the packages are small). */
function zipContents(file: string): { files: number; unpackedBytes: number } {
  const zip = readFileSync(file);
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0) throw new Error(`${file} is not a zip archive`);
  const files = zip.readUInt16LE(end + 10);
  let offset = zip.readUInt32LE(end + 16);
  let unpackedBytes = 0;
  for (let entry = 0; entry < files; entry++) {
    unpackedBytes += zip.readUInt32LE(offset + 24);
    offset += 46 + zip.readUInt16LE(offset + 28) + zip.readUInt16LE(offset + 30) + zip.readUInt16LE(offset + 32);
  }
  return { files, unpackedBytes };
}

/** Packages what is missing or stale, as `npm start` would. */
async function ensurePackages(): Promise<{ packaged: ServiceName[]; packagingMs: number }> {
  const started = performance.now();
  const { packaged } = await packageServices(ROOT, SERVICE_NAMES, STAGE, (message) => console.error(message));
  return { packaged, packagingMs: performance.now() - started };
}

function artifactsOf(service: ServiceName): Artifact[] {
  const packaged = loadPackagedService(ROOT, service);
  return Object.entries(packaged.artifacts).map(([logicalId, zip]) => {
    const properties = packaged.template.Resources[logicalId]!.Properties as { FunctionName: string; Handler: string };
    return { service, logicalId, functionName: properties.FunctionName, handler: properties.Handler, zip, bytes: statSync(zip).size, ...zipContents(zip) };
  });
}

async function coldStart(lambda: LambdaService, client: LambdaClient, functionName: string): Promise<ColdStart> {
  lambda.retireInstances(functionName);
  const started = performance.now();
  const response = await client.send(new InvokeCommand({ FunctionName: functionName, Payload: Buffer.from('{}') }));
  const invokeMs = performance.now() - started;
  const stats = lambda.functionStats(functionName);
  // The stats of the instances started since the retirement: exactly one, this invocation's.
  if (stats.coldStarts !== 1) throw new Error(`invoking ${functionName} after retiring its instances started ${stats.coldStarts} instances, not 1`);
  return { ...stats.coldStartPhasesMs[stats.coldStartPhasesMs.length - 1]!, invokeMs, functionError: response.FunctionError };
}

async function measureColdStarts(artifacts: readonly Artifact[], repetitions: number): Promise<Map<string, ColdStart[]>> {
  const local = temporaryDirectory('bench-artifacts');
  const localDir = local.dir;
  const stack = await startLocalStack({ root: ROOT, localDir, port: 0, chaos: '' });
  const client = new LambdaClient({ endpoint: stack.info.endpoint, region: stack.info.region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts: 1 });
  const results = new Map<string, ColdStart[]>(artifacts.map((artifact) => [artifact.functionName, []]));
  try {
    // Round robin, so that a burst of load on the machine does not land on one function only.
    for (let repetition = 0; repetition < repetitions; repetition++) {
      for (const { functionName } of artifacts) results.get(functionName)!.push(await coldStart(stack.providers.lambda.service, client, functionName));
    }
  } finally {
    client.destroy();
    await stack.stop();
    local.remove();
  }
  return results;
}

function figuresOf(artifacts: readonly Artifact[], coldStarts: Map<string, ColdStart[]>): Figure[] {
  const sizes = artifacts.map((artifact): Figure => ({
    measure: `deployment package of ${artifact.service}/${artifact.logicalId.replace(/LambdaFunction$/, '')} (${basename(artifact.zip)})`,
    value: round(artifact.bytes / 1024, 1),
    unit: 'KiB',
    target: '<= 1 MiB (1024 KiB) each',
    met: artifact.bytes <= TARGET_BYTES,
  }));
  const phase = (artifact: Artifact, name: 'initMs' | 'spawnMs'): number => round(median(coldStarts.get(artifact.functionName)!.map((start) => start[name])), 1);
  const runs = coldStarts.get(artifacts[0]!.functionName)?.length ?? 0;
  const inits = artifacts.map((artifact): Figure => ({ measure: `cold start of ${artifact.functionName}: init, loading the handler (median of ${runs})`, value: phase(artifact, 'initMs'), unit: 'ms' }));
  const spawns = artifacts.map((artifact): Figure => ({ measure: `cold start of ${artifact.functionName}: spawn, worker process up (median of ${runs})`, value: phase(artifact, 'spawnMs'), unit: 'ms' }));
  return [...sizes, ...inits, ...spawns];
}

function detailsOf(artifacts: readonly Artifact[], coldStarts: Map<string, ColdStart[]>): unknown[] {
  return artifacts.map((artifact) => {
    const starts = coldStarts.get(artifact.functionName)!;
    return {
      ...artifact,
      zip: relative(ROOT, artifact.zip),
      coldStarts: starts.map((start) => ({ spawnMs: round(start.spawnMs, 1), initMs: round(start.initMs, 1), invokeMs: round(start.invokeMs, 1), functionError: start.functionError })),
      medianInvokeMs: round(median(starts.map((start) => start.invokeMs)), 1),
    };
  });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const repetitions = integerOption(COMMAND, 'cold', parseCommandLine(COMMAND, args).values.cold, { min: 1 });
  const machine = machineInfo();
  const loadBefore = loadavg();
  const packaging = await ensurePackages();
  const artifacts = SERVICE_NAMES.flatMap((service) => artifactsOf(service));
  const coldStarts = await measureColdStarts(artifacts, repetitions);
  const loadAfter = loadavg();
  const busy = busyMachineNote(loadBefore);
  writeSection({
    name: 'artifacts',
    title: 'The four services: deployment packages and cold starts',
    issue: '2 The four services',
    command: `npx tsx bench/artifacts.ts${args.length > 0 ? ` ${args.join(' ')}` : ''}`,
    machine,
    figures: figuresOf(artifacts, coldStarts),
    details: {
      repetitions,
      packaging: { packaged: packaging.packaged, ms: round(packaging.packagingMs, 1) },
      loadAverageAfter: loadAfter.map((value) => round(value, 2)),
      functions: detailsOf(artifacts, coldStarts),
    },
    notes: [
      'package sizes are those of `serverless package --stage local`; the bundling settings (esbuild, bundled, minified, no externals, no source maps) do not depend on the stage, which reaches the code through environment variables, so the packages deployed to AWS are the same',
      'cold starts run in the local stack, whose worker is a Node.js process on this machine: spawn is the process and the runtime starting, init is the require() of the handler bundle (its top-level code); on AWS both depend on the memory size, which sets the CPU share',
      'each cold invocation gets an empty event; its validation rejects it (FunctionError Unhandled in the details), so no invocation calls another service',
      ...(busy ? [busy] : []),
    ],
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
