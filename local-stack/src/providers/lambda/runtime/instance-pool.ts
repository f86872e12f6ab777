/**
 * A function's instances: warm ones are reused (most recently used first), a new one is started
 * when all are busy, up to the function's concurrency; beyond it invocations wait their turn.
 * Idle instances are stopped after a while, as Lambda reclaims execution environments.
 */
import type { ChildProcess } from 'node:child_process';
import { FunctionInitError, forkWorker, lambdaLogStreamName, WorkerInstance, type InvocationOutcome, type WorkerSpec } from './worker-instance';

export interface PoolInvocation {
  requestId: string;
  payload: string;
  invokedFunctionArn: string;
  clientContext?: string;
  timeoutMs: number;
  /** Called when the invocation has its instance, before the handler runs (Lambda's START line goes there). */
  onStart?(logStream: string): void;
}

export interface PoolOutcome extends InvocationOutcome {
  /** Spawn + init time when this invocation started a new instance. */
  coldStart?: { spawnMs: number; initMs: number };
  /** The log stream of the instance that ran it (of the one that failed to start, for an init error). */
  logStream: string;
}

export interface PoolObserver {
  log(line: string, logStream: string): void;
  coldStart(spawnMs: number, initMs: number): void;
}

export interface PoolStats {
  instances: number;
  busy: number;
  coldStarts: number;
  invocations: number;
}

export class InstancePool {
  private readonly idle: WorkerInstance[] = [];
  private readonly idleTimers = new Map<WorkerInstance, NodeJS.Timeout>();
  private readonly all = new Set<WorkerInstance>();
  private readonly waiting: Array<() => void> = [];
  private busy = 0;
  private coldStarts = 0;
  private invocations = 0;
  private disposed = false;
  private stopped = false;

  constructor(
    private readonly spec: WorkerSpec,
    private readonly maxConcurrency: number,
    private readonly idleTimeoutMs: number,
    private readonly observer: PoolObserver,
    /** How a new instance's process is started (a spare's, spare-workers.ts, or a fork). */
    private readonly spawnWorker: (spec: WorkerSpec) => ChildProcess = forkWorker,
  ) {}

  get stats(): PoolStats {
    return { instances: this.all.size, busy: this.busy, coldStarts: this.coldStarts, invocations: this.invocations };
  }

  async invoke(invocation: PoolInvocation): Promise<PoolOutcome> {
    await this.acquireSlot();
    this.invocations++;
    try {
      if (this.stopped) return retired();
      let instance = this.takeIdle();
      let coldStart: PoolOutcome['coldStart'];
      if (!instance) {
        let initStream = lambdaLogStreamName();
        try {
          instance = await WorkerInstance.start(
            this.spec,
            (line, logStream) => {
              initStream = logStream;
              this.observer.log(line, logStream);
            },
            this.spawnWorker,
          );
        } catch (error) {
          if (!(error instanceof FunctionInitError)) throw error;
          invocation.onStart?.(initStream);
          return { ok: false, payload: JSON.stringify(error.payload), error: error.payload, durationMs: 0, logs: [], instanceLost: true, logStream: initStream };
        }
        if (this.stopped) {
          // The stack stopped while this instance was starting.
          instance.kill();
          return retired();
        }
        this.all.add(instance);
        this.coldStarts++;
        coldStart = { spawnMs: instance.spawnDurationMs, initMs: instance.initDurationMs };
        this.observer.coldStart(coldStart.spawnMs, coldStart.initMs);
      }
      invocation.onStart?.(instance.logStream);
      const outcome = await instance.invoke(
        { requestId: invocation.requestId, payload: invocation.payload, invokedFunctionArn: invocation.invokedFunctionArn, clientContext: invocation.clientContext },
        invocation.timeoutMs,
      );
      if (outcome.instanceLost || !instance.alive || this.disposed) this.discard(instance);
      else this.putIdle(instance);
      return { ...outcome, coldStart, logStream: instance.logStream };
    } finally {
      this.releaseSlot();
    }
  }

  /**
   * Retires the pool: idle instances stop now; busy ones finish their invocation first (the code
   * or configuration changed), unless `killBusy` (the stack stops).
   */
  dispose(options: { killBusy: boolean }): void {
    this.disposed = true;
    this.stopped ||= options.killBusy;
    for (const instance of this.idle) this.discard(instance);
    this.idle.length = 0;
    if (options.killBusy) {
      for (const instance of this.all) instance.kill();
      this.all.clear();
    }
  }

  private acquireSlot(): Promise<void> {
    if (this.busy < this.maxConcurrency) {
      this.busy++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private releaseSlot(): void {
    const next = this.waiting.shift();
    // The slot passes straight to the next waiting invocation.
    if (next) next();
    else this.busy--;
  }

  private takeIdle(): WorkerInstance | undefined {
    while (this.idle.length > 0) {
      const instance = this.idle.pop()!;
      clearTimeout(this.idleTimers.get(instance));
      this.idleTimers.delete(instance);
      if (instance.alive) return instance;
      this.all.delete(instance);
    }
    return undefined;
  }

  private putIdle(instance: WorkerInstance): void {
    this.idle.push(instance);
    const timer = setTimeout(() => {
      const index = this.idle.indexOf(instance);
      if (index >= 0) this.idle.splice(index, 1);
      this.discard(instance);
    }, this.idleTimeoutMs);
    timer.unref();
    this.idleTimers.set(instance, timer);
  }

  private discard(instance: WorkerInstance): void {
    clearTimeout(this.idleTimers.get(instance));
    this.idleTimers.delete(instance);
    this.all.delete(instance);
    instance.kill();
  }
}

/** The error of an invocation that the stack's shutdown overtook. */
export const STACK_STOPPING_ERROR = Object.freeze({ errorType: 'Runtime.Retired', errorMessage: 'The local stack is stopping; the invocation did not run' });

function retired(): PoolOutcome {
  const error = { ...STACK_STOPPING_ERROR };
  return { ok: false, payload: JSON.stringify(error), error, durationMs: 0, logs: [], instanceLost: true, logStream: lambdaLogStreamName() };
}
