import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { SpareWorkers, type SpareSpec } from './spare-workers';
import type { WorkerSpec } from './worker-instance';

/** A child process as far as SpareWorkers looks at one. */
class FakeChild extends EventEmitter {
  static pids = 100;
  readonly pid = FakeChild.pids++;
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly sent: unknown[] = [];
  exitCode: number | null = null;
  signalCode: NodeJS.Signals | null = null;
  connected = true;

  send(message: unknown): boolean {
    this.sent.push(message);
    return true;
  }

  kill(signal: NodeJS.Signals): boolean {
    this.signalCode = signal;
    this.connected = false;
    this.emit('exit', null, signal);
    return true;
  }
}

const spec = (overrides: Partial<WorkerSpec> = {}): WorkerSpec => ({
  functionName: 'fn',
  runtimeScript: '/stack/runtime/worker.mjs',
  execPath: '/node24/bin/node',
  taskRoot: '/code/fn',
  handler: 'index.handler',
  environment: { PATH: '/usr/bin', TZ: ':UTC', SECRET: 'of-fn', AWS_LAMBDA_FUNCTION_NAME: 'fn' },
  memoryMb: 1024,
  initTimeoutMs: 10_000,
  ...overrides,
});

function harness() {
  const forkedSpares: Array<{ spare: SpareSpec; child: FakeChild }> = [];
  const spares = new SpareWorkers((spare) => {
    const child = new FakeChild();
    forkedSpares.push({ spare, child });
    return child as unknown as ChildProcess;
  });
  const forked: WorkerSpec[] = [];
  const forkWorker = (worker: WorkerSpec): ChildProcess => {
    forked.push(worker);
    return new FakeChild() as unknown as ChildProcess;
  };
  return { spares, forkedSpares, forked, forkWorker };
}

describe('SpareWorkers', () => {
  it("starts a spare with only what Node.js reads at its start, and gives it the function's whole environment when taken", () => {
    const { spares, forkedSpares, forked, forkWorker } = harness();
    spares.prepare(spec());
    spares.prepare(spec({ functionName: 'other', taskRoot: '/code/other' }));
    expect(forkedSpares).toHaveLength(1);
    expect(forkedSpares[0]!.spare).toEqual({ runtimeScript: '/stack/runtime/worker.mjs', execPath: '/node24/bin/node', memoryMb: 1024, environment: { PATH: '/usr/bin', TZ: ':UTC' } });

    const taken = spares.take(spec(), forkWorker) as unknown as FakeChild;
    expect(taken).toBe(forkedSpares[0]!.child);
    expect(forked).toEqual([]);
    expect(taken.sent).toEqual([{ type: 'init', taskRoot: '/code/fn', handler: 'index.handler', environment: spec().environment }]);
    expect(spares.pids).toEqual([]);
    // Replaced once the taken one has loaded its function.
    taken.emit('message', { type: 'ready', initDurationMs: 1 });
    expect(spares.pids).toEqual([forkedSpares[1]!.child.pid]);
  });

  it('forks afresh for a function its spare could not be: another heap cap, runtime or start-time variable', () => {
    const { spares, forkedSpares, forked, forkWorker } = harness();
    spares.prepare(spec());
    const others = [spec({ memoryMb: 256 }), spec({ execPath: '/node22/bin/node' }), spec({ environment: { ...spec().environment, NODE_OPTIONS: '--enable-source-maps' } })];
    for (const other of others) expect(spares.take(other, forkWorker)).not.toBe(forkedSpares[0]!.child);
    expect(forked).toEqual(others);
    // Variables Node.js does not read at its start do not matter.
    expect(spares.take(spec({ environment: { ...spec().environment, SECRET: 'another' } }), forkWorker)).toBe(forkedSpares[0]!.child);
  });

  it('never hands out a spare that has exited, and kills the waiting ones when the stack stops', () => {
    const { spares, forkedSpares, forked, forkWorker } = harness();
    spares.prepare(spec());
    forkedSpares[0]!.child.exitCode = 1;
    forkedSpares[0]!.child.emit('exit', 1, null);
    spares.take(spec(), forkWorker);
    expect(forked).toHaveLength(1);

    spares.prepare(spec());
    const waiting = forkedSpares[1]!.child;
    spares.stop();
    expect(waiting.signalCode).toBe('SIGKILL');
    spares.prepare(spec());
    expect(forkedSpares).toHaveLength(2);
  });
});
