import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  CreateTransformJobCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeTrainingJobCommand,
  ListTagsCommand,
  UpdateEndpointCommand,
  type DescribeEndpointCommandOutput,
  type DescribeTrainingJobCommandOutput,
} from '@aws-sdk/client-sagemaker';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import 'aws-sdk-client-mock-jest';
import { trainingJobStateChangeEvent, transformJobName, type TrainingJobStateChangeEvent } from '@pipeline/shared';
import { handleTrainingJobStateChange } from './deploy';
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
  const testText = '__label__a first text\n__label__b second text\n\n__label__a __label__b third "quoted"\n';

  function testSplit(text = testText) {
    const key = `prepared/${runId}/test/test.txt`;
    s3.on(ListObjectsV2Command, { Prefix: `prepared/${runId}/test/` }).resolves({ Contents: [{ Key: key, Size: text.length }] });
    s3.on(ListObjectsV2Command, { Prefix: `evaluations/${runId}/input/test.jsonl` }).resolves({ Contents: [] });
    s3.on(GetObjectCommand, { Key: key }).resolves({ Body: { transformToString: async () => text } as unknown as GetObjectCommandOutput['Body'] });
  }

  const transformJob = (name: string, model: string, tags?: Array<{ Key: string; Value: string }>) => ({
    TransformJobName: name,
    ModelName: model,
    BatchStrategy: 'MultiRecord',
    MaxPayloadInMB: 6,
    TransformInput: {
      DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://${config.dataBucket}/evaluations/${runId}/input/test.jsonl` } },
      ContentType: 'application/jsonlines',
      SplitType: 'Line',
    },
    TransformOutput: { S3OutputPath: `s3://${config.dataBucket}/evaluations/${runId}/${name}/`, Accept: 'application/jsonlines', AssembleWith: 'Line' },
    TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 1 },
    ...(tags ? { Tags: tags } : {}),
  });

  it('writes the test split as batch input, creates the model and starts its transform job when nothing is in service', async () => {
    sagemaker.on(DescribeTrainingJobCommand, { TrainingJobName: job }).resolves(completedJob(job, 0.9));
    noEndpoint();
    testSplit();

    await expect(handleTrainingJobStateChange(event('Completed'), deps)).resolves.toEqual({ outcome: 'evaluating', testRows: 3, challengerJob: `${job}-challenger` });

    expect(s3.commandCalls(PutObjectCommand).map((c) => [c.args[0].input.Key, c.args[0].input.Body])).toEqual([
      [`evaluations/${runId}/input/test.jsonl`, '{"source":"first text"}\n{"source":"second text"}\n{"source":"third \\"quoted\\""}\n'],
    ]);
    expect(sagemaker.commandCalls(CreateModelCommand).map((c) => c.args[0].input)).toEqual([
      {
        ModelName: job,
        PrimaryContainer: { Image: image, ModelDataUrl: artifact },
        ExecutionRoleArn: config.modelExecutionRoleArn,
        Tags: [{ Key: 'ml-pipeline:normalization-version', Value: '1' }],
      },
    ]);
    expect(sagemaker.commandCalls(CreateTransformJobCommand).map((c) => c.args[0].input)).toEqual([
      transformJob(`${job}-challenger`, job, [{ Key: 'ml-pipeline:champion-model', Value: '' }]),
    ]);
    expect(sagemaker).not.toHaveReceivedCommand(CreateEndpointConfigCommand);
    expect(sagemaker).not.toHaveReceivedCommand(CreateEndpointCommand);
    expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
  });

  it('evaluates the model in service on the same rows, in a job named after it', async () => {
    sagemaker.on(DescribeTrainingJobCommand, { TrainingJobName: job }).resolves(completedJob(job, 0.9));
    serving(0.9);
    testSplit();

    const outcome = await handleTrainingJobStateChange(event('Completed'), deps);

    const championJob = transformJobName('local', runId, 'champion', previousJob);
    expect(championJob).toMatch(new RegExp(`^${job}-champion-[0-9a-f]{6}$`));
    expect(outcome).toEqual({ outcome: 'evaluating', testRows: 3, challengerJob: `${job}-challenger`, championJob });
    expect(sagemaker.commandCalls(CreateTransformJobCommand).map((c) => c.args[0].input)).toEqual([
      transformJob(`${job}-challenger`, job, [{ Key: 'ml-pipeline:champion-model', Value: previousJob }]),
      transformJob(championJob, previousJob),
    ]);
  });

  it('starts nothing twice on a duplicate event: the input, the model and the jobs exist already', async () => {
    sagemaker.on(DescribeTrainingJobCommand, { TrainingJobName: job }).resolves(completedJob(job, 0.9));
    serving(0.9);
    testSplit();
    s3.on(ListObjectsV2Command, { Prefix: `evaluations/${runId}/input/test.jsonl` }).resolves({ Contents: [{ Key: `evaluations/${runId}/input/test.jsonl` }] });
    sagemaker.on(CreateModelCommand).rejects(validationException(`Cannot create already existing model "arn:aws:sagemaker:us-east-1:123456789012:model/${job}".`));
    sagemaker.on(CreateTransformJobCommand).rejects(Object.assign(validationException('Job name must be unique'), { name: 'ResourceInUse' }));

    await expect(handleTrainingJobStateChange(event('Completed'), deps)).resolves.toMatchObject({ outcome: 'evaluating' });
    expect(s3).not.toHaveReceivedCommand(PutObjectCommand);
    expect(sagemaker).toHaveReceivedCommandTimes(CreateTransformJobCommand, 2);
  });

  it('fails (to be retried, then in the failed-events queue) when the run has no test rows', async () => {
    sagemaker.on(DescribeTrainingJobCommand, { TrainingJobName: job }).resolves(completedJob(job, 0.9));
    noEndpoint();
    testSplit('');

    await expect(handleTrainingJobStateChange(event('Completed'), deps)).rejects.toThrow(/has no test rows/);
    expect(sagemaker).not.toHaveReceivedCommand(CreateTransformJobCommand);
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

  it('says what started the run, from the training job\'s trigger tag, and still reports when the tags cannot be read', async () => {
    const failedJob = { TrainingJobName: job, TrainingJobArn: `arn:aws:sagemaker:us-east-1:000000000000:training-job/${job}`, TrainingJobStatus: 'Failed' as const, FailureReason: 'AlgorithmError: x' };
    sagemaker.on(DescribeTrainingJobCommand, { TrainingJobName: job }).resolves(failedJob);
    sagemaker.on(ListTagsCommand, { ResourceArn: failedJob.TrainingJobArn }).resolves({ Tags: [{ Key: 'ml-pipeline:trigger', Value: 'schedule weekly' }] });

    await handleTrainingJobStateChange(event('Failed'), deps);
    expect(publishedEvents(eventBridge)).toEqual([expect.objectContaining({ Detail: expect.objectContaining({ failedStep: 'training', trigger: 'schedule weekly' }) })]);

    eventBridge.resetHistory();
    sagemaker.on(ListTagsCommand, { ResourceArn: failedJob.TrainingJobArn }).rejects(new Error('AccessDeniedException'));
    await handleTrainingJobStateChange(event('Failed'), deps);
    const [entry] = publishedEvents(eventBridge) as Array<{ Detail: Record<string, unknown> }>;
    expect(entry!.Detail).toEqual(expect.objectContaining({ failedStep: 'training', reason: 'AlgorithmError: x' }));
    expect(entry!.Detail).not.toHaveProperty('trigger');
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
