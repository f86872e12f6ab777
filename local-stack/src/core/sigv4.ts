/**
 * AWS Signature Version 4, as the SDKs and the CLIs compute it (botocore's auth.py, smithy's
 * signature-v4): the canonical request, the string to sign, the signing key and the chunk
 * signatures of aws-chunked uploads. The server (core/authentication.ts) rebuilds each request's
 * signature with these; `signRequest` signs one the same way (tests, tools).
 *
 * Signing keys are derived once per (secret, date, region, service) and cached.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export const ALGORITHM = 'AWS4-HMAC-SHA256';
export const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';
export const STREAMING_SIGNED = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD';
export const STREAMING_SIGNED_TRAILER = 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER';
export const STREAMING_UNSIGNED_TRAILER = 'STREAMING-UNSIGNED-PAYLOAD-TRAILER';

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

const MAX_CACHED_KEYS = 256;
const signingKeys = new Map<string, Buffer>();

/** kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request"), cached. */
export function signingKey(secretAccessKey: string, date: string, region: string, service: string): Buffer {
  const cacheKey = `${secretAccessKey}\u0000${date}\u0000${region}\u0000${service}`;
  let key = signingKeys.get(cacheKey);
  if (key === undefined) {
    const hmac = (k: string | Buffer, data: string) => createHmac('sha256', k).update(data).digest();
    key = hmac(hmac(hmac(hmac(`AWS4${secretAccessKey}`, date), region), service), 'aws4_request');
    if (signingKeys.size >= MAX_CACHED_KEYS) signingKeys.clear();
    signingKeys.set(cacheKey, key);
  }
  return key;
}

export function hmacHex(key: Buffer, data: string): string {
  return createHmac('sha256', key).update(data).digest('hex');
}

/** Constant-time comparison of two hex signatures. */
export function signaturesEqual(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** RFC 3986 encoding as SigV4 wants it: everything but `A-Za-z0-9-_.~` percent-encoded. */
export function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * The canonical URI: S3 signs the path exactly as sent; every other service signs it normalised
 * (`.`/`..`/empty segments removed) and encoded once more (the SDKs' `uriEscapePath`).
 */
export function canonicalUri(rawPath: string, service: string): string {
  if (service === 's3') return rawPath === '' ? '/' : rawPath;
  const segments: string[] = [];
  for (const segment of rawPath.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const normalised = `/${segments.join('/')}${segments.length > 0 && rawPath.endsWith('/') ? '/' : ''}`;
  return uriEncode(normalised).replace(/%2F/g, '/');
}

/** The canonical query string: each name and value decoded, encoded again, sorted; `exclude` left out (X-Amz-Signature). */
export function canonicalQuery(rawQuery: string, exclude?: string): string {
  if (rawQuery === '') return '';
  const pairs: Array<[string, string]> = [];
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const equals = part.indexOf('=');
    const name = uriEncode(safeDecode(equals < 0 ? part : part.slice(0, equals)));
    if (name === exclude) continue;
    pairs.push([name, uriEncode(safeDecode(equals < 0 ? '' : part.slice(equals + 1)))]);
  }
  pairs.sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return pairs.map(([name, value]) => `${name}=${value}`).join('&');
}

/** `name:value\n` for each signed header, values from the raw header list (repeated headers joined with `,`). */
export function canonicalHeaders(rawHeaders: readonly string[], signedHeaders: readonly string[]): string {
  const values = new Map<string, string[]>();
  for (const name of signedHeaders) values.set(name, []);
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const list = values.get(rawHeaders[i]!.toLowerCase());
    if (list) list.push(rawHeaders[i + 1]!.trim().replace(/\s+/g, ' '));
  }
  return signedHeaders.map((name) => `${name}:${values.get(name)!.join(',')}\n`).join('');
}

export interface CanonicalRequestParts {
  method: string;
  rawPath: string;
  rawQuery: string;
  rawHeaders: readonly string[];
  signedHeaders: readonly string[];
  payloadHash: string;
  service: string;
  /** Query parameter left out of the canonical query (a presigned URL's X-Amz-Signature). */
  excludeQuery?: string;
}

export function canonicalRequest(parts: CanonicalRequestParts): string {
  return [
    parts.method,
    canonicalUri(parts.rawPath, parts.service),
    canonicalQuery(parts.rawQuery, parts.excludeQuery),
    canonicalHeaders(parts.rawHeaders, parts.signedHeaders),
    parts.signedHeaders.join(';'),
    parts.payloadHash,
  ].join('\n');
}

export interface Scope {
  date: string;
  region: string;
  service: string;
}

export function scopeString(scope: Scope): string {
  return `${scope.date}/${scope.region}/${scope.service}/aws4_request`;
}

export function stringToSign(amzDate: string, scope: Scope, canonical: string): string {
  return `${ALGORITHM}\n${amzDate}\n${scopeString(scope)}\n${sha256Hex(canonical)}`;
}

/**
 * The signatures of an aws-chunked body's chunks, each over the previous one (the request's own
 * signature seeds the chain), and of its trailer (`-TRAILER` payloads).
 */
export class ChunkSignatureChain {
  private previous: string;

  constructor(
    private readonly key: Buffer,
    private readonly amzDate: string,
    private readonly scope: Scope,
    seedSignature: string,
  ) {
    this.previous = seedSignature;
  }

  /** The next chunk's signature; advances the chain. */
  nextChunk(dataSha256: string): string {
    const toSign = `${ALGORITHM}-PAYLOAD\n${this.amzDate}\n${scopeString(this.scope)}\n${this.previous}\n${EMPTY_SHA256}\n${dataSha256}`;
    this.previous = hmacHex(this.key, toSign);
    return this.previous;
  }

  /** The trailer's signature over its canonical form (`name:value\n` per trailing header). */
  trailer(canonicalTrailer: string): string {
    const toSign = `${ALGORITHM}-TRAILER\n${this.amzDate}\n${scopeString(this.scope)}\n${this.previous}\n${sha256Hex(canonicalTrailer)}`;
    this.previous = hmacHex(this.key, toSign);
    return this.previous;
  }
}

/** `20261207T120000Z` for a time. */
export function amzDateOf(time: Date): string {
  return time.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/** The time of `20261207T120000Z`, or undefined when it is not one. */
export function parseAmzDate(value: string): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number) as [number, number, number, number, number, number, number];
  const time = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return Number.isNaN(time.getTime()) ? undefined : time;
}

export interface SignOptions {
  method: string;
  /** The path and query as sent (already percent-encoded). */
  path: string;
  host: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  service: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  date?: Date;
  /** The x-amz-content-sha256 to send (S3 requires one); the body's hash when true. */
  contentSha256?: string | true;
}

/** Headers that sign a request as the SDKs do (Authorization header): the given ones plus host, x-amz-date, token, authorization. */
export function signRequest(options: SignOptions): Record<string, string> {
  const amzDate = amzDateOf(options.date ?? new Date());
  const headers: Record<string, string> = { ...options.headers, host: options.host, 'x-amz-date': amzDate };
  const bodyHash = sha256Hex(options.body ?? '');
  if (options.contentSha256 !== undefined) headers['x-amz-content-sha256'] = options.contentSha256 === true ? bodyHash : options.contentSha256;
  if (options.credentials.sessionToken) headers['x-amz-security-token'] = options.credentials.sessionToken;
  const lowered = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
  const signedHeaders = Object.keys(lowered).sort();
  const question = options.path.indexOf('?');
  const scope: Scope = { date: amzDate.slice(0, 8), region: options.region, service: options.service };
  const canonical = canonicalRequest({
    method: options.method,
    rawPath: question < 0 ? options.path : options.path.slice(0, question),
    rawQuery: question < 0 ? '' : options.path.slice(question + 1),
    rawHeaders: Object.entries(lowered).flat(),
    signedHeaders,
    payloadHash: lowered['x-amz-content-sha256'] ?? bodyHash,
    service: options.service,
  });
  const signature = hmacHex(signingKey(options.credentials.secretAccessKey, scope.date, scope.region, scope.service), stringToSign(amzDate, scope, canonical));
  return {
    ...headers,
    authorization: `${ALGORITHM} Credential=${options.credentials.accessKeyId}/${scopeString(scope)}, SignedHeaders=${signedHeaders.join(';')}, Signature=${signature}`,
  };
}
