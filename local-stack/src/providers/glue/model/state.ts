import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { removeStaleTempFilesSync, writeJsonAtomicSync } from '../../../core/persistence';

export type JobRunState = 'STARTING' | 'RUNNING' | 'STOPPING' | 'STOPPED' | 'SUCCEEDED' | 'FAILED' | 'TIMEOUT' | 'ERROR';
export const ACTIVE_RUN_STATES: readonly JobRunState[] = ['STARTING', 'RUNNING', 'STOPPING'];

export interface GlueJob {
  Name: string;
  Role?: string;
  Command: { Name: string; ScriptLocation: string; PythonVersion?: string };
  DefaultArguments?: Record<string, string>;
  ExecutionProperty?: { MaxConcurrentRuns?: number };
  MaxCapacity?: number;
  /** Minutes. */
  Timeout?: number;
  MaxRetries?: number;
  Description?: string;
  CreatedOn: number;
  LastModifiedOn: number;
}

export interface GlueJobRun {
  Id: string;
  JobName: string;
  Attempt: number;
  StartedOn: number;
  LastModifiedOn: number;
  CompletedOn?: number;
  JobRunState: JobRunState;
  Arguments: Record<string, string>;
  ErrorMessage?: string;
  /** Seconds. */
  ExecutionTime?: number;
  Timeout: number;
  MaxCapacity?: number;
  LogFile: string;
}

interface StoredState {
  jobs: Record<string, GlueJob>;
  runs: Record<string, GlueJobRun>;
}

/** Glue's jobs and runs, kept in one JSON file written atomically on every change. */
export class GlueState {
  private readonly file: string;
  private readonly state: StoredState;

  constructor(readonly directory: string) {
    mkdirSync(path.join(directory, 'logs'), { recursive: true });
    this.file = path.join(directory, 'state.json');
    removeStaleTempFilesSync(directory);
    this.state = GlueState.load(this.file);
  }

  private static load(file: string): StoredState {
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as StoredState;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { jobs: {}, runs: {} };
      throw error;
    }
  }

  private save(): void {
    writeJsonAtomicSync(this.file, this.state);
  }

  job(name: string): GlueJob | undefined {
    return this.state.jobs[name];
  }

  jobs(): GlueJob[] {
    return Object.values(this.state.jobs).sort((a, b) => a.Name.localeCompare(b.Name));
  }

  putJob(job: GlueJob): void {
    this.state.jobs[job.Name] = job;
    this.save();
  }

  deleteJob(name: string): boolean {
    const existed = name in this.state.jobs;
    delete this.state.jobs[name];
    this.save();
    return existed;
  }

  run(id: string): GlueJobRun | undefined {
    return this.state.runs[id];
  }

  /** Runs of a job, newest first (as GetJobRuns returns them). */
  runsOf(jobName: string): GlueJobRun[] {
    return Object.values(this.state.runs)
      .filter((run) => run.JobName === jobName)
      .sort((a, b) => b.StartedOn - a.StartedOn || b.Id.localeCompare(a.Id));
  }

  activeRuns(jobName?: string): GlueJobRun[] {
    return Object.values(this.state.runs).filter(
      (run) => (jobName === undefined || run.JobName === jobName) && ACTIVE_RUN_STATES.includes(run.JobRunState),
    );
  }

  putRun(run: GlueJobRun): void {
    this.state.runs[run.Id] = run;
    this.save();
  }

  updateRun(id: string, changes: Partial<GlueJobRun>): GlueJobRun {
    const run = this.state.runs[id];
    if (!run) throw new Error(`no job run ${id}`);
    Object.assign(run, changes, { LastModifiedOn: Date.now() / 1000 });
    this.save();
    return run;
  }

  logFile(runId: string): string {
    return path.join(this.directory, 'logs', `${runId}.log`);
  }
}
