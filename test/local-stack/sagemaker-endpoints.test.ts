/**
 * Models, endpoint configs, endpoints and InvokeEndpoint through the AWS SDK: predictions equal to
 * the fastText CLI's, BlazingText's JSON and JSON Lines formats, error shapes, blue/green updates
 * under load, rollback, and what survives a restart.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AddTagsCommand,
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  CreateTrainingJobCommand,
  DeleteEndpointCommand,
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  DeleteTagsCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  DescribeTrainingJobCommand,
  ListEndpointConfigsCommand,
  ListEndpointsCommand,
  ListModelsCommand,
  ListTagsCommand,
  UpdateEndpointCommand,
  type DescribeEndpointCommandOutput,
} from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand } from '@aws-sdk/client-sagemaker-runtime';
import { ENDPOINT_STATE_CHANGE, TRAINING_JOB_STATE_CHANGE } from '../../local-stack/src/providers/sagemaker';
import { tarGzStream } from '../../local-stack/src/providers/sagemaker/model/artifact';
import { NormalizationMismatchError, TextClassifier } from '../../shared/src/inference';
import { NORMALIZATION_VERSION_TAG } from '../../shared/src/names';
import { NORMALIZATION_VERSION, normalizeText } from '../../shared/src/normalize';
import {
  BLAZINGTEXT_IMAGE,
  cliPredictions,
  createBucket,
  downloadModelBin,
  fastTextLines,
  printed,
  putText,
  ROLE_ARN,
  runAsync,
  smallSplit,
  waitForTrainingJob,
} from './sagemaker-harness';
import { useProviderStack } from '../support/stack';
import { temporaryDirectory } from '../support/temporary-directory';
import { waitFor } from '../support/wait';
import { fastTextCli } from '../../scripts/lib/fasttext-cli';

jest.setTimeout(240_000);

const BUCKET = 'endpoint-data';
const stack = useProviderStack();
const temp = temporaryDirectory('sagemaker-endpoints');
const scratch = temp.dir;
const split = smallSplit(2000, 300, 300);
const testTexts = split.test.map((example) => example.text);
const decoder = new TextDecoder();

/** model.bin -> model.tar.gz with GNU tar (the archive a user would make), uploaded to S3. */
async function uploadCliArchive(modelBin: string, key: string): Promise<string> {
  const dir = mkdtempSync(join(scratch, 'archive-'));
  await runAsync('cp', [modelBin, join(dir, 'model.bin')]);
  await runAsync('tar', ['-czf', join(dir, 'model.tar.gz'), '-C', dir, 'model.bin']);
  await putText(stack.client.s3, BUCKET, key, readFileSync(join(dir, 'model.tar.gz')));
  return `s3://${BUCKET}/${key}`;
}

async function uploadArchive(modelBin: string, key: string): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of await tarGzStream([{ name: 'model.bin', path: modelBin }])) chunks.push(chunk as Buffer);
  await putText(stack.client.s3, BUCKET, key, Buffer.concat(chunks));
  return `s3://${BUCKET}/${key}`;
}

async function createModel(name: string, modelDataUrl: string): Promise<void> {
  await stack.client.sagemaker.send(
    new CreateModelCommand({ ModelName: name, ExecutionRoleArn: ROLE_ARN, PrimaryContainer: { Image: BLAZINGTEXT_IMAGE, ModelDataUrl: modelDataUrl } }),
  );
}

async function createConfig(name: string, modelName: string, variantName: string): Promise<void> {
  await stack.client.sagemaker.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: name,
      ProductionVariants: [{ VariantName: variantName, ModelName: modelName, InitialInstanceCount: 1, InstanceType: 'ml.m5.large' }],
    }),
  );
}

function waitForEndpoint(name: string, done: (endpoint: DescribeEndpointCommandOutput) => boolean): Promise<DescribeEndpointCommandOutput> {
  return waitFor(`endpoint ${name}`, async () => {
    const endpoint = await stack.client.sagemaker.send(new DescribeEndpointCommand({ EndpointName: name }));
    return done(endpoint) ? endpoint : undefined;
  }, 60_000);
}

const inService = (endpoint: DescribeEndpointCommandOutput): boolean => endpoint.EndpointStatus === 'InService';

async function invokeJson(endpointName: string, body: unknown, contentType = 'application/json') {
  const response = await stack.client.runtime.send(
    new InvokeEndpointCommand({ EndpointName: endpointName, ContentType: contentType, Accept: contentType, Body: typeof body === 'string' ? body : JSON.stringify(body) }),
  );
  return { response, text: decoder.decode(response.Body) };
}

function endpointEvents(name: string): Array<Record<string, unknown>> {
  return stack.publisher.ofType(ENDPOINT_STATE_CHANGE).filter((event) => event.detail.EndpointName === name).map((event) => event.detail);
}

let trainedModelUrl: string;
let trainedModelBin: string;
let greenModelBin: string;
let greenModelUrl: string;

beforeAll(async () => {
  await createBucket(stack.client.s3, BUCKET);
  await putText(stack.client.s3, BUCKET, 'data/train/train.txt', fastTextLines(split.train));
  await putText(stack.client.s3, BUCKET, 'data/validation/validation.txt', fastTextLines(split.validation));

  // Blue: trained by a local BlazingText job (the pipeline's path).
  await stack.client.sagemaker.send(
    new CreateTrainingJobCommand({
      TrainingJobName: 'blue-job',
      AlgorithmSpecification: { TrainingImage: BLAZINGTEXT_IMAGE, TrainingInputMode: 'File' },
      RoleArn: ROLE_ARN,
      HyperParameters: { mode: 'supervised', epochs: '20', learning_rate: '0.5', vector_dim: '10', word_ngrams: '2', min_count: '1', buckets: '200000' },
      InputDataConfig: [
        { ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://${BUCKET}/data/train/` } } },
        { ChannelName: 'validation', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://${BUCKET}/data/validation/` } } },
      ],
      OutputDataConfig: { S3OutputPath: `s3://${BUCKET}/models` },
      ResourceConfig: { InstanceType: 'ml.c5.xlarge', InstanceCount: 1, VolumeSizeInGB: 5 },
      StoppingCondition: { MaxRuntimeInSeconds: 300 },
      Tags: [{ Key: 'purpose', Value: 'blue' }],
    }),
  );
  const job = await waitForTrainingJob(stack.client.sagemaker, 'blue-job');
  expect(job.TrainingJobStatus).toBe('Completed');
  trainedModelUrl = job.ModelArtifacts!.S3ModelArtifacts!;
  trainedModelBin = await downloadModelBin(stack.client.s3, trainedModelUrl, scratch);

  // Green: trained by the fastText CLI with 2M buckets (an 80 MB model: loading it takes a while).
  const trainFile = join(scratch, 'train.txt');
  writeFileSync(trainFile, fastTextLines(split.train));
  await runAsync(fastTextCli(), ['supervised', '-input', trainFile, '-output', join(scratch, 'green'), '-epoch', '10', '-lr', '0.5', '-dim', '10', '-wordNgrams', '2', '-thread', '2', '-verbose', '0']);
  greenModelBin = join(scratch, 'green.bin');
  greenModelUrl = await uploadCliArchive(greenModelBin, 'artifacts/green/model.tar.gz');

  await createModel('blue-model', trainedModelUrl);
  await createModel('green-model', greenModelUrl);
  await createConfig('blue-config', 'blue-model', 'blue');
  await createConfig('green-config', 'green-model', 'green');
  await stack.client.sagemaker.send(new CreateEndpointCommand({ EndpointName: 'classifier', EndpointConfigName: 'blue-config' }));
});

afterAll(() => temp.remove());

describe('an endpoint serving a trained BlazingText model', () => {
  let endpoint: DescribeEndpointCommandOutput;

  beforeAll(async () => {
    endpoint = await waitForEndpoint('classifier', inService);
  });

  it('goes Creating -> InService, as DescribeEndpoint and the events show', async () => {
    expect(endpoint).toMatchObject({
      EndpointName: 'classifier',
      EndpointArn: 'arn:aws:sagemaker:us-east-1:000000000000:endpoint/classifier',
      EndpointConfigName: 'blue-config',
      ProductionVariants: [
        { VariantName: 'blue', CurrentWeight: 1, DesiredWeight: 1, CurrentInstanceCount: 1, DesiredInstanceCount: 1, DeployedImages: [expect.objectContaining({ SpecifiedImage: BLAZINGTEXT_IMAGE })] },
      ],
    });
    expect(endpoint.FailureReason).toBeUndefined();
    const statuses = await waitFor('the IN_SERVICE event', () => {
      const seen = endpointEvents('classifier').map((detail) => detail.EndpointStatus);
      return seen.includes('IN_SERVICE') ? seen : undefined;
    }, 60_000);
    expect(statuses.slice(0, 2)).toEqual(['CREATING', 'IN_SERVICE']);
    const detail = endpointEvents('classifier')[1]!;
    expect(detail).toMatchObject({ EndpointConfigName: 'blue-config', Tags: {} });
    expect(typeof detail.CreationTime).toBe('number');
  });

  it('answers BlazingText JSON with the labels and probabilities of `fasttext predict-prob`', async () => {
    for (const k of [1, 3]) {
      const body = k === 1 ? { instances: testTexts } : { instances: testTexts, configuration: { k } };
      const { response, text } = await invokeJson('classifier', body);
      expect(response.ContentType).toBe('application/json');
      expect(response.InvokedProductionVariant).toBe('blue');
      const predictions = JSON.parse(text) as Array<{ label: string[]; prob: number[] }>;
      const expected = await cliPredictions(trainedModelBin, testTexts, k);
      expect(predictions).toHaveLength(testTexts.length);
      predictions.forEach((prediction, i) => {
        expect(prediction.label).toEqual(expected[i]!.label);
        expect(prediction.prob.map(printed)).toEqual(expected[i]!.prob);
      });
    }
  });

  it('is as accurate on the test split as the job measured on validation', async () => {
    const { text } = await invokeJson('classifier', { instances: testTexts });
    const predictions = JSON.parse(text) as Array<{ label: string[] }>;
    const correct = predictions.filter((prediction, i) => prediction.label[0] === `__label__${split.test[i]!.label}`).length;
    expect(correct / testTexts.length).toBeGreaterThan(0.8);
  });

  it('is reached by the shared TextClassifier, which normalises raw text first once the model records its normalisation version', async () => {
    const raw = ['Clifford Thomas Ward (10 February 1944 - 18 December 2001) was a popular English singer-songwriter.', 'ACME Corp. builds ROCKETS!'];
    const classifier = new TextClassifier(stack.client.runtime, 'classifier', stack.client.sagemaker);
    // The config was made by hand, without the tag the deployment service sets: the client refuses it.
    await expect(classifier.classify(raw)).rejects.toThrow(NormalizationMismatchError);
    const { EndpointConfigArn } = await stack.client.sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: 'blue-config' }));
    await stack.client.sagemaker.send(new AddTagsCommand({ ResourceArn: EndpointConfigArn, Tags: [{ Key: NORMALIZATION_VERSION_TAG, Value: NORMALIZATION_VERSION }] }));
    const predictions = await classifier.classify(raw, { k: 2 });
    const { text } = await invokeJson('classifier', { instances: raw.map(normalizeText), configuration: { k: 2 } });
    const direct = JSON.parse(text) as Array<{ label: string[]; prob: number[] }>;
    expect(predictions.map((labels) => labels.map((p) => p.rawLabel))).toEqual(direct.map((entry) => entry.label));
    expect(predictions.map((labels) => labels.map((p) => p.probability))).toEqual(direct.map((entry) => entry.prob));
    expect(predictions[0]![0]!.label).toBe('3'); // DBpedia class 3: Artist
  });

  it('answers JSON Lines, with k per line', async () => {
    const body = testTexts
      .slice(0, 3)
      .map((source, i) => JSON.stringify(i === 1 ? { source, k: 2 } : { source }))
      .join('\n');
    const { response, text } = await invokeJson('classifier', body, 'application/jsonlines');
    expect(response.ContentType).toBe('application/jsonlines');
    const lines = text.split('\n').map((line) => JSON.parse(line) as { label: string[]; prob: number[] });
    expect(lines.map((line) => line.label.length)).toEqual([1, 2, 1]);
    const expected = await cliPredictions(trainedModelBin, testTexts.slice(0, 3), 2);
    expect(lines[1]!.label).toEqual(expected[1]!.label);
    expect(lines[0]!.label).toEqual(expected[0]!.label.slice(0, 1));
  });

  it.each([
    ['malformed JSON', 'application/json', '{"instances": ['],
    ['no instances', 'application/json', '{"texts": ["a"]}'],
    ['a non-string instance', 'application/json', '{"instances": [42]}'],
    ['a bad k', 'application/json', '{"instances": ["a"], "configuration": {"k": 0}}'],
    ['an unsupported content type', 'text/csv', 'a,b'],
    ['a JSON Lines record without source', 'application/jsonlines', '{"text": "a"}'],
  ])('refuses %s with a 400 ValidationError', async (_what, contentType, body) => {
    await expect(invokeJson('classifier', body, contentType)).rejects.toMatchObject({
      name: 'ValidationError',
      $metadata: { httpStatusCode: 400 },
    });
  });

  it('refuses a payload over 6 MB', async () => {
    const big = { instances: ['word '.repeat(6 * 1024 * 1024 / 5 + 10)] };
    await expect(invokeJson('classifier', big)).rejects.toMatchObject({
      name: 'ValidationError',
      message: 'HTTP content length exceeded 6291456 bytes.',
      $metadata: { httpStatusCode: 413 },
    });
  });

  it('names an unknown endpoint', async () => {
    await expect(invokeJson('no-such-endpoint', { instances: ['a'] })).rejects.toMatchObject({
      name: 'ValidationError',
      message: 'Endpoint no-such-endpoint of account 000000000000 not found.',
    });
  });
});

describe('model failures', () => {
  it('answers ModelError (424) when the model cannot compute a prediction', async () => {
    const poisoned = readFileSync(trainedModelBin);
    // The output matrix is the file's tail: 14 labels x 10 dims of float32, all NaN now.
    for (let offset = poisoned.length - 14 * 10 * 4; offset < poisoned.length; offset += 4) poisoned.writeFloatLE(NaN, offset);
    const poisonedPath = join(scratch, 'poisoned.bin');
    writeFileSync(poisonedPath, poisoned);
    await createModel('poisoned-model', await uploadArchive(poisonedPath, 'artifacts/poisoned/model.tar.gz'));
    await createConfig('poisoned-config', 'poisoned-model', 'main');
    await stack.client.sagemaker.send(new CreateEndpointCommand({ EndpointName: 'poisoned', EndpointConfigName: 'poisoned-config' }));
    await waitForEndpoint('poisoned', inService);
    await expect(invokeJson('poisoned', { instances: ['a text'] })).rejects.toMatchObject({
      name: 'ModelError',
      OriginalStatusCode: 500,
      $metadata: { httpStatusCode: 424 },
    });
  });

  it('fails the creation of an endpoint whose model cannot be loaded', async () => {
    await putText(stack.client.s3, BUCKET, 'artifacts/broken/model.tar.gz', 'this is not a gzip file');
    await createModel('broken-model', `s3://${BUCKET}/artifacts/broken/model.tar.gz`);
    await createConfig('broken-config', 'broken-model', 'main');
    await stack.client.sagemaker.send(new CreateEndpointCommand({ EndpointName: 'broken', EndpointConfigName: 'broken-config' }));
    const endpoint = await waitForEndpoint('broken', (e) => e.EndpointStatus !== 'Creating');
    expect(endpoint.EndpointStatus).toBe('Failed');
    expect(endpoint.FailureReason).toMatch(/production variant main \(model broken-model\) failed to load: .*not a gzip file/);
    const failed = await waitFor('the FAILED event', () => endpointEvents('broken').find((detail) => detail.EndpointStatus === 'FAILED'), 60_000);
    expect(failed.FailureReason).toBe(endpoint.FailureReason);
    await expect(invokeJson('broken', { instances: ['a'] })).rejects.toMatchObject({ name: 'ValidationError', $metadata: { httpStatusCode: 400 } });
    await expect(stack.client.sagemaker.send(new UpdateEndpointCommand({ EndpointName: 'broken', EndpointConfigName: 'blue-config' }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'Cannot update failed endpoint "arn:aws:sagemaker:us-east-1:000000000000:endpoint/broken".',
    });
  });
});

/** Invokes the endpoint from `concurrency` loops until stopped; records variants and failures. */
function startLoad(endpointName: string, concurrency = 4) {
  const variants: string[] = [];
  const failures: unknown[] = [];
  let running = true;
  const loops = Array.from({ length: concurrency }, async (_, loop) => {
    let i = loop;
    while (running) {
      try {
        const { response } = await invokeJson(endpointName, { instances: [testTexts[i++ % testTexts.length]!] });
        variants.push(response.InvokedProductionVariant!);
      } catch (error) {
        failures.push(error);
      }
    }
  });
  return {
    variants,
    failures,
    async stop(): Promise<void> {
      running = false;
      await Promise.all(loops);
    },
  };
}

describe('blue/green updates', () => {
  it('switches to the new model under continuous load without a failed request', async () => {
    await waitForEndpoint('classifier', inService);
    const load = startLoad('classifier');
    await waitFor('requests served by blue', () => (load.variants.length >= 20 ? true : undefined), 60_000);
    await stack.client.sagemaker.send(new UpdateEndpointCommand({ EndpointName: 'classifier', EndpointConfigName: 'green-config' }));

    const updating = await stack.client.sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'classifier' }));
    expect(updating.EndpointStatus).toBe('Updating');
    expect(updating.EndpointConfigName).toBe('blue-config');
    expect(updating.PendingDeploymentSummary).toMatchObject({
      EndpointConfigName: 'green-config',
      ProductionVariants: [expect.objectContaining({ VariantName: 'green', VariantStatus: [expect.objectContaining({ Status: 'Creating' })] })],
    });
    await expect(stack.client.sagemaker.send(new UpdateEndpointCommand({ EndpointName: 'classifier', EndpointConfigName: 'blue-config' }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'Cannot update in-progress endpoint "arn:aws:sagemaker:us-east-1:000000000000:endpoint/classifier".',
    });

    const updated = await waitForEndpoint('classifier', inService);
    const servedBeforeSwitch = load.variants.length;
    await waitFor('requests served by green', () => (load.variants.length >= servedBeforeSwitch + 20 ? true : undefined), 60_000);
    await load.stop();

    expect(load.failures).toEqual([]);
    expect(load.variants).toContain('blue');
    expect(load.variants.slice(-10)).toEqual(Array(10).fill('green'));
    expect(updated.EndpointConfigName).toBe('green-config');
    expect(updated.ProductionVariants?.map((variant) => variant.VariantName)).toEqual(['green']);
    expect(updated.PendingDeploymentSummary).toBeUndefined();
    const statuses = endpointEvents('classifier').map((detail) => detail.EndpointStatus);
    expect(statuses).toEqual(expect.arrayContaining(['UPDATING', 'IN_SERVICE']));

    const { text } = await invokeJson('classifier', { instances: testTexts.slice(0, 50), configuration: { k: 2 } });
    const expected = await cliPredictions(greenModelBin, testTexts.slice(0, 50), 2);
    (JSON.parse(text) as Array<{ label: string[]; prob: number[] }>).forEach((prediction, i) => {
      expect(prediction.label).toEqual(expected[i]!.label);
      expect(prediction.prob.map(printed)).toEqual(expected[i]!.prob);
    });
  });

  it('rolls back an update whose model fails to load: the old model keeps serving', async () => {
    await putText(stack.client.s3, BUCKET, 'artifacts/truncated/model.tar.gz', readFileSync(join(scratch, 'poisoned.bin')).subarray(0, 5000));
    await createModel('truncated-model', `s3://${BUCKET}/artifacts/truncated/model.tar.gz`);
    await createConfig('truncated-config', 'truncated-model', 'red');
    const load = startLoad('classifier');
    await stack.client.sagemaker.send(new UpdateEndpointCommand({ EndpointName: 'classifier', EndpointConfigName: 'truncated-config' }));
    const endpoint = await waitForEndpoint('classifier', inService);
    const served = load.variants.length;
    await waitFor('requests after the rollback', () => (load.variants.length >= served + 10 ? true : undefined), 60_000);
    await load.stop();

    expect(load.failures).toEqual([]);
    expect(new Set(load.variants)).toEqual(new Set(['green']));
    expect(endpoint.EndpointConfigName).toBe('green-config');
    expect(endpoint.FailureReason).toMatch(/^Update to endpoint configuration truncated-config failed and was rolled back: .*production variant red/);
    const last = await waitFor('the event after the rollback', () => {
      const details = endpointEvents('classifier');
      const final = details[details.length - 1];
      return final?.FailureReason !== undefined ? final : undefined;
    }, 60_000);
    expect(last).toMatchObject({ EndpointStatus: 'IN_SERVICE', EndpointConfigName: 'green-config' });
  });
});

describe('models, endpoint configs and endpoints', () => {
  it('describes and lists what was created', async () => {
    const model = await stack.client.sagemaker.send(new DescribeModelCommand({ ModelName: 'blue-model' }));
    expect(model).toMatchObject({
      ModelName: 'blue-model',
      ModelArn: 'arn:aws:sagemaker:us-east-1:000000000000:model/blue-model',
      PrimaryContainer: { Image: BLAZINGTEXT_IMAGE, ModelDataUrl: trainedModelUrl },
      ExecutionRoleArn: ROLE_ARN,
    });
    expect(model.CreationTime).toBeInstanceOf(Date);
    const config = await stack.client.sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: 'green-config' }));
    expect(config.ProductionVariants).toEqual([
      { VariantName: 'green', ModelName: 'green-model', InitialInstanceCount: 1, InstanceType: 'ml.m5.large', InitialVariantWeight: 1 },
    ]);
    const models = await stack.client.sagemaker.send(new ListModelsCommand({ NameContains: 'model', SortBy: 'Name', SortOrder: 'Ascending', MaxResults: 2 }));
    expect(models.Models?.map((m) => m.ModelName)).toEqual(['blue-model', 'broken-model']);
    expect(models.NextToken).toBeDefined();
    const next = await stack.client.sagemaker.send(new ListModelsCommand({ NameContains: 'model', SortBy: 'Name', SortOrder: 'Ascending', MaxResults: 2, NextToken: models.NextToken }));
    expect(next.Models?.map((m) => m.ModelName)).toEqual(['green-model', 'poisoned-model']);
    const configs = await stack.client.sagemaker.send(new ListEndpointConfigsCommand({ NameContains: 'GREEN' }));
    expect(configs.EndpointConfigs?.map((c) => c.EndpointConfigName)).toEqual(['green-config']);
    const endpoints = await stack.client.sagemaker.send(new ListEndpointsCommand({ StatusEquals: 'InService', SortBy: 'Name', SortOrder: 'Ascending' }));
    expect(endpoints.Endpoints?.map((e) => e.EndpointName)).toEqual(['classifier', 'poisoned']);
  });

  it('answers SageMaker validation errors', async () => {
    await expect(stack.client.sagemaker.send(new CreateModelCommand({ ModelName: 'blue-model', PrimaryContainer: { Image: BLAZINGTEXT_IMAGE, ModelDataUrl: trainedModelUrl } }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'Cannot create already existing model "arn:aws:sagemaker:us-east-1:000000000000:model/blue-model".',
    });
    await expect(
      stack.client.sagemaker.send(new CreateModelCommand({ ModelName: 'xgb', PrimaryContainer: { Image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/xgboost:1', ModelDataUrl: trainedModelUrl } })),
    ).rejects.toMatchObject({ name: 'ValidationException', message: expect.stringContaining('123456789012.dkr.ecr.us-east-1.amazonaws.com/xgboost:1') });
    await expect(stack.client.sagemaker.send(new CreateEndpointConfigCommand({ EndpointConfigName: 'orphan', ProductionVariants: [{ VariantName: 'v', ModelName: 'missing' }] }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'Could not find model "arn:aws:sagemaker:us-east-1:000000000000:model/missing".',
    });
    await expect(stack.client.sagemaker.send(new CreateEndpointCommand({ EndpointName: 'classifier', EndpointConfigName: 'blue-config' }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'Cannot create already existing endpoint "arn:aws:sagemaker:us-east-1:000000000000:endpoint/classifier".',
    });
    await expect(stack.client.sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'nope' }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'Could not find endpoint "arn:aws:sagemaker:us-east-1:000000000000:endpoint/nope".',
    });
  });

  it('keeps the tags given at creation and answers AddTags, ListTags and DeleteTags', async () => {
    const { EndpointConfigArn } = await stack.client.sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: 'tagged-config',
        ProductionVariants: [{ VariantName: 'v', ModelName: 'green-model' }],
        Tags: [{ Key: 'ml-pipeline:previous-model', Value: 'blue-model' }],
      }),
    );
    expect((await stack.client.sagemaker.send(new ListTagsCommand({ ResourceArn: EndpointConfigArn }))).Tags).toEqual([{ Key: 'ml-pipeline:previous-model', Value: 'blue-model' }]);
    await stack.client.sagemaker.send(new AddTagsCommand({ ResourceArn: EndpointConfigArn, Tags: [{ Key: 'ml-pipeline:previous-model', Value: 'x' }, { Key: 'team', Value: 'ml' }] }));
    await stack.client.sagemaker.send(new DeleteTagsCommand({ ResourceArn: EndpointConfigArn, TagKeys: ['team'] }));
    expect((await stack.client.sagemaker.send(new ListTagsCommand({ ResourceArn: EndpointConfigArn }))).Tags).toEqual([{ Key: 'ml-pipeline:previous-model', Value: 'x' }]);
    const job = await stack.client.sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: 'blue-job' }));
    expect((await stack.client.sagemaker.send(new ListTagsCommand({ ResourceArn: job.TrainingJobArn }))).Tags).toEqual([{ Key: 'purpose', Value: 'blue' }]);
    await expect(stack.client.sagemaker.send(new ListTagsCommand({ ResourceArn: 'arn:aws:sagemaker:us-east-1:000000000000:model/nope' }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
  });

  it('keeps serving after its model and config are deleted, and deletes an endpoint', async () => {
    await stack.client.sagemaker.send(new DeleteModelCommand({ ModelName: 'poisoned-model' }));
    await stack.client.sagemaker.send(new DeleteEndpointConfigCommand({ EndpointConfigName: 'poisoned-config' }));
    await expect(stack.client.sagemaker.send(new DescribeModelCommand({ ModelName: 'poisoned-model' }))).rejects.toMatchObject({ name: 'ValidationException' });
    expect((await stack.client.sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'poisoned' }))).EndpointStatus).toBe('InService');
    await stack.client.sagemaker.send(new DeleteEndpointCommand({ EndpointName: 'poisoned' }));
    await expect(stack.client.sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'poisoned' }))).rejects.toMatchObject({ name: 'ValidationException' });
    expect(endpointEvents('poisoned').map((detail) => detail.EndpointStatus)).toContain('DELETING');
    await expect(invokeJson('poisoned', { instances: ['a'] })).rejects.toMatchObject({ name: 'ValidationError' });
  });
});

describe('after a restart', () => {
  it('reloads endpoints in service, keeps models and configs, and fails the training job that was running', async () => {
    const before = await invokeJson('classifier', { instances: testTexts.slice(0, 20), configuration: { k: 3 } });
    await stack.client.sagemaker.send(
      new CreateTrainingJobCommand({
        TrainingJobName: 'interrupted',
        AlgorithmSpecification: { TrainingImage: BLAZINGTEXT_IMAGE, TrainingInputMode: 'File' },
        RoleArn: ROLE_ARN,
        HyperParameters: { mode: 'supervised', epochs: '5000', vector_dim: '10', buckets: '100000' },
        InputDataConfig: [{ ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://${BUCKET}/data/train/` } } }],
        OutputDataConfig: { S3OutputPath: `s3://${BUCKET}/models` },
        ResourceConfig: { InstanceType: 'ml.c5.xlarge', InstanceCount: 1, VolumeSizeInGB: 5 },
        StoppingCondition: { MaxRuntimeInSeconds: 600 },
      }),
    );
    await waitFor('the interrupted job to train', async () => {
      const job = await stack.client.sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: 'interrupted' }));
      return job.SecondaryStatus === 'Training' ? true : undefined;
    }, 60_000);

    await stack.restart();

    const job = await stack.client.sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: 'interrupted' }));
    expect(job.TrainingJobStatus).toBe('Failed');
    expect(job.FailureReason).toMatch(/The local stack stopped while this training job was in progress/);
    const failedEvents = stack.publisher.ofType(TRAINING_JOB_STATE_CHANGE).filter((e) => e.detail.TrainingJobName === 'interrupted' && e.detail.TrainingJobStatus === 'Failed');
    expect(failedEvents).toHaveLength(1);

    const endpoint = await stack.client.sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'classifier' }));
    expect(endpoint).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: 'green-config' });
    const after = await invokeJson('classifier', { instances: testTexts.slice(0, 20), configuration: { k: 3 } });
    expect(after.text).toBe(before.text);
    expect((await stack.client.sagemaker.send(new DescribeModelCommand({ ModelName: 'green-model' }))).ModelName).toBe('green-model');
    expect((await stack.client.sagemaker.send(new DescribeTrainingJobCommand({ TrainingJobName: 'blue-job' }))).TrainingJobStatus).toBe('Completed');
  });
});
