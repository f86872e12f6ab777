import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ServiceName } from './templates';

/** What a service's package is built from: its own folder, the project's shared code and build settings. */
function inputsOf(root: string, service: ServiceName): string[] {
  const inputs = [
    path.join(root, 'services', service),
    path.join(root, 'shared', 'src'),
    path.join(root, 'package-lock.json'),
    path.join(root, 'tsconfig.json'),
    path.join(root, 'local-stack', 'serverless'),
  ];
  if (service === 'ingestion') inputs.push(path.join(root, 'glue_scripts'));
  return inputs;
}

const SKIPPED = new Set(['.serverless', 'node_modules', '.esbuild', '__pycache__']);
/** The record of how the package in `.serverless/` was made, written by packageService. */
const MARKER = '.local-stack-package.json';

interface PackageMarker {
  /** Hash of the inputs' contents and of the command's stage and parameters. */
  inputs: string;
  /** Hash of the template and state the command wrote: any later `serverless package|deploy` changes them. */
  outputs: string;
}

function hashInputs(root: string, service: ServiceName, stage: string): string {
  const hash = createHash('sha256').update(`stage=${stage}\0params=none\0`);
  const walk = (target: string): void => {
    if (!existsSync(target)) return;
    const stats = statSync(target);
    if (!stats.isDirectory()) {
      hash.update(`${path.relative(root, target)}\0`).update(readFileSync(target)).update('\0');
      return;
    }
    for (const entry of readdirSync(target).sort()) if (!SKIPPED.has(entry)) walk(path.join(target, entry));
  };
  for (const input of inputsOf(root, service)) walk(input);
  return hash.digest('hex');
}

function outputFiles(root: string, service: ServiceName): string[] {
  const outDir = path.join(root, 'services', service, '.serverless');
  return ['cloudformation-template-create-stack.json', 'cloudformation-template-update-stack.json', 'serverless-state.json'].map((file) => path.join(outDir, file));
}

function hashOutputs(root: string, service: ServiceName): string | undefined {
  const hash = createHash('sha256');
  for (const file of outputFiles(root, service)) {
    if (!existsSync(file)) return undefined;
    hash.update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

/**
 * True when `.serverless/` holds the package `packageService` made from exactly the current inputs, for
 * this stage, with the default parameters: judged by content, not file times, so that a package some
 * other command left there (say `serverless package --param=minAccuracy=0.5`, or a deploy with it) is
 * never taken for `npm start`'s own.
 */
export function isPackageCurrent(root: string, service: ServiceName, stage: string): boolean {
  const markerFile = path.join(root, 'services', service, '.serverless', MARKER);
  if (!existsSync(markerFile)) return false;
  let marker: PackageMarker;
  try {
    marker = JSON.parse(readFileSync(markerFile, 'utf8')) as PackageMarker;
  } catch {
    return false;
  }
  return marker.outputs === hashOutputs(root, service) && marker.inputs === hashInputs(root, service, stage);
}

/**
 * Runs `serverless package --stage <stage>` in the service's folder, offline and with no credentials
 * and no parameters (the services' defaults), and records what it was made from.
 */
export async function packageService(root: string, service: ServiceName, stage: string, run: ServerlessRunner = runServerless): Promise<void> {
  const inputs = hashInputs(root, service, stage);
  await run(path.join(root, 'services', service), ['package', '--stage', stage], `serverless package failed for ${service}`);
  markPackaged(root, service, inputs);
}

/** Runs the serverless CLI in a folder; rejects with `failure` and its output when it fails. */
export type ServerlessRunner = (cwd: string, args: string[], failure: string) => Promise<void>;

/**
 * `npm run package`: all services through serverless-compose, as a user packages them from the
 * repository root, then recorded as packageService records them (compose takes no --param, so these
 * are the default parameters' packages).
 */
export async function packageWithCompose(root: string, services: readonly ServiceName[], stage: string): Promise<void> {
  const inputs = new Map(services.map((service) => [service, hashInputs(root, service, stage)]));
  await runServerless(root, ['package', '--stage', stage], 'serverless package (compose) failed', 'inherit');
  for (const [service, hash] of inputs) markPackaged(root, service, hash);
}

function markPackaged(root: string, service: ServiceName, inputs: string): void {
  const outputs = hashOutputs(root, service);
  if (!outputs) throw new Error(`serverless package wrote no template for ${service}`);
  writeFileSync(path.join(root, 'services', service, '.serverless', MARKER), `${JSON.stringify({ inputs, outputs } satisfies PackageMarker, null, 2)}\n`);
}

function runServerless(cwd: string, args: string[], failure: string, output: 'capture' | 'inherit' = 'capture'): Promise<void> {
  const cli = path.join(path.dirname(require.resolve('osls/package.json')), 'bin', 'serverless.js');
  const env: NodeJS.ProcessEnv = { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' };
  for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_ENDPOINT_URL']) delete env[name];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd, env, stdio: ['ignore', output === 'inherit' ? 'inherit' : 'pipe', output === 'inherit' ? 'inherit' : 'pipe'] });
    let printed = '';
    child.stdout?.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${failure} (exit ${code})${printed ? `:\n${printed.trim()}` : ''}`))));
  });
}

/** Packages the services whose package is missing or stale, two at a time (the machine has two cores). */
export async function packageServices(
  root: string,
  services: readonly ServiceName[],
  stage: string,
  log: (message: string) => void = () => undefined,
): Promise<{ packaged: ServiceName[]; reused: ServiceName[] }> {
  const stale = services.filter((service) => !isPackageCurrent(root, service, stage));
  const reused = services.filter((service) => !stale.includes(service));
  const queue = [...stale];
  const worker = async () => {
    for (let service = queue.shift(); service !== undefined; service = queue.shift()) {
      const started = Date.now();
      await packageService(root, service, stage);
      log(`packaged ${service} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
  };
  await Promise.all([worker(), worker()]);
  return { packaged: stale, reused };
}
