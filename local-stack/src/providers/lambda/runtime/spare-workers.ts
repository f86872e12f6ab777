/**
 * Worker processes started ahead of the cold starts that will need them. Most of a local cold start is
 * Node.js starting (a process, its V8 heap, the worker runtime's module), not the handler's init: a
 * spare has done that part and waits, running no function code, for the function it is given
 * (`init`: its task root, handler and whole environment). The init phase then runs as Lambda's does.
 *
 * A spare serves only a function that would have started the same process: the same runtime binary,
 * the same heap cap (the memory size), and the same values of the variables Node.js reads once at its
 * own start (NODE_OPTIONS and the like). One spare is kept per such key once a function of that key is
 * deployed, and replaced as soon as it is taken; at most one per key, so the stack holds a few idle
 * processes (the deployed functions' distinct memory sizes), never one per function.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { dirname } from 'node:path';
import type { WorkerInitMessage } from './protocol';
import type { WorkerSpec } from './worker-instance';

/** Read by Node.js when the process starts, so a spare started without them could not take them on later. */
const STARTUP_VARIABLES = ['NODE_OPTIONS', 'NODE_EXTRA_CA_CERTS', 'NODE_PATH', 'NODE_ICU_DATA', 'UV_THREADPOOL_SIZE', 'TZ'] as const;

type StartupEnvironment = Partial<Record<(typeof STARTUP_VARIABLES)[number] | 'PATH', string>>;

export interface SpareSpec {
  runtimeScript: string;
  execPath: string;
  memoryMb: number;
  environment: StartupEnvironment;
}

function startupEnvironment(environment: Record<string, string>): StartupEnvironment {
  const picked: StartupEnvironment = {};
  for (const name of [...STARTUP_VARIABLES, 'PATH'] as const) if (environment[name] !== undefined) picked[name] = environment[name];
  return picked;
}

function spareSpecOf(spec: WorkerSpec): SpareSpec {
  return { runtimeScript: spec.runtimeScript, execPath: spec.execPath, memoryMb: spec.memoryMb, environment: startupEnvironment(spec.environment) };
}

function keyOf(spare: SpareSpec): string {
  return JSON.stringify([spare.runtimeScript, spare.execPath, spare.memoryMb, STARTUP_VARIABLES.map((name) => spare.environment[name] ?? null)]);
}

/** The process of a worker with no function yet: the worker runtime waits for its `init` message. */
export function forkSpare(spare: SpareSpec): ChildProcess {
  return fork(spare.runtimeScript, [], {
    execPath: spare.execPath,
    cwd: dirname(spare.runtimeScript),
    env: spare.environment,
    execArgv: [`--max-old-space-size=${spare.memoryMb}`],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    serialization: 'json',
  });
}

export class SpareWorkers {
  private readonly spares = new Map<string, ChildProcess>();
  private stopped = false;

  constructor(private readonly forkProcess: (spare: SpareSpec) => ChildProcess = forkSpare) {}

  /** Starts a spare for functions like `spec`, unless one waits already. */
  prepare(spec: WorkerSpec): void {
    const spare = spareSpecOf(spec);
    const key = keyOf(spare);
    if (this.stopped || this.usable(this.spares.get(key))) return;
    const child = this.forkProcess(spare);
    // Its output before it is taken is Node's own (warnings), nobody's log; draining keeps the pipes from filling.
    child.stdout?.resume();
    child.stderr?.resume();
    child.on('error', () => this.forget(key, child));
    child.on('exit', () => this.forget(key, child));
    this.spares.set(key, child);
  }

  /**
   * The process of a new instance of `spec`: a spare given the function, when one fits (and another is
   * started for the next cold start once this one has loaded its function), else a fresh fork.
   */
  take(spec: WorkerSpec, forkWorker: (spec: WorkerSpec) => ChildProcess): ChildProcess {
    const key = keyOf(spareSpecOf(spec));
    const child = this.spares.get(key);
    if (!this.usable(child)) return forkWorker(spec);
    this.spares.delete(key);
    child.stdout?.pause();
    child.stderr?.pause();
    child.removeAllListeners('error');
    child.removeAllListeners('exit');
    child.send({ type: 'init', taskRoot: spec.taskRoot, handler: spec.handler, environment: spec.environment } satisfies WorkerInitMessage);
    // The replacement starts once this instance has loaded its handler, not during its init.
    child.once('message', () => this.prepare(spec));
    child.once('exit', () => this.prepare(spec));
    return child;
  }

  /** Ends every spare (the stack stops). */
  stop(): void {
    this.stopped = true;
    for (const child of this.spares.values()) child.kill('SIGKILL');
    this.spares.clear();
  }

  get pids(): number[] {
    return [...this.spares.values()].flatMap((child) => (child.pid === undefined ? [] : [child.pid]));
  }

  private usable(child: ChildProcess | undefined): child is ChildProcess {
    return child !== undefined && child.exitCode === null && child.signalCode === null && child.connected;
  }

  private forget(key: string, child: ChildProcess): void {
    if (this.spares.get(key) === child) this.spares.delete(key);
  }
}
