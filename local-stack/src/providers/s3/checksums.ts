/**
 * Flexible checksums on the wire: which one a request asks S3 to verify (`x-amz-checksum-<algorithm>`
 * headers or trailers, `x-amz-sdk-checksum-algorithm`), and BadDigest when the computed one differs.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { AwsError } from '../../core/types';
import { CHECKSUM_ALGORITHMS, type ChecksumAlgorithm, type StoredChecksum } from './model/checksums';

export function checksumHeader(algorithm: ChecksumAlgorithm): string {
  return `x-amz-checksum-${algorithm.toLowerCase()}`;
}

export function parseChecksumAlgorithm(value: string | undefined): ChecksumAlgorithm | undefined {
  if (value === undefined) return undefined;
  const upper = value.toUpperCase();
  if ((CHECKSUM_ALGORITHMS as readonly string[]).includes(upper)) return upper as ChecksumAlgorithm;
  throw new AwsError('InvalidRequest', `Value for x-amz-checksum-algorithm header is invalid: ${value}`, 400);
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** What the client asked to be verified: the algorithm, and where the expected value comes from. */
export interface ChecksumRequest {
  algorithm: ChecksumAlgorithm;
  /** The value sent as a header; for a trailer it is read from the trailers once the body ends. */
  expected?: string;
  trailer?: string;
}

export function requestedChecksum(headers: IncomingHttpHeaders): ChecksumRequest | undefined {
  for (const algorithm of CHECKSUM_ALGORITHMS) {
    const expected = headerValue(headers, checksumHeader(algorithm));
    if (expected !== undefined) return { algorithm, expected };
  }
  const trailer = headerValue(headers, 'x-amz-trailer')?.trim().toLowerCase();
  if (trailer?.startsWith('x-amz-checksum-')) {
    const algorithm = parseChecksumAlgorithm(trailer.slice('x-amz-checksum-'.length));
    if (algorithm) return { algorithm, trailer };
  }
  const declared = parseChecksumAlgorithm(
    headerValue(headers, 'x-amz-sdk-checksum-algorithm') ?? headerValue(headers, 'x-amz-checksum-algorithm'),
  );
  return declared ? { algorithm: declared } : undefined;
}

/** Throws BadDigest when the computed value differs from what the client sent. */
export function verifyChecksum(request: ChecksumRequest, computed: string, trailers: Record<string, string>): StoredChecksum {
  const expected = request.expected ?? (request.trailer ? trailers[request.trailer] : undefined);
  if (expected !== undefined && expected !== computed) {
    throw new AwsError('BadDigest', `The ${request.algorithm} you specified did not match the calculated checksum.`, 400);
  }
  return { algorithm: request.algorithm, value: computed };
}

/** Content-MD5 (base64 of the binary digest) against the computed hex MD5. */
export function verifyContentMd5(contentMd5: string | undefined, md5Hex: string): void {
  if (contentMd5 === undefined) return;
  const decoded = Buffer.from(contentMd5, 'base64');
  if (decoded.length !== 16) throw new AwsError('InvalidDigest', 'The Content-MD5 you specified was invalid.', 400);
  if (decoded.toString('hex') !== md5Hex) {
    throw new AwsError('BadDigest', 'The Content-MD5 you specified did not match what we received.', 400);
  }
}
