/**
 * InvokeEndpoint bodies in BlazingText's text classification formats:
 * - `application/json`: `{"instances": ["text", ...], "configuration": {"k": 2}}` ->
 *   `[{"label": ["__label__A", ...], "prob": [0.9, ...]}, ...]`
 * - `application/jsonlines`: one `{"source": "text", "k": 2}` per line -> one
 *   `{"prob": [...], "label": [...]}` per line.
 * The response has the request's content type (BlazingText ignores a differing Accept).
 */
import type { Prediction } from './fasttext/model';

export const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

export type InvocationFormat = 'json' | 'jsonlines';

export interface InvocationItem {
  text: string;
  k: number;
}

/** The request body is not something BlazingText accepts (answered as a 400 ValidationError). */
export class InvalidInvocation extends Error {
  override readonly name = 'InvalidInvocation';
}

const CONTENT_TYPES: Readonly<Record<string, InvocationFormat>> = {
  'application/json': 'json',
  'application/jsonlines': 'jsonlines',
  'application/jsonl': 'jsonlines',
  'application/x-jsonlines': 'jsonlines',
};

export const RESPONSE_CONTENT_TYPES: Readonly<Record<InvocationFormat, string>> = {
  json: 'application/json',
  jsonlines: 'application/jsonlines',
};

/** An absent Content-Type is taken as JSON. */
export function invocationFormat(contentType: string | undefined): InvocationFormat {
  const mediaType = (contentType ?? 'application/json').split(';', 1)[0]!.trim().toLowerCase();
  const format = CONTENT_TYPES[mediaType];
  if (format === undefined) {
    throw new InvalidInvocation(`Content-Type ${mediaType} is not supported: use application/json or application/jsonlines`);
  }
  return format;
}

function parseK(value: unknown, where: string): number {
  if (value === undefined) return 1;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new InvalidInvocation(`${where} must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

function parseJsonText(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidInvocation(`${what} is not valid JSON: ${(error as Error).message}`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJsonRequest(body: string): InvocationItem[] {
  const request = parseJsonText(body, 'The request body');
  if (!isObject(request) || !Array.isArray(request.instances)) {
    throw new InvalidInvocation('The request body must be a JSON object with an "instances" array of strings');
  }
  const configuration = request.configuration;
  if (configuration !== undefined && !isObject(configuration)) throw new InvalidInvocation('"configuration" must be an object');
  const k = parseK(configuration?.k, 'configuration.k');
  return request.instances.map((instance, index) => {
    if (typeof instance !== 'string') throw new InvalidInvocation(`instances[${index}] must be a string, got ${JSON.stringify(instance)}`);
    return { text: instance, k };
  });
}

function parseJsonLinesRequest(body: string): InvocationItem[] {
  const items: InvocationItem[] = [];
  body.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    const record = parseJsonText(line, `Line ${index + 1}`);
    if (!isObject(record) || typeof record.source !== 'string') {
      throw new InvalidInvocation(`Line ${index + 1} must be a JSON object with a "source" string`);
    }
    items.push({ text: record.source, k: parseK(record.k, `Line ${index + 1}: k`) });
  });
  return items;
}

export function parseInvocation(format: InvocationFormat, body: Buffer): InvocationItem[] {
  const text = body.toString('utf8');
  if (text.trim() === '') throw new InvalidInvocation('The request body is empty');
  return format === 'json' ? parseJsonRequest(text) : parseJsonLinesRequest(text);
}

export function renderPredictions(format: InvocationFormat, predictions: ReadonlyArray<readonly Prediction[]>): string {
  const entries = predictions.map((ranked) => ({ label: ranked.map((p) => p.label), prob: ranked.map((p) => p.prob) }));
  if (format === 'json') return JSON.stringify(entries);
  return entries.map((entry) => JSON.stringify({ prob: entry.prob, label: entry.label })).join('\n');
}
