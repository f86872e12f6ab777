/**
 * A fake AWS for the data layer's unit tests: aws-sdk-client-mock answers built from a small description of
 * the pipeline's state (Glue runs, training jobs, the endpoint, S3 objects), the way the real APIs answer.
 */
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { GetJobRunCommand, GetJobRunsCommand, GlueClient, type JobRun } from '@aws-sdk/client-glue';
import {
  DescribeEndpointCommand,
  DescribeTrainingJobCommand,
  ListEndpointConfigsCommand,
  ListTagsCommand,
  ListTrainingJobsCommand,
  SageMakerClient,
  type DescribeTrainingJobCommandOutput,
} from '@aws-sdk/client-sagemaker';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import { notificationArchiveKey, type ArchivedDetailType } from '../../../shared/src/notification-archive';
import type { PipelineConfig } from './model';
import type { PipelineClients } from './sources';

export const CONFIG: PipelineConfig = {
  stage: 'local',
  region: 'us-east-1',
  dataBucket: 'ml-pipeline-local-data-000000000000-us-east-1',
  endpointName: 'ml-pipeline-local',
  glueJobName: 'ml-pipeline-local-preprocess',
  trainingJobPrefix: 'mlp-local-',
};

export interface FakeObject {
  key: string;
  body?: string;
  lastModified: Date;
  metadata?: Record<string, string>;
}

export interface FakeState {
  glueRuns: JobRun[];
  trainingJobs: DescribeTrainingJobCommandOutput[];
  endpoint?: { EndpointConfigName: string; EndpointStatus: string; LastModifiedTime: Date; PendingConfig?: string; FailureReason?: string };
  endpointConfigs: Array<{ EndpointConfigName: string; CreationTime: Date }>;
  objects: FakeObject[];
}

export const at = (iso: string): Date => new Date(iso);

export function emptyState(): FakeState {
  return { glueRuns: [], trainingJobs: [], endpointConfigs: [], objects: [] };
}

/** Mocks the four clients over `state` (read at each call, so a test can change it between refreshes). */
export function fakeAws(state: FakeState): { clients: PipelineClients; mocks: ReturnType<typeof mocksOf>; counter: { count: number } } {
  const clients: PipelineClients = {
    s3: new S3Client({ region: 'us-east-1' }),
    glue: new GlueClient({ region: 'us-east-1' }),
    sagemaker: new SageMakerClient({ region: 'us-east-1' }),
    runtime: new SageMakerRuntimeClient({ region: 'us-east-1' }),
  };
  const mocks = mocksOf();
  const counter = { count: 0 };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each mock's input is typed by its own answer
  const counted = <I, T>(answer: (input: I) => T) => (input: any) => {
    counter.count += 1;
    return answer(input as I);
  };
  mocks.glue.on(GetJobRunsCommand).callsFake(
    counted((input: { MaxResults?: number; NextToken?: string }) => {
      const runs = [...state.glueRuns].sort((a, b) => b.StartedOn!.getTime() - a.StartedOn!.getTime());
      const start = Number(input.NextToken ?? 0);
      const size = input.MaxResults ?? 100;
      return { JobRuns: runs.slice(start, start + size), NextToken: start + size < runs.length ? String(start + size) : undefined };
    }),
  );
  mocks.glue.on(GetJobRunCommand).callsFake(counted((input: { RunId: string }) => ({ JobRun: state.glueRuns.find((run) => run.Id === input.RunId) })));
  mocks.sagemaker.on(ListTrainingJobsCommand).callsFake(
    counted((input: { MaxResults?: number; NameContains?: string }) => ({
      TrainingJobSummaries: [...state.trainingJobs]
        .filter((job) => job.TrainingJobName!.includes(input.NameContains ?? ''))
        .sort((a, b) => b.CreationTime!.getTime() - a.CreationTime!.getTime())
        .slice(0, input.MaxResults ?? 100)
        .map((job) => ({
          TrainingJobName: job.TrainingJobName,
          TrainingJobArn: job.TrainingJobArn,
          CreationTime: job.CreationTime,
          TrainingEndTime: job.TrainingEndTime,
          LastModifiedTime: job.LastModifiedTime,
          TrainingJobStatus: job.TrainingJobStatus,
          SecondaryStatus: job.SecondaryStatus,
        })),
    })),
  );
  mocks.sagemaker.on(DescribeTrainingJobCommand).callsFake(
    counted((input: { TrainingJobName: string }) => {
      const job = state.trainingJobs.find((candidate) => candidate.TrainingJobName === input.TrainingJobName);
      if (!job) throw Object.assign(new Error('Requested resource not found.'), { name: 'ValidationException' });
      return job;
    }),
  );
  mocks.sagemaker.on(ListTagsCommand).callsFake(counted(() => ({ Tags: [{ Key: 'runId', Value: 'x' }] })));
  mocks.sagemaker.on(DescribeEndpointCommand).callsFake(
    counted(() => {
      if (!state.endpoint) throw Object.assign(new Error('Could not find endpoint "ml-pipeline-local".'), { name: 'ValidationException' });
      const { PendingConfig, ...endpoint } = state.endpoint;
      return { EndpointName: CONFIG.endpointName, ...endpoint, ...(PendingConfig ? { PendingDeploymentSummary: { EndpointConfigName: PendingConfig } } : {}) };
    }),
  );
  mocks.sagemaker.on(ListEndpointConfigsCommand).callsFake(
    counted((input: { MaxResults?: number }) => ({
      EndpointConfigs: [...state.endpointConfigs].sort((a, b) => b.CreationTime.getTime() - a.CreationTime.getTime()).slice(0, input.MaxResults ?? 100),
    })),
  );
  mocks.s3.on(ListObjectsV2Command).callsFake(
    counted((input: { Prefix?: string; StartAfter?: string; Delimiter?: string; MaxKeys?: number }) => {
      const prefix = input.Prefix ?? '';
      const keys = state.objects
        .filter((object) => object.key.startsWith(prefix) && (!input.StartAfter || object.key > input.StartAfter))
        .sort((a, b) => (a.key < b.key ? -1 : 1));
      if (input.Delimiter) {
        const prefixes = [...new Set(keys.map((object) => object.key.slice(0, object.key.indexOf(input.Delimiter!, prefix.length) + 1)).filter((key) => key.endsWith(input.Delimiter!)))];
        return { CommonPrefixes: prefixes.map((Prefix) => ({ Prefix })), IsTruncated: false };
      }
      return {
        Contents: keys.map((object) => ({ Key: object.key, Size: object.body?.length ?? 0, ETag: `"${object.key.length}-${object.body?.length ?? 0}"`, LastModified: object.lastModified })),
        IsTruncated: false,
      };
    }),
  );
  mocks.s3.on(GetObjectCommand).callsFake(
    counted((input: { Key: string }) => {
      const object = state.objects.find((candidate) => candidate.key === input.Key);
      if (!object) throw Object.assign(new Error('The specified key does not exist.'), { name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } });
      return { Body: { transformToString: async () => object.body ?? '' } as never, LastModified: object.lastModified };
    }),
  );
  mocks.s3.on(HeadObjectCommand).callsFake(
    counted((input: { Key: string }) => {
      const object = state.objects.find((candidate) => candidate.key === input.Key);
      if (!object) throw Object.assign(new Error('Not Found'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } });
      return { Metadata: object.metadata ?? {} };
    }),
  );
  return { clients, mocks, counter };
}

function mocksOf() {
  return { s3: mockClient(S3Client), glue: mockClient(GlueClient), sagemaker: mockClient(SageMakerClient) };
}

// ---- builders, shaped like the services' own records

export function glueRun(runId: string, state: string, startedOn: Date, completedOn?: Date, errorMessage?: string): JobRun {
  return {
    Id: `jr_${runId}`,
    JobName: CONFIG.glueJobName,
    JobRunState: state as JobRun['JobRunState'],
    StartedOn: startedOn,
    CompletedOn: completedOn,
    ErrorMessage: errorMessage,
    Arguments: {
      '--run_id': runId,
      '--input_uri': `s3://${CONFIG.dataBucket}/labeled/`,
      '--output_uri': `s3://${CONFIG.dataBucket}/prepared/${runId}/`,
    },
  };
}

export function trainingJob(
  runId: string,
  status: string,
  times: { created: Date; started?: Date; ended?: Date },
  extra: Partial<DescribeTrainingJobCommandOutput> = {},
): DescribeTrainingJobCommandOutput {
  return {
    $metadata: {},
    TrainingJobName: `mlp-local-${runId}`,
    TrainingJobArn: `arn:aws:sagemaker:us-east-1:000000000000:training-job/mlp-local-${runId}`,
    TrainingJobStatus: status as DescribeTrainingJobCommandOutput['TrainingJobStatus'],
    SecondaryStatus: (status === 'InProgress' ? 'Training' : status) as DescribeTrainingJobCommandOutput['SecondaryStatus'],
    CreationTime: times.created,
    TrainingStartTime: times.started,
    TrainingEndTime: times.ended,
    LastModifiedTime: times.ended ?? times.started ?? times.created,
    HyperParameters: { mode: 'supervised', epochs: '10' },
    AlgorithmSpecification: { TrainingImage: '811284229777.dkr.ecr.us-east-1.amazonaws.com/blazingtext:1', TrainingInputMode: 'File' },
    ModelArtifacts: { S3ModelArtifacts: `s3://${CONFIG.dataBucket}/models/mlp-local-${runId}/output/model.tar.gz` },
    ResourceConfig: { InstanceType: 'ml.c5.xlarge', InstanceCount: 1, VolumeSizeInGB: 30 },
    StoppingCondition: { MaxRuntimeInSeconds: 3600 },
    RoleArn: 'arn:aws:iam::000000000000:role/training',
    ...extra,
  } as DescribeTrainingJobCommandOutput;
}

/** The email the notification service archives for an event. */
export function archivedEmail(runId: string, detailType: ArchivedDetailType, eventId: string, detail: Record<string, unknown>, sentAt: Date): FakeObject {
  return {
    key: notificationArchiveKey(runId, detailType, eventId),
    lastModified: sentAt,
    body: JSON.stringify({
      version: 1,
      eventId,
      detailType,
      source: 'ml-pipeline.deployment',
      time: sentAt.toISOString(),
      runId,
      stage: 'local',
      detail: { runId, stage: 'local', at: sentAt.toISOString(), ...detail },
      from: 'ml-pipeline@example.com',
      to: ['ml-team@example.com'],
      subject: `[local] ${detailType}: run ${runId}`,
      text: `${detailType} for run ${runId}`,
      html: `<p>${detailType} for run ${runId}</p>`,
      sentAt: sentAt.toISOString(),
    }),
  };
}
