/**
 * The text classification client: normalises texts exactly as the Glue job normalised the training
 * data (BlazingText does not tokenise), sends them in BlazingText's JSON format through
 * SageMaker Runtime's InvokeEndpoint, and returns the top-k labels per text. The same code talks to
 * AWS and to the local stack (the endpoint URL comes from the SDK's usual configuration).
 */
import { InvokeEndpointCommand, type SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { z } from 'zod';
import { normalizeText } from './normalize';

export const LABEL_PREFIX = '__label__';
/** InvokeEndpoint's payload limit is 6 MB; batches stay below it with room for the JSON framing. */
export const MAX_BATCH_BYTES = 5 * 1024 * 1024;

export interface LabelPrediction {
  /** The label without fastText's prefix (`Company` for `__label__Company`). */
  label: string;
  /** As the model names it, e.g. `__label__Company`. */
  rawLabel: string;
  probability: number;
}

export interface ClassifyOptions {
  /** How many labels per text, most likely first (default 1). */
  k?: number;
  /** Send the texts as given, for texts already normalised (default false). */
  skipNormalization?: boolean;
}

const blazingTextResponse = z.array(z.object({ label: z.array(z.string()), prob: z.array(z.number()) }));

export function stripLabelPrefix(label: string): string {
  return label.startsWith(LABEL_PREFIX) ? label.slice(LABEL_PREFIX.length) : label;
}

/** BlazingText's JSON request for `texts` (CONTRACTS.md, Inference). */
export function inferenceRequestBody(texts: readonly string[], k: number): string {
  return JSON.stringify({ instances: texts, configuration: { k } });
}

/** Parses BlazingText's JSON response, checking it has one entry per text. */
export function parseInferenceResponse(body: string, expectedCount: number): LabelPrediction[][] {
  const parsed = blazingTextResponse.safeParse(JSON.parse(body));
  if (!parsed.success) throw new Error(`The endpoint answered something other than BlazingText's format: ${parsed.error.message}`);
  if (parsed.data.length !== expectedCount) {
    throw new Error(`The endpoint answered ${parsed.data.length} predictions for ${expectedCount} texts`);
  }
  return parsed.data.map((entry) => {
    if (entry.label.length !== entry.prob.length) throw new Error('The endpoint answered labels and probabilities of different lengths');
    return entry.label.map((rawLabel, i) => ({ label: stripLabelPrefix(rawLabel), rawLabel, probability: entry.prob[i]! }));
  });
}

// TextEncoder rather than Buffer: the pipeline console runs this client in the browser.
const utf8 = new TextEncoder();

/** Splits texts into consecutive batches whose JSON stays under `maxBytes`. */
export function batchBySize(texts: readonly string[], maxBytes = MAX_BATCH_BYTES): string[][] {
  const batches: string[][] = [];
  let current: string[] = [];
  let size = 0;
  for (const text of texts) {
    const bytes = utf8.encode(JSON.stringify(text)).length + 1;
    if (bytes > maxBytes) throw new Error(`A text of ${bytes} bytes exceeds the ${maxBytes}-byte request limit`);
    if (current.length > 0 && size + bytes > maxBytes) {
      batches.push(current);
      current = [];
      size = 0;
    }
    current.push(text);
    size += bytes;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

export class TextClassifier {
  constructor(
    private readonly client: SageMakerRuntimeClient,
    readonly endpointName: string,
  ) {}

  /** The top-k labels of each text, in the order of `texts`. */
  async classify(texts: readonly string[], options: ClassifyOptions = {}): Promise<LabelPrediction[][]> {
    const k = options.k ?? 1;
    if (!Number.isInteger(k) || k < 1) throw new Error(`k must be a positive integer, not ${k}`);
    const prepared = options.skipNormalization ? [...texts] : texts.map(normalizeText);
    const results: LabelPrediction[][] = [];
    for (const batch of batchBySize(prepared)) {
      const response = await this.client.send(
        new InvokeEndpointCommand({
          EndpointName: this.endpointName,
          ContentType: 'application/json',
          Accept: 'application/json',
          Body: inferenceRequestBody(batch, k),
        }),
      );
      results.push(...parseInferenceResponse(new TextDecoder().decode(response.Body), batch.length));
    }
    return results;
  }

  async classifyOne(text: string, options: ClassifyOptions = {}): Promise<LabelPrediction[]> {
    const [predictions] = await this.classify([text], options);
    return predictions ?? [];
  }
}
