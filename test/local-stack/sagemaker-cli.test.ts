/**
 * Issue 5's acceptance test, through the AWS CLI alone: a BlazingText training job on DBpedia
 * data in the local S3, its validation accuracy, a model, an endpoint config and an endpoint, and
 * `sagemaker-runtime invoke-endpoint` predicting as accurately as the native fastText CLI trained
 * on the same files with the same hyperparameters; a job with `epochs=-3` fails naming `epochs`;
 * malformed invocation bodies are refused with a 400 ValidationError; a batch transform job
 * (create-transform-job, describe-transform-job) predicts the test texts as the endpoint does. Runs with the AWS CLI the machine
 * has (test/support/aws-cli.ts), v1 or v2; skipped, saying so in jest's summary, without one.
 *
 * The CLI's own waiters poll SageMaker every 30 to 120 s: the test polls describe-* itself, with a
 * deadline.
 */
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cliFlagsFor, testAccuracy, train } from '../../scripts/lib/fasttext-cli';
import { AwsCli, describeWithCli, printedTimestampMs } from '../support/aws-cli';
import {
  BLAZINGTEXT_IMAGE,
  fastTextLines,
  ROLE_ARN,
  smallSplit,
  type DataSplit,
} from './sagemaker-harness';
import { useProviderStack } from '../support/stack';
import { temporaryDirectory } from '../support/temporary-directory';
import { waitFor } from '../support/wait';

const BUCKET = 'sagemaker-cli-data';
const JOB = 'cli-blazingtext';
const BAD_JOB = 'cli-blazingtext-bad-epochs';
const ENDPOINT = 'cli-blazingtext-endpoint';

/** The hyperparameters of the issue; the rest are BlazingText's defaults. */
const HYPERPARAMETERS = { mode: 'supervised', epochs: '10', learning_rate: '0.5', word_ngrams: '2', vector_dim: '10' };

interface TrainingJob {
  TrainingJobStatus: string;
  SecondaryStatus?: string;
  FailureReason?: string;
  ModelArtifacts?: { S3ModelArtifacts: string };
  FinalMetricDataList?: Array<{ MetricName: string; Value: number }>;
}

interface Prediction {
  label: string[];
  prob: number[];
}

describeWithCli('SageMaker BlazingText through the AWS CLI alone', () => {
  const stack = useProviderStack();
  let workDir: string;
  let aws: AwsCli;
  let split: DataSplit;
  const file = (name: string): string => join(workDir, name);

  function trainingJobArguments(name: string, hyperparameters: Record<string, string>): string[] {
    const channel = (channelName: string) => ({
      ChannelName: channelName,
      ContentType: 'text/plain',
      DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://${BUCKET}/dbpedia/${channelName}/`, S3DataDistributionType: 'FullyReplicated' } },
    });
    return [
      'sagemaker',
      'create-training-job',
      '--training-job-name',
      name,
      '--algorithm-specification',
      `TrainingImage=${BLAZINGTEXT_IMAGE},TrainingInputMode=File`,
      '--role-arn',
      ROLE_ARN,
      '--hyper-parameters',
      JSON.stringify(hyperparameters),
      '--input-data-config',
      JSON.stringify([channel('train'), channel('validation')]),
      '--output-data-config',
      `S3OutputPath=s3://${BUCKET}/models/`,
      '--resource-config',
      'InstanceType=ml.c5.xlarge,InstanceCount=1,VolumeSizeInGB=10',
      '--stopping-condition',
      'MaxRuntimeInSeconds=600',
    ];
  }

  function describeTrainingJob(name: string): Promise<TrainingJob> {
    return aws.json<TrainingJob>('sagemaker', 'describe-training-job', '--training-job-name', name);
  }

  /** Polls describe-training-job until the job ends (the CLI's waiter polls every 120 s). */
  function trainingJobEnded(name: string): Promise<TrainingJob> {
    return waitFor(
      `training job ${name} to end`,
      async () => {
        const job = await describeTrainingJob(name);
        return ['Completed', 'Failed', 'Stopped'].includes(job.TrainingJobStatus) ? job : undefined;
      },
      45_000,
      200,
    );
  }

  beforeAll(async () => {
    workDir = temporaryDirectory('sagemaker-cli').dir;
    aws = new AwsCli(() => stack.url, workDir);
    // 10,000 rows train in about a second; 2,000 test rows make one point 20 predictions.
    split = smallSplit(10_000, 2_000, 2_000);
    await writeFile(file('train.txt'), fastTextLines(split.train));
    await writeFile(file('validation.txt'), fastTextLines(split.validation));
    await writeFile(file('test.txt'), fastTextLines(split.test));
    await writeFile(file('instances.json'), JSON.stringify({ instances: split.test.map((example) => example.text) }));
    await aws.ok('s3', 'mb', `s3://${BUCKET}`);
    await Promise.all([
      aws.ok('s3', 'cp', file('train.txt'), `s3://${BUCKET}/dbpedia/train/train.txt`, '--no-progress'),
      aws.ok('s3', 'cp', file('validation.txt'), `s3://${BUCKET}/dbpedia/validation/validation.txt`, '--no-progress'),
    ]);
  }, 60_000);

  afterAll(async () => {
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('trains, reports validation:accuracy, serves, and predicts as accurately as the native fastText CLI', async () => {
    const started = Date.now();
    const created = await aws.json<{ TrainingJobArn: string }>(...trainingJobArguments(JOB, HYPERPARAMETERS));
    expect(created.TrainingJobArn).toBe(`arn:aws:sagemaker:us-east-1:000000000000:training-job/${JOB}`);

    const job = await trainingJobEnded(JOB);
    expect(job).toMatchObject({ TrainingJobStatus: 'Completed', SecondaryStatus: 'Completed' });
    expect(job.ModelArtifacts?.S3ModelArtifacts).toBe(`s3://${BUCKET}/models/${JOB}/output/model.tar.gz`);
    const artifact = await aws.json<{ ContentLength: number }>('s3api', 'head-object', '--bucket', BUCKET, '--key', `models/${JOB}/output/model.tar.gz`);
    expect(artifact.ContentLength).toBeGreaterThan(0);
    const validationAccuracy = job.FinalMetricDataList?.find((metric) => metric.MetricName === 'validation:accuracy')?.Value;
    expect(validationAccuracy).toBeGreaterThan(0.9);
    expect(validationAccuracy).toBeLessThanOrEqual(1);
    const trainedAt = Date.now();

    const model = await aws.json<{ ModelArn: string }>(
      'sagemaker',
      'create-model',
      '--model-name',
      `${JOB}-model`,
      '--primary-container',
      `Image=${BLAZINGTEXT_IMAGE},ModelDataUrl=${job.ModelArtifacts!.S3ModelArtifacts}`,
      '--execution-role-arn',
      ROLE_ARN,
    );
    expect(model.ModelArn).toBe(`arn:aws:sagemaker:us-east-1:000000000000:model/${JOB}-model`);
    const config = await aws.json<{ EndpointConfigArn: string }>(
      'sagemaker',
      'create-endpoint-config',
      '--endpoint-config-name',
      `${JOB}-config`,
      '--production-variants',
      `VariantName=AllTraffic,ModelName=${JOB}-model,InitialInstanceCount=1,InstanceType=ml.m5.large,InitialVariantWeight=1`,
    );
    expect(config.EndpointConfigArn).toBe(`arn:aws:sagemaker:us-east-1:000000000000:endpoint-config/${JOB}-config`);
    const endpoint = await aws.json<{ EndpointArn: string }>('sagemaker', 'create-endpoint', '--endpoint-name', ENDPOINT, '--endpoint-config-name', `${JOB}-config`);
    expect(endpoint.EndpointArn).toBe(`arn:aws:sagemaker:us-east-1:000000000000:endpoint/${ENDPOINT}`);

    interface Endpoint {
      EndpointStatus: string;
      EndpointConfigName: string;
      FailureReason?: string;
      ProductionVariants?: Array<{ VariantName: string; CurrentInstanceCount?: number; CurrentWeight?: number }>;
    }
    const inService = await waitFor(
      `endpoint ${ENDPOINT} to leave Creating`,
      async () => {
        const described = await aws.json<Endpoint>('sagemaker', 'describe-endpoint', '--endpoint-name', ENDPOINT);
        return described.EndpointStatus === 'Creating' ? undefined : described;
      },
      30_000,
      200,
    );
    expect(inService).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: `${JOB}-config` });
    expect(inService.ProductionVariants).toEqual([expect.objectContaining({ VariantName: 'AllTraffic', CurrentInstanceCount: 1, CurrentWeight: 1 })]);
    const servingAt = Date.now();

    // One batch request with every test text; the predictions go to out.json, the metadata to stdout.
    const invoked = await aws.json<{ ContentType: string; InvokedProductionVariant: string }>(
      'sagemaker-runtime',
      'invoke-endpoint',
      '--endpoint-name',
      ENDPOINT,
      '--content-type',
      'application/json',
      '--accept',
      'application/json',
      '--body',
      `fileb://${file('instances.json')}`,
      file('out.json'),
    );
    expect(invoked).toEqual({ ContentType: 'application/json', InvokedProductionVariant: 'AllTraffic' });
    const predictions = JSON.parse(await readFile(file('out.json'), 'utf8')) as Prediction[];
    expect(predictions).toHaveLength(split.test.length);
    for (const prediction of predictions) {
      expect(prediction.label).toHaveLength(1);
      expect(prediction.label[0]).toMatch(/^__label__\d+$/);
      expect(prediction.prob[0]).toBeGreaterThan(0);
      // fastText (and so BlazingText) reports exp(log(p + 1e-5)) as a float32: a sure prediction is 1.00001.
      expect(prediction.prob[0]).toBeLessThanOrEqual(Math.fround(1.00001));
    }
    const right = predictions.filter((prediction, index) => prediction.label[0] === `__label__${split.test[index]!.label}`).length;
    const endpointAccuracy = right / predictions.length;
    const invokedAt = Date.now();

    // The same training for the native CLI: the job's hyperparameters, BlazingText's defaults for the rest.
    train(file('train.txt'), file('native'), cliFlagsFor(HYPERPARAMETERS));
    const nativeTest = testAccuracy(file('native.bin'), file('test.txt'));
    const nativeValidation = testAccuracy(file('native.bin'), file('validation.txt'));
    process.stdout.write(
      `[sagemaker-cli] test accuracy: endpoint ${endpointAccuracy.toFixed(4)}, native fasttext ${nativeTest.toFixed(4)}; ` +
        `validation: job's validation:accuracy ${validationAccuracy!.toFixed(4)}, native ${nativeValidation.toFixed(4)} ` +
        `(${split.train.length} train, ${split.test.length} test rows); ` +
        `trained in ${((trainedAt - started) / 1000).toFixed(1)} s, in service after ${((servingAt - trainedAt) / 1000).toFixed(1)} s, ` +
        `invoked in ${((invokedAt - servingAt) / 1000).toFixed(1)} s\n`,
    );
    // Both train with 2 threads (Hogwild: runs differ slightly). The benchmark holds the two within 0.5
    // points on means of several runs; one run each, as here, needs a little slack: 1 point (which also
    // covers `fasttext test` printing its accuracy to 3 digits).
    expect(Math.abs(endpointAccuracy - nativeTest)).toBeLessThanOrEqual(0.01);
    expect(Math.abs(validationAccuracy! - nativeValidation)).toBeLessThanOrEqual(0.01);
  }, 90_000);

  it('fails a job with epochs=-3, with a FailureReason naming epochs', async () => {
    // SageMaker accepts the request (hyperparameters are strings to it); BlazingText refuses the value
    // when the job starts, and the job fails with a ClientError.
    await aws.json(...trainingJobArguments(BAD_JOB, { ...HYPERPARAMETERS, epochs: '-3' }));
    const job = await trainingJobEnded(BAD_JOB);
    expect(job.TrainingJobStatus).toBe('Failed');
    expect(job.FailureReason).toMatch(/^ClientError: .*'epochs'.*'-3'/);
    expect(job.FinalMetricDataList ?? []).toEqual([]);
    // DescribeTrainingJob always names the artifact's location; a failed job writes nothing there.
    const artifact = await aws.fails('s3api', 'head-object', '--bucket', BUCKET, '--key', `models/${BAD_JOB}/output/model.tar.gz`);
    expect(artifact.stderr).toMatch(/\(404\)/);

    // The CLI's waiter stops at once on a failed job (its first poll is immediate) and says why.
    const waited = await aws.fails('sagemaker', 'wait', 'training-job-completed-or-stopped', '--training-job-name', BAD_JOB);
    expect(waited.stderr).toMatch(/terminal failure state.*Failed/s);
  }, 60_000);

  it('batch transform: create-transform-job over JSON Lines in S3, describe-transform-job to Completed, <input>.out as invoke-endpoint predicts', async () => {
    // The model is the one the first test created; its endpoint answered out.json for the same texts.
    await writeFile(file('test.jsonl'), split.test.map((example) => `${JSON.stringify({ source: example.text })}\n`).join(''));
    await aws.ok('s3', 'cp', file('test.jsonl'), `s3://${BUCKET}/batch/input/test.jsonl`, '--no-progress');
    const transform = (name: string, splitType: string): string[] => [
      'sagemaker',
      'create-transform-job',
      '--transform-job-name',
      name,
      '--model-name',
      `${JOB}-model`,
      '--batch-strategy',
      'MultiRecord',
      '--max-payload-in-mb',
      '6',
      '--transform-input',
      JSON.stringify({ DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://${BUCKET}/batch/input/` } }, ContentType: 'application/jsonlines', SplitType: splitType }),
      '--transform-output',
      JSON.stringify({ S3OutputPath: `s3://${BUCKET}/batch/output/${name}/`, Accept: 'application/jsonlines', AssembleWith: 'Line' }),
      '--transform-resources',
      'InstanceType=ml.m5.large,InstanceCount=1',
    ];
    const created = await aws.json<{ TransformJobArn: string }>(...transform('cli-transform', 'Line'));
    expect(created.TransformJobArn).toBe('arn:aws:sagemaker:us-east-1:000000000000:transform-job/cli-transform');

    interface TransformJob {
      TransformJobStatus: string;
      ModelName: string;
      FailureReason?: string;
      TransformInput: { SplitType: string; ContentType: string };
      TransformOutput: { S3OutputPath: string };
      TransformResources: { InstanceType: string; InstanceCount: number };
      TransformStartTime?: string | number;
      TransformEndTime?: string | number;
    }
    const job = await waitFor(
      'transform job cli-transform to end',
      async () => {
        const described = await aws.json<TransformJob>('sagemaker', 'describe-transform-job', '--transform-job-name', 'cli-transform');
        return ['Completed', 'Failed', 'Stopped'].includes(described.TransformJobStatus) ? described : undefined;
      },
      30_000,
      200,
    );
    expect(job).toMatchObject({
      TransformJobStatus: 'Completed',
      ModelName: `${JOB}-model`,
      TransformInput: { SplitType: 'Line', ContentType: 'application/jsonlines' },
      TransformOutput: { S3OutputPath: `s3://${BUCKET}/batch/output/cli-transform/` },
      TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 1 },
    });
    expect(printedTimestampMs(job.TransformEndTime)).toBeGreaterThanOrEqual(printedTimestampMs(job.TransformStartTime));

    await aws.ok('s3', 'cp', `s3://${BUCKET}/batch/output/cli-transform/test.jsonl.out`, file('test.jsonl.out'), '--no-progress');
    const lines = (await readFile(file('test.jsonl.out'), 'utf8')).trimEnd().split('\n').map((line) => JSON.parse(line) as Prediction);
    const endpointPredictions = JSON.parse(await readFile(file('out.json'), 'utf8')) as Prediction[];
    expect(lines).toHaveLength(split.test.length);
    expect(lines.map((line) => line.label)).toEqual(endpointPredictions.map((prediction) => prediction.label));
    expect(lines.map((line) => line.prob)).toEqual(endpointPredictions.map((prediction) => prediction.prob));

    // SageMaker's own refusals, as the CLI shows them.
    const duplicate = await aws.fails(...transform('cli-transform', 'Line'));
    expect(duplicate.stderr).toMatch(/An error occurred \(ResourceInUse\) when calling the CreateTransformJob operation: .*transform-job\/cli-transform/);
    const recordIo = await aws.fails(...transform('cli-transform-recordio', 'RecordIO'));
    expect(recordIo.stderr).toMatch(/An error occurred \(ValidationException\) when calling the CreateTransformJob operation: SplitType RecordIO is not supported by BlazingText/);
    const missing = await aws.fails('sagemaker', 'describe-transform-job', '--transform-job-name', 'no-such-job');
    expect(missing.stderr).toMatch(/\(ValidationException\) when calling the DescribeTransformJob operation: Could not find transform job/);
  }, 60_000);

  it('refuses malformed invocation bodies with a 400 ValidationError', async () => {
    // The endpoint is the one the first test put in service.
    await writeFile(file('not-a-list.json'), '{"instances": 5}');
    await writeFile(file('not-json.txt'), 'this is not JSON');
    const cases = [
      { body: 'not-a-list.json', message: /"instances" array/ },
      { body: 'not-json.txt', message: /not valid JSON/ },
    ];
    for (const { body, message } of cases) {
      const output = file(`refused-${body}.out`);
      // --debug: the CLI logs the HTTP status line, so the test sees the 400 and that it was not retried.
      const refused = await aws.fails(
        '--debug',
        'sagemaker-runtime',
        'invoke-endpoint',
        '--endpoint-name',
        ENDPOINT,
        '--content-type',
        'application/json',
        '--body',
        `fileb://${file(body)}`,
        output,
      );
      expect(refused.code).toBe(aws.serviceErrorStatus);
      expect(refused.stderr).toMatch(/An error occurred \(ValidationError\) when calling the InvokeEndpoint operation: /);
      expect(refused.stderr.split('\n').find((line) => line.startsWith('An error occurred'))).toMatch(message);
      const statusLines = refused.stderr.match(/"POST \/endpoints\/[^ ]+\/invocations HTTP\/1\.1" \d+/g) ?? [];
      expect(statusLines).toEqual([`"POST /endpoints/${ENDPOINT}/invocations HTTP/1.1" 400`]);
      expect(existsSync(output)).toBe(false);
    }
  }, 60_000);
});
