import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { ServiceName } from './templates';

/** What a service's package is built from: its own folder and the project's shared code. */
function inputsOf(root: string, service: ServiceName): string[] {
  const inputs = [path.join(root, 'services', service), path.join(root, 'shared', 'src'), path.join(root, 'package-lock.json')];
  if (service === 'ingestion') inputs.push(path.join(root, 'glue_scripts'));
  return inputs;
}

function newestModification(target: string): number {
  if (!existsSync(target)) return 0;
  const stats = statSync(target);
  if (!stats.isDirectory()) return stats.mtimeMs;
  let newest = stats.mtimeMs;
  for (const entry of readdirSync(target)) {
    if (entry === '.serverless' || entry === 'node_modules' || entry === '.esbuild' || entry === '__pycache__') continue;
    newest = Math.max(newest, newestModification(path.join(target, entry)));
  }
  return newest;
}

/** True when `.serverless/` holds a package of this stage newer than every input. */
export function isPackageCurrent(root: string, service: ServiceName, stage: string): boolean {
  const template = path.join(root, 'services', service, '.serverless', 'cloudformation-template-update-stack.json');
  const state = path.join(root, 'services', service, '.serverless', 'serverless-state.json');
  if (!existsSync(template) || !existsSync(state)) return false;
  try {
    const packagedStage = (JSON.parse(readFileSync(state, 'utf8')) as { service: { provider: { stage: string } } }).service.provider.stage;
    if (packagedStage !== stage) return false;
  } catch {
    return false;
  }
  const packagedAt = statSync(template).mtimeMs;
  return inputsOf(root, service).every((input) => newestModification(input) <= packagedAt);
}

/** Runs `serverless package --stage <stage>` in the service's folder, offline and with no credentials. */
export function packageService(root: string, service: ServiceName, stage: string): Promise<void> {
  const cli = path.join(root, 'node_modules', 'osls', 'bin', 'serverless.js');
  const env: NodeJS.ProcessEnv = { ...process.env, SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off' };
  for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_ENDPOINT_URL']) delete env[name];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, 'package', '--stage', stage], {
      cwd: path.join(root, 'services', service),
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`serverless package failed for ${service} (exit ${code}):\n${output.trim()}`)),
    );
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
