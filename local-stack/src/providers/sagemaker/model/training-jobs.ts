/**
 * Training jobs: state (persisted per job), the SageMaker status machine (InProgress with secondary
 * statuses Starting, Downloading, Training, Uploading; then Completed, Failed or Stopped), the
 * `SageMaker Training Job State Change` events, and the run itself (local BlazingText in a child
 * process), with StopTrainingJob and MaxRuntimeInSeconds.
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import type { LocalStackLogger } from '../../../core/logger';
import { AwsError, type EventPublisher, type LogSink, type ObjectStore } from '../../../core/types';
import { validationException } from '../errors';
import { tarGzStream } from './artifact';
import { publishStateChange, tagMap, TRAINING_JOB_STATE_CHANGE } from './events';
import { arnFor, isBlazingTextImage, parseS3Uri } from './names';
import { RecordStore, type Tag } from './record-store';
import { checkChannels, stageChannel, type ChannelConfig, type StagedChannel } from './channels';
import { ClientError, parseSupervisedHyperparameters, type SupervisedSettings } from './hyperparameters';
import { JobLog, trainingLogStream } from './job-log';
import { providerBundle, type ScriptBundle } from '../runtime/script-bundle';
import { TrainerFailure, TrainerProcess } from '../runtime/trainer-process';
import type { RunResult, TrainerResult } from '../runtime/trainer-protocol';

export type TrainingJobStatus = 'InProgress' | 'Completed' | 'Failed' | 'Stopping' | 'Stopped';

export interface StatusTransition {
  Status: string;
  StartTime: number;
  EndTime?: number;
  StatusMessage: string;
}

export interface MetricData {
  MetricName: string;
  Value: number;
  Timestamp: number;
}

export interface TrainingJobRecord {
  TrainingJobName: string;
  TrainingJobArn: string;
  Region: string;
  AccountId: string;
  /** The request's members that DescribeTrainingJob echoes (AlgorithmSpecification, RoleArn, ...). */
  Definition: Record<string, unknown>;
  HyperParameters: Record<string, string>;
  Tags: Tag[];
  TrainingJobStatus: TrainingJobStatus;
  SecondaryStatus: string;
  SecondaryStatusTransitions: StatusTransition[];
  FailureReason?: string;
  ModelArtifacts: { S3ModelArtifacts: string };
  FinalMetricDataList?: MetricData[];
  /** Epoch milliseconds. */
  CreationTime: number;
  LastModifiedTime: number;
  TrainingStartTime?: number;
  TrainingEndTime?: number;
  LogFile: string;
}

const MS = 1000;
const seconds = (ms: number): number => ms / MS;

/** DescribeTrainingJob's shape; times in epoch seconds (the API) or milliseconds (event details). */
export function describeTrainingJob(job: TrainingJobRecord, unit: 'seconds' | 'milliseconds'): Record<string, unknown> {
  const time = unit === 'seconds' ? seconds : (ms: number) => ms;
  const ended = job.TrainingEndTime !== undefined && job.TrainingStartTime !== undefined;
  const trainingSeconds = ended ? Math.max(1, Math.ceil((job.TrainingEndTime! - job.TrainingStartTime!) / MS)) : undefined;
  return {
    TrainingJobName: job.TrainingJobName,
    TrainingJobArn: job.TrainingJobArn,
    ModelArtifacts: job.ModelArtifacts,
    TrainingJobStatus: job.TrainingJobStatus,
    SecondaryStatus: job.SecondaryStatus,
    ...(job.FailureReason !== undefined ? { FailureReason: job.FailureReason } : {}),
    HyperParameters: job.HyperParameters,
    ...job.Definition,
    CreationTime: time(job.CreationTime),
    ...(job.TrainingStartTime !== undefined ? { TrainingStartTime: time(job.TrainingStartTime) } : {}),
    ...(job.TrainingEndTime !== undefined ? { TrainingEndTime: time(job.TrainingEndTime) } : {}),
    LastModifiedTime: time(job.LastModifiedTime),
    SecondaryStatusTransitions: job.SecondaryStatusTransitions.map((transition) => ({
      Status: transition.Status,
      StartTime: time(transition.StartTime),
      ...(transition.EndTime !== undefined ? { EndTime: time(transition.EndTime) } : {}),
      StatusMessage: transition.StatusMessage,
    })),
    ...(job.FinalMetricDataList !== undefined
      ? { FinalMetricDataList: job.FinalMetricDataList.map((metric) => ({ ...metric, Timestamp: time(metric.Timestamp) })) }
      : {}),
    ...(trainingSeconds !== undefined ? { TrainingTimeInSeconds: trainingSeconds, BillableTimeInSeconds: trainingSeconds } : {}),
  };
}

interface RunningJob {
  log: JobLog;
  /** The stack is stopping: the job stays InProgress on disk, and the next start fails it. */
  shutdown?: boolean;
  stopReason?: 'Stopped' | 'MaxRuntimeExceeded';
  trainer?: TrainerProcess;
  maxRuntimeTimer?: NodeJS.Timeout;
  finished: Promise<void>;
}

class StopRequested extends Error {}

export interface TrainingJobsOptions {
  root: string;
  objects: ObjectStore;
  events: EventPublisher;
  trainingThreads: number;
  maxConcurrentJobs: number;
  logger: LocalStackLogger;
  /** Keeps the model.bin of each artifact written, so that serving and batch transform need not extract it (the ModelCache). */
  extractedModels?: {
    keepExtracted(modelDataUrl: string, modelBin: string): Promise<void>;
    /** A model is being trained (serving and batch transform get ready for it meanwhile). */
    expectModel?(): void;
  };
  /** CloudWatch Logs, where each job's log also goes (job-log.ts). */
  logs?: LogSink;
}

function artifactLocation(outputPath: string, jobName: string): { bucket: string; key: string; uri: string } {
  const { bucket, key: prefix } = parseS3Uri(outputPath);
  const base = prefix === '' ? '' : `${prefix.replace(/\/+$/, '')}/`;
  const key = `${base}${jobName}/output/model.tar.gz`;
  return { bucket, key, uri: `s3://${bucket}/${key}` };
}

function failureReason(error: unknown): string {
  if (error instanceof ClientError) return error.failureReason;
  if (error instanceof TrainerFailure) return `${error.clientError ? 'ClientError' : 'AlgorithmError'}: ${error.message}`;
  return `InternalServerError: ${(error as Error).message ?? String(error)}`;
}

/** What CreateTrainingJob asks for (the members the job runs with). */
export interface NewTrainingJob {
  TrainingJobName: string;
  AlgorithmSpecification: { TrainingImage?: string };
  HyperParameters?: Record<string, string>;
  StoppingCondition: { MaxRuntimeInSeconds?: number };
  OutputDataConfig: { S3OutputPath: string };
  Tags?: Tag[];
}

export class TrainingJobs {
  readonly records: RecordStore<TrainingJobRecord>;
  private readonly running = new Map<string, RunningJob>();
  private readonly bundle: ScriptBundle;

  constructor(private readonly options: TrainingJobsOptions) {
    this.records = new RecordStore(join(options.root, 'training-jobs'), (job) => job.TrainingJobName, () => validationException('Requested resource not found.'));
    this.bundle = providerBundle('runtime/trainer-main', join(options.root, 'runtime'));
  }

  /** Loads the jobs; a job that was running when the stack stopped cannot resume, so it fails and says so. */
  async start(): Promise<void> {
    await this.records.load();
    for (const job of this.records.all()) {
      if (job.TrainingJobStatus !== 'InProgress' && job.TrainingJobStatus !== 'Stopping') continue;
      const reason =
        'InternalServerError: The local stack stopped while this training job was in progress; training jobs do not resume after a restart';
      const log = this.jobLog(job);
      log.write(reason);
      await log.close();
      await this.finish(job, 'Failed', 'Failed', { reason });
      await rm(this.workDir(job.TrainingJobName), { recursive: true, force: true });
    }
  }

  /**
   * Kills running trainers. Their jobs stay InProgress on disk and are failed by the next start,
   * when the event bus is up again to carry the state change.
   */
  async stop(): Promise<void> {
    const running = [...this.running.values()];
    for (const job of running) {
      job.shutdown = true;
      clearTimeout(job.maxRuntimeTimer);
      job.trainer?.kill('the local stack is shutting down');
    }
    await Promise.all(running.map((job) => job.finished.catch(() => undefined)));
  }

  private jobLog(job: TrainingJobRecord): JobLog {
    return new JobLog(job.LogFile, this.options.logs && { logs: this.options.logs, stream: trainingLogStream(job.TrainingJobName, job.CreationTime) });
  }

  logPath(name: string): string {
    return join(this.options.root, 'logs', `${name.toLowerCase()}.log`);
  }

  /** The job's log (what CloudWatch Logs would show), or undefined for an unknown job. */
  async readLog(name: string): Promise<string | undefined> {
    const job = this.records.get(name);
    if (!job) return undefined;
    return readFile(job.LogFile, 'utf8').catch(() => '');
  }

  /** Starts the job (in the background) and returns its ARN; `definition`: the members DescribeTrainingJob echoes. */
  async create(request: NewTrainingJob, definition: Record<string, unknown>, region: string, accountId: string): Promise<string> {
    const name = request.TrainingJobName;
    const arn = arnFor(region, accountId, 'training-job', name);
    if (this.records.has(name)) {
      throw validationException(
        `Training job names must be unique within an AWS account and region, and a training job with this name already exists (${arn})`,
      );
    }
    const image = request.AlgorithmSpecification.TrainingImage;
    if (image === undefined) {
      throw validationException('AlgorithmSpecification.TrainingImage is required: the local stack runs BlazingText images only (no AlgorithmName)');
    }
    if (!isBlazingTextImage(image)) {
      throw validationException(
        `Training image ${image} is not supported by the local stack: only BlazingText images (repository "blazingtext", e.g. 811284229777.dkr.ecr.${region}.amazonaws.com/blazingtext:1) can run locally`,
      );
    }
    const active = this.records.all().filter((job) => job.TrainingJobStatus === 'InProgress' || job.TrainingJobStatus === 'Stopping').length;
    if (active >= this.options.maxConcurrentJobs) {
      throw new AwsError(
        'ResourceLimitExceeded',
        `The account-level service limit 'Number of concurrent training jobs' is ${this.options.maxConcurrentJobs} jobs, with current utilization of ${active} jobs and a request delta of 1 jobs.`,
        400,
      );
    }

    const now = Date.now();
    const job: TrainingJobRecord = {
      TrainingJobName: name,
      TrainingJobArn: arn,
      Region: region,
      AccountId: accountId,
      Definition: definition,
      HyperParameters: request.HyperParameters ?? {},
      Tags: request.Tags ?? [],
      TrainingJobStatus: 'InProgress',
      SecondaryStatus: 'Starting',
      SecondaryStatusTransitions: [{ Status: 'Starting', StartTime: now, StatusMessage: 'Preparing the instances for training' }],
      ModelArtifacts: { S3ModelArtifacts: artifactLocation(request.OutputDataConfig.S3OutputPath, name).uri },
      CreationTime: now,
      LastModifiedTime: now,
      LogFile: this.logPath(name),
    };
    await this.records.put(job);
    await this.publish(job);

    const log = this.jobLog(job);
    log.write(`Training job ${name} created (image ${image})`);
    const running: RunningJob = { log, finished: Promise.resolve() };
    const maxRuntime = request.StoppingCondition.MaxRuntimeInSeconds;
    if (maxRuntime !== undefined) {
      running.maxRuntimeTimer = setTimeout(() => void this.requestStop(job, 'MaxRuntimeExceeded'), maxRuntime * MS);
    }
    this.running.set(name.toLowerCase(), running);
    running.finished = this.run(job, running);
    return arn;
  }

  /** StopTrainingJob: a job already stopping is left as it is. */
  async stopTrainingJob(name: string): Promise<void> {
    const job = this.records.get(name);
    if (!job) throw new AwsError('ResourceNotFound', 'Requested resource not found.', 400);
    if (job.TrainingJobStatus === 'Stopping') return;
    if (job.TrainingJobStatus !== 'InProgress') {
      throw validationException(`The request was rejected because the training job is in status ${job.TrainingJobStatus}.`);
    }
    await this.requestStop(job, 'Stopped');
  }

  private workDir(name: string): string {
    return join(this.options.root, 'jobs', name.toLowerCase());
  }

  private async requestStop(job: TrainingJobRecord, reason: 'Stopped' | 'MaxRuntimeExceeded'): Promise<void> {
    const running = this.running.get(job.TrainingJobName.toLowerCase());
    if (!running || running.stopReason !== undefined) return;
    running.stopReason = reason;
    const message =
      reason === 'MaxRuntimeExceeded'
        ? `Training job exceeded MaxRuntimeInSeconds (${this.maxRuntime(job)} s): stopping`
        : 'Stopping the training job';
    running.log.write(message);
    job.TrainingJobStatus = 'Stopping';
    await this.transition(job, 'Stopping', message);
    running.trainer?.kill(message);
  }

  private maxRuntime(job: TrainingJobRecord): number | undefined {
    return (job.Definition.StoppingCondition as { MaxRuntimeInSeconds?: number } | undefined)?.MaxRuntimeInSeconds;
  }

  private async run(job: TrainingJobRecord, running: RunningJob): Promise<void> {
    const { log } = running;
    const workDir = this.workDir(job.TrainingJobName);
    const checkStop = (): void => {
      if (running.stopReason !== undefined || running.shutdown) throw new StopRequested();
    };
    try {
      const channels = (job.Definition.InputDataConfig ?? []) as ChannelConfig[];
      const inputMode = (job.Definition.AlgorithmSpecification as { TrainingInputMode: string }).TrainingInputMode;
      checkChannels(channels, inputMode);
      const settings = parseSupervisedHyperparameters(job.HyperParameters, channels.some((c) => c.ChannelName === 'validation'));
      this.checkMemory(settings);
      const output = artifactLocation((job.Definition.OutputDataConfig as { S3OutputPath: string }).S3OutputPath, job.TrainingJobName);
      await this.options.objects.listKeys(output.bucket, output.key).catch((error: unknown) => {
        throw new ClientError(`Cannot write the model to ${output.uri}: ${(error as Error).message}`);
      });
      checkStop();

      job.TrainingStartTime = Date.now();
      this.options.extractedModels?.expectModel?.();
      await this.transition(job, 'Downloading', 'Downloading input data');
      await rm(workDir, { recursive: true, force: true });
      const staged: StagedChannel[] = [];
      for (const channel of channels) {
        const result = await stageChannel(this.options.objects, channel, join(workDir, 'input', 'data'));
        log.write(`Channel ${result.name}: ${result.objects} object(s), ${result.bytes} bytes from ${channel.DataSource.S3DataSource?.S3Uri}`);
        staged.push(result);
        checkStop();
      }

      await this.transition(job, 'Training', 'Training image download completed. Training in progress.');
      const modelDir = join(workDir, 'model');
      await mkdir(modelDir, { recursive: true });
      const result = await this.train(job, running, settings, staged, modelDir);
      checkStop();

      await this.transition(job, 'Uploading', 'Uploading generated training model');
      await this.options.objects.writeObject(output.bucket, output.key, await tarGzStream([{ name: 'model.bin', path: result.modelFile }]));
      log.write(`Model artifact written to ${output.uri}`);
      await this.options.extractedModels?.keepExtracted(output.uri, result.modelFile).catch((error: unknown) => {
        this.options.logger.warn('could not keep the extracted model; it is extracted when first served', { job: job.TrainingJobName, error: String(error) });
      });
      const metrics: MetricData[] =
        result.validationAccuracy !== undefined
          ? [{ MetricName: 'validation:accuracy', Value: result.validationAccuracy, Timestamp: Date.now() }]
          : [];
      await this.finish(job, 'Completed', 'Completed', { metrics });
    } catch (error) {
      if (running.shutdown) {
        log.write('The local stack is shutting down: training interrupted');
      } else if (running.stopReason !== undefined) {
        const message =
          running.stopReason === 'MaxRuntimeExceeded'
            ? `Training job stopped: it exceeded MaxRuntimeInSeconds (${this.maxRuntime(job)} s)`
            : 'Training job stopped';
        await this.finish(job, 'Stopped', running.stopReason, {
          message,
          ...(running.stopReason === 'MaxRuntimeExceeded' ? { reason: `MaxRuntimeExceeded: ${message}` } : {}),
        });
      } else {
        await this.finish(job, 'Failed', 'Failed', { reason: failureReason(error) });
      }
    } finally {
      clearTimeout(running.maxRuntimeTimer);
      this.running.delete(job.TrainingJobName.toLowerCase());
      await rm(workDir, { recursive: true, force: true }).catch(() => undefined);
      await log.close();
    }
  }

  private async train(
    job: TrainingJobRecord,
    running: RunningJob,
    settings: SupervisedSettings,
    channels: readonly StagedChannel[],
    modelDir: string,
  ): Promise<TrainerResult> {
    const { log } = running;
    const validation = channels.find((channel) => channel.name === 'validation');
    let lastLoss: string | undefined;
    // fastText prints each run's final loss on stderr while the trainer reports the run over IPC:
    // nothing orders the two channels, so a run's summary line waits for both.
    const finalLosses: string[] = [];
    const completedRuns: RunResult[] = [];
    const reportRuns = (flushAll: boolean): void => {
      while (completedRuns.length > 0 && (finalLosses.length > 0 || flushAll)) {
        const run = completedRuns.shift()!;
        const loss = finalLosses.shift();
        const accuracy = run.validationAccuracy !== undefined ? `, validation accuracy ${run.validationAccuracy.toFixed(4)}` : '';
        log.write(`#epochs ${run.epochs}: trained in ${run.seconds.toFixed(2)} s${loss !== undefined ? `, loss ${loss}` : ''}${accuracy}`);
      }
    };
    const trainer = await TrainerProcess.start(
      this.bundle,
      {
        trainFile: channels.find((channel) => channel.name === 'train')!.file,
        ...(validation ? { validationFile: validation.file } : {}),
        workDir: modelDir,
        settings,
        threads: this.options.trainingThreads,
      },
      {
        log: (line) => {
          log.write(line);
          lastLoss = /loss:\s*([\d.]+)/.exec(line)?.[1] ?? lastLoss;
          const finalLoss = /Progress: 100\.0%.*loss:\s*([\d.]+)/.exec(line)?.[1];
          if (finalLoss !== undefined) {
            finalLosses.push(finalLoss);
            reportRuns(false);
          }
        },
        progress: (progress) => {
          const line =
            `Epoch ${progress.epoch}/${progress.runEpochs}: ${(progress.progress * 100).toFixed(1)}% of the run, ` +
            `~${progress.wordsPerSecondPerThread} words/sec/thread${lastLoss !== undefined ? `, last loss ${lastLoss}` : ''}`;
          log.write(line);
          // DescribeTrainingJob's StatusMessage: what the console and the terminal show as the epoch progress.
          void this.updateStatusMessage(
            job,
            `Training: epoch ${progress.epoch}/${progress.runEpochs}${lastLoss !== undefined ? `, loss ${lastLoss}` : ''}, ~${progress.wordsPerSecondPerThread} words/sec/thread`,
          );
        },
        runComplete: (run) => {
          completedRuns.push(run);
          reportRuns(false);
        },
      },
    );
    running.trainer = trainer;
    if (running.stopReason !== undefined) trainer.kill('stop requested');
    let result: TrainerResult;
    try {
      result = await trainer.result;
    } finally {
      reportRuns(true);
    }
    log.write(
      `Training finished: ${result.epochs} epoch(s) kept${result.stoppedEarly ? ' (early stopping)' : ''}, ${result.trainingSeconds.toFixed(2)} s in fastText` +
        (result.validationAccuracy !== undefined ? `, #validation_accuracy: ${result.validationAccuracy.toFixed(4)} on ${result.validationLines} lines` : ''),
    );
    return result;
  }

  /** fastText allocates (words + buckets) x vector_dim floats up front; refuse what cannot fit. */
  private checkMemory(settings: SupervisedSettings): void {
    const bytes = settings.buckets * settings.vectorDim * 4;
    const limit = totalmem() / 2;
    if (bytes > limit) {
      throw new ClientError(
        `buckets x vector_dim (${settings.buckets} x ${settings.vectorDim}) needs ${(bytes / 2 ** 30).toFixed(1)} GiB of memory, more than this machine can give (${(limit / 2 ** 30).toFixed(1)} GiB)`,
      );
    }
  }

  private async updateStatusMessage(job: TrainingJobRecord, message: string): Promise<void> {
    const current = job.SecondaryStatusTransitions[job.SecondaryStatusTransitions.length - 1];
    if (!current || current.Status !== 'Training') return;
    current.StatusMessage = message;
    await this.records.put(job);
  }

  private async transition(job: TrainingJobRecord, status: string, message: string): Promise<void> {
    const now = Date.now();
    const current = job.SecondaryStatusTransitions[job.SecondaryStatusTransitions.length - 1];
    if (current && current.EndTime === undefined) current.EndTime = now;
    job.SecondaryStatusTransitions.push({ Status: status, StartTime: now, StatusMessage: message });
    job.SecondaryStatus = status;
    job.LastModifiedTime = now;
    this.running.get(job.TrainingJobName.toLowerCase())?.log.write(`${status}: ${message}`);
    await this.records.put(job);
    await this.publish(job);
  }

  private async finish(
    job: TrainingJobRecord,
    status: 'Completed' | 'Failed' | 'Stopped',
    secondary: string,
    outcome: { reason?: string; message?: string; metrics?: MetricData[] },
  ): Promise<void> {
    const now = Date.now();
    job.TrainingJobStatus = status;
    job.TrainingEndTime = now;
    job.TrainingStartTime ??= now;
    if (outcome.reason !== undefined) job.FailureReason = outcome.reason;
    if (outcome.metrics !== undefined) job.FinalMetricDataList = outcome.metrics;
    const message = outcome.message ?? (status === 'Completed' ? 'Training job completed' : (outcome.reason ?? status));
    const current = job.SecondaryStatusTransitions[job.SecondaryStatusTransitions.length - 1];
    if (current && current.EndTime === undefined) current.EndTime = now;
    job.SecondaryStatusTransitions.push({ Status: secondary, StartTime: now, EndTime: now, StatusMessage: message });
    job.SecondaryStatus = secondary;
    job.LastModifiedTime = now;
    this.running.get(job.TrainingJobName.toLowerCase())?.log.write(`${status}: ${message}`);
    await this.records.put(job);
    await this.publish(job);
  }

  private async publish(job: TrainingJobRecord): Promise<void> {
    await publishStateChange(
      this.options,
      {
        detailType: TRAINING_JOB_STATE_CHANGE,
        arn: job.TrainingJobArn,
        region: job.Region,
        accountId: job.AccountId,
        detail: { ...describeTrainingJob(job, 'milliseconds'), Tags: tagMap(job.Tags) },
      },
      { kind: 'training job', logContext: { job: job.TrainingJobName } },
    );
  }
}
