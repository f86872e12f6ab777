/**
 * The AWS API calls the console makes, each turned into the plain records of ./model. Read-only but for
 * the upload (s3:PutObject under incoming/) and InvokeEndpoint. Every call goes through the SDK clients
 * given, so the same code runs in the browser (same-origin endpoint), in Node against the local stack, and
 * against AWS.
 */
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { GetJobRunCommand, GetJobRunsCommand, type GlueClient, type JobRun } from '@aws-sdk/client-glue';
import {
  DescribeEndpointCommand,
  DescribeTrainingJobCommand,
  ListEndpointConfigsCommand,
  ListTagsCommand,
  ListTrainingJobsCommand,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import type { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { archivedNotificationProblem, parseNotificationArchiveKey, type ArchivedNotification } from '../../../shared/src/notification-archive';
import type {
  EmailRecord,
  EndpointConfigRecord,
  EndpointRecord,
  EvaluationReport,
  GlueRunRecord,
  NotificationRef,
  ObjectRecord,
  RejectionReport,
  TrainingJobDetail,
  TrainingJobRecord,
} from './model';
import { parseEpochProgress } from './reconstruct';

export interface PipelineClients {
  s3: S3Client;
  glue: GlueClient;
  sagemaker: SageMakerClient;
  runtime: SageMakerRuntimeClient;
}

/** An object that exists but is not what it should be (not JSON, another shape): reading it again will not help. */
export class UnreadableObject extends Error {
  override name = 'UnreadableObject';
}

const notFound = (error: unknown): boolean => {
  const { name, $metadata } = (error ?? {}) as { name?: string; $metadata?: { httpStatusCode?: number } };
  return name === 'NoSuchKey' || name === 'NotFound' || name === 'EntityNotFoundException' || $metadata?.httpStatusCode === 404;
};

/** SageMaker answers a missing endpoint with a ValidationException ("Could not find endpoint ..."). */
const missingSageMakerResource = (error: unknown): boolean => {
  const { name, message } = (error ?? {}) as { name?: string; message?: string };
  return name === 'ResourceNotFound' || (name === 'ValidationException' && /could not find|not found/i.test(message ?? ''));
};

function glueRecord(run: JobRun): GlueRunRecord {
  return {
    jobRunId: run.Id ?? '',
    runId: run.Arguments?.['--run_id'] ?? run.Id ?? '',
    state: run.JobRunState ?? 'UNKNOWN',
    startedOn: run.StartedOn,
    completedOn: run.CompletedOn,
    executionTime: run.ExecutionTime,
    errorMessage: run.ErrorMessage,
    outputUri: run.Arguments?.['--output_uri'],
  };
}

/** The job's runs, newest first: all of them, or the first `limit`. */
export async function listGlueRuns(clients: PipelineClients, jobName: string, limit?: number): Promise<GlueRunRecord[]> {
  try {
    return await collectPages(limit, async (token) => {
      const page = await clients.glue.send(new GetJobRunsCommand({ JobName: jobName, MaxResults: Math.min(200, limit ?? 200), NextToken: token }));
      return { items: (page.JobRuns ?? []).map(glueRecord), token: page.NextToken };
    });
  } catch (error) {
    if (notFound(error)) return [];
    throw error;
  }
}

export async function getGlueRun(clients: PipelineClients, jobName: string, jobRunId: string): Promise<GlueRunRecord | undefined> {
  try {
    const { JobRun } = await clients.glue.send(new GetJobRunCommand({ JobName: jobName, RunId: jobRunId }));
    return JobRun && glueRecord(JobRun);
  } catch (error) {
    if (notFound(error)) return undefined;
    throw error;
  }
}

/** The stage's training jobs, newest first: all of them, or the first `limit`. */
export async function listTrainingJobs(clients: PipelineClients, prefix: string, limit?: number): Promise<TrainingJobRecord[]> {
  return collectPages(limit, async (token) => {
    const page = await clients.sagemaker.send(
      new ListTrainingJobsCommand({ NameContains: prefix, SortBy: 'CreationTime', SortOrder: 'Descending', MaxResults: Math.min(100, limit ?? 100), NextToken: token }),
    );
    const items = (page.TrainingJobSummaries ?? [])
      .filter((job) => job.TrainingJobName?.startsWith(prefix))
      .map((job) => ({
        name: job.TrainingJobName!,
        status: job.TrainingJobStatus ?? 'Unknown',
        secondaryStatus: job.SecondaryStatus,
        createdAt: job.CreationTime,
        endedAt: job.TrainingEndTime,
        lastModifiedAt: job.LastModifiedTime,
      }));
    return { items, token: page.NextToken };
  });
}

export async function describeTrainingJob(clients: PipelineClients, name: string, withTags = false): Promise<TrainingJobDetail | undefined> {
  let job;
  try {
    job = await clients.sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: name }));
  } catch (error) {
    if (missingSageMakerResource(error)) return undefined;
    throw error;
  }
  const transitions = (job.SecondaryStatusTransitions ?? []).map((transition) => ({
    status: transition.Status ?? '',
    startedAt: transition.StartTime,
    endedAt: transition.EndTime,
    message: transition.StatusMessage,
  }));
  const statusMessage = transitions.at(-1)?.message;
  const epochs = job.TrainingJobStatus === 'InProgress' ? parseEpochProgress(statusMessage) : undefined;
  let tags: Record<string, string> | undefined;
  if (withTags && job.TrainingJobArn) {
    const { Tags } = await clients.sagemaker.send(new ListTagsCommand({ ResourceArn: job.TrainingJobArn }));
    tags = Object.fromEntries((Tags ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? '']));
  }
  return {
    name,
    status: job.TrainingJobStatus ?? 'Unknown',
    secondaryStatus: job.SecondaryStatus,
    createdAt: job.CreationTime,
    startedAt: job.TrainingStartTime,
    endedAt: job.TrainingEndTime,
    lastModifiedAt: job.LastModifiedTime,
    failureReason: job.FailureReason,
    statusMessage,
    ...(epochs && statusMessage ? { progress: { ...epochs, message: statusMessage } } : {}),
    hyperParameters: job.HyperParameters ?? {},
    metrics: (job.FinalMetricDataList ?? []).map((metric) => ({ name: metric.MetricName ?? '', value: metric.Value ?? NaN, at: metric.Timestamp })),
    transitions,
    modelArtifact: job.ModelArtifacts?.S3ModelArtifacts,
    instanceType: job.ResourceConfig?.InstanceType,
    instanceCount: job.ResourceConfig?.InstanceCount,
    trainingSeconds: job.TrainingTimeInSeconds,
    billableSeconds: job.BillableTimeInSeconds,
    ...(tags ? { tags } : {}),
  };
}

/** The endpoint, or undefined when it does not exist (yet). */
export async function describeEndpoint(clients: PipelineClients, name: string): Promise<EndpointRecord | undefined> {
  try {
    const endpoint = await clients.sagemaker.send(new DescribeEndpointCommand({ EndpointName: name }));
    return {
      name,
      status: endpoint.EndpointStatus ?? 'Unknown',
      configName: endpoint.EndpointConfigName,
      pendingConfigName: endpoint.PendingDeploymentSummary?.EndpointConfigName,
      failureReason: endpoint.FailureReason,
      createdAt: endpoint.CreationTime,
      lastModifiedAt: endpoint.LastModifiedTime,
    };
  } catch (error) {
    if (missingSageMakerResource(error)) return undefined;
    throw error;
  }
}

export async function listEndpointConfigs(clients: PipelineClients, prefix: string, limit?: number): Promise<EndpointConfigRecord[]> {
  return collectPages(limit, async (token) => {
    const page = await clients.sagemaker.send(
      new ListEndpointConfigsCommand({ NameContains: prefix, SortBy: 'CreationTime', SortOrder: 'Descending', MaxResults: Math.min(100, limit ?? 100), NextToken: token }),
    );
    const items = (page.EndpointConfigs ?? [])
      .filter((config) => config.EndpointConfigName?.startsWith(prefix))
      .map((config) => ({ name: config.EndpointConfigName!, createdAt: config.CreationTime }));
    return { items, token: page.NextToken };
  });
}

/** Pages of a listing in order until there are no more or `limit` items have been read (the last page is kept whole). */
async function collectPages<T>(limit: number | undefined, page: (token: string | undefined) => Promise<{ items: T[]; token?: string }>): Promise<T[]> {
  const items: T[] = [];
  let token: string | undefined;
  do {
    const next = await page(token);
    items.push(...next.items);
    token = next.token;
  } while (token && (limit === undefined || items.length < limit));
  return items;
}

export interface ListOptions {
  startAfter?: string;
  delimiter?: string;
  /** Stop after this many keys (one page of up to 1,000 is asked for at a time). */
  limit?: number;
}

/** Objects under `prefix` in key order (with `delimiter`, the common prefixes too, as keys ending in it). */
export async function listObjects(clients: PipelineClients, bucket: string, prefix: string, options: ListOptions = {}): Promise<ObjectRecord[]> {
  const objects: ObjectRecord[] = [];
  let token: string | undefined;
  do {
    let page;
    try {
      page = await clients.s3.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: prefix,
          ContinuationToken: token,
          ...(token === undefined && options.startAfter ? { StartAfter: options.startAfter } : {}),
          ...(options.delimiter ? { Delimiter: options.delimiter } : {}),
          ...(options.limit ? { MaxKeys: Math.min(1000, options.limit - objects.length) } : {}),
        }),
      );
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchBucket') return [];
      throw error;
    }
    for (const object of page.Contents ?? []) {
      if (object.Key) objects.push({ key: object.Key, size: object.Size, etag: object.ETag, lastModified: object.LastModified });
    }
    for (const common of page.CommonPrefixes ?? []) if (common.Prefix) objects.push({ key: common.Prefix });
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token && (options.limit === undefined || objects.length < options.limit));
  return objects;
}

/** An object's text and time, or undefined when it does not exist. */
export async function getObjectText(clients: PipelineClients, bucket: string, key: string): Promise<{ text: string; lastModified?: Date } | undefined> {
  try {
    const object = await clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return { text: (await object.Body?.transformToString('utf-8')) ?? '', lastModified: object.LastModified };
  } catch (error) {
    if (notFound(error)) return undefined;
    throw error;
  }
}

export async function getText(clients: PipelineClients, bucket: string, key: string): Promise<string | undefined> {
  return (await getObjectText(clients, bucket, key))?.text;
}

export async function getJson<T>(clients: PipelineClients, bucket: string, key: string): Promise<T | undefined> {
  const text = await getText(clients, bucket, key);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new UnreadableObject(`s3://${bucket}/${key} is not JSON: ${(error as Error).message}`);
  }
}

/** The `run-id` metadata ingestion put on a labeled object. */
export async function labeledRunId(clients: PipelineClients, bucket: string, key: string): Promise<string | undefined> {
  try {
    const head = await clients.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return head.Metadata?.['run-id'];
  } catch (error) {
    if (notFound(error)) return undefined;
    throw error;
  }
}

export function notificationRefs(objects: readonly ObjectRecord[]): NotificationRef[] {
  return objects.flatMap((object) => {
    const parsed = parseNotificationArchiveKey(object.key);
    return parsed ? [{ ...parsed, lastModified: object.lastModified }] : [];
  });
}

export async function readEmail(clients: PipelineClients, bucket: string, key: string): Promise<EmailRecord | undefined> {
  const json = await getJson<unknown>(clients, bucket, key);
  if (json === undefined) return undefined;
  const problem = archivedNotificationProblem(json);
  if (problem) throw new UnreadableObject(`s3://${bucket}/${key} is not an archived email: ${problem}`);
  const email = json as ArchivedNotification;
  return {
    key,
    runId: email.runId,
    detailType: email.detailType,
    subject: email.subject,
    text: email.text,
    html: email.html,
    from: email.from,
    to: email.to,
    sentAt: Number.isNaN(Date.parse(email.sentAt)) ? undefined : new Date(email.sentAt),
    detail: email.detail,
  };
}

/** `rejected/<key>.error.json`. */
export async function readRejection(clients: PipelineClients, bucket: string, reportKey: string): Promise<RejectionReport | undefined> {
  const json = await getJson<Record<string, unknown>>(clients, bucket, reportKey);
  if (!json) return undefined;
  const at = typeof json.at === 'string' && !Number.isNaN(Date.parse(json.at)) ? new Date(json.at) : undefined;
  return {
    key: typeof json.key === 'string' ? json.key : `incoming/${reportKey.slice('rejected/'.length, -'.error.json'.length)}`,
    reportKey,
    reason: typeof json.reason === 'string' ? json.reason : 'no reason given',
    details: json.details,
    size: typeof json.size === 'number' ? json.size : undefined,
    at,
    runId: typeof json.runId === 'string' ? json.runId : undefined,
  };
}

/** `evaluations/<runId>/report.json`, checked for the fields the console draws, and when it was written. */
export async function readEvaluation(clients: PipelineClients, bucket: string, runId: string): Promise<{ report: EvaluationReport; lastModified?: Date } | undefined> {
  const key = `evaluations/${runId}/report.json`;
  const object = await getObjectText(clients, bucket, key);
  if (!object) return undefined;
  let report: EvaluationReport;
  try {
    report = JSON.parse(object.text) as EvaluationReport;
  } catch (error) {
    throw new UnreadableObject(`s3://${bucket}/${key} is not JSON: ${(error as Error).message}`);
  }
  if (!report?.challenger || typeof report.challenger.accuracy !== 'number' || !Array.isArray(report.labels)) {
    throw new UnreadableObject(`${key} does not have the shape of docs/contracts.md (labels, challenger.accuracy)`);
  }
  return { report, lastModified: object.lastModified };
}

export async function readEvaluationReport(clients: PipelineClients, bucket: string, runId: string): Promise<EvaluationReport | undefined> {
  return (await readEvaluation(clients, bucket, runId))?.report;
}
