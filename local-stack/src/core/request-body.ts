/**
 * Request bodies: decoded from aws-chunked when the client streamed them, and size-limited
 * (a body beyond the limit is an AWS error, never an unbounded buffer).
 */
import { createHash, type Hash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { PassThrough, Transform, type Readable, type TransformCallback } from 'node:stream';
import { AwsChunkedDecoder, isAwsChunked } from './aws-chunked';
import type { ChunkSignatureChain } from './sigv4';
import { AwsError } from './types';

export function bodyTooLarge(limit: number, service: string): AwsError {
  const code = service === 's3' ? 'EntityTooLarge' : 'RequestEntityTooLarge';
  return new AwsError(code, `Your request body exceeds the local stack's limit of ${limit} bytes`, 413, {
    MaxSizeAllowed: String(limit),
  });
}

/** Errors the stream once more than `limit` bytes have passed. */
class ByteLimit extends Transform {
  private seen = 0;
  constructor(
    private readonly limit: number,
    private readonly tooLarge: () => AwsError,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.seen += chunk.length;
    if (this.seen > this.limit) callback(this.tooLarge());
    else callback(null, chunk);
  }
}

/** Errors the stream at its end when the bytes that passed do not hash (SHA-256) to `expected`. */
class Sha256Check extends Transform {
  private readonly hash: Hash = createHash('sha256');
  constructor(
    private readonly expected: string,
    private readonly mismatch: () => AwsError,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    callback(this.hash.digest('hex') === this.expected ? null : this.mismatch());
  }
}

/** What the body must prove as it is read (from the request's signature, core/authentication.ts). */
export interface BodyVerification {
  /** aws-chunked chunk signatures, chained from the request's signature. */
  chunkSignatures?: { chain: ChunkSignatureChain; trailer: boolean };
  /** The decoded body's SHA-256 (x-amz-content-sha256), and the error when it differs. */
  sha256?: { expected: string; mismatch: () => AwsError };
}

function parseLength(value: string | string[] | undefined): number | undefined {
  if (typeof value !== 'string' || !/^\d+$/.test(value)) return undefined;
  return Number(value);
}

/** The payload's length as the client declared it (decoded length for aws-chunked bodies). */
export function declaredBodyLength(headers: IncomingHttpHeaders): number | undefined {
  return isAwsChunked(headers)
    ? parseLength(headers['x-amz-decoded-content-length'])
    : parseLength(headers['content-length']);
}

export interface DecodedBody {
  stream: Readable;
  /** aws-chunked trailing headers; filled in when `stream` ends. */
  trailers: Record<string, string>;
}

/**
 * The request body as the provider should see it. Errors (too large, malformed chunking, client
 * aborted) surface as stream errors carrying an AwsError where one applies.
 */
export function decodeRequestBody(
  raw: Readable,
  headers: IncomingHttpHeaders,
  limit: number,
  service: string,
  verification: BodyVerification = {},
): DecodedBody {
  const declared = declaredBodyLength(headers);
  if (declared !== undefined && declared > limit) throw bodyTooLarge(limit, service);

  const output = new PassThrough();
  // Not stream.pipeline: that would destroy the request (and its socket) on a body error,
  // leaving no way to answer with the AWS error.
  const pipeInto = <T extends NodeJS.WritableStream>(source: Readable, target: T): T => {
    source.on('error', (error) => output.destroy(error));
    return source.pipe(target);
  };
  let current: Readable = raw;
  let trailers: Record<string, string> = {};
  if (isAwsChunked(headers)) {
    const decoder = new AwsChunkedDecoder(parseLength(headers['x-amz-decoded-content-length']), verification.chunkSignatures);
    trailers = decoder.trailers;
    current = pipeInto(current, decoder);
  }
  current = pipeInto(current, new ByteLimit(limit, () => bodyTooLarge(limit, service)));
  if (verification.sha256) current = pipeInto(current, new Sha256Check(verification.sha256.expected, verification.sha256.mismatch));
  pipeInto(current, output);
  // A provider may answer without reading the body (an error before it streams it): a malformed or too large
  // rest of the body then errors a stream nobody reads, which must not be an uncaught 'error' (a crash).
  output.on('error', () => undefined);
  raw.on('close', () => {
    if (!raw.readableEnded) output.destroy(new AwsError('IncompleteBody', 'The client closed the connection mid-body', 400));
  });
  return { stream: output, trailers };
}

export async function readFully(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
}
