import { copyFileSync, mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { AwsError, type EventPublisher, type LogSink, type ObjectStore } from '../../../core/types';
import { runPythonScript, stageExtraPyFiles, type ScriptRun } from '../runtime/python-script';
import { GlueState, type GlueJob, type GlueJobRun, type JobRunState } from './state';

export interface GlueServiceOptions {
  stateDir: string;
  objects: ObjectStore;
  events: EventPublisher;
  /** The stack's endpoint, which scripts reach S3 through (read when a run starts). */
  endpointUrl: () => string;
  region: string;
  python?: string;
  /** CloudWatch Logs: a run's stdout goes to /aws-glue/python-jobs/output, stderr to .../error, stream = the run id. */
  logs?: LogSink;
}

export interface StartJobRunInput {
  jobName: string;
  arguments?: Record<string, string>;
  /** Minutes; the job's own (or Glue's default) when absent. */
  timeout?: number;
}

export interface BatchStopResult {
  SuccessfulSubmissions: Array<{ JobName: string; JobRunId: string }>;
  Errors: Array<{ JobName: string; JobRunId: string; ErrorDetail: { ErrorCode: string; ErrorMessage: string } }>;
}

const DEFAULT_TIMEOUT_MINUTES = 2880;
/** The log group prefix of Python shell jobs (GetJobRun's LogGroupName); `/output` and `/error` below it. */
export const GLUE_LOG_GROUP = '/aws-glue/python-jobs';

/**
 * AWS Glue's model, as far as the pipeline uses it: jobs (created by the deployer), runs that
 * execute the job's Python shell script with the local python3, MaxConcurrentRuns, timeouts, stop,
 * and the `Glue Job State Change` events Glue sends for terminal states.
 */
export class GlueService {
  private readonly state: GlueState;
  private readonly processes = new Map<string, { script: ScriptRun; timer: NodeJS.Timeout; stopping: boolean; timedOut: boolean }>();

  constructor(private readonly options: GlueServiceOptions) {
    this.state = new GlueState(path.join(options.stateDir, 'glue'));
  }

  /** Runs that were active when the stack stopped cannot be resumed: they fail, and say so. */
  async start(): Promise<void> {
    for (const run of this.state.activeRuns()) {
      await this.finish(run.Id, 'FAILED', 'The local stack stopped while this job run was in progress');
    }
  }

  async stop(): Promise<void> {
    const exits = [...this.processes.values()].map((tracked) => {
      tracked.script.kill();
      clearTimeout(tracked.timer);
      return tracked.script.finished;
    });
    this.processes.clear();
    await Promise.all(exits);
  }

  /** For the deployer: create or replace a job definition. */
  putJob(definition: Omit<GlueJob, 'CreatedOn' | 'LastModifiedOn'>): void {
    const now = Date.now() / 1000;
    const existing = this.state.job(definition.Name);
    this.state.putJob({ ...definition, CreatedOn: existing?.CreatedOn ?? now, LastModifiedOn: now });
  }

  deleteJob(name: string): void {
    this.state.deleteJob(name);
  }

  jobs(): GlueJob[] {
    return this.state.jobs();
  }

  run(runId: string): GlueJobRun | undefined {
    return this.state.run(runId);
  }

  /** Runs of a job, newest first; EntityNotFoundException for an unknown job. */
  jobRuns(jobName: string): GlueJobRun[] {
    this.requireJob(jobName);
    return this.state.runsOf(jobName);
  }

  requireJob(name: string): GlueJob {
    const job = this.state.job(name);
    if (!job) throw new AwsError('EntityNotFoundException', `Job ${name} not found`);
    return job;
  }

  /** Starts a run and returns its id; the script runs in the background. */
  startJobRun(input: StartJobRunInput): string {
    const job = this.requireJob(input.jobName);
    const limit = job.ExecutionProperty?.MaxConcurrentRuns ?? 1;
    if (this.state.activeRuns(job.Name).length >= limit) {
      throw new AwsError('ConcurrentRunsExceededException', `Concurrent runs exceeded for ${job.Name}`);
    }
    const now = Date.now() / 1000;
    const id = `jr_${randomBytes(32).toString('hex')}`;
    const run: GlueJobRun = {
      Id: id,
      JobName: job.Name,
      Attempt: 0,
      StartedOn: now,
      LastModifiedOn: now,
      JobRunState: 'RUNNING',
      Arguments: { ...input.arguments },
      Timeout: input.timeout ?? job.Timeout ?? DEFAULT_TIMEOUT_MINUTES,
      MaxCapacity: job.MaxCapacity,
      LogFile: this.state.logFile(id),
    };
    this.state.putRun(run);
    this.launch(job, run).catch((error: Error) => this.finish(id, 'FAILED', error.message));
    return id;
  }

  private async launch(job: GlueJob, run: GlueJobRun): Promise<void> {
    const script = await this.fetchScript(job);
    // --extra-py-files is Glue's, not the script's: the modules it names go on the script's Python path.
    const all: Record<string, string> = { ...job.DefaultArguments, ...run.Arguments, '--JOB_NAME': job.Name, '--JOB_RUN_ID': run.Id };
    const { '--extra-py-files': extraPyFiles, ...args } = all;
    const modules = await stageExtraPyFiles(extraPyFiles, (bucket, key) => this.options.objects.objectPath(bucket, key));
    const scriptRun = runPythonScript({
      python: this.options.python ?? process.env.LOCAL_STACK_PYTHON ?? 'python3',
      script,
      args: Object.entries(args).flatMap(([key, value]) => [key.startsWith('--') ? key : `--${key}`, value]),
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        LANG: process.env.LANG ?? 'C.UTF-8',
        PYTHONUNBUFFERED: '1',
        ...(modules.pythonPath.length > 0 ? { PYTHONPATH: modules.pythonPath.join(path.delimiter) } : {}),
        AWS_ENDPOINT_URL: this.options.endpointUrl(),
        AWS_REGION: this.options.region,
        AWS_DEFAULT_REGION: this.options.region,
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
      },
      logFile: run.LogFile,
      onLine: (output, line) => this.options.logs?.put(`${GLUE_LOG_GROUP}/${output === 'stdout' ? 'output' : 'error'}`, run.Id, line),
    });
    const timer = setTimeout(() => {
      const tracked = this.processes.get(run.Id);
      if (tracked) tracked.timedOut = true;
      scriptRun.kill();
    }, run.Timeout * 60_000);
    timer.unref();
    this.processes.set(run.Id, { script: scriptRun, timer, stopping: false, timedOut: false });
    const outcome = await scriptRun.finished;
    modules.remove();
    const tracked = this.processes.get(run.Id);
    this.processes.delete(run.Id);
    clearTimeout(timer);
    if (!tracked) return; // the stack is shutting down: start() reports the run next time
    if (tracked.stopping) return this.finish(run.Id, 'STOPPED', 'Job run stopped');
    if (outcome.code === 0) return this.finish(run.Id, 'SUCCEEDED', 'Job run succeeded');
    if (tracked.timedOut) {
      return this.finish(run.Id, 'TIMEOUT', `Job run timed out after ${run.Timeout} minutes`);
    }
    const reason = outcome.stderrTail.at(-1) ?? `script exited with code ${outcome.code}`;
    return this.finish(run.Id, 'FAILED', reason);
  }

  /** Copies the job's script out of S3 so tracebacks name a real file. */
  private async fetchScript(job: GlueJob): Promise<string> {
    const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(job.Command.ScriptLocation);
    if (!match) throw new Error(`ScriptLocation ${job.Command.ScriptLocation} is not an s3:// URI`);
    const source = await this.options.objects.objectPath(match[1]!, match[2]!);
    const directory = path.join(this.state.directory, 'scripts');
    mkdirSync(directory, { recursive: true });
    // A job name may hold any character (`/` and `..` included): only a safe form of it names the file.
    const script = path.join(directory, `${job.Name.replace(/[^\w.-]/g, '_').replace(/^\.+/, '_').slice(0, 100)}-${path.posix.basename(match[2]!)}`);
    copyFileSync(source, script);
    return script;
  }

  /** Stops the runs that are running; the others are reported as errors, as BatchStopJobRun does. */
  batchStop(jobName: string, runIds: string[]): BatchStopResult {
    const successful: BatchStopResult['SuccessfulSubmissions'] = [];
    const errors: BatchStopResult['Errors'] = [];
    for (const runId of runIds) {
      const tracked = this.processes.get(runId);
      const run = this.state.run(runId);
      if (!tracked || !run || run.JobName !== jobName) {
        errors.push({ JobName: jobName, JobRunId: runId, ErrorDetail: { ErrorCode: 'InvalidInputException', ErrorMessage: `Job run ${runId} is not running` } });
        continue;
      }
      tracked.stopping = true;
      this.state.updateRun(runId, { JobRunState: 'STOPPING' });
      tracked.script.kill();
      successful.push({ JobName: jobName, JobRunId: runId });
    }
    return { SuccessfulSubmissions: successful, Errors: errors };
  }

  private async finish(runId: string, state: JobRunState, message: string): Promise<void> {
    const now = Date.now() / 1000;
    const run = this.state.run(runId);
    if (!run) return;
    this.state.updateRun(runId, {
      JobRunState: state,
      CompletedOn: now,
      ExecutionTime: Math.round(now - run.StartedOn),
      ErrorMessage: state === 'SUCCEEDED' ? undefined : message,
    });
    await this.options.events.publish({
      source: 'aws.glue',
      'detail-type': 'Glue Job State Change',
      resources: [],
      detail: { jobName: run.JobName, severity: state === 'SUCCEEDED' ? 'INFO' : 'ERROR', state, jobRunId: runId, message },
    });
  }
}

