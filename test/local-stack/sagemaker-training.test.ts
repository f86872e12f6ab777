/**
 * Local BlazingText training jobs through the AWS SDK: the job lifecycle, artifacts, metrics,
 * hyperparameter validation, early stopping, MaxRuntimeInSeconds, StopTrainingJob and error shapes.
 */
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import {
  CreateTrainingJobCommand,
  DescribeTrainingJobCommand,
  ListTrainingJobsCommand,
  StopTrainingJobCommand,
  type CreateTrainingJobCommandInput,
} from '@aws-sdk/client-sagemaker';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { TRAINING_JOB_STATE_CHANGE } from '../../local-stack/src/providers/sagemaker';
import { testAccuracy } from '../../scripts/lib/fasttext-cli';
import {
  BLAZINGTEXT_IMAGE,
  createBucket,
  downloadModelBin,
  fastTextLines,
  putText,
  ROLE_ARN,
  smallSplit,
  waitForTrainingJob,
} from './sagemaker-harness';
import { useProviderStack } from '../support/stack';
import { temporaryDirectory } from '../support/temporary-directory';
import { waitFor } from '../support/wait';

jest.setTimeout(180_000);

const BUCKET = 'training-data';
const stack = useProviderStack();
const temp = temporaryDirectory('sagemaker-training');
const scratch = temp.dir;
const split = smallSplit(2000, 300, 300);

function jobInput(name: string, overrides: Partial<CreateTrainingJobCommandInput> = {}, hyperparameters: Record<string, string> = {}): CreateTrainingJobCommandInput {
  return {
    TrainingJobName: name,
    AlgorithmSpecification: { TrainingImage: BLAZINGTEXT_IMAGE, TrainingInputMode: 'File' },
    RoleArn: ROLE_ARN,
    HyperParameters: { mode: 'supervised', epochs: '20', learning_rate: '0.5', vector_dim: '10', word_ngrams: '2', min_count: '1', buckets: '200000', ...hyperparameters },
    InputDataConfig: [
      { ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://${BUCKET}/small/train/` } }, ContentType: 'text/plain' },
      { ChannelName: 'validation', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://${BUCKET}/small/validation/` } }, ContentType: 'text/plain' },
    ],
    OutputDataConfig: { S3OutputPath: `s3://${BUCKET}/models/` },
    ResourceConfig: { InstanceType: 'ml.c5.xlarge', InstanceCount: 1, VolumeSizeInGB: 5 },
    StoppingCondition: { MaxRuntimeInSeconds: 600 },
    ...overrides,
  };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  await createBucket(stack.client.s3, BUCKET);
  // The train channel in two objects (concatenated in key order), validation in one.
  await putText(stack.client.s3, BUCKET, 'small/train/part-0.txt', fastTextLines(split.train.slice(0, 1000)));
  await putText(stack.client.s3, BUCKET, 'small/train/part-1.txt', fastTextLines(split.train.slice(1000)));
  await putText(stack.client.s3, BUCKET, 'small/validation/validation.txt', fastTextLines(split.validation));
  await putText(stack.client.s3, BUCKET, 'tiny/train.txt', fastTextLines(split.train.slice(0, 60)));
});

afterAll(() => temp.remove());

describe('a BlazingText training job', () => {
  let job: Awaited<ReturnType<typeof waitForTrainingJob>>;

  beforeAll(async () => {
    const created = await stack.client.sagemaker.send(new CreateTrainingJobCommand(jobInput('dbpedia-small')));
    expect(created.TrainingJobArn).toBe('arn:aws:sagemaker:us-east-1:000000000000:training-job/dbpedia-small');
    job = await waitForTrainingJob(stack.client.sagemaker, 'dbpedia-small');
  });

  it('completes with the secondary statuses, timestamps and metrics SageMaker reports', () => {
    expect(job.TrainingJobStatus).toBe('Completed');
    expect(job.SecondaryStatus).toBe('Completed');
    expect(job.SecondaryStatusTransitions?.map((t) => t.Status)).toEqual(['Starting', 'Downloading', 'Training', 'Uploading', 'Completed']);
    for (const transition of job.SecondaryStatusTransitions ?? []) {
      expect(transition.StartTime).toBeInstanceOf(Date);
      expect(transition.EndTime).toBeInstanceOf(Date);
    }
    expect(job.CreationTime!.getTime()).toBeLessThanOrEqual(job.TrainingStartTime!.getTime());
    expect(job.TrainingStartTime!.getTime()).toBeLessThanOrEqual(job.TrainingEndTime!.getTime());
    expect(job.TrainingTimeInSeconds).toBeGreaterThanOrEqual(1);
    expect(job.HyperParameters?.epochs).toBe('20');
    expect(job.AlgorithmSpecification?.TrainingImage).toBe(BLAZINGTEXT_IMAGE);
    const accuracy = job.FinalMetricDataList?.find((metric) => metric.MetricName === 'validation:accuracy');
    expect(accuracy?.Timestamp).toBeInstanceOf(Date);
    // 14 balanced classes: chance is 0.07; 20 epochs over 2,000 DBpedia rows reach about 0.9 (fastText CLI: 0.90).
    expect(accuracy?.Value).toBeGreaterThan(0.8);
    expect(accuracy?.Value).toBeLessThanOrEqual(1);
  });

  it('writes model.tar.gz with a model.bin that the fastText CLI scores as the job reported', async () => {
    expect(job.ModelArtifacts?.S3ModelArtifacts).toBe(`s3://${BUCKET}/models/dbpedia-small/output/model.tar.gz`);
    const head = await stack.client.s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'models/dbpedia-small/output/model.tar.gz' }));
    expect(head.ContentLength).toBeGreaterThan(1000);
    const modelPath = await downloadModelBin(stack.client.s3, job.ModelArtifacts!.S3ModelArtifacts!, scratch);
    const validationFile = join(scratch, 'validation.txt');
    await import('node:fs/promises').then((fs) => fs.writeFile(validationFile, fastTextLines(split.validation)));
    const precision = testAccuracy(modelPath, validationFile);
    const reported = job.FinalMetricDataList!.find((metric) => metric.MetricName === 'validation:accuracy')!.Value!;
    expect(precision).toBeCloseTo(reported, 3);
  });

  it('sends a SageMaker Training Job State Change event per status, in AWS format', async () => {
    const ofJob = () => stack.publisher.ofType(TRAINING_JOB_STATE_CHANGE).filter((event) => event.detail.TrainingJobName === 'dbpedia-small');
    const events = await waitFor('the Completed event', () => (ofJob().some((event) => event.detail.TrainingJobStatus === 'Completed') ? ofJob() : undefined), 60_000);
    expect(events.map((event) => event.detail.SecondaryStatus)).toEqual(['Starting', 'Downloading', 'Training', 'Uploading', 'Completed']);
    const last = events[events.length - 1]!;
    expect(last.source).toBe('aws.sagemaker');
    expect(last.resources).toEqual(['arn:aws:sagemaker:us-east-1:000000000000:training-job/dbpedia-small']);
    expect(last.detail).toMatchObject({
      TrainingJobName: 'dbpedia-small',
      TrainingJobStatus: 'Completed',
      ModelArtifacts: { S3ModelArtifacts: `s3://${BUCKET}/models/dbpedia-small/output/model.tar.gz` },
      HyperParameters: expect.objectContaining({ mode: 'supervised' }),
      Tags: {},
    });
    // Event details carry epoch milliseconds, as AWS's examples do.
    expect(last.detail.CreationTime).toBe(job.CreationTime!.getTime());
    expect((last.detail.FinalMetricDataList as Array<{ MetricName: string }>)[0]?.MetricName).toBe('validation:accuracy');
  });

  it('keeps a log with the training progress (epochs, loss, words/s)', async () => {
    const log = await stack.sagemaker.readTrainingJobLog('dbpedia-small');
    expect(log).toContain('Downloading: Downloading input data');
    expect(log).toMatch(/Channel train: 2 object\(s\)/);
    expect(log).toMatch(/#epochs 20: trained in [\d.]+ s, loss [\d.]+, validation accuracy 0\.\d{4}/);
    expect(log).toMatch(/words\/sec\/thread/);
    expect(log).toContain('Completed: Training job completed');
  });

  it('writes the same log to CloudWatch Logs: /aws/sagemaker/TrainingJobs, stream <job>/algo-1-<epoch>', async () => {
    const { logStreams } = stack.logs.service.describeLogStreams({ group: '/aws/sagemaker/TrainingJobs', prefix: 'dbpedia-small/' });
    expect(logStreams.map((entry) => entry.logStreamName)).toEqual([`dbpedia-small/algo-1-${Math.floor(job.CreationTime!.getTime() / 1000)}`]);
    const messages = stack.logs.service.getLogEvents({ group: '/aws/sagemaker/TrainingJobs', stream: logStreams[0]!.logStreamName, startFromHead: true }).events.map((event) => event.message);
    const file = (await stack.sagemaker.readTrainingJobLog('dbpedia-small'))!.trim().split('\n').map((line) => line.slice(line.indexOf(' ') + 1));
    expect(messages).toEqual(file);
    expect(messages.at(-1)).toContain('Completed: Training job completed');
  });

  it('is listed, newest first, and filtered by name and status', async () => {
    const listed = await stack.client.sagemaker.send(new ListTrainingJobsCommand({ NameContains: 'DBPEDIA-S', StatusEquals: 'Completed' }));
    expect(listed.TrainingJobSummaries?.map((summary) => summary.TrainingJobName)).toEqual(['dbpedia-small']);
    expect(listed.TrainingJobSummaries?.[0]?.TrainingJobStatus).toBe('Completed');
  });

  it('refuses a second job with the same name, as SageMaker words it', async () => {
    await expect(stack.client.sagemaker.send(new CreateTrainingJobCommand(jobInput('dbpedia-small')))).rejects.toMatchObject({
      name: 'ValidationException',
      message:
        'Training job names must be unique within an AWS account and region, and a training job with this name already exists (arn:aws:sagemaker:us-east-1:000000000000:training-job/dbpedia-small)',
      $metadata: { httpStatusCode: 400 },
    });
  });
});

describe('hyperparameter validation', () => {
  it.each([
    [{ epochs: '-3' }, "Invalid value for hyperparameter 'epochs': '-3' (expected a positive integer)"],
    [{ learning_rate: 'fast' }, "Invalid value for hyperparameter 'learning_rate': 'fast' (expected a positive float)"],
    [{ word_ngrams: '1.5' }, "Invalid value for hyperparameter 'word_ngrams': '1.5' (expected a positive integer)"],
    [{ early_stopping: 'maybe' }, "Invalid value for hyperparameter 'early_stopping': 'maybe' (expected a boolean)"],
    [{ min_char: '3' }, "Additional hyperparameters are not allowed in supervised mode ('min_char' was unexpected)"],
    [{ mode: 'skipgram' }, "Hyperparameter 'mode' is 'skipgram'"],
  ])('fails the job with a FailureReason naming the bad hyperparameter (%j)', async (hyperparameters, reason) => {
    const name = `bad-hp-${Object.keys(hyperparameters)[0]!.replace(/_/g, '-')}`;
    await stack.client.sagemaker.send(new CreateTrainingJobCommand(jobInput(name, {}, hyperparameters)));
    const job = await waitForTrainingJob(stack.client.sagemaker, name);
    expect(job.TrainingJobStatus).toBe('Failed');
    expect(job.SecondaryStatus).toBe('Failed');
    expect(job.FailureReason).toContain(`ClientError: ${reason}`);
    const event = await waitFor(
      'the Failed event',
      () => stack.publisher.ofType(TRAINING_JOB_STATE_CHANGE).find((e) => e.detail.TrainingJobName === name && e.detail.TrainingJobStatus === 'Failed'),
      60_000,
    );
    expect(event.detail.FailureReason).toBe(job.FailureReason);
  });

  it('requires mode', async () => {
    const input = jobInput('no-mode');
    delete input.HyperParameters!.mode;
    await stack.client.sagemaker.send(new CreateTrainingJobCommand(input));
    const job = await waitForTrainingJob(stack.client.sagemaker, 'no-mode');
    expect(job.FailureReason).toBe("ClientError: Missing required hyperparameter 'mode' (valid value: supervised)");
  });
});

describe('early stopping', () => {
  it('evaluates each epoch from min_epochs, stops after `patience` epochs without improvement, keeps the best', async () => {
    const input = jobInput(
      'early-stop',
      {
        InputDataConfig: [
          { ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://${BUCKET}/small/train/part-0.txt` } } },
          { ChannelName: 'validation', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://${BUCKET}/small/validation/` } } },
        ],
      },
      { epochs: '60', learning_rate: '0.5', early_stopping: 'True', min_epochs: '3', patience: '2' },
    );
    await stack.client.sagemaker.send(new CreateTrainingJobCommand(input));
    const job = await waitForTrainingJob(stack.client.sagemaker, 'early-stop');
    expect(job.TrainingJobStatus).toBe('Completed');
    const log = (await stack.sagemaker.readTrainingJobLog('early-stop'))!;
    const runs = [...log.matchAll(/#epochs (\d+): trained in [\d.]+ s.*validation accuracy ([\d.]+)/g)].map((match) => ({
      epochs: Number(match[1]),
      accuracy: Number(match[2]),
    }));
    // Accuracy on 300 validation rows plateaus long before 60 epochs: the rule must have stopped training.
    expect(runs.length).toBeGreaterThanOrEqual(3);
    expect(runs.length).toBeLessThan(58);
    expect(runs.map((run) => run.epochs)).toEqual(runs.map((_, i) => 3 + i));
    // Replaying BlazingText's rule over the logged accuracies must stop exactly at the last run.
    let best = runs[0]!;
    let sinceImprovement = 0;
    const stopAt = runs.findIndex((run, index) => {
      if (index === 0) return false;
      if (run.accuracy > best.accuracy) {
        best = run;
        sinceImprovement = 0;
      } else sinceImprovement += 1;
      return sinceImprovement === 2;
    });
    expect(stopAt).toBe(runs.length - 1);
    expect(log).toContain(`Early stopping: no validation accuracy improvement for 2 epoch(s); keeping the ${best.epochs}-epoch model`);
    expect(job.FinalMetricDataList?.[0]?.Value).toBeCloseTo(best.accuracy, 4);
  });

  it('needs a validation channel', async () => {
    const input = jobInput('early-stop-no-validation', {}, { early_stopping: 'true' });
    input.InputDataConfig = input.InputDataConfig!.slice(0, 1);
    await stack.client.sagemaker.send(new CreateTrainingJobCommand(input));
    const job = await waitForTrainingJob(stack.client.sagemaker, 'early-stop-no-validation');
    expect(job.FailureReason).toMatch(/^ClientError: Hyperparameter 'early_stopping' is True but there is no validation channel/);
  });
});

describe('stopping', () => {
  // Thousands of epochs over the small split: minutes of training unless something stops it.
  const longJob = (name: string, maxRuntime: number): CreateTrainingJobCommandInput =>
    jobInput(name, { StoppingCondition: { MaxRuntimeInSeconds: maxRuntime } }, { epochs: '5000' });

  /** The pid of the job's trainer process: the one started with the job's trainer-spec.json. */
  async function trainerPid(name: string): Promise<number> {
    const specPath = join(stack.stateDir, 'sagemaker', 'jobs', name, 'model', 'trainer-spec.json');
    return waitFor(`the trainer of ${name} to start`, async () => {
      const log = await stack.sagemaker.readTrainingJobLog(name);
      if (!log?.includes('Training BlazingText')) return undefined;
      const processes = execFileSync('ps', ['-eo', 'pid=,args=']).toString().split('\n');
      const row = processes.find((line) => line.includes(specPath));
      return row === undefined ? undefined : Number(row.trim().split(/\s+/, 1)[0]);
    }, 60_000);
  }

  it('stops a job that exceeds MaxRuntimeInSeconds and kills its trainer', async () => {
    await stack.client.sagemaker.send(new CreateTrainingJobCommand(longJob('max-runtime', 3)));
    const pid = await trainerPid('max-runtime');
    const job = await waitForTrainingJob(stack.client.sagemaker, 'max-runtime', 30_000);
    expect(job.TrainingJobStatus).toBe('Stopped');
    expect(job.SecondaryStatus).toBe('MaxRuntimeExceeded');
    expect(job.FailureReason).toMatch(/^MaxRuntimeExceeded: Training job stopped: it exceeded MaxRuntimeInSeconds \(3 s\)/);
    expect(job.SecondaryStatusTransitions?.map((t) => t.Status)).toEqual(['Starting', 'Downloading', 'Training', 'Stopping', 'MaxRuntimeExceeded']);
    const elapsed = job.TrainingEndTime!.getTime() - job.CreationTime!.getTime();
    expect(elapsed).toBeGreaterThanOrEqual(3000);
    expect(elapsed).toBeLessThan(15_000);
    expect(processAlive(pid)).toBe(false);
  });

  it('stops a job on StopTrainingJob', async () => {
    await stack.client.sagemaker.send(new CreateTrainingJobCommand(longJob('stop-me', 600)));
    const pid = await trainerPid('stop-me');
    await stack.client.sagemaker.send(new StopTrainingJobCommand({ TrainingJobName: 'stop-me' }));
    const job = await waitForTrainingJob(stack.client.sagemaker, 'stop-me', 30_000);
    expect(job.TrainingJobStatus).toBe('Stopped');
    expect(job.SecondaryStatus).toBe('Stopped');
    expect(processAlive(pid)).toBe(false);
    await expect(stack.client.sagemaker.send(new StopTrainingJobCommand({ TrainingJobName: 'stop-me' }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'The request was rejected because the training job is in status Stopped.',
    });
  });
});

describe('requests SageMaker refuses', () => {
  it('refuses an image that is not BlazingText, naming it', async () => {
    const image = '123456789012.dkr.ecr.us-east-1.amazonaws.com/xgboost:1';
    await expect(
      stack.client.sagemaker.send(new CreateTrainingJobCommand(jobInput('xgboost', { AlgorithmSpecification: { TrainingImage: image, TrainingInputMode: 'File' } }))),
    ).rejects.toMatchObject({ name: 'ValidationException', message: expect.stringContaining(`Training image ${image} is not supported`) });
  });

  it('answers an invalid name with the AWS validation message', async () => {
    await expect(stack.client.sagemaker.send(new CreateTrainingJobCommand(jobInput('bad_name')))).rejects.toMatchObject({
      name: 'ValidationException',
      message:
        "1 validation error detected: Value 'bad_name' at 'trainingJobName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$",
    });
  });

  it('answers DescribeTrainingJob for an unknown job as SageMaker does', async () => {
    await expect(stack.client.sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: 'nope' }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'Requested resource not found.',
    });
  });

  it('fails a job whose train channel is empty', async () => {
    await stack.client.sagemaker.send(
      new CreateTrainingJobCommand(
        jobInput('empty-channel', {
          InputDataConfig: [{ ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://${BUCKET}/nothing-here/` } } }],
        }),
      ),
    );
    const job = await waitForTrainingJob(stack.client.sagemaker, 'empty-channel');
    expect(job.FailureReason).toBe(`ClientError: Channel 'train': no data found under s3://${BUCKET}/nothing-here/`);
  });
});
