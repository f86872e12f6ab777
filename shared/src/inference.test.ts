import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { mockClient } from 'aws-sdk-client-mock';
import { batchBySize, inferenceRequestBody, parseInferenceResponse, TextClassifier } from './inference';
import { normalizeText } from './normalize';

const runtime = mockClient(SageMakerRuntimeClient);
const encoder = new TextEncoder();

function answer(entries: Array<{ label: string[]; prob: number[] }>) {
  return { Body: encoder.encode(JSON.stringify(entries)) as never, ContentType: 'application/json' };
}

beforeEach(() => runtime.reset());

describe('TextClassifier', () => {
  it('sends normalised texts in BlazingText JSON and returns labels without the prefix', async () => {
    runtime.on(InvokeEndpointCommand).resolves(
      answer([
        { label: ['__label__Company', '__label__Artist'], prob: [0.9, 0.05] },
        { label: ['__label__Film', '__label__Album'], prob: [0.7, 0.2] },
      ]),
    );
    const classifier = new TextClassifier(new SageMakerRuntimeClient({ region: 'us-east-1' }), 'ml-pipeline-local');
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
    const classifier = new TextClassifier(new SageMakerRuntimeClient({ region: 'us-east-1' }), 'e');
    await classifier.classifyOne('Already Normalised?', { skipNormalization: true });
    expect(JSON.parse(runtime.commandCalls(InvokeEndpointCommand)[0]!.args[0].input.Body as string).instances).toEqual(['Already Normalised?']);
  });

  it('splits large inputs into requests under the payload limit, keeping the order', async () => {
    runtime.on(InvokeEndpointCommand).callsFake((input: { Body: string }) => {
      const { instances } = JSON.parse(input.Body) as { instances: string[] };
      return answer(instances.map((text) => ({ label: [`__label__${text.length}`], prob: [1] })));
    });
    const classifier = new TextClassifier(new SageMakerRuntimeClient({ region: 'us-east-1' }), 'e');
    const texts = Array.from({ length: 30 }, (_, i) => 'x'.repeat(300_000 + i));
    const predictions = await classifier.classify(texts);
    expect(runtime.commandCalls(InvokeEndpointCommand).length).toBeGreaterThan(1);
    for (const call of runtime.commandCalls(InvokeEndpointCommand)) {
      expect(Buffer.byteLength(call.args[0].input.Body as string)).toBeLessThan(6 * 1024 * 1024);
    }
    expect(predictions.map((p) => p[0]!.label)).toEqual(texts.map((text) => String(text.length)));
  });

  it('rejects a bad k and responses that are not BlazingText predictions', async () => {
    const classifier = new TextClassifier(new SageMakerRuntimeClient({ region: 'us-east-1' }), 'e');
    await expect(classifier.classify(['a'], { k: 0 })).rejects.toThrow('k must be a positive integer');
    runtime.on(InvokeEndpointCommand).resolves({ Body: encoder.encode('{"predictions": []}') as never });
    await expect(classifier.classify(['a'])).rejects.toThrow(/BlazingText's format/);
  });
});

describe('request and response helpers', () => {
  it('builds the CONTRACTS.md request', () => {
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
