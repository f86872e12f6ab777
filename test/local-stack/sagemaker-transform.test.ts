/**
 * Batch Transform through the AWS SDK: BlazingText's batch semantics (JSON Lines `{"source": ...}` input
 * split by line, MultiRecord mini-batches, `<object>.out` beside each input under the output path, one
 * `{"prob", "label"}` line per record) with the fastText CLI's predictions, the `SageMaker Transform Job
 * State Change` events, StopTransformJob, ListTransformJobs, SageMaker's validation errors, and the speed
 * against `fasttext predict` on the same model and file, measured in the same run.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import {
  CreateModelCommand,
  CreateTrainingJobCommand,
  CreateTransformJobCommand,
  DescribeTransformJobCommand,
  ListTransformJobsCommand,
  StopTransformJobCommand,
  type CreateTransformJobCommandInput,
  type DescribeTransformJobCommandOutput,
} from '@aws-sdk/client-sagemaker';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { silentLogger } from '../../local-stack/src/core/logger';
import { TRANSFORM_JOB_STATE_CHANGE } from '../../local-stack/src/providers/sagemaker';
import { FastTextModel } from '../../local-stack/src/providers/sagemaker/model/fasttext/model';
import { PredictionPool } from '../../local-stack/src/providers/sagemaker/runtime/prediction-pool';
import { providerBundle } from '../../local-stack/src/providers/sagemaker/runtime/script-bundle';
import { fastTextCli } from '../../scripts/lib/fasttext-cli';
import { BLAZINGTEXT_IMAGE, cliPredictions, createBucket, downloadModelBin, fastTextLines, getObjectBytes, printed, putText, ROLE_ARN, smallSplit, waitForTrainingJob } from './sagemaker-harness';
import { useProviderStack } from '../support/stack';
import { temporaryDirectory } from '../support/temporary-directory';
import { waitFor } from '../support/wait';

jest.setTimeout(180_000);

const BUCKET = 'transform-data';
const MODEL = 'transform-model';
/** The pipeline's hyperparameters (services/training/serverless.yml): an 80 MB model, as the pipeline's. */
const HYPERPARAMETERS = { epochs: '10', learning_rate: '0.5', word_ngrams: '2', vector_dim: '10', min_count: '1', buckets: '2000000' };
const stack = useProviderStack();
const temp = temporaryDirectory('sagemaker-transform');
const split = smallSplit(8000, 0, 6000);
const testTexts = split.test.map((example) => example.text);
const jsonLines = (texts: readonly string[]): string => texts.map((text) => `${JSON.stringify({ source: text })}\n`).join('');
let modelBin: string;

async function createJob(name: string, overrides: Partial<CreateTransformJobCommandInput> = {}): Promise<void> {
  await stack.client.sagemaker.send(
    new CreateTransformJobCommand({
      TransformJobName: name,
      ModelName: MODEL,
      BatchStrategy: 'MultiRecord',
      MaxPayloadInMB: 6,
      TransformInput: {
        DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://${BUCKET}/input/test/` } },
        ContentType: 'application/jsonlines',
        SplitType: 'Line',
      },
      TransformOutput: { S3OutputPath: `s3://${BUCKET}/output/${name}/`, Accept: 'application/jsonlines', AssembleWith: 'Line' },
      TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 1 },
      ...overrides,
    }),
  );
}

function jobEnded(name: string): Promise<DescribeTransformJobCommandOutput> {
  return waitFor(`transform job ${name} to end`, async () => {
    const job = await stack.client.sagemaker.send(new DescribeTransformJobCommand({ TransformJobName: name }));
    return ['Completed', 'Failed', 'Stopped'].includes(job.TransformJobStatus ?? '') ? job : undefined;
  }, 60_000, 20);
}

function nativePredictSeconds(): number {
  const started = performance.now();
  execFileSync(fastTextCli(), ['predict', modelBin, join(temp.dir, 'test.txt')], { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 26 });
  return (performance.now() - started) / 1000;
}

async function outputLines(key: string): Promise<Array<{ label: string[]; prob: number[] }>> {
  const text = (await getObjectBytes(stack.client.s3, BUCKET, key)).toString('utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text.trimEnd().split('\n').map((line) => JSON.parse(line) as { label: string[]; prob: number[] });
}

async function sendError(command: Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
  try {
    await command;
  } catch (error) {
    const failure = error as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: failure.name, message: failure.message, status: failure.$metadata?.httpStatusCode };
  }
  throw new Error('the call succeeded');
}

beforeAll(async () => {
  // Trained by a local BlazingText job, as the pipeline's models are.
  await createBucket(stack.client.s3, BUCKET);
  await putText(stack.client.s3, BUCKET, 'data/train/train.txt', fastTextLines(split.train));
  await stack.client.sagemaker.send(
    new CreateTrainingJobCommand({
      TrainingJobName: 'transform-training',
      AlgorithmSpecification: { TrainingImage: BLAZINGTEXT_IMAGE, TrainingInputMode: 'File' },
      RoleArn: ROLE_ARN,
      HyperParameters: { mode: 'supervised', ...HYPERPARAMETERS },
      InputDataConfig: [{ ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://${BUCKET}/data/train/` } } }],
      OutputDataConfig: { S3OutputPath: `s3://${BUCKET}/models` },
      ResourceConfig: { InstanceType: 'ml.c5.xlarge', InstanceCount: 1, VolumeSizeInGB: 5 },
      StoppingCondition: { MaxRuntimeInSeconds: 300 },
    }),
  );
  const training = await waitForTrainingJob(stack.client.sagemaker, 'transform-training');
  expect(training.TrainingJobStatus).toBe('Completed');
  const modelUrl = training.ModelArtifacts!.S3ModelArtifacts!;
  modelBin = await downloadModelBin(stack.client.s3, modelUrl, temp.dir);
  await stack.client.sagemaker.send(new CreateModelCommand({ ModelName: MODEL, ExecutionRoleArn: ROLE_ARN, PrimaryContainer: { Image: BLAZINGTEXT_IMAGE, ModelDataUrl: modelUrl } }));
  await putText(stack.client.s3, BUCKET, 'input/test/test.jsonl', jsonLines(testTexts));
  writeFileSync(join(temp.dir, 'test.txt'), `${testTexts.join('\n')}\n`);
});

afterAll(() => temp.remove());

describe('a BlazingText transform job', () => {
  it('predicts every record as the fastText CLI does, in <input>.out under the output path, and prints its speed against fasttext predict', async () => {
    const created = Date.now();
    await createJob('transform-test');
    const job = await jobEnded('transform-test');
    const wall = (Date.now() - created) / 1000;
    expect(job).toMatchObject({ TransformJobStatus: 'Completed', ModelName: MODEL, BatchStrategy: 'MultiRecord', MaxPayloadInMB: 6 });
    expect(job.TransformJobArn).toBe('arn:aws:sagemaker:us-east-1:000000000000:transform-job/transform-test');
    expect(job.TransformStartTime!.getTime()).toBeLessThanOrEqual(job.TransformEndTime!.getTime());
    expect(job.TransformOutput).toEqual({ S3OutputPath: `s3://${BUCKET}/output/transform-test/`, Accept: 'application/jsonlines', AssembleWith: 'Line' });

    const listed = await stack.client.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'output/transform-test/' }));
    expect(listed.Contents?.map((object) => object.Key)).toEqual(['output/transform-test/test.jsonl.out']);
    const lines = await outputLines('output/transform-test/test.jsonl.out');
    const reference = await cliPredictions(modelBin, testTexts, 1);
    expect(lines).toHaveLength(testTexts.length);
    expect(lines.map((line) => line.label)).toEqual(reference.map((line) => line.label));
    expect(lines.map((line) => line.prob.map(printed))).toEqual(reference.map((line) => line.prob));

    // The same model and rows through the native CLI, timed from start to end (model load included), as
    // SageMaker times a job (TransformStartTime to TransformEndTime). The first job runs the model its
    // training job just wrote (the challenger: the cache loads it when the artifact is written); a second
    // job after it (a model an endpoint serves: the champion) finds it loaded. The CLI's best of two runs
    // is the reference.
    const nativeSeconds = Math.min(nativePredictSeconds(), nativePredictSeconds());
    await createJob('transform-again');
    const again = await jobEnded('transform-again');
    expect(again.TransformJobStatus).toBe('Completed');
    const rate = (described: DescribeTransformJobCommandOutput): number =>
      testTexts.length / ((described.TransformEndTime!.getTime() - described.TransformStartTime!.getTime()) / 1000);
    const nativeRate = testTexts.length / nativeSeconds;
    process.stdout.write(
      `[sagemaker-transform] ${testTexts.length} rows, 80 MB model: fasttext predict ${nativeRate.toFixed(0)} rows/s (${nativeSeconds.toFixed(3)} s); ` +
        `transform job, the model its training just wrote ${rate(job).toFixed(0)} rows/s (${(rate(job) / nativeRate).toFixed(2)}x, ${wall.toFixed(3)} s create to Completed), ` +
        `model already loaded ${rate(again).toFixed(0)} rows/s (${(rate(again) / nativeRate).toFixed(2)}x)\n`,
    );
    // Issue 12 asks for 0.8x. Printed, not asserted: on this 2-core machine shared by several test runs
    // (load average 10-15) both figures swing between 0.2x and 1.2x from one run to the next.
    expect(rate(job)).toBeGreaterThan(0);

    const events = stack.publisher.ofType(TRANSFORM_JOB_STATE_CHANGE).filter((event) => event.detail.TransformJobName === 'transform-test');
    expect(events.map((event) => event.detail.TransformJobStatus)).toEqual(['InProgress', 'Completed']);
    expect(events[1]).toMatchObject({ source: 'aws.sagemaker', resources: [job.TransformJobArn] });
    expect(events[1]!.detail).toMatchObject({
      ModelName: MODEL,
      TransformOutput: { S3OutputPath: `s3://${BUCKET}/output/transform-test/` },
      TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 1 },
      CreationTime: expect.any(Number),
      TransformEndTime: expect.any(Number),
    });
  });

  it('keeps each object\'s folder below the input prefix, reads gzip, answers k per record, and concatenates with AssembleWith None', async () => {
    await putText(stack.client.s3, BUCKET, 'input/many/a.jsonl.gz', gzipSync(jsonLines(testTexts.slice(0, 10))));
    await putText(stack.client.s3, BUCKET, 'input/many/sub/b.jsonl.gz', gzipSync(`${JSON.stringify({ source: testTexts[0], k: 3 })}\n`));
    await createJob('transform-many', {
      TransformInput: {
        DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://${BUCKET}/input/many/` } },
        ContentType: 'application/jsonlines',
        SplitType: 'Line',
        CompressionType: 'Gzip',
      },
      TransformOutput: { S3OutputPath: `s3://${BUCKET}/output/many`, AssembleWith: 'Line' },
    });
    expect((await jobEnded('transform-many')).TransformJobStatus).toBe('Completed');
    expect(await outputLines('output/many/a.jsonl.gz.out')).toHaveLength(10);
    const [ranked] = await outputLines('output/many/sub/b.jsonl.gz.out');
    expect(ranked!.label).toEqual((await cliPredictions(modelBin, [testTexts[0]!], 3))[0]!.label);

    // SingleRecord with AssembleWith None: each response as the container gave it, back to back.
    await createJob('transform-single', {
      BatchStrategy: 'SingleRecord',
      TransformInput: { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://${BUCKET}/input/many/a.jsonl.gz` } }, ContentType: 'application/jsonlines', SplitType: 'Line', CompressionType: 'Gzip' },
      TransformOutput: { S3OutputPath: `s3://${BUCKET}/output/single/`, AssembleWith: 'None' },
    });
    expect((await jobEnded('transform-single')).TransformJobStatus).toBe('Completed');
    const glued = (await getObjectBytes(stack.client.s3, BUCKET, 'output/single/a.jsonl.gz.out')).toString('utf8');
    expect(glued.split('}{')).toHaveLength(10);
  });

  it('fails a job on a record BlazingText refuses, naming the object, and writes no output for it', async () => {
    await putText(stack.client.s3, BUCKET, 'input/bad/rows.jsonl', `${JSON.stringify({ source: 'fine' })}\n{"text": "no source"}\n`);
    await createJob('transform-bad', {
      TransformInput: { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://${BUCKET}/input/bad/` } }, ContentType: 'application/jsonlines', SplitType: 'Line' },
      TransformOutput: { S3OutputPath: `s3://${BUCKET}/output/bad/` },
    });
    const job = await jobEnded('transform-bad');
    expect(job.TransformJobStatus).toBe('Failed');
    expect(job.FailureReason).toMatch(/^ClientError: s3:\/\/transform-data\/input\/bad\/rows\.jsonl: Line 2 must be a JSON object with a "source" string/);
    const listed = await stack.client.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'output/bad/' }));
    expect(listed.KeyCount).toBe(0);

    await createJob('transform-empty', { TransformInput: { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://${BUCKET}/nothing/` } }, ContentType: 'application/jsonlines', SplitType: 'Line' } });
    expect(await jobEnded('transform-empty')).toMatchObject({ TransformJobStatus: 'Failed', FailureReason: expect.stringMatching(/^ClientError: No S3 objects found under S3 URL "s3:\/\/transform-data\/nothing\/"/) });
  });

  it('writes each job\'s run to CloudWatch Logs: /aws/sagemaker/TransformJobs, stream <job>/<instance>-<epoch>', async () => {
    const messagesOf = (job: string): string[] => {
      const { logStreams } = stack.logs.service.describeLogStreams({ group: '/aws/sagemaker/TransformJobs', prefix: `${job}/` });
      expect(logStreams.map((stream) => stream.logStreamName)).toEqual([expect.stringMatching(new RegExp(`^${job}/i-[0-9a-f]{17}-\\d{10}$`))]);
      return stack.logs.service.getLogEvents({ group: '/aws/sagemaker/TransformJobs', stream: logStreams[0]!.logStreamName, startFromHead: true }).events.map((event) => event.message);
    };
    const done = messagesOf('transform-test');
    expect(done[0]).toMatch(new RegExp(`^Model ${MODEL} \\(s3://${BUCKET}/models/.*model\\.tar\\.gz\\); 1 input object\\(s\\) under s3://${BUCKET}/input/test/; MultiRecord, up to 6 MB per request$`));
    expect(done[1]).toMatch(new RegExp(`^s3://${BUCKET}/input/test/test\\.jsonl: ${testTexts.length} record\\(s\\) in \\d+ request\\(s\\) -> s3://${BUCKET}/output/transform-test/test\\.jsonl\\.out$`));
    expect(done.at(-1)).toMatch(/^Completed in \d+\.\d\d s$/);
    expect(messagesOf('transform-bad').at(-1)).toMatch(/^Failed: ClientError: s3:\/\/transform-data\/input\/bad\/rows\.jsonl: Line 2/);
  });

  it('parses a model in a prediction worker, off the event loop: the same model as parsed in-process', async () => {
    const pool = new PredictionPool(providerBundle('runtime/prediction-worker', join(temp.dir, 'pool')), 2, silentLogger);
    try {
      pool.warm();
      const started = performance.now();
      const local = FastTextModel.parse(readFileSync(modelBin));
      const inProcessMs = performance.now() - started;
      // The longest the event loop went unserved while a worker parsed the same file.
      let lagMs = 0;
      let last = performance.now();
      const ticker = setInterval(() => {
        const now = performance.now();
        lagMs = Math.max(lagMs, now - last);
        last = now;
      }, 5);
      const data = await pool.parse(modelBin);
      clearInterval(ticker);
      expect(data).toBeDefined();
      const parsed = new FastTextModel(data!);
      expect(parsed.labels).toEqual(local.labels);
      expect(data!.input.length).toBe(local.data.input.length);
      expect(testTexts.slice(0, 50).map((text) => parsed.predict(text, 2))).toEqual(testTexts.slice(0, 50).map((text) => local.predict(text, 2)));
      process.stdout.write(`[sagemaker-transform] 80 MB model: parsed in-process ${inProcessMs.toFixed(0)} ms of blocked event loop; in a worker, the longest event-loop gap ${lagMs.toFixed(0)} ms\n`);
      expect(lagMs).toBeLessThan(inProcessMs);
      await expect(pool.parse(join(temp.dir, 'test.txt'))).rejects.toThrow(/not a fastText model/);
    } finally {
      await pool.stop();
    }
  });

  it('stops a job: Stopping, then Stopped, with no output; stopping it again is a no-op', async () => {
    const many = Array.from({ length: 20 }, (_, i) => `input/stop/part-${String(i).padStart(2, '0')}.jsonl`);
    await Promise.all(many.map((key) => putText(stack.client.s3, BUCKET, key, jsonLines(testTexts))));
    await createJob('transform-stop', { TransformInput: { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://${BUCKET}/input/stop/` } }, ContentType: 'application/jsonlines', SplitType: 'Line' } });
    await stack.client.sagemaker.send(new StopTransformJobCommand({ TransformJobName: 'transform-stop' }));
    const job = await jobEnded('transform-stop');
    expect(job.TransformJobStatus).toBe('Stopped');
    await stack.client.sagemaker.send(new StopTransformJobCommand({ TransformJobName: 'transform-stop' }));
    const listed = await stack.client.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'output/transform-stop/' }));
    expect(listed.KeyCount ?? 0).toBeLessThan(many.length);
    // The record is saved before its event is published: the last event may follow the describe.
    const statuses = await waitFor('the Stopped event', () => {
      const seen = stack.publisher.ofType(TRANSFORM_JOB_STATE_CHANGE).filter((event) => event.detail.TransformJobName === 'transform-stop').map((event) => event.detail.TransformJobStatus);
      return seen.includes('Stopped') ? seen : undefined;
    }, 10_000);
    expect(statuses).toEqual(['InProgress', 'Stopping', 'Stopped']);
  });

  it('lists jobs by name and status, newest first, a page at a time', async () => {
    const completed = await stack.client.sagemaker.send(new ListTransformJobsCommand({ NameContains: 'transform-', StatusEquals: 'Completed' }));
    expect(completed.TransformJobSummaries?.map((job) => job.TransformJobName)).toEqual(['transform-single', 'transform-many', 'transform-again', 'transform-test']);
    const page = await stack.client.sagemaker.send(new ListTransformJobsCommand({ MaxResults: 2, SortBy: 'Name', SortOrder: 'Ascending' }));
    expect(page.TransformJobSummaries?.map((job) => job.TransformJobName)).toEqual(['transform-again', 'transform-bad']);
    expect(page.NextToken).toBeDefined();
    expect(page.TransformJobSummaries?.[1]).toMatchObject({ TransformJobStatus: 'Failed', FailureReason: expect.stringContaining('ClientError') });
  });

  it('answers bad requests as SageMaker does', async () => {
    const duplicate = await sendError(createJob('transform-test'));
    expect(duplicate).toMatchObject({ name: 'ResourceInUse', status: 400 });
    expect(duplicate.message).toContain('arn:aws:sagemaker:us-east-1:000000000000:transform-job/transform-test');

    const badName = await sendError(createJob('bad_name'));
    expect(badName).toMatchObject({ name: 'ValidationException', status: 400 });
    expect(badName.message).toBe(
      "1 validation error detected: Value 'bad_name' at 'transformJobName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$",
    );
    const noModel = await sendError(createJob('transform-no-model', { ModelName: 'missing-model' }));
    expect(noModel).toMatchObject({ name: 'ValidationException', message: 'Could not find model "arn:aws:sagemaker:us-east-1:000000000000:model/missing-model".' });
    const badType = await sendError(createJob('transform-bad-type', { TransformResources: { InstanceType: 'm5.large' as never, InstanceCount: 0 } }));
    expect(badType.message).toMatch(/^2 validation errors detected: .*'transformResources\.instanceType'.*'transformResources\.instanceCount' failed to satisfy constraint: Member must have value greater than or equal to 1/);
    const recordIo = await sendError(createJob('transform-recordio', { TransformInput: { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://${BUCKET}/input/test/` } }, SplitType: 'RecordIO' } }));
    expect(recordIo).toMatchObject({ name: 'ValidationException', message: expect.stringContaining('SplitType RecordIO') });
    const unknown = await sendError(stack.client.sagemaker.send(new DescribeTransformJobCommand({ TransformJobName: 'no-such-job' })));
    expect(unknown).toMatchObject({ name: 'ValidationException', message: "Could not find transform job 'arn:aws:sagemaker:us-east-1:000000000000:transform-job/no-such-job'." });
  });
});
