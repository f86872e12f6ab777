import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';

export interface ScriptRun {
  /** Resolves when the script exits: its exit code (null when killed) and the last lines it wrote to stderr. */
  finished: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderrTail: string[] }>;
  kill(): void;
}

const TAIL_LINES = 20;

/** Runs a Glue Python shell script as `python3 script --key value ...`, its output appended to a log file. */
export function runPythonScript(options: {
  python: string;
  script: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  logFile: string;
}): ScriptRun {
  const log = createWriteStream(options.logFile, { flags: 'a' });
  // A log that cannot be written must not take the stack down; the run's outcome is still recorded.
  log.on('error', () => undefined);
  const child: ChildProcess = spawn(options.python, [options.script, ...options.args], {
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderrTail: string[] = [];
  let partial = '';
  child.stdout?.pipe(log, { end: false });
  child.stderr?.on('data', (chunk: Buffer) => {
    log.write(chunk);
    const lines = (partial + chunk.toString('utf8')).split('\n');
    partial = lines.pop() ?? '';
    stderrTail.push(...lines.filter((line) => line.trim() !== ''));
    stderrTail.splice(0, Math.max(0, stderrTail.length - TAIL_LINES));
  });
  const finished = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderrTail: string[] }>((resolve) => {
    child.on('error', (error) => {
      stderrTail.push(`could not start ${options.python}: ${error.message}`);
    });
    child.on('close', (code, signal) => {
      if (partial.trim() !== '') stderrTail.push(partial);
      log.end(() => resolve({ code, signal, stderrTail }));
    });
  });
  return {
    finished,
    kill: () => {
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 2_000).unref();
    },
  };
}
