/**
 * Flexible checksums on the wire: which one a request asks S3 to verify (`x-amz-checksum-<algorithm>`
 * headers or trailers, `x-amz-sdk-checksum-algorithm`), and BadDigest when the computed one differs.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { AwsError } from '../../core/types';
import { CHECKSUM_ALGORITHMS, type ChecksumAlgorithm, type ChecksumType, type StoredChecksum } from './model/checksums';
import { uploadChecksumType } from './model/multipart-checksums';
import type { UploadRecord } from './model/types';

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

/**
 * Content-MD5 (base64 of the binary digest) against the computed hex MD5, with the fields S3's errors
 * carry (LocalStack's recorded AWS answers, test_s3_invalid_content_md5): InvalidDigest names the
 * Content-MD5 sent; BadDigest the ExpectedDigest (hex of what was sent) and the CalculatedDigest (base64).
 */
export function verifyContentMd5(contentMd5: string | undefined, md5Hex: string): void {
  if (contentMd5 === undefined) return;
  const decoded = /^[A-Za-z0-9+/]*={0,2}$/.test(contentMd5) ? Buffer.from(contentMd5, 'base64') : Buffer.alloc(0);
  if (decoded.length !== 16) throw new AwsError('InvalidDigest', 'The Content-MD5 you specified was invalid.', 400, { 'Content-MD5': contentMd5 });
  if (decoded.toString('hex') !== md5Hex) {
    throw new AwsError('BadDigest', 'The Content-MD5 you specified did not match what we received.', 400, {
      ExpectedDigest: decoded.toString('hex'),
      CalculatedDigest: Buffer.from(md5Hex, 'hex').toString('base64'),
    });
  }
}

/**
 * CreateMultipartUpload's `x-amz-checksum-algorithm` and `x-amz-checksum-type`, refused as S3 refuses
 * them (LocalStack's recorded AWS answers: test_multipart_parts_checksum_exceptions_composite,
 * test_multipart_checksum_type_compatibility).
 */
export function uploadChecksumMode(headers: IncomingHttpHeaders): { algorithm?: ChecksumAlgorithm; type?: ChecksumType } {
  const algorithmHeader = headerValue(headers, 'x-amz-checksum-algorithm');
  const typeHeader = headerValue(headers, 'x-amz-checksum-type');
  let algorithm: ChecksumAlgorithm | undefined;
  if (algorithmHeader !== undefined) {
    algorithm = CHECKSUM_ALGORITHMS.find((candidate) => candidate === algorithmHeader.toUpperCase());
    if (!algorithm) {
      throw new AwsError('InvalidRequest', `Checksum algorithm provided is unsupported. Please try again with any of the valid types: [${CHECKSUM_ALGORITHMS.join(', ')}]`, 400);
    }
  }
  if (typeHeader === undefined) return { algorithm };
  if (!algorithm) throw new AwsError('InvalidRequest', 'The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.', 400);
  const type = typeHeader.toUpperCase();
  if (type !== 'FULL_OBJECT' && type !== 'COMPOSITE') throw new AwsError('InvalidRequest', `Value for x-amz-checksum-type header is invalid.`, 400);
  const allowed = type === 'COMPOSITE' ? algorithm !== 'CRC64NVME' : algorithm !== 'SHA1' && algorithm !== 'SHA256';
  if (!allowed) throw new AwsError('InvalidRequest', `The ${type} checksum type cannot be used with the ${algorithm.toLowerCase()} checksum algorithm.`, 400);
  return { algorithm, type };
}

/** CompleteMultipartUpload's `x-amz-checksum-type` must be the upload's mode (recorded: test_complete_multipart_parts_checksum_default). */
export function checkCompleteChecksumMode(upload: UploadRecord, typeHeader: string | undefined): void {
  if (typeHeader === undefined) return;
  const mode = uploadChecksumType(upload);
  if (typeHeader.toUpperCase() !== mode) {
    throw new AwsError('InvalidRequest', `The upload was created using the ${mode ?? 'null'} checksum mode. The complete request must use the same checksum mode.`, 400);
  }
}
