/**
 * Benchmarks run the server they measure in a child process (the benchmark file itself, with `--serve`),
 * so the client's work is not counted as the server's and the server's process tree can be measured apart.
 * The child prints one JSON line when it is ready; SIGTERM stops it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

const READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 30_000;

/** Starts `file --serve ...args` with this process's loader (tsx) and resolves with the JSON line it prints when ready. */
export async function startChildServer<T>(file: string, args: readonly string[]): Promise<{ info: T; child: ChildProcess }> {
  const child = spawn(process.execPath, [...process.execArgv, file, '--serve', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const info = await new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the benchmark server did not start within ${READY_TIMEOUT_MS / 1000} s`));
    }, READY_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the benchmark server exited with code ${code} before it was ready`));
    });
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve(JSON.parse(line) as T);
    });
  });
  return { info, child };
}

/** In the child: announces readiness and stops cleanly on SIGTERM / SIGINT. */
export function serveUntilSignalled(info: unknown, stop: () => Promise<void>): void {
  process.stdout.write(`${JSON.stringify(info)}\n`);
  const shutdown = (): void => void stop().then(() => process.exit(0));
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

/** SIGTERM, then SIGKILL if the child has not exited after 30 s. */
export async function stopChildServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}
