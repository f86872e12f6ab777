import { DescribeEndpointCommand, DescribeEndpointConfigCommand, ListTagsCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { batchBySize, inferenceRequestBody, NormalizationMismatchError, parseInferenceResponse, TextClassifier } from './inference';
import { NORMALIZATION_VERSION, normalizeText } from './normalize';

const runtime = mockClient(SageMakerRuntimeClient);
const sagemaker = mockClient(SageMakerClient);
const encoder = new TextEncoder();
const CONFIG_ARN = 'arn:aws:sagemaker:us-east-1:123456789012:endpoint-config/mlp-local-20261125-110409-a1b2c3';

function answer(entries: Array<{ label: string[]; prob: number[] }>) {
  return { Body: encoder.encode(JSON.stringify(entries)) as never, ContentType: 'application/json' };
}

/** The endpoint serves a config whose tags say its model's data was normalised with `version` (none: no tag). */
function servedVersion(version: string | undefined): void {
  sagemaker.on(DescribeEndpointCommand).resolves({ EndpointName: 'e', EndpointConfigName: 'mlp-local-20261125-110409-a1b2c3', EndpointStatus: 'InService' });
  sagemaker.on(DescribeEndpointConfigCommand).resolves({ EndpointConfigName: 'mlp-local-20261125-110409-a1b2c3', EndpointConfigArn: CONFIG_ARN });
  sagemaker.on(ListTagsCommand, { ResourceArn: CONFIG_ARN }).resolves({
    Tags: [{ Key: 'runId', Value: 'r' }, ...(version === undefined ? [] : [{ Key: 'ml-pipeline:normalization-version', Value: version }])],
  });
}

const classifierOf = (endpointName: string) =>
  new TextClassifier(new SageMakerRuntimeClient({ region: 'us-east-1' }), endpointName, new SageMakerClient({ region: 'us-east-1' }));

beforeEach(() => {
  runtime.reset();
  sagemaker.reset();
  servedVersion(NORMALIZATION_VERSION);
});

describe('TextClassifier', () => {
  it('sends normalised texts in BlazingText JSON and returns labels without the prefix', async () => {
    runtime.on(InvokeEndpointCommand).resolves(
      answer([
        { label: ['__label__Company', '__label__Artist'], prob: [0.9, 0.05] },
        { label: ['__label__Film', '__label__Album'], prob: [0.7, 0.2] },
      ]),
    );
    const classifier = classifierOf('ml-pipeline-local');
    const texts = ['Acme Corp. (founded 1990) makes "rockets"!', 'The Movie, a 2001 FILM'];
    const predictions = await classifier.classify(texts, { k: 2 });

    expect(predictions).toEqual([
      [
        { label: 'Company', rawLabel: '__label__Company', probability: 0.9 },
        { label: 'Artist', rawLabel: '__label__Artist', probability: 0.05 },
      ],
      [
        { label: 'Film', rawLabel: '__label__Film', probability: 0.7 },
        { label: 'Album', rawLabel: '__label__Album', probability: 0.2 },
      ],
    ]);
    const sent = runtime.commandCalls(InvokeEndpointCommand)[0]!.args[0].input;
    expect(sent).toMatchObject({ EndpointName: 'ml-pipeline-local', ContentType: 'application/json', Accept: 'application/json' });
    expect(JSON.parse(sent.Body as string)).toEqual({ instances: texts.map(normalizeText), configuration: { k: 2 } });
    expect(JSON.parse(sent.Body as string).instances[0]).toBe('acme corp . ( founded 1990 ) makes " rockets " !');
  });

  it('can send texts as given', async () => {
    runtime.on(InvokeEndpointCommand).resolves(answer([{ label: ['__label__1'], prob: [1] }]));
    const classifier = classifierOf('e');
    await classifier.classifyOne('Already Normalised?', { skipNormalization: true });
    expect(JSON.parse(runtime.commandCalls(InvokeEndpointCommand)[0]!.args[0].input.Body as string).instances).toEqual(['Already Normalised?']);
  });

  it('splits large inputs into requests under the payload limit, keeping the order', async () => {
    runtime.on(InvokeEndpointCommand).callsFake((input: { Body: string }) => {
      const { instances } = JSON.parse(input.Body) as { instances: string[] };
      return answer(instances.map((text) => ({ label: [`__label__${text.length}`], prob: [1] })));
    });
    const classifier = classifierOf('e');
    const texts = Array.from({ length: 30 }, (_, i) => 'x'.repeat(300_000 + i));
    const predictions = await classifier.classify(texts);
    expect(runtime.commandCalls(InvokeEndpointCommand).length).toBeGreaterThan(1);
    for (const call of runtime.commandCalls(InvokeEndpointCommand)) {
      expect(Buffer.byteLength(call.args[0].input.Body as string)).toBeLessThan(6 * 1024 * 1024);
    }
    expect(predictions.map((p) => p[0]!.label)).toEqual(texts.map((text) => String(text.length)));
  });

  it('rejects a bad k and responses that are not BlazingText predictions', async () => {
    const classifier = classifierOf('e');
    await expect(classifier.classify(['a'], { k: 0 })).rejects.toThrow('k must be a positive integer');
    runtime.on(InvokeEndpointCommand).resolves({ Body: encoder.encode('{"predictions": []}') as never });
    await expect(classifier.classify(['a'])).rejects.toThrow(/BlazingText's format/);
  });
});

describe('TextClassifier and the normalisation version', () => {
  it('checks the served model once, through the endpoint config it serves', async () => {
    runtime.on(InvokeEndpointCommand).resolves(answer([{ label: ['__label__A'], prob: [1] }]));
    const classifier = classifierOf('e');
    await classifier.classify(['one']);
    await classifier.classify(['two']);
    expect(sagemaker).toHaveReceivedCommandTimes(DescribeEndpointCommand, 1);
    expect(sagemaker).toHaveReceivedCommandWith(DescribeEndpointCommand, { EndpointName: 'e' });
    expect(sagemaker).toHaveReceivedCommandWith(DescribeEndpointConfigCommand, { EndpointConfigName: 'mlp-local-20261125-110409-a1b2c3' });
    expect(sagemaker).toHaveReceivedCommandWith(ListTagsCommand, { ResourceArn: CONFIG_ARN });
    expect(runtime).toHaveReceivedCommandTimes(InvokeEndpointCommand, 2);
  });

  it('refuses a model trained on text normalised with another version, naming both', async () => {
    servedVersion('2');
    const classifier = classifierOf('e');
    const refusal = classifier.classify(['some text']);
    await expect(refusal).rejects.toBeInstanceOf(NormalizationMismatchError);
    await expect(classifier.classify(['some text'])).rejects.toThrow(
      `Endpoint e serves mlp-local-20261125-110409-a1b2c3, trained on text normalised with version 2, but this client normalises with version ${NORMALIZATION_VERSION}`,
    );
    expect(runtime).not.toHaveReceivedCommand(InvokeEndpointCommand);
  });

  it('refuses a model that does not record its version, and checks again next time', async () => {
    servedVersion(undefined);
    const classifier = classifierOf('e');
    await expect(classifier.classify(['some text'])).rejects.toThrow(/does not record how its training data was normalised \(tag ml-pipeline:normalization-version/);
    servedVersion(NORMALIZATION_VERSION);
    runtime.on(InvokeEndpointCommand).resolves(answer([{ label: ['__label__A'], prob: [1] }]));
    await expect(classifier.classifyOne('some text')).resolves.toEqual([{ label: 'A', rawLabel: '__label__A', probability: 1 }]);
  });

  it('sends already-normalised texts without asking which version the model has', async () => {
    servedVersion('2');
    runtime.on(InvokeEndpointCommand).resolves(answer([{ label: ['__label__A'], prob: [1] }]));
    await classifierOf('e').classify(['already normalised'], { skipNormalization: true });
    expect(sagemaker).not.toHaveReceivedAnyCommand();
  });
});

describe('request and response helpers', () => {
  it('builds the docs/contracts.md request', () => {
    expect(JSON.parse(inferenceRequestBody(['text one', 'text two'], 2))).toEqual({ instances: ['text one', 'text two'], configuration: { k: 2 } });
  });

  it('checks the response has one entry per text', () => {
    expect(() => parseInferenceResponse('[]', 1)).toThrow('answered 0 predictions for 1 texts');
  });

  it('refuses a text that can never fit a request', () => {
    expect(() => batchBySize(['x'.repeat(100)], 50)).toThrow(/exceeds the 50-byte request limit/);
    expect(batchBySize(['aa', 'bb', 'cc'], 12)).toEqual([['aa', 'bb'], ['cc']]);
  });
});
