/**
 * One instance of a function: a Node.js child process running the worker runtime, with only the
 * function's environment, a V8 heap capped at the function's memory size, and the invocation
 * timeout enforced by killing the process.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import type { FunctionErrorPayload, WorkerInvokeMessage, WorkerToParentMessage } from './protocol';

export interface WorkerSpec {
  functionName: string;
  runtimeScript: string;
  /** The Node.js binary of the function's runtime (runtimes.ts). */
  execPath: string;
  taskRoot: string;
  handler: string;
  environment: Record<string, string>;
  memoryMb: number;
  /** Lambda's init phase limit. */
  initTimeoutMs: number;
}

export interface InvocationOutcome {
  ok: boolean;
  /** JSON text: the handler's result, or the error payload. */
  payload: string;
  error?: FunctionErrorPayload;
  durationMs: number;
  /** Log lines written during the invocation. */
  logs: string[];
  rssBytes?: number;
  /** True when the instance cannot be reused (timed out, crashed). */
  instanceLost: boolean;
}

const OUTPUT_DRAIN_BOUND_MS = 1000;

export function forkWorker(spec: WorkerSpec): ChildProcess {
  return fork(spec.runtimeScript, [spec.taskRoot, spec.handler], {
    execPath: spec.execPath,
    cwd: spec.taskRoot,
    env: spec.environment,
    execArgv: [`--max-old-space-size=${spec.memoryMb}`],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    serialization: 'json',
  });
}

/**
 * Runs `then` once everything the exited child wrote has been read. Node can report a child's exit
 * before the last data of its pipes (one event-loop poll returns both, in either order): a message or
 * stderr line written just before `process.exit` may come after 'exit', never after 'close'. Call it
 * from the 'exit' listener ('close' always follows). A process the handler started may hold the pipes
 * open: then the wait ends after a second.
 */
function afterOutputDrained(child: ChildProcess, then: () => void): void {
  let done = false;
  const run = (): void => {
    if (done) return;
    done = true;
    clearTimeout(fallback);
    then();
  };
  const fallback = setTimeout(run, OUTPUT_DRAIN_BOUND_MS);
  fallback.unref();
  child.once('close', run);
}

export class FunctionInitError extends Error {
  constructor(readonly payload: FunctionErrorPayload) {
    super(payload.errorMessage);
  }
}

type Settled = { ok: boolean; payload?: string; error?: FunctionErrorPayload; rssBytes?: number; instanceLost: boolean };

type Pending = {
  requestId: string;
  started: number;
  logs: string[];
  resolve(outcome: InvocationOutcome): void;
  timer: NodeJS.Timeout;
  /** The result the worker sent, while what it wrote before it is still being read. */
  result?: Settled;
};

const STDERR_TAIL_BYTES = 4096;

/** Where an instance's output goes: `logStream` is the instance's own CloudWatch Logs stream. */
export type InstanceLog = (line: string, logStream: string) => void;

/** Lambda's stream name for an execution environment: `YYYY/MM/DD/[$LATEST]<32 hex digits>`. */
export function lambdaLogStreamName(now = new Date()): string {
  return `${now.toISOString().slice(0, 10).replace(/-/g, '/')}/[$LATEST]${randomUUID().replace(/-/g, '')}`;
}

export class WorkerInstance {
  private pending: Pending | undefined;
  private exited = false;
  private stderrTail = '';

  private readonly log: (line: string) => void;

  private constructor(
    private readonly child: ChildProcess,
    private readonly spec: WorkerSpec,
    log: InstanceLog,
    readonly logStream: string,
    readonly initDurationMs: number,
    readonly spawnDurationMs: number,
  ) {
    this.log = (line) => log(line, logStream);
  }

  get alive(): boolean {
    return !this.exited;
  }

  /** Spawns the process and waits for the handler module to load (the cold start). */
  static start(spec: WorkerSpec, instanceLog: InstanceLog, spawnWorker: (spec: WorkerSpec) => ChildProcess = forkWorker): Promise<WorkerInstance> {
    const spawned = performance.now();
    const logStream = lambdaLogStreamName();
    const log = (line: string) => instanceLog(line, logStream);
    const child = spawnWorker({ ...spec, environment: { ...spec.environment, AWS_LAMBDA_LOG_STREAM_NAME: logStream } });
    return new Promise((resolve, reject) => {
      let instance: WorkerInstance | undefined;
      const stderrLines: string[] = [];
      const fail = (error: Error): void => {
        clearTimeout(initTimer);
        child.kill('SIGKILL');
        reject(error);
      };
      const initTimer = setTimeout(
        () => fail(new FunctionInitError({ errorType: 'Runtime.InitTimeout', errorMessage: `Init phase did not complete within ${spec.initTimeoutMs / 1000} seconds` })),
        spec.initTimeoutMs,
      );
      createInterface({ input: child.stdout! }).on('line', (line) => (instance ? instance.recordOutput(line) : log(line)));
      createInterface({ input: child.stderr! }).on('line', (line) => {
        if (instance) {
          instance.recordOutput(line, true);
        } else {
          stderrLines.push(line);
          log(line);
        }
      });
      child.on('message', (message: WorkerToParentMessage) => {
        if (instance) {
          instance.onMessage(message);
        } else if (message.type === 'ready') {
          clearTimeout(initTimer);
          instance = new WorkerInstance(child, spec, instanceLog, logStream, message.initDurationMs, performance.now() - spawned - message.initDurationMs);
          resolve(instance);
        } else if (message.type === 'init-error') {
          fail(new FunctionInitError(message.error));
        } else if (message.type === 'log') {
          log(message.line);
        }
      });
      child.on('exit', (code, signal) => {
        if (instance) {
          instance.onExit(code, signal);
          return;
        }
        // The init error the worker sent just before exiting, and its last stderr lines, may still be in the pipes.
        afterOutputDrained(child, () => {
          const detail = stderrLines.slice(-5).join('\n');
          fail(new FunctionInitError({ errorType: 'Runtime.ExitError', errorMessage: `Runtime exited during init with ${exitDescription(code, signal)}${detail ? `: ${detail}` : ''}` }));
        });
      });
      child.on('error', (error) => fail(error));
    });
  }

  invoke(message: Omit<WorkerInvokeMessage, 'type' | 'deadline'>, timeoutMs: number): Promise<InvocationOutcome> {
    if (this.pending) throw new Error(`instance of ${this.spec.functionName} is busy`);
    if (this.exited) throw new Error(`instance of ${this.spec.functionName} has exited`);
    const started = performance.now();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        const seconds = (timeoutMs / 1000).toFixed(2);
        this.finish({
          ok: false,
          error: { errorType: 'Sandbox.Timedout', errorMessage: `RequestId: ${message.requestId} Error: Task timed out after ${seconds} seconds` },
          instanceLost: true,
        });
        this.kill();
      }, timeoutMs);
      this.pending = { requestId: message.requestId, started, logs: [], resolve, timer };
      this.child.send({ type: 'invoke', ...message, deadline: Date.now() + timeoutMs } satisfies WorkerInvokeMessage);
    });
  }

  /** Ends the process at once (timeouts, shutdown of the pool). */
  kill(): void {
    if (!this.exited) this.child.kill('SIGKILL');
  }

  private onMessage(message: WorkerToParentMessage): void {
    switch (message.type) {
      case 'log':
        this.log(message.line);
        if (this.pending && message.requestId === this.pending.requestId) this.pending.logs.push(message.line);
        break;
      case 'result': {
        const pending = this.pending;
        if (!pending || message.requestId !== pending.requestId || pending.result) return;
        pending.result = message.ok
          ? { ok: true, payload: message.payload, rssBytes: message.rssBytes, instanceLost: false }
          : { ok: false, error: message.error, rssBytes: message.rssBytes, instanceLost: false };
        // What the handler wrote to stdout / stderr (Powertools writes there, not through console) was in the
        // pipes before the result was sent, but the two arrive on separate channels: the lines already there
        // are read in this turn of the event loop, and belong to the invocation, before its END and REPORT.
        setImmediate(() => {
          if (this.pending === pending) this.finish(pending.result!);
        });
        break;
      }
      default:
        break;
    }
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    this.exited = true;
    // A crashing worker sends its invocation's result, then exits: that result (or the out-of-memory report on stderr) may still be in the pipes.
    afterOutputDrained(this.child, () => this.failPendingOnExit(code, signal));
  }

  private failPendingOnExit(code: number | null, signal: NodeJS.Signals | null): void {
    if (!this.pending) return;
    if (this.pending.result) {
      this.finish(this.pending.result);
      return;
    }
    const outOfMemory = /heap out of memory|Reached heap limit/.test(this.stderrTail);
    const requestId = this.pending.requestId;
    this.finish({
      ok: false,
      error: outOfMemory
        ? { errorType: 'Runtime.OutOfMemory', errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: ${exitDescription(code, signal)} (memory limit of ${this.spec.memoryMb} MB exceeded)` }
        : { errorType: 'Runtime.ExitError', errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: ${exitDescription(code, signal)}` },
      instanceLost: true,
    });
  }

  private finish(outcome: Settled): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = undefined;
    clearTimeout(pending.timer);
    pending.resolve({
      ok: outcome.ok,
      payload: outcome.ok ? (outcome.payload ?? 'null') : JSON.stringify(outcome.error),
      error: outcome.error,
      durationMs: performance.now() - pending.started,
      logs: pending.logs,
      rssBytes: outcome.rssBytes,
      instanceLost: outcome.instanceLost || this.exited,
    });
  }

  /** Output the handler wrote to stdout / stderr directly (console output arrives as 'log' messages). */
  private recordOutput(line: string, stderr = false): void {
    if (stderr) this.stderrTail = `${this.stderrTail}${line}\n`.slice(-STDERR_TAIL_BYTES);
    this.log(line);
    this.pending?.logs.push(line);
  }
}

function exitDescription(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `signal: ${signal}` : `exit status ${code ?? 'unknown'}`;
}
