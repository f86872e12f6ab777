import { copyFileSync, mkdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { dispatchJsonProtocol, type JsonOperationHandler } from '../../core/json-protocol';
import { declareOperations } from '../../core/operations';
import { AwsError, type AwsProtocol, type AwsRequest, type AwsResponse, type EventPublisher, type ObjectStore, type OperationDeclarations, type Provider } from '../../core/types';
import { runPythonScript, type ScriptRun } from './runtime/python-script';
import { GlueState, type GlueJob, type GlueJobRun, type JobRunState } from './model/state';

export interface GlueProviderOptions {
  stateDir: string;
  objects: ObjectStore;
  events: EventPublisher;
  /** The stack's endpoint, which scripts reach S3 through (read when a run starts). */
  endpointUrl: () => string;
  region: string;
  python?: string;
}

type Input = Record<string, unknown>;
const GLUE_TARGET_PREFIX = 'AWSGlue';
const DEFAULT_TIMEOUT_MINUTES = 2880;

/**
 * AWS Glue, as far as the pipeline uses it: jobs (created by the deployer), runs that execute the
 * job's Python shell script with the local python3, MaxConcurrentRuns, timeouts, stop, and the
 * `Glue Job State Change` events Glue sends for terminal states.
 */
export class GlueProvider implements Provider {
  readonly signingNames = ['glue'] as const;
  readonly protocol: AwsProtocol = 'json';
  private readonly state: GlueState;
  readonly operations: OperationDeclarations;
  private readonly handlers: Readonly<Record<string, JsonOperationHandler>>;
  private readonly processes = new Map<string, { script: ScriptRun; timer: NodeJS.Timeout; stopping: boolean; timedOut: boolean }>();

  constructor(private readonly options: GlueProviderOptions) {
    this.state = new GlueState(path.join(options.stateDir, 'glue'));
    this.handlers = this.operationHandlers();
    this.operations = declareOperations(this.handlers, { protocols: ['json'], jsonTargetPrefix: GLUE_TARGET_PREFIX });
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

  handle(request: AwsRequest): Promise<AwsResponse> {
    return dispatchJsonProtocol(request, { targetPrefix: GLUE_TARGET_PREFIX, serviceName: 'Glue', handlers: this.handlers, jsonVersion: '1.1' });
  }

  private operationHandlers(): Record<string, JsonOperationHandler> {
    return {
      GetJob: (input) => ({ Job: this.requireJob(stringField(input, 'JobName')) }),
      GetJobs: () => ({ Jobs: this.state.jobs() }),
      ListJobs: () => ({ JobNames: this.state.jobs().map((job) => job.Name) }),
      StartJobRun: (input) => ({ JobRunId: this.startJobRun(input) }),
      GetJobRun: (input) => {
        const run = this.state.run(stringField(input, 'RunId'));
        if (!run || run.JobName !== stringField(input, 'JobName')) {
          throw new AwsError('EntityNotFoundException', `Job run ${String(input.RunId)} not found`);
        }
        return { JobRun: publicRun(run) };
      },
      GetJobRuns: (input) => {
        this.requireJob(stringField(input, 'JobName'));
        const runs = this.state.runsOf(stringField(input, 'JobName'));
        const start = input.NextToken ? Number(input.NextToken) : 0;
        const size = typeof input.MaxResults === 'number' ? input.MaxResults : 100;
        const page = runs.slice(start, start + size);
        return { JobRuns: page.map(publicRun), NextToken: start + size < runs.length ? String(start + size) : undefined };
      },
      BatchStopJobRun: (input) => this.batchStop(stringField(input, 'JobName'), (input.JobRunIds as string[] | undefined) ?? []),
    };
  }

  private requireJob(name: string): GlueJob {
    const job = this.state.job(name);
    if (!job) throw new AwsError('EntityNotFoundException', `Job ${name} not found`);
    return job;
  }

  private startJobRun(input: Input): string {
    const job = this.requireJob(stringField(input, 'JobName'));
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
      Arguments: { ...(input.Arguments as Record<string, string> | undefined) },
      Timeout: typeof input.Timeout === 'number' ? input.Timeout : (job.Timeout ?? DEFAULT_TIMEOUT_MINUTES),
      MaxCapacity: job.MaxCapacity,
      LogFile: this.state.logFile(id),
    };
    this.state.putRun(run);
    this.launch(job, run).catch((error: Error) => this.finish(id, 'FAILED', error.message));
    return id;
  }

  private async launch(job: GlueJob, run: GlueJobRun): Promise<void> {
    const script = await this.fetchScript(job);
    const args = { ...job.DefaultArguments, ...run.Arguments, '--JOB_NAME': job.Name, '--JOB_RUN_ID': run.Id };
    const scriptRun = runPythonScript({
      python: this.options.python ?? process.env.LOCAL_STACK_PYTHON ?? 'python3',
      script,
      args: Object.entries(args).flatMap(([key, value]) => [key.startsWith('--') ? key : `--${key}`, value]),
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        LANG: process.env.LANG ?? 'C.UTF-8',
        PYTHONUNBUFFERED: '1',
        AWS_ENDPOINT_URL: this.options.endpointUrl(),
        AWS_REGION: this.options.region,
        AWS_DEFAULT_REGION: this.options.region,
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
      },
      logFile: run.LogFile,
    });
    const timer = setTimeout(() => {
      const tracked = this.processes.get(run.Id);
      if (tracked) tracked.timedOut = true;
      scriptRun.kill();
    }, run.Timeout * 60_000);
    timer.unref();
    this.processes.set(run.Id, { script: scriptRun, timer, stopping: false, timedOut: false });
    const outcome = await scriptRun.finished;
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
    const script = path.join(directory, `${job.Name}-${path.posix.basename(match[2]!)}`);
    copyFileSync(source, script);
    return script;
  }

  private batchStop(jobName: string, runIds: string[]) {
    const successful: Array<{ JobName: string; JobRunId: string }> = [];
    const errors: Array<{ JobName: string; JobRunId: string; ErrorDetail: { ErrorCode: string; ErrorMessage: string } }> = [];
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

function stringField(input: Input, name: string): string {
  const value = input[name];
  if (typeof value !== 'string' || value === '') {
    throw new AwsError('InvalidInputException', `${name} is required`);
  }
  return value;
}

function publicRun(run: GlueJobRun): Omit<GlueJobRun, 'LogFile'> & { LogGroupName: string } {
  const { LogFile: _logFile, ...rest } = run;
  return { ...rest, LogGroupName: '/aws-glue/python-jobs' };
}
