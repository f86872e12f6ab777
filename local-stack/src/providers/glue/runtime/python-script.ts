import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';

export interface ScriptRun {
  /** Resolves when the script exits: its exit code (null when killed) and the last lines it wrote to stderr. */
  finished: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderrTail: string[] }>;
  kill(): void;
}

const TAIL_LINES = 20;

/**
 * Runs a Glue Python shell script as `python3 script --key value ...`, its output appended to a log file
 * and, line by line, given to `onLine` (CloudWatch Logs: stdout and stderr go to separate groups, as on Glue).
 */
export function runPythonScript(options: {
  python: string;
  script: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  logFile: string;
  onLine?: (output: 'stdout' | 'stderr', line: string) => void;
}): ScriptRun {
  const log = createWriteStream(options.logFile, { flags: 'a' });
  // A log that cannot be written must not take the stack down; the run's outcome is still recorded.
  log.on('error', () => undefined);
  const child: ChildProcess = spawn(options.python, [options.script, ...options.args], {
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stderrTail: string[] = [];
  const stdoutLines = lineSplitter((line) => options.onLine?.('stdout', line));
  const stderrLines = lineSplitter((line) => {
    options.onLine?.('stderr', line);
    if (line.trim() === '') return;
    stderrTail.push(line);
    stderrTail.splice(0, Math.max(0, stderrTail.length - TAIL_LINES));
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    log.write(chunk);
    stdoutLines.push(chunk);
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    log.write(chunk);
    stderrLines.push(chunk);
  });
  const finished = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderrTail: string[] }>((resolve) => {
    child.on('error', (error) => {
      stderrTail.push(`could not start ${options.python}: ${error.message}`);
    });
    child.on('close', (code, signal) => {
      stdoutLines.end();
      stderrLines.end();
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

/** Splits a stream's chunks into lines (UTF-8 across chunk boundaries); `end` gives the unterminated last one. */
function lineSplitter(onLine: (line: string) => void): { push(chunk: Buffer): void; end(): void } {
  const decoder = new StringDecoder('utf8');
  let partial = '';
  return {
    push: (chunk) => {
      const lines = (partial + decoder.write(chunk)).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) onLine(line.replace(/\r$/, ''));
    },
    end: () => {
      const rest = partial + decoder.end();
      partial = '';
      if (rest !== '') onLine(rest);
    },
  };
}

/** What --extra-py-files put on a run's Python path, and how to remove it when the run is over. */
export interface StagedPythonFiles {
  /** The PYTHONPATH entries: the directory holding the .py files, and each .zip / .whl archive. */
  pythonPath: string[];
  remove(): void;
}

/**
 * Glue's `--extra-py-files`: comma-separated s3:// URIs of .py modules or .zip / .whl archives that Glue
 * puts on the script's Python path. Each is copied out of the object store into a temporary directory of the
 * run under `parent` (a missing one fails the run, as on Glue); call `remove` when the run is over.
 */
export async function stageExtraPyFiles(
  list: string | undefined,
  objectPath: (bucket: string, key: string) => Promise<string>,
  parent = tmpdir(),
): Promise<StagedPythonFiles> {
  const uris = (list ?? '').split(',').map((uri) => uri.trim()).filter((uri) => uri !== '');
  if (uris.length === 0) return { pythonPath: [], remove: () => undefined };
  const directory = mkdtempSync(path.join(parent, 'glue-extra-py-files-'));
  const remove = () => rmSync(directory, { recursive: true, force: true });
  try {
    const pythonPath = [directory];
    const names = new Set<string>();
    for (const uri of uris) {
      const match = /^s3:\/\/([^/]+)\/(.+\.(py|zip|whl))$/.exec(uri);
      if (!match) throw new Error(`--extra-py-files: ${uri} is not an s3:// URI of a .py, .zip or .whl file`);
      const name = path.posix.basename(match[2]!);
      if (names.has(name)) throw new Error(`--extra-py-files: two files are named ${name}`);
      names.add(name);
      const target = path.join(directory, name);
      copyFileSync(await objectPath(match[1]!, match[2]!), target);
      if (match[3] !== 'py') pythonPath.push(target);
    }
    return { pythonPath, remove };
  } catch (error) {
    remove();
    throw error;
  }
}
