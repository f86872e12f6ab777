/** Writing request bytes to a file while computing the MD5 (the ETag) and an optional checksum. */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createChecksumHasher, type ChecksumAlgorithm, type ChecksumHasher } from './checksums';

class HashingPassThrough extends Transform {
  readonly md5 = createHash('md5');
  size = 0;

  constructor(private readonly checksum?: ChecksumHasher) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.md5.update(chunk);
    this.checksum?.update(chunk);
    this.size += chunk.length;
    callback(null, chunk);
  }
}

export interface HashedFile {
  size: number;
  /** Hex MD5. */
  etag: string;
  /** Base64 digest for the checksum algorithm asked for. */
  computedChecksum?: string;
}

/** Streams `source` into a new file at `path`; on any error the file is removed. */
export async function writeHashedFile(source: Readable, path: string, checksumAlgorithm?: ChecksumAlgorithm): Promise<HashedFile> {
  const checksum = checksumAlgorithm ? createChecksumHasher(checksumAlgorithm) : undefined;
  const hashing = new HashingPassThrough(checksum);
  try {
    await pipeline(source, hashing, createWriteStream(path, { flags: 'wx' }));
  } catch (error) {
    await rm(path, { force: true });
    throw error;
  }
  return { size: hashing.size, etag: hashing.md5.digest('hex'), computedChecksum: checksum?.digest() };
}
