/** Typed reads of a request's parameters (JSON-shaped), answering SQS's validation errors. */
import type { AwsRequest } from '../../core/types';
import { invalidParameterValue, missingParameter } from './errors';

/** What a request says beside its parameters. */
export interface RequestContext {
  /** The X-Ray `X-Amzn-Trace-Id` header, which SendMessage keeps as the message's AWSTraceHeader. */
  traceHeader?: string;
}

export class WireInput {
  constructor(
    readonly raw: Record<string, unknown>,
    readonly context: RequestContext = {},
  ) {}

  has(name: string): boolean {
    return this.raw[name] !== undefined && this.raw[name] !== null;
  }

  string(name: string): string {
    const value = this.raw[name];
    if (value === undefined || value === null || value === '') throw missingParameter(name);
    if (typeof value !== 'string') throw invalidValue(name, value, 'must be a string');
    return value;
  }

  optionalString(name: string): string | undefined {
    return this.has(name) ? this.string(name) : undefined;
  }

  /** An integer in [min, max]; query-protocol callers send numbers as strings. `reason` words the error as AWS does for the parameter. */
  optionalInteger(name: string, min: number, max: number, reason = `Must be between ${min} and ${max}, if provided.`): number | undefined {
    if (!this.has(name)) return undefined;
    const value = this.raw[name];
    const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max) {
      throw invalidValue(name, value, reason);
    }
    return number;
  }

  integer(name: string, min: number, max: number): number {
    const value = this.optionalInteger(name, min, max);
    if (value === undefined) throw missingParameter(name);
    return value;
  }

  stringList(name: string): string[] {
    const value = this.raw[name];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) throw invalidValue(name, value, 'must be a list of strings');
    return value;
  }

  stringMap(name: string): Record<string, string> {
    const value = this.raw[name];
    if (value === undefined || value === null) return {};
    if (typeof value !== 'object' || Array.isArray(value)) throw invalidValue(name, value, 'must be a map of strings');
    const map: Record<string, string> = {};
    for (const [key, item] of Object.entries(value)) {
      if (typeof item !== 'string') throw invalidValue(`${name}.${key}`, item, 'must be a string');
      map[key] = item;
    }
    return map;
  }

  objectList(name: string): WireInput[] {
    const value = this.raw[name];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value) || !value.every(isRecord)) throw invalidValue(name, value, 'must be a list of structures');
    return value.map((item) => new WireInput(item));
  }

  objectMap(name: string): Record<string, Record<string, unknown>> | undefined {
    const value = this.raw[name];
    if (value === undefined || value === null) return undefined;
    if (!isRecord(value) || !Object.values(value).every(isRecord)) throw invalidValue(name, value, 'must be a map of structures');
    return value as Record<string, Record<string, unknown>>;
  }
}

export function invalidValue(name: string, value: unknown, reason: string): Error {
  return invalidParameterValue(`Value ${typeof value === 'string' ? value : JSON.stringify(value)} for parameter ${name} is invalid. Reason: ${reason}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function requestContext(request: AwsRequest): RequestContext {
  const traceHeader = request.headers['x-amzn-trace-id'];
  return typeof traceHeader === 'string' && traceHeader !== '' ? { traceHeader } : {};
}
