/**
 * Runs the trainer (trainer-main.ts, bundled once with esbuild) in a child process: forks it,
 * relays its messages and output, and kills it on request.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ScriptBundle } from './script-bundle';
import type { EpochProgress, RunResult, TrainerMessage, TrainerResult, TrainerSpec } from './trainer-protocol';

export interface TrainerObserver {
  /** A line for the job's log: fastText's own output, or the trainer's messages. */
  log(line: string): void;
  progress(progress: EpochProgress): void;
  runComplete(run: RunResult): void;
}

/** The trainer ended without a model: `clientError` when the input is at fault. */
export class TrainerFailure extends Error {
  constructor(
    message: string,
    readonly clientError: boolean,
  ) {
    super(message);
    this.name = 'TrainerFailure';
  }
}

/** node_modules holding the `fasttext` package, for the bundled child to resolve it from anywhere. */
function fastTextModulesDir(): string {
  return dirname(dirname(require.resolve('fasttext/package.json')));
}

export class TrainerProcess {
  private readonly child: ChildProcess;
  private killedBy: string | undefined;
  readonly result: Promise<TrainerResult>;

  private constructor(child: ChildProcess, observer: TrainerObserver) {
    this.child = child;
    this.result = new Promise<TrainerResult>((resolve, reject) => {
      let outcome: TrainerResult | TrainerFailure | undefined;
      const recentOutput: string[] = [];
      const emit = (line: string): void => {
        const trimmed = line.trim();
        if (trimmed === '') return;
        observer.log(trimmed);
        recentOutput.push(trimmed);
        if (recentOutput.length > 5) recentOutput.shift();
      };
      // fastText writes to an unbuffered stderr piece by piece: lines arrive split across chunks.
      const lineSplitter = () => {
        let partial = '';
        return {
          push: (chunk: string): void => {
            const pieces = (partial + chunk).split(/[\r\n]/);
            partial = pieces.pop() ?? '';
            pieces.forEach(emit);
          },
          flush: (): void => {
            emit(partial);
            partial = '';
          },
        };
      };
      const stdout = lineSplitter();
      const stderr = lineSplitter();
      child.stdout?.setEncoding('utf8').on('data', stdout.push);
      child.stderr?.setEncoding('utf8').on('data', stderr.push);
      child.on('message', (message: TrainerMessage) => {
        switch (message.type) {
          case 'log':
            observer.log(message.line);
            break;
          case 'progress':
            observer.progress(message.progress);
            break;
          case 'run-complete':
            observer.runComplete(message.run);
            break;
          case 'done':
            outcome = message.result;
            break;
          case 'failed':
            outcome = new TrainerFailure(message.message, message.clientError);
            break;
        }
      });
      child.on('error', (error) => reject(new TrainerFailure(`could not run the trainer: ${error.message}`, false)));
      // 'close' comes after the output streams have ended, so the last lines are in the log.
      child.on('close', (code, signal) => {
        stdout.flush();
        stderr.flush();
        if (this.killedBy !== undefined) return reject(new TrainerFailure(this.killedBy, false));
        if (outcome instanceof TrainerFailure) return reject(outcome);
        if (outcome !== undefined && code === 0) return resolve(outcome);
        const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        const last = recentOutput.length > 0 ? `: ${recentOutput.join(' | ')}` : '';
        reject(new TrainerFailure(`the training process ${how}${last}`, false));
      });
    });
  }

  /** `environment`: added to the trainer's (the job role's AWS credentials, as SageMaker gives a training container). */
  static async start(bundle: ScriptBundle, spec: TrainerSpec, observer: TrainerObserver, environment: Readonly<Record<string, string>> = {}): Promise<TrainerProcess> {
    const script = await bundle.path();
    const specPath = join(spec.workDir, 'trainer-spec.json');
    await writeFile(specPath, JSON.stringify(spec, null, 2));
    const child = fork(script, [specPath], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: { ...process.env, ...environment, NODE_PATH: fastTextModulesDir() },
      execArgv: [],
    });
    return new TrainerProcess(child, observer);
  }

  /** Kills the child (SIGKILL: fastText cannot be interrupted cleanly); `result` rejects with `reason`. */
  kill(reason: string): void {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.killedBy = reason;
    this.child.kill('SIGKILL');
  }

  get pid(): number | undefined {
    return this.child.pid;
  }
}
