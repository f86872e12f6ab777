/**
 * The text classification client: normalises texts exactly as the Glue job normalised the training
 * data (BlazingText does not tokenise), sends them in BlazingText's JSON format through
 * SageMaker Runtime's InvokeEndpoint, and returns the top-k labels per text. The same code talks to
 * AWS and to the local stack (the endpoint URL comes from the SDK's usual configuration).
 *
 * Before it sends normalised text it checks, once, that the model behind the endpoint was trained on
 * text of the same normalisation version (docs/contracts.md, Inference): DescribeEndpoint ->
 * DescribeEndpointConfig -> ListTags of that config, tag ml-pipeline:normalization-version, which the
 * deployment service sets from the training job's. A caller needs sagemaker:DescribeEndpoint,
 * sagemaker:DescribeEndpointConfig and sagemaker:ListTags besides sagemaker:InvokeEndpoint.
 */
import { DescribeEndpointCommand, DescribeEndpointConfigCommand, ListTagsCommand, type SageMakerClient } from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand, type SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { z } from 'zod';
import { NORMALIZATION_VERSION_TAG } from './names';
import { NORMALIZATION_VERSION, normalizeText } from './normalize';

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
  /** Send the texts as given, for texts already normalised (default false); the model's normalisation version is then not checked. */
  skipNormalization?: boolean;
}

/** The endpoint's model was trained on text normalised otherwise than this client normalises (or the version is unknown). */
export class NormalizationMismatchError extends Error {
  constructor(
    message: string,
    /** The model's version; undefined when its endpoint config does not record one. */
    readonly modelVersion: string | undefined,
  ) {
    super(message);
    this.name = 'NormalizationMismatchError';
  }
}

export interface ServedModel {
  endpointConfigName: string;
  /** The normalisation version of the model's training data; undefined when the config does not record it. */
  normalizationVersion: string | undefined;
}

/** The endpoint config an endpoint serves and the normalisation version it records. */
export async function servedModel(sagemaker: SageMakerClient, endpointName: string): Promise<ServedModel> {
  const endpoint = await sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpointName }));
  const endpointConfigName = endpoint.EndpointConfigName;
  if (!endpointConfigName) throw new Error(`Endpoint ${endpointName} serves no endpoint config (status ${endpoint.EndpointStatus})`);
  const config = await sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: endpointConfigName }));
  const { Tags } = await sagemaker.send(new ListTagsCommand({ ResourceArn: config.EndpointConfigArn }));
  return { endpointConfigName, normalizationVersion: Tags?.find((tag) => tag.Key === NORMALIZATION_VERSION_TAG)?.Value };
}

/** Why this client must not send normalised text to the model, or undefined when it may. */
export function normalizationMismatch(endpointName: string, model: ServedModel, clientVersion = NORMALIZATION_VERSION): string | undefined {
  const remedy = 'send texts normalised the way its training data was, as given (skipNormalization, `npm run predict -- --raw`)';
  if (model.normalizationVersion === undefined) {
    return (
      `Endpoint ${endpointName} serves ${model.endpointConfigName}, which does not record how its training data was normalised ` +
      `(tag ${NORMALIZATION_VERSION_TAG}: deployed by hand or before the pipeline recorded it). ` +
      `This client normalises with version ${clientVersion}; retrain to deploy a model that records it, or ${remedy}.`
    );
  }
  if (model.normalizationVersion !== clientVersion) {
    return (
      `Endpoint ${endpointName} serves ${model.endpointConfigName}, trained on text normalised with version ${model.normalizationVersion}, ` +
      `but this client normalises with version ${clientVersion}: its predictions would be wrong. ` +
      `Use the client of the pipeline version that trained the model (glue_scripts/NORMALIZATION.md), or ${remedy}.`
    );
  }
  return undefined;
}

const blazingTextResponse = z.array(z.object({ label: z.array(z.string()), prob: z.array(z.number()) }));

export function stripLabelPrefix(label: string): string {
  return label.startsWith(LABEL_PREFIX) ? label.slice(LABEL_PREFIX.length) : label;
}

/** BlazingText's JSON request for `texts` (docs/contracts.md, Inference). */
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
  private verified: Promise<void> | undefined;

  /** `sagemaker` (the control plane) tells the model's normalisation version; `client` invokes the endpoint. */
  constructor(
    private readonly client: SageMakerRuntimeClient,
    readonly endpointName: string,
    private readonly sagemaker: SageMakerClient,
  ) {}

  /**
   * Checks that the model the endpoint serves was trained on text of this client's normalisation
   * version; throws NormalizationMismatchError when not. Done once (classify calls it); call again
   * after the endpoint was updated to check the new model.
   */
  async verifyModel(): Promise<void> {
    const check = (async () => {
      const model = await servedModel(this.sagemaker, this.endpointName);
      const problem = normalizationMismatch(this.endpointName, model);
      if (problem) throw new NormalizationMismatchError(problem, model.normalizationVersion);
    })();
    this.verified = check;
    // A failed check (a mismatch, or SageMaker unreachable) is not remembered: the next call checks again.
    check.catch(() => {
      if (this.verified === check) this.verified = undefined;
    });
    return check;
  }

  /** The top-k labels of each text, in the order of `texts`. */
  async classify(texts: readonly string[], options: ClassifyOptions = {}): Promise<LabelPrediction[][]> {
    const k = options.k ?? 1;
    if (!Number.isInteger(k) || k < 1) throw new Error(`k must be a positive integer, not ${k}`);
    if (!options.skipNormalization) await (this.verified ?? this.verifyModel());
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
