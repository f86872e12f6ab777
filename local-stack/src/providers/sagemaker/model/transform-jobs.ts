/**
 * Batch Transform: the transform jobs, their status machine (InProgress, then Completed, Failed, or
 * Stopping and Stopped), the `SageMaker Transform Job State Change` events, and the run: the job's
 * BlazingText model predicts every record of every input object, and each object's predictions are
 * written to `<object>.out` under the output path (batches.ts).
 *
 * A job predicts as an endpoint does: with the hosting's fastText predictor through the prediction
 * pool, and with the model from the shared ModelCache, so a job on the model an endpoint serves
 * (the champion) loads nothing, and a model is extracted once per artifact however many jobs use it.
 *
 * A job that was in progress when the stack stopped runs again from the start at the next start: its
 * outputs are a function of its input and model, and each is written whole or not at all.
 */
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { LocalStackLogger } from '../../../core/logger';
import { AwsError, type EventPublisher, type LogSink, type ObjectStore } from '../../../core/types';
import { validationException } from '../errors';
import type { PredictionPool } from '../runtime/prediction-pool';
import { assembleOutput, miniBatches, outputKey, PayloadTooLarge, splitRecords, type BatchStrategy, type SplitType } from './batches';
import { publishStateChange, tagMap, TRANSFORM_JOB_STATE_CHANGE } from './events';
import { TRANSFORM_JOBS_LOG_GROUP, transformLogStream } from './job-log';
import { InvalidInvocation, invocationFormat, parseInvocation, renderPredictions, type InvocationFormat } from './invocation-formats';
import type { ModelCache, ModelLease } from './model-cache';
import { readWholeFile } from './model-loader';
import type { Models } from './models';
import { arnFor, parseS3Uri } from './names';
import { RecordStore, type Tag } from './record-store';

export type TransformJobStatus = 'InProgress' | 'Completed' | 'Failed' | 'Stopping' | 'Stopped';

export interface TransformInputConfig {
  DataSource: { S3DataSource: { S3DataType: string; S3Uri: string } };
  ContentType?: string;
  CompressionType?: 'None' | 'Gzip';
  SplitType?: string;
}

export interface TransformOutputConfig {
  S3OutputPath: string;
  Accept?: string;
  AssembleWith?: 'None' | 'Line';
}

/** What CreateTransformJob asks for (validated by the operation). */
export interface NewTransformJob {
  TransformJobName: string;
  ModelName: string;
  BatchStrategy?: BatchStrategy;
  MaxPayloadInMB?: number;
  TransformInput: TransformInputConfig;
  TransformOutput: TransformOutputConfig;
  Tags?: Tag[];
}

export interface TransformJobRecord {
  TransformJobName: string;
  TransformJobArn: string;
  Region: string;
  AccountId: string;
  ModelName: string;
  /** The model's artifact when the job was created (a model deleted later does not affect the job). */
  ModelDataUrl: string;
  /** The request's members DescribeTransformJob echoes (TransformInput, TransformOutput, ...), with the defaults applied. */
  Definition: Record<string, unknown> & { BatchStrategy: BatchStrategy; MaxPayloadInMB: number; TransformInput: TransformInputConfig; TransformOutput: TransformOutputConfig };
  Tags: Tag[];
  TransformJobStatus: TransformJobStatus;
  FailureReason?: string;
  /** Epoch milliseconds. */
  CreationTime: number;
  LastModifiedTime: number;
  TransformStartTime?: number;
  TransformEndTime?: number;
}

/** SageMaker's default payload of one invocation, and BlazingText's limit. */
export const DEFAULT_MAX_PAYLOAD_MB = 6;
export const MAX_PAYLOAD_MB = 100;
const gunzipAsync = promisify(gunzip);

export function describeTransformJob(job: TransformJobRecord, unit: 'seconds' | 'milliseconds'): Record<string, unknown> {
  const time = unit === 'seconds' ? (ms: number) => ms / 1000 : (ms: number) => ms;
  return {
    TransformJobName: job.TransformJobName,
    TransformJobArn: job.TransformJobArn,
    TransformJobStatus: job.TransformJobStatus,
    ...(job.FailureReason !== undefined ? { FailureReason: job.FailureReason } : {}),
    ModelName: job.ModelName,
    ...job.Definition,
    CreationTime: time(job.CreationTime),
    ...(job.TransformStartTime !== undefined ? { TransformStartTime: time(job.TransformStartTime) } : {}),
    ...(job.TransformEndTime !== undefined ? { TransformEndTime: time(job.TransformEndTime) } : {}),
  };
}

interface RunningJob {
  stopRequested: boolean;
  /** The stack is stopping: the job stays InProgress on disk and runs again at the next start. */
  shutdown: boolean;
  finished: Promise<void>;
}

class StopRequested extends Error {}

/** A client error in the job's data (a bad record, a payload too large): the job fails with it. */
class ClientDataError extends Error {}

export interface TransformJobsOptions {
  root: string;
  objects: ObjectStore;
  events: EventPublisher;
  models: Models;
  modelCache: ModelCache;
  pool: PredictionPool;
  logger: LocalStackLogger;
  /** CloudWatch Logs: each run's lines in /aws/sagemaker/TransformJobs, as SageMaker writes them. */
  logs?: LogSink;
  /** Transform jobs allowed to run at once before CreateTransformJob answers ResourceLimitExceeded (default 8). */
  maxConcurrentJobs?: number;
}

export class TransformJobs {
  readonly records: RecordStore<TransformJobRecord>;
  private readonly running = new Map<string, RunningJob>();

  constructor(private readonly options: TransformJobsOptions) {
    this.records = new RecordStore(join(options.root, 'transform-jobs'), (job) => job.TransformJobName, (name, region, accountId) =>
      validationException(`Could not find transform job '${arnFor(region, accountId, 'transform-job', name)}'.`),
    );
  }

  /** Loads the jobs and runs again those that were in progress when the stack stopped. */
  async start(): Promise<void> {
    await this.records.load();
    for (const job of this.records.all()) {
      if (job.TransformJobStatus === 'Stopping') await this.finish(job, 'Stopped');
      else if (job.TransformJobStatus === 'InProgress') this.launch(job);
    }
  }

  /** Interrupts running jobs; they stay InProgress on disk. */
  async stop(): Promise<void> {
    const running = [...this.running.values()];
    for (const job of running) job.shutdown = true;
    await Promise.all(running.map((job) => job.finished.catch(() => undefined)));
  }

  /** Returns the job's ARN; the job runs in the background. */
  async create(request: NewTransformJob, definition: Record<string, unknown>, region: string, accountId: string): Promise<string> {
    const name = request.TransformJobName;
    const arn = arnFor(region, accountId, 'transform-job', name);
    if (this.records.has(name)) {
      throw new AwsError('ResourceInUse', `Transform job names must be unique within an AWS account and region, and a transform job with this name already exists (${arn})`, 400);
    }
    const model = this.options.models.records.require(request.ModelName, region, accountId);
    const active = this.records.all().filter((job) => job.TransformJobStatus === 'InProgress' || job.TransformJobStatus === 'Stopping').length;
    const limit = this.options.maxConcurrentJobs ?? 8;
    if (active >= limit) {
      throw new AwsError(
        'ResourceLimitExceeded',
        `The account-level service limit 'Number of concurrent transform jobs' is ${limit} jobs, with current utilization of ${active} jobs and a request delta of 1 jobs.`,
        400,
      );
    }
    const now = Date.now();
    const job: TransformJobRecord = {
      TransformJobName: name,
      TransformJobArn: arn,
      Region: region,
      AccountId: accountId,
      ModelName: model.ModelName,
      ModelDataUrl: model.PrimaryContainer.ModelDataUrl!,
      Definition: {
        ...definition,
        BatchStrategy: request.BatchStrategy ?? 'MultiRecord',
        MaxPayloadInMB: request.MaxPayloadInMB ?? DEFAULT_MAX_PAYLOAD_MB,
        TransformInput: request.TransformInput,
        TransformOutput: request.TransformOutput,
      },
      Tags: request.Tags ?? [],
      TransformJobStatus: 'InProgress',
      CreationTime: now,
      LastModifiedTime: now,
    };
    await this.records.put(job);
    await this.publish(job);
    this.launch(job);
    return arn;
  }

  /** Stopping a job that has ended is a no-op on SageMaker, as is stopping one twice. */
  async stopJob(name: string, region: string, accountId: string): Promise<void> {
    const job = this.records.require(name, region, accountId);
    if (job.TransformJobStatus !== 'InProgress') return;
    const running = this.running.get(job.TransformJobName.toLowerCase());
    job.TransformJobStatus = 'Stopping';
    job.LastModifiedTime = Date.now();
    await this.records.put(job);
    await this.publish(job);
    if (running) running.stopRequested = true;
    else await this.finish(job, 'Stopped');
  }

  private launch(job: TransformJobRecord): void {
    const key = job.TransformJobName.toLowerCase();
    const running: RunningJob = { stopRequested: false, shutdown: false, finished: Promise.resolve() };
    this.running.set(key, running);
    running.finished = this.run(job, running).finally(() => this.running.delete(key));
  }

  private async run(job: TransformJobRecord, running: RunningJob): Promise<void> {
    const checkStop = (): void => {
      if (running.stopRequested || running.shutdown) throw new StopRequested();
    };
    let lease: ModelLease | undefined;
    const stream = transformLogStream(job.TransformJobName, Date.now());
    const log = (line: string): void => this.options.logs?.put(TRANSFORM_JOBS_LOG_GROUP, stream, line);
    try {
      job.TransformStartTime = Date.now();
      // The workers start in the background (a training job that wrote the model started them already); a batch waits for them.
      this.options.pool.warm();
      const { TransformInput: input, TransformOutput: output } = job.Definition;
      const format = this.format(input.ContentType);
      const source = parseS3Uri(input.DataSource.S3DataSource.S3Uri);
      const destination = parseS3Uri(output.S3OutputPath);
      const [keys, acquired] = await Promise.all([
        this.options.objects.listKeys(source.bucket, source.key).then(
          (all) => all.filter((key) => !key.endsWith('/')),
          (error: unknown) => {
            throw new ClientDataError(`Cannot read the input ${input.DataSource.S3DataSource.S3Uri}: ${(error as Error).message}`);
          },
        ),
        this.options.modelCache.acquire(job.ModelDataUrl).catch((error: unknown) => {
          throw new ClientDataError(`Failed to load model ${job.ModelName}: ${(error as Error).message}`);
        }),
      ]);
      lease = acquired;
      if (keys.length === 0) {
        throw new ClientDataError(
          `No S3 objects found under S3 URL "${input.DataSource.S3DataSource.S3Uri}" given in input data source. Please ensure that the bucket exists in the selected region (${job.Region}), that objects exist under that S3 prefix, and that the role has permissions to read them.`,
        );
      }
      const maxPayloadBytes = (job.Definition.MaxPayloadInMB || MAX_PAYLOAD_MB) * 1024 * 1024;
      log(`Model ${job.ModelName} (${job.ModelDataUrl}); ${keys.length} input object(s) under ${input.DataSource.S3DataSource.S3Uri}; ${job.Definition.BatchStrategy}, up to ${job.Definition.MaxPayloadInMB} MB per request`);
      for (const key of keys) {
        checkStop();
        const { body, records, requests } = await this.transformObject(job, { bucket: source.bucket, key }, format, maxPayloadBytes, lease, checkStop);
        checkStop();
        const target = outputKey(key, source.key, destination.key);
        await this.options.objects.writeObject(destination.bucket, target, Buffer.from(body)).catch((error: unknown) => {
          throw new ClientDataError(`Cannot write the output s3://${destination.bucket}/${target}: ${(error as Error).message}`);
        });
        log(`s3://${source.bucket}/${key}: ${records} record(s) in ${requests} request(s) -> s3://${destination.bucket}/${target}`);
      }
      await this.finish(job, 'Completed');
      log(`Completed in ${((job.TransformEndTime! - job.TransformStartTime) / 1000).toFixed(2)} s`);
    } catch (error) {
      if (running.shutdown && !running.stopRequested) {
        log('Interrupted: the local stack stopped; the job runs again at its next start');
        this.options.logger.info('transform job interrupted by the shutdown; it runs again at the next start', { job: job.TransformJobName });
      } else if (error instanceof StopRequested) {
        await this.finish(job, 'Stopped');
        log('Stopped');
      } else {
        const reason = error instanceof ClientDataError ? `ClientError: ${error.message}` : `InternalServerError: ${(error as Error).message}`;
        await this.finish(job, 'Failed', reason.slice(0, 1024));
        log(`Failed: ${reason}`);
      }
    } finally {
      lease?.release();
    }
  }

  private format(contentType: string | undefined): InvocationFormat {
    try {
      return invocationFormat(contentType);
    } catch (error) {
      throw new ClientDataError((error as Error).message);
    }
  }

  /** One input object's `.out` body: each mini-batch is one invocation of the model. */
  private async transformObject(
    job: TransformJobRecord,
    object: { bucket: string; key: string },
    format: InvocationFormat,
    maxPayloadBytes: number,
    lease: ModelLease,
    checkStop: () => void,
  ): Promise<{ body: string; records: number; requests: number }> {
    const where = `s3://${object.bucket}/${object.key}`;
    const { TransformInput: input, TransformOutput: output } = job.Definition;
    let bytes = await readWholeFile(await this.options.objects.objectPath(object.bucket, object.key));
    if (input.CompressionType === 'Gzip') {
      bytes = await gunzipAsync(bytes).catch((error: unknown) => {
        throw new ClientDataError(`${where} is not gzip data (CompressionType Gzip): ${(error as Error).message}`);
      });
    }
    const records = splitRecords(bytes.toString('utf8'), (input.SplitType ?? 'None') as SplitType);
    let batches: string[][];
    try {
      batches = miniBatches(records, job.Definition.BatchStrategy, maxPayloadBytes, where);
    } catch (error) {
      if (error instanceof PayloadTooLarge) throw new ClientDataError(error.message);
      throw error;
    }
    // Two invocations in flight, as a container with two workers takes them: the next mini-batch is parsed
    // while the prediction workers score the one before.
    const responses: Array<Promise<string>> = [];
    let settled = 0;
    for (const batch of batches) {
      checkStop();
      // A JSON request is one record; JSON Lines records of a mini-batch are one request body.
      const requests = format === 'json' ? batch : [batch.join('\n')];
      for (const request of requests) {
        let items;
        try {
          items = parseInvocation(format, Buffer.from(request));
        } catch (error) {
          if (error instanceof InvalidInvocation) throw new ClientDataError(`${where}: ${error.message}`);
          throw error;
        }
        const response = this.options.pool.predict(lease.modelId, lease.model, items).then((predictions) => renderPredictions(format, predictions));
        response.catch(() => undefined); // awaited below; a failure is not unhandled meanwhile
        responses.push(response);
        if (responses.length - settled >= 2) await responses[settled++];
      }
    }
    return { body: assembleOutput(await Promise.all(responses), output.AssembleWith ?? 'None'), records: records.length, requests: responses.length };
  }

  private async finish(job: TransformJobRecord, status: 'Completed' | 'Failed' | 'Stopped', reason?: string): Promise<void> {
    const now = Date.now();
    job.TransformJobStatus = status;
    job.TransformStartTime ??= now;
    job.TransformEndTime = now;
    job.LastModifiedTime = now;
    if (reason !== undefined) job.FailureReason = reason;
    await this.records.put(job);
    await this.publish(job);
  }

  private async publish(job: TransformJobRecord): Promise<void> {
    await publishStateChange(
      this.options,
      {
        detailType: TRANSFORM_JOB_STATE_CHANGE,
        arn: job.TransformJobArn,
        region: job.Region,
        accountId: job.AccountId,
        detail: { ...describeTransformJob(job, 'milliseconds'), Tags: tagMap(job.Tags) },
      },
      { kind: 'transform job', logContext: { job: job.TransformJobName } },
    );
  }
}
