/**
 * SageMaker Runtime's InvokeEndpoint (`POST /endpoints/<name>/invocations`, REST-JSON, signed as
 * `sagemaker`): picks the production variant, predicts with its model, and answers errors as the
 * runtime does: ValidationError (400) for a bad request or endpoint, ModelError (424) when the
 * model itself fails.
 */
import { AwsError, type AwsRequest, type AwsResponse } from '../../../core/types';
import type { Prediction } from '../model/fasttext/model';
import type { Endpoints, ServingVariant } from '../model/endpoints';
import type { PredictionPool } from '../runtime/prediction-pool';
import { InvalidInvocation, invocationFormat, MAX_PAYLOAD_BYTES, parseInvocation, renderPredictions, RESPONSE_CONTENT_TYPES } from '../model/invocation-formats';

const INVOCATION_PATH = /^\/endpoints\/([^/]+)\/invocations\/?$/;

/** The endpoint name of an InvokeEndpoint path, or undefined for any other path. */
export function invocationEndpoint(rawPath: string): string | undefined {
  const match = INVOCATION_PATH.exec(rawPath);
  if (!match) return undefined;
  try {
    return decodeURIComponent(match[1]!);
  } catch {
    return undefined;
  }
}

function header(request: AwsRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function validationError(message: string, status = 400): AwsError {
  return new AwsError('ValidationError', message, status);
}

function chooseVariant(variants: readonly ServingVariant[], target: string | undefined, endpointName: string): ServingVariant {
  if (target !== undefined) {
    const variant = variants.find((candidate) => candidate.name.toLowerCase() === target.toLowerCase());
    if (!variant) throw validationError(`Endpoint ${endpointName} has no production variant ${target}.`);
    return variant;
  }
  if (variants.length === 1) return variants[0]!;
  const total = variants.reduce((sum, variant) => sum + variant.weight, 0);
  if (total <= 0) throw validationError(`Endpoint ${endpointName} routes no traffic: every variant has weight 0.`);
  let pick = Math.random() * total;
  for (const variant of variants) {
    pick -= variant.weight;
    if (pick < 0) return variant;
  }
  return variants[variants.length - 1]!;
}

export class EndpointRuntime {
  constructor(
    private readonly endpoints: Endpoints,
    private readonly pool: PredictionPool,
  ) {}

  async invoke(request: AwsRequest, endpointName: string): Promise<AwsResponse> {
    if (request.method !== 'POST') throw validationError(`InvokeEndpoint takes POST, not ${request.method}.`);
    if (request.body.length > MAX_PAYLOAD_BYTES) {
      throw validationError(`HTTP content length exceeded ${MAX_PAYLOAD_BYTES} bytes.`, 413);
    }
    const found = this.endpoints.lookup(endpointName);
    if (!found) throw validationError(`Endpoint ${endpointName} of account ${request.accountId} not found.`);
    const { endpoint, variants } = found;
    if (variants === undefined || variants.length === 0) {
      throw validationError(`Endpoint ${endpoint.EndpointName} is not in service (status ${endpoint.EndpointStatus}).`);
    }
    const variant = chooseVariant(variants, header(request, 'x-amzn-sagemaker-target-variant'), endpoint.EndpointName);

    let format;
    let items;
    try {
      format = invocationFormat(header(request, 'content-type'));
      items = parseInvocation(format, request.body);
    } catch (error) {
      if (error instanceof InvalidInvocation) throw validationError(error.message);
      throw error;
    }

    let predictions: Prediction[][];
    try {
      predictions = await this.pool.predict(variant.modelId, variant.model, items);
    } catch (error) {
      const message = (error as Error).message;
      throw new AwsError(
        'ModelError',
        `Received server error (500) from primary with message "${message}". See the local stack's log for endpoint ${endpoint.EndpointName}.`,
        424,
        {
          OriginalStatusCode: '500',
          OriginalMessage: message,
          LogStreamArn: `arn:aws:logs:${endpoint.Region}:${endpoint.AccountId}:log-group:/aws/sagemaker/Endpoints/${endpoint.EndpointName}`,
        },
      );
    }
    return {
      status: 200,
      headers: {
        'content-type': RESPONSE_CONTENT_TYPES[format],
        'x-amzn-invoked-production-variant': variant.name,
      },
      body: renderPredictions(format, predictions),
    };
  }
}

/** REST-JSON error as SageMaker Runtime writes it (ModelError's OriginalStatusCode is a number). */
export function runtimeErrorResponse(error: AwsError): AwsResponse {
  const { OriginalStatusCode: originalStatus, ...extra } = error.extra;
  return {
    status: error.status,
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': error.code },
    body: JSON.stringify({
      message: error.message,
      ...extra,
      ...(originalStatus !== undefined ? { OriginalStatusCode: Number(originalStatus) } : {}),
    }),
  };
}
