/**
 * Decoder for the `aws-chunked` content encoding that SigV4 streaming uploads use
 * (`STREAMING-AWS4-HMAC-SHA256-PAYLOAD`, `STREAMING-UNSIGNED-PAYLOAD-TRAILER`, and their
 * `-TRAILER` / ECDSA variants):
 *
 *     <hex size>[;chunk-signature=<sig>]\r\n<data>\r\n ... 0[;chunk-signature=<sig>]\r\n
 *     [<trailer name>:<value>\r\n]*\r\n
 *
 * Chunk signatures are not verified (the local stack accepts any credentials); trailing headers
 * (checksums) are collected into `trailers` for the provider to check.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
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

  constructor(private readonly expectedLength?: number) {
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
        this.state = this.remaining === 0 ? 'trailer' : 'data';
        return;
      }
      case 'data-end':
        if (line !== '') throw malformed('chunk data longer than its declared size');
        this.state = 'size';
        return;
      case 'trailer': {
        if (line === '') {
          this.state = 'done';
          return;
        }
        const colon = line.indexOf(':');
        if (colon <= 0) throw malformed(`invalid trailer line "${line}"`);
        this.trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
        return;
      }
      default:
        throw malformed(`unexpected line in state ${this.state}`);
    }
  }
}
