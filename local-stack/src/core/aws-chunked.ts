/**
 * Decoder for the `aws-chunked` content encoding that SigV4 streaming uploads use
 * (`STREAMING-AWS4-HMAC-SHA256-PAYLOAD`, `STREAMING-UNSIGNED-PAYLOAD-TRAILER`, and their
 * `-TRAILER` / ECDSA variants):
 *
 *     <hex size>[;chunk-signature=<sig>]\r\n<data>\r\n ... 0[;chunk-signature=<sig>]\r\n
 *     [<trailer name>:<value>\r\n]*\r\n
 *
 * With a `ChunkSignatureChain` (STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]) every chunk's signature
 * and the trailer's are verified, each chunk's data hashed once as it passes; trailing headers
 * (checksums) are collected into `trailers` for the provider to check.
 */
import { createHash, type Hash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import { signaturesEqual, type ChunkSignatureChain } from './sigv4';
import { AwsError } from './types';

const MAX_LINE_BYTES = 8 * 1024;
const CRLF = Buffer.from('\r\n');

type State = 'size' | 'data' | 'data-end' | 'trailer' | 'done';

export function isAwsChunked(headers: IncomingHttpHeaders): boolean {
  const sha = headers['x-amz-content-sha256'];
  if (typeof sha === 'string' && sha.startsWith('STREAMING-')) return true;
  const encoding = headers['content-encoding'];
  return typeof encoding === 'string' && encoding.split(',').some((part) => part.trim() === 'aws-chunked');
}

/** The content encoding left once aws-chunked is removed (e.g. `aws-chunked,gzip` -> `gzip`). */
export function withoutAwsChunked(contentEncoding: string | undefined): string | undefined {
  if (contentEncoding === undefined) return undefined;
  const rest = contentEncoding
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '' && part !== 'aws-chunked');
  return rest.length > 0 ? rest.join(',') : undefined;
}

function malformed(message: string): AwsError {
  return new AwsError('IncompleteBody', `Malformed aws-chunked body: ${message}`, 400);
}

export class AwsChunkedDecoder extends Transform {
  /** Trailing headers, lower-cased names; complete when the stream has ended. */
  readonly trailers: Record<string, string> = {};
  private state: State = 'size';
  private pending: Buffer = Buffer.alloc(0);
  private remaining = 0;
  private decodedBytes = 0;
  /** The signature the current chunk claims, and its data's running hash (signed chunks only). */
  private chunkSignature = '';
  private chunkHash: Hash | undefined;
  private trailerText = '';
  private trailerSignature: string | undefined;

  constructor(
    private readonly expectedLength?: number,
    private readonly signatures?: { chain: ChunkSignatureChain; trailer: boolean },
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.consume(this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    // Some clients omit the final empty line after the trailers.
    if (this.state === 'trailer' && this.pending.length === 0) this.state = 'done';
    if (this.state !== 'done') {
      callback(malformed('the body ended before its final chunk'));
      return;
    }
    try {
      this.verifyTrailer();
    } catch (error) {
      callback(error as Error);
      return;
    }
    if (this.expectedLength !== undefined && this.decodedBytes !== this.expectedLength) {
      callback(
        new AwsError(
          'IncompleteBody',
          `You did not provide the number of bytes specified by x-amz-decoded-content-length (${this.expectedLength}); got ${this.decodedBytes}`,
          400,
        ),
      );
      return;
    }
    callback();
  }

  private consume(input: Buffer): void {
    let offset = 0;
    while (offset < input.length) {
      if (this.state === 'data') {
        const take = Math.min(this.remaining, input.length - offset);
        this.chunkHash?.update(input.subarray(offset, offset + take));
        this.push(input.subarray(offset, offset + take));
        this.decodedBytes += take;
        this.remaining -= take;
        offset += take;
        if (this.remaining === 0) this.state = 'data-end';
        continue;
      }
      if (this.state === 'done') {
        if (input.subarray(offset).toString('latin1').trim() !== '') throw malformed('data after the final chunk');
        offset = input.length;
        continue;
      }
      const lineEnd = input.indexOf(CRLF, offset);
      if (lineEnd < 0) {
        if (input.length - offset > MAX_LINE_BYTES) throw malformed('chunk header line too long');
        break;
      }
      const line = input.subarray(offset, lineEnd).toString('latin1');
      offset = lineEnd + 2;
      this.onLine(line);
    }
    this.pending = offset < input.length ? Buffer.from(input.subarray(offset)) : Buffer.alloc(0);
  }

  private onLine(line: string): void {
    switch (this.state) {
      case 'size': {
        const sizeText = line.split(';', 1)[0]?.trim() ?? '';
        if (!/^[0-9a-fA-F]{1,16}$/.test(sizeText)) throw malformed(`invalid chunk size "${sizeText}"`);
        this.remaining = Number.parseInt(sizeText, 16);
        if (this.signatures) {
          const signature = /;\s*chunk-signature=([0-9a-f]{64})\s*$/.exec(line);
          if (!signature) throw new AwsError('IncompleteBody', `Chunk ${sizeText} of a signed aws-chunked body has no chunk-signature`, 400);
          this.chunkSignature = signature[1]!;
          this.chunkHash = createHash('sha256');
        }
        if (this.remaining === 0) {
          this.verifyChunk();
          this.state = 'trailer';
        } else {
          this.state = 'data';
        }
        return;
      }
      case 'data-end':
        if (line !== '') throw malformed('chunk data longer than its declared size');
        this.verifyChunk();
        this.state = 'size';
        return;
      case 'trailer': {
        if (line === '') {
          this.state = 'done';
          return;
        }
        const colon = line.indexOf(':');
        if (colon <= 0) throw malformed(`invalid trailer line "${line}"`);
        const name = line.slice(0, colon).trim().toLowerCase();
        const value = line.slice(colon + 1).trim();
        if (name === 'x-amz-trailer-signature') {
          this.trailerSignature = value;
          return;
        }
        this.trailers[name] = value;
        this.trailerText += `${name}:${value}\n`;
        return;
      }
      default:
        throw malformed(`unexpected line in state ${this.state}`);
    }
  }

  private verifyChunk(): void {
    if (!this.signatures || !this.chunkHash) return;
    const expected = this.signatures.chain.nextChunk(this.chunkHash.digest('hex'));
    this.chunkHash = undefined;
    if (!signaturesEqual(expected, this.chunkSignature)) throw chunkSignatureMismatch('a chunk');
  }

  private verifyTrailer(): void {
    if (!this.signatures?.trailer) return;
    if (this.trailerSignature === undefined) throw new AwsError('IncompleteBody', 'The signed aws-chunked trailer has no x-amz-trailer-signature', 400);
    if (!signaturesEqual(this.signatures.chain.trailer(this.trailerText), this.trailerSignature)) throw chunkSignatureMismatch('the trailer');
  }
}

function chunkSignatureMismatch(what: string): AwsError {
  return new AwsError('SignatureDoesNotMatch', `The signature of ${what} of the aws-chunked body does not match the one calculated from its data and the request's signature.`, 403);
}
