import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import type { ChildProcess } from 'node:child_process';
import { WorkerInstance, type WorkerSpec } from './worker-instance';
import type { WorkerToParentMessage } from './protocol';

/**
 * A worker process whose events the test orders. On a busy machine Node can emit a child's 'exit'
 * before the last message or stderr line it wrote (both come from one event-loop poll); those arrive
 * before 'close'. These tests replay that order, which a real child produces only now and then.
 */
class FakeWorker extends EventEmitter {
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  connected = true;
  readonly sent: unknown[] = [];

  send(message: unknown): boolean {
    this.sent.push(message);
    return true;
  }

  kill(): boolean {
    return true;
  }

  message(message: WorkerToParentMessage): void {
    this.emit('message', message);
  }

  async stderrLine(line: string): Promise<void> {
    this.stderr.write(`${line}\n`);
    await new Promise((resolve) => setImmediate(resolve));
  }

  exit(code: number): void {
    this.emit('exit', code, null);
  }

  close(code: number): void {
    this.connected = false;
    this.emit('disconnect');
    this.stdout.end();
    this.stderr.end();
    this.emit('close', code, null);
  }
}

const spec: WorkerSpec = {
  functionName: 'fn',
  runtimeScript: 'worker-main.js',
  execPath: process.execPath,
  taskRoot: '/task',
  handler: 'index.handler',
  environment: {},
  memoryMb: 128,
  initTimeoutMs: 10_000,
};

function startWith(worker: FakeWorker): Promise<WorkerInstance> {
  return WorkerInstance.start(spec, () => undefined, () => worker as unknown as ChildProcess);
}

async function readyInstance(worker: FakeWorker): Promise<WorkerInstance> {
  const starting = startWith(worker);
  worker.message({ type: 'ready', initDurationMs: 5 });
  return starting;
}

describe('WorkerInstance when the exit is reported before the worker\'s last output', () => {
  it('reports the init error the worker sent, not an exit', async () => {
    const worker = new FakeWorker();
    const starting = startWith(worker);
    worker.exit(1);
    worker.message({ type: 'init-error', error: { errorType: 'Runtime.ImportModuleError', errorMessage: "Cannot find module 'missing'" } });
    worker.close(1);
    await expect(starting).rejects.toMatchObject({ payload: { errorType: 'Runtime.ImportModuleError', errorMessage: "Cannot find module 'missing'" } });
  });

  it('reports an exit during init with the stderr lines that came after the exit', async () => {
    const worker = new FakeWorker();
    const starting = startWith(worker);
    worker.exit(7);
    await worker.stderrLine('fatal: cannot start');
    worker.close(7);
    await expect(starting).rejects.toMatchObject({
      payload: { errorType: 'Runtime.ExitError', errorMessage: 'Runtime exited during init with exit status 7: fatal: cannot start' },
    });
  });

  it('answers an invocation with the result the crashing worker sent before exiting', async () => {
    const worker = new FakeWorker();
    const instance = await readyInstance(worker);
    const invoking = instance.invoke({ requestId: 'r1', payload: '{}', invokedFunctionArn: 'arn' }, 5000);
    worker.exit(1);
    expect(instance.alive).toBe(false);
    worker.message({ type: 'result', requestId: 'r1', ok: false, error: { errorType: 'Runtime.UncaughtException', errorMessage: 'boom' }, rssBytes: 1 });
    worker.close(1);
    const outcome = await invoking;
    expect(outcome.error).toEqual({ errorType: 'Runtime.UncaughtException', errorMessage: 'boom' });
    expect(outcome.instanceLost).toBe(true);
  });

  it('names an out-of-memory exit whose report on stderr came after the exit', async () => {
    const worker = new FakeWorker();
    const instance = await readyInstance(worker);
    const invoking = instance.invoke({ requestId: 'r2', payload: '{}', invokedFunctionArn: 'arn' }, 5000);
    worker.exit(134);
    await worker.stderrLine('FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory');
    worker.close(134);
    const outcome = await invoking;
    expect(outcome.error?.errorType).toBe('Runtime.OutOfMemory');
    expect(outcome.instanceLost).toBe(true);
  });

  it('still ends the invocation when the pipes stay open after the exit (a process the handler started holds them)', async () => {
    const worker = new FakeWorker();
    const instance = await readyInstance(worker);
    const invoking = instance.invoke({ requestId: 'r3', payload: '{}', invokedFunctionArn: 'arn' }, 10_000);
    const exitedAt = performance.now();
    worker.exit(1);
    const outcome = await invoking;
    expect(outcome.error?.errorType).toBe('Runtime.ExitError');
    expect(performance.now() - exitedAt).toBeLessThan(5000);
  });
});

describe('WorkerInstance log stream', () => {
  it("gives the worker its stream's name and writes all its output there, the lines read after the exit included", async () => {
    const worker = new FakeWorker();
    const lines: Array<[string, string]> = [];
    let spawned: WorkerSpec | undefined;
    const starting = WorkerInstance.start(spec, (line, logStream) => lines.push([line, logStream]), (given) => {
      spawned = given;
      return worker as unknown as ChildProcess;
    });
    await worker.stderrLine('during init');
    worker.message({ type: 'ready', initDurationMs: 5 });
    const instance = await starting;
    expect(instance.logStream).toMatch(/^\d{4}\/\d{2}\/\d{2}\/\[\$LATEST\][0-9a-f]{32}$/);
    expect(spawned?.environment.AWS_LAMBDA_LOG_STREAM_NAME).toBe(instance.logStream);

    const invoking = instance.invoke({ requestId: 'r4', payload: '{}', invokedFunctionArn: 'arn' }, 5000);
    worker.message({ type: 'log', requestId: 'r4', line: 'from the handler' });
    worker.exit(134);
    await worker.stderrLine('FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory');
    worker.close(134);
    const outcome = await invoking;
    expect(outcome.error?.errorType).toBe('Runtime.OutOfMemory');
    expect(lines).toEqual([
      ['during init', instance.logStream],
      ['from the handler', instance.logStream],
      ['FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory', instance.logStream],
    ]);
  });
});

describe('WorkerInstance output written before the result', () => {
  it("keeps the handler's stdout lines that arrive just after its result in the invocation, before it ends", async () => {
    const worker = new FakeWorker();
    const lines: string[] = [];
    const starting = WorkerInstance.start(spec, (line) => lines.push(line), () => worker as unknown as ChildProcess);
    worker.message({ type: 'ready', initDurationMs: 5 });
    const instance = await starting;
    const invoking = instance.invoke({ requestId: 'r5', payload: '{}', invokedFunctionArn: 'arn' }, 5000);
    // A Powertools record goes to the stdout pipe; the result, sent after it, is read first.
    worker.message({ type: 'result', requestId: 'r5', ok: true, payload: '{"done":true}', rssBytes: 1 });
    worker.stdout.write('{"level":"INFO","message":"written before the result"}\n');
    const outcome = await invoking;
    expect(outcome).toMatchObject({ ok: true, payload: '{"done":true}', logs: ['{"level":"INFO","message":"written before the result"}'] });
    expect(lines).toEqual(['{"level":"INFO","message":"written before the result"}']);
  });
});
