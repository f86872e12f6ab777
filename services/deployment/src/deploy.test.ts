import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DeleteEndpointCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeTrainingJobCommand,
  ListTagsCommand,
  UpdateEndpointCommand,
  type DescribeEndpointCommandOutput,
  type DescribeTrainingJobCommandOutput,
} from '@aws-sdk/client-sagemaker';
import { GetObjectCommand, ListObjectsV2Command, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import 'aws-sdk-client-mock-jest';
import { trainingJobStateChangeEvent, type TrainingJobStateChangeEvent } from '@pipeline/shared';
import { handleTrainingJobStateChange } from './deploy';
import { EndpointBusyError } from './rollout';
import { config, fixture, JOB as job, jobArn, mockedDeployment, NOW, pipelineFailedEntry, publishedEvents, RUN_ID as runId, validationException } from './testing';

const { sagemaker, eventBridge, s3, deps } = mockedDeployment();
const previousJob = 'mlp-local-20261120-080000-0f0f0f';
const artifact = `s3://${config.dataBucket}/models/${job}/output/model.tar.gz`;
const image = '811284229777.dkr.ecr.us-east-1.amazonaws.com/blazingtext:1';

function event(status: 'Completed' | 'Failed' | 'Stopped', name = job): TrainingJobStateChangeEvent {
  const sample = fixture<Record<string, { TrainingJobName: string }>>(
    { Completed: 'training-job-completed', Failed: 'training-job-failed', Stopped: 'training-job-stopped' }[status],
  );
  sample.detail!.TrainingJobName = name;
  return trainingJobStateChangeEvent.parse(sample);
}

function completedJob(name: string, accuracy: number | undefined): Partial<DescribeTrainingJobCommandOutput> {
  return {
    TrainingJobName: name,
    TrainingJobArn: jobArn(name),
    TrainingJobStatus: 'Completed',
    SecondaryStatus: 'Completed',
    ModelArtifacts: { S3ModelArtifacts: `s3://${config.dataBucket}/models/${name}/output/model.tar.gz` },
    FinalMetricDataList:
      accuracy === undefined ? [] : [{ MetricName: 'validation:accuracy', Value: accuracy, Timestamp: NOW }],
  };
}

function endpointServing(configName: string, extra: Partial<DescribeEndpointCommandOutput> = {}) {
  return { EndpointName: config.endpointName, EndpointConfigName: configName, EndpointStatus: 'InService' as const, ...extra };
}

/** The endpoint serves `previousJob`, trained to the given accuracy. */
function serving(accuracy: number, extra: Partial<DescribeEndpointCommandOutput> = {}) {
  sagemaker.on(DescribeEndpointCommand).resolves(endpointServing(previousJob, extra));
  sagemaker
    .on(DescribeEndpointConfigCommand, { EndpointConfigName: previousJob })
    .resolves({ EndpointConfigName: previousJob, ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: previousJob }] });
  sagemaker.on(DescribeTrainingJobCommand, { TrainingJobName: previousJob }).resolves(completedJob(previousJob, accuracy));
}

const noEndpoint = () =>
  sagemaker.on(DescribeEndpointCommand).rejects(validationException(`Could not find endpoint "${config.endpointName}".`));

beforeEach(() => {
  // The training service tags each job with the normalisation its data had.
  sagemaker.on(ListTagsCommand).resolves({ Tags: [{ Key: 'ml-pipeline:normalization-version', Value: '1' }] });
});

describe('a completed training job', () => {
  it('creates the model, its endpoint config and the endpoint the first time', async () => {
    sagemaker.on(DescribeTrainingJobCommand, { TrainingJobName: job }).resolves(completedJob(job, 0.9));
    noEndpoint();

    await expect(handleTrainingJobStateChange(event('Completed'), deps)).resolves.toEqual({ outcome: 'deploying', action: 'created' });

    expect(sagemaker).toHaveReceivedCommandWith(DescribeTrainingJobCommand, { TrainingJobName: job });
    expect(sagemaker).toHaveReceivedCommandWith(DescribeEndpointCommand, { EndpointName: 'ml-pipeline-local' });
    expect(sagemaker).toHaveReceivedCommandWith(ListTagsCommand, { ResourceArn: jobArn(job) });
    expect(sagemaker.commandCalls(CreateModelCommand).map((c) => c.args[0].input)).toEqual([
      {
        ModelName: job,
        PrimaryContainer: { Image: image, ModelDataUrl: artifact },
        ExecutionRoleArn: config.modelExecutionRoleArn,
        Tags: [{ Key: 'ml-pipeline:normalization-version', Value: '1' }],
      },
    ]);
    expect(sagemaker.commandCalls(CreateEndpointConfigCommand).map((c) => c.args[0].input)).toEqual([
      {
        EndpointConfigName: job,
        ProductionVariants: [
          { VariantName: 'AllTraffic', ModelName: job, InstanceType: 'ml.m5.large', InitialInstanceCount: 1, InitialVariantWeight: 1 },
        ],
        Tags: [{ Key: 'ml-pipeline:normalization-version', Value: '1' }],
      },
    ]);
    expect(sagemaker.commandCalls(CreateEndpointCommand).map((c) => c.args[0].input)).toEqual([
      { EndpointName: 'ml-pipeline-local', EndpointConfigName: job },
    ]);
    expect(sagemaker).not.toHaveReceivedCommand(UpdateEndpointCommand);
    expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
  });

  it('updates the endpoint when the model is not worse than the serving one by more than the tolerance', async () => {
    sagemaker.on(DescribeTrainingJobCommand, { TrainingJobName: job }).resolves(completedJob(job, 0.885));
    serving(0.9);

    await expect(handleTrainingJobStateChange(event('Completed'), deps)).resolves.toEqual({ outcome: 'deploying', action: 'updated' });

    expect(sagemaker).toHaveReceivedCommandWith(DescribeEndpointConfigCommand, { EndpointConfigName: previousJob });
    expect(sagemaker).toHaveReceivedCommandWith(DescribeTrainingJobCommand, { TrainingJobName: previousJob });
    expect(sagemaker.commandCalls(CreateEndpointConfigCommand)[0]!.args[0].input.Tags).toEqual([
      { Key: 'ml-pipeline:normalization-version', Value: '1' },
      { Key: 'ml-pipeline:previous-model', Value: previousJob },
      { Key: 'ml-pipeline:previous-accuracy', Value: '0.9' },
    ]);
    expect(sagemaker.commandCalls(UpdateEndpointCommand).map((c) => c.args[0].input)).toEqual([
      { EndpointName: 'ml-pipeline-local', EndpointConfigName: job },
    ]);
    expect(sagemaker).not.toHaveReceivedCommand(CreateEndpointCommand);
    expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
  });

  it('deploys a model whose job records no normalisation version without the tag', async () => {
    sagemaker.on(DescribeTrainingJobCommand, { TrainingJobName: job }).resolves(completedJob(job, 0.9));
    sagemaker.on(ListTagsCommand).resolves({ Tags: [{ Key: 'runId', Value: runId }] });
    noEndpoint();

    await expect(handleTrainingJobStateChange(event('Completed'), deps)).resolves.toEqual({ outcome: 'deploying', action: 'created' });

    expect(sagemaker.commandCalls(CreateModelCommand)[0]!.args[0].input).not.toHaveProperty('Tags');
    expect(sagemaker.commandCalls(CreateEndpointConfigCommand)[0]!.args[0].input).not.toHaveProperty('Tags');
  });

  it('rejects a model below the minimum accuracy with Model Rejected', async () => {
    sagemaker.on(DescribeTrainingJobCommand, { TrainingJobName: job }).resolves(completedJob(job, 0.7));
    noEndpoint();

    await expect(handleTrainingJobStateChange(event('Completed'), deps)).resolves.toMatchObject({ outcome: 'rejected' });

    expect(publishedEvents(eventBridge)).toEqual([
      {
        Source: 'ml-pipeline.deployment',
        DetailType: 'Model Rejected',
        Detail: {
          runId,
          stage: 'local',
          at: NOW.toISOString(),
          trainingJobName: job,
          metrics: { validationAccuracy: 0.7 },
          gate: { minAccuracy: 0.8, tolerance: 0.02 },
          reason: 'validation accuracy 70.00% is below the minimum 80.00%',
        },
      },
    ]);
    expect(sagemaker).not.toHaveReceivedCommand(CreateModelCommand);
    expect(sagemaker).not.toHaveReceivedCommand(CreateEndpointCommand);
  });

  it("reports the run's rows (kept, duplicates, rejected by reason) from its manifest in Model Rejected", async () => {
    sagemaker.on(DescribeTrainingJobCommand, { TrainingJobName: job }).resolves(completedJob(job, 0.7));
    noEndpoint();
    const key = `prepared/${runId}/manifest.json`;
    s3.on(ListObjectsV2Command, { Prefix: key }).resolves({ Contents: [{ Key: key }] });
    const manifest = {
      run_id: runId,
      input_rows: 301,
      duplicate_rows: 0,
      rejected_rows: 1,
      rows: { train: 240, validation: 30, test: 30 },
      labels: {},
      rejection_reasons: { malformed_csv: 1 },
      rejection_lines: { malformed_csv: [{ source: `s3://${config.dataBucket}/labeled/a.csv`, line: 299 }] },
      rejected_uri: `s3://${config.dataBucket}/${key.replace('manifest.json', 'rejected.jsonl')}`,
    };
    s3.on(GetObjectCommand, { Key: key }).resolves({
      Body: { transformToString: async () => JSON.stringify(manifest) } as unknown as GetObjectCommandOutput['Body'],
    });

    await handleTrainingJobStateChange(event('Completed'), deps);

    expect(publishedEvents(eventBridge)[0]?.Detail).toMatchObject({
      rows: {
        read: 301,
        kept: 300,
        duplicates: 0,
        rejected: 1,
        rejections: [{ reason: 'malformed_csv', count: 1, lines: [{ source: `s3://${config.dataBucket}/labeled/a.csv`, line: 299 }] }],
        rejectedList: `s3://${config.dataBucket}/prepared/${runId}/rejected.jsonl`,
      },
    });
  });

  it('rejects a model worse than the serving one by more than the tolerance, naming both figures', async () => {
    sagemaker.on(DescribeTrainingJobCommand, { TrainingJobName: job }).resolves(completedJob(job, 0.85));
    serving(0.9);

    await handleTrainingJobStateChange(event('Completed'), deps);

    expect(publishedEvents(eventBridge)).toEqual([
      expect.objectContaining({
        DetailType: 'Model Rejected',
        Detail: expect.objectContaining({
          metrics: { validationAccuracy: 0.85 },
          gate: { minAccuracy: 0.8, tolerance: 0.02, servingAccuracy: 0.9, servingModel: previousJob },
          reason: "validation accuracy 85.00% is more than 2.00% below the serving model's 90.00%",
        }),
      }),
    ]);
    expect(sagemaker).not.toHaveReceivedCommand(CreateModelCommand);
    expect(sagemaker).not.toHaveReceivedCommand(UpdateEndpointCommand);
  });

  it.each([
    ['serves it already', endpointServing(job)],
    ['is already updating to it', endpointServing(previousJob, { EndpointStatus: 'Updating', PendingDeploymentSummary: { EndpointConfigName: job } })],
  ])('does nothing on a duplicate event when the endpoint %s', async (_, endpoint) => {
    sagemaker.on(DescribeTrainingJobCommand, { TrainingJobName: job }).resolves(completedJob(job, 0.9));
    sagemaker.on(DescribeEndpointCommand).resolves(endpoint);

    await expect(handleTrainingJobStateChange(event('Completed'), deps)).resolves.toEqual({ outcome: 'already-deployed' });

    expect(sagemaker).not.toHaveReceivedCommand(CreateModelCommand);
    expect(sagemaker).not.toHaveReceivedCommand(CreateEndpointConfigCommand);
    expect(sagemaker).not.toHaveReceivedCommand(UpdateEndpointCommand);
    expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
  });

  it('goes on when an earlier delivery already created the model and the endpoint config', async () => {
    sagemaker.on(DescribeTrainingJobCommand, { TrainingJobName: job }).resolves(completedJob(job, 0.9));
    serving(0.9);
    sagemaker.on(CreateModelCommand).rejects(validationException(`Cannot create already existing model "arn:aws:sagemaker:us-east-1:123456789012:model/${job}".`));
    sagemaker
      .on(CreateEndpointConfigCommand)
      .rejects(validationException(`Cannot create already existing endpoint configuration "arn:aws:sagemaker:us-east-1:123456789012:endpoint-config/${job}".`));

    await expect(handleTrainingJobStateChange(event('Completed'), deps)).resolves.toEqual({ outcome: 'deploying', action: 'updated' });
    expect(sagemaker).toHaveReceivedCommandWith(UpdateEndpointCommand, { EndpointName: 'ml-pipeline-local', EndpointConfigName: job });
  });

  it.each(['Creating', 'Updating', 'SystemUpdating', 'RollingBack'] as const)(
    'fails with a retryable error while the endpoint is %s with another config',
    async (status) => {
      sagemaker.on(DescribeTrainingJobCommand, { TrainingJobName: job }).resolves(completedJob(job, 0.9));
      serving(0.9, { EndpointStatus: status });

      await expect(handleTrainingJobStateChange(event('Completed'), deps)).rejects.toThrow(EndpointBusyError);
      expect(sagemaker).not.toHaveReceivedCommand(UpdateEndpointCommand);
      expect(sagemaker).not.toHaveReceivedCommand(CreateEndpointCommand);
    },
  );

  it('fails with a retryable error when another update started between its look and its UpdateEndpoint', async () => {
    sagemaker.on(DescribeTrainingJobCommand, { TrainingJobName: job }).resolves(completedJob(job, 0.9));
    serving(0.9);
    sagemaker
      .on(UpdateEndpointCommand)
      .rejects(validationException('Cannot update in-progress endpoint "arn:aws:sagemaker:us-east-1:123456789012:endpoint/ml-pipeline-local".'));

    await expect(handleTrainingJobStateChange(event('Completed'), deps)).rejects.toThrow(EndpointBusyError);
  });

  it('fails with a retryable error when a duplicate delivery created the endpoint meanwhile', async () => {
    sagemaker.on(DescribeTrainingJobCommand, { TrainingJobName: job }).resolves(completedJob(job, 0.9));
    noEndpoint();
    sagemaker
      .on(CreateEndpointCommand)
      .rejects(validationException('Cannot create already existing endpoint "arn:aws:sagemaker:us-east-1:123456789012:endpoint/ml-pipeline-local".'));

    await expect(handleTrainingJobStateChange(event('Completed'), deps)).rejects.toThrow(EndpointBusyError);
  });

  it('deletes a Failed endpoint (nothing else is allowed on it) and fails so that the retry creates it', async () => {
    sagemaker.on(DescribeTrainingJobCommand, { TrainingJobName: job }).resolves(completedJob(job, 0.9));
    sagemaker.on(DescribeEndpointCommand).resolves(endpointServing(previousJob, { EndpointStatus: 'Failed', FailureReason: 'ping failed' }));

    await expect(handleTrainingJobStateChange(event('Completed'), deps)).rejects.toThrow(/was Failed \(ping failed\); deleted it/);
    expect(sagemaker).toHaveReceivedCommandWith(DeleteEndpointCommand, { EndpointName: 'ml-pipeline-local' });
    // A Failed endpoint serves nothing, so the gate does not compare with its model.
    expect(sagemaker).not.toHaveReceivedCommand(DescribeEndpointConfigCommand);
  });

  it('reports Pipeline Failed when the job reported no validation accuracy', async () => {
    sagemaker.on(DescribeTrainingJobCommand, { TrainingJobName: job }).resolves(completedJob(job, undefined));

    await expect(handleTrainingJobStateChange(event('Completed'), deps)).resolves.toEqual({ outcome: 'no-metric' });
    expect(publishedEvents(eventBridge)).toEqual([
      expect.objectContaining({
        DetailType: 'Pipeline Failed',
        Detail: expect.objectContaining({ failedStep: 'deployment', resource: job, state: 'Completed' }),
      }),
    ]);
    expect(sagemaker).not.toHaveReceivedCommand(DescribeEndpointCommand);
  });

  it('fails (to be retried) when SageMaker does not yet show the job as ended', async () => {
    sagemaker.on(DescribeTrainingJobCommand).resolves({ ...completedJob(job, undefined), TrainingJobStatus: 'InProgress' });
    await expect(handleTrainingJobStateChange(event('Completed'), deps)).rejects.toThrow(/is InProgress, though the event said Completed/);
    expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
  });

  it('fails when EventBridge refuses the event, so that the retry publishes it', async () => {
    sagemaker.on(DescribeTrainingJobCommand, { TrainingJobName: job }).resolves(completedJob(job, 0.5));
    noEndpoint();
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure', ErrorMessage: 'try again' }] });

    await expect(handleTrainingJobStateChange(event('Completed'), deps)).rejects.toThrow(/EventBridge refused Model Rejected/);
  });

  it('refuses a job of another stage', async () => {
    await expect(handleTrainingJobStateChange(event('Completed', 'mlp-prod-20261125-110409-a1b2c3'), deps)).rejects.toThrow(
      /not one of stage local's/,
    );
    expect(sagemaker).not.toHaveReceivedCommand(DescribeTrainingJobCommand);
  });
});

describe('a failed or stopped training job', () => {
  it('reports Pipeline Failed with the failure reason SageMaker gives', async () => {
    sagemaker.on(DescribeTrainingJobCommand, { TrainingJobName: job }).resolves({
      TrainingJobName: job,
      TrainingJobStatus: 'Failed',
      SecondaryStatus: 'Failed',
      FailureReason: 'AlgorithmError: no validation data',
    });

    await expect(handleTrainingJobStateChange(event('Failed'), deps)).resolves.toEqual({ outcome: 'training-failed' });
    expect(publishedEvents(eventBridge)).toEqual([
      pipelineFailedEntry({
        failedStep: 'training',
        resource: job,
        reason: 'AlgorithmError: no validation data',
        state: 'Failed',
      }),
    ]);
    expect(sagemaker).not.toHaveReceivedCommand(CreateModelCommand);
  });

  it('says why a stopped job stopped when there is no failure reason', async () => {
    sagemaker.on(DescribeTrainingJobCommand).resolves({ TrainingJobName: job, TrainingJobStatus: 'Stopped', SecondaryStatus: 'MaxRuntimeExceeded' });

    await handleTrainingJobStateChange(event('Stopped'), deps);
    expect(publishedEvents(eventBridge)).toEqual([
      expect.objectContaining({
        Detail: expect.objectContaining({ failedStep: 'training', reason: 'training job Stopped (MaxRuntimeExceeded)', state: 'Stopped' }),
      }),
    ]);
  });
});
