/** What the trainer child process is asked to do, and the messages it sends back over IPC. */
import type { SupervisedSettings } from '../model/hyperparameters';

export interface TrainerSpec {
  trainFile: string;
  validationFile?: string;
  /** Directory for the fastText outputs; the final model is written to `<workDir>/model.bin`. */
  workDir: string;
  settings: SupervisedSettings;
  threads: number;
}

export interface EpochProgress {
  /** The run's target epoch count (with early stopping, each evaluated epoch count is a run). */
  runEpochs: number;
  /** 1-based epoch being trained. */
  epoch: number;
  /** Fraction of the run's training done, 0..1. */
  progress: number;
  /** Words processed per second and per thread, estimated from the bytes fastText has read. */
  wordsPerSecondPerThread: number;
}

export interface RunResult {
  epochs: number;
  seconds: number;
  validationAccuracy?: number;
}

export interface TrainerResult {
  modelFile: string;
  /** Epoch count of the model kept. */
  epochs: number;
  validationAccuracy?: number;
  validationLines?: number;
  /** True when early stopping ended training before `settings.epochs`. */
  stoppedEarly: boolean;
  runs: RunResult[];
  /** Seconds spent inside fastText training (all runs). */
  trainingSeconds: number;
}

export type TrainerMessage =
  | { type: 'log'; line: string }
  | { type: 'progress'; progress: EpochProgress }
  | { type: 'run-complete'; run: RunResult }
  | { type: 'done'; result: TrainerResult }
  /** `clientError`: the input is at fault (reported as ClientError), else an AlgorithmError. */
  | { type: 'failed'; message: string; clientError: boolean };
