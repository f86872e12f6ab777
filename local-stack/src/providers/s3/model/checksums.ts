/**
 * S3's flexible checksum algorithms (base64 of the big-endian digest), computed while a body streams
 * to disk; what a request asks to verify is read by ../checksums.ts.
 */
import { createHash, type Hash } from 'node:crypto';
import { crc32 as zlibCrc32 } from 'node:zlib';

export const CHECKSUM_ALGORITHMS = ['CRC32', 'CRC32C', 'CRC64NVME', 'SHA1', 'SHA256'] as const;
export type ChecksumAlgorithm = (typeof CHECKSUM_ALGORITHMS)[number];

/** FULL_OBJECT: the checksum of the whole object; COMPOSITE: of the parts' checksums (`<base64>-<parts>`). */
export type ChecksumType = 'FULL_OBJECT' | 'COMPOSITE';

export interface StoredChecksum {
  algorithm: ChecksumAlgorithm;
  /** Base64 digest. */
  value: string;
  /** Absent in state written before it was kept: FULL_OBJECT. */
  type?: ChecksumType;
}

/** S3's default for an upload that names no checksum (default data integrity, 2025). */
export const DEFAULT_CHECKSUM_ALGORITHM: ChecksumAlgorithm = 'CRC64NVME';

export function checksumTypeOf(checksum: StoredChecksum): ChecksumType {
  return checksum.type ?? 'FULL_OBJECT';
}

export interface ChecksumHasher {
  update(chunk: Buffer): void;
  /** Base64 of the digest. */
  digest(): string;
}

function reflectedTable32(polynomial: number): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n += 1) {
    let c = n;
    for (let k = 0; k < 8; k += 1) c = c & 1 ? (c >>> 1) ^ polynomial : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

const CRC32C_TABLE = reflectedTable32(0x82f63b78);

/** CRC-64/NVME as two 32-bit halves (fast without BigInt in the inner loop). */
const CRC64_TABLE_HI = new Uint32Array(256);
const CRC64_TABLE_LO = new Uint32Array(256);
{
  const polynomial = 0x9a6c9329ac4bc9b5n;
  for (let n = 0; n < 256; n += 1) {
    let c = BigInt(n);
    for (let k = 0; k < 8; k += 1) c = c & 1n ? (c >> 1n) ^ polynomial : c >> 1n;
    CRC64_TABLE_HI[n] = Number(c >> 32n);
    CRC64_TABLE_LO[n] = Number(c & 0xffffffffn);
  }
}

function uint32Base64(value: number): string {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value >>> 0);
  return bytes.toString('base64');
}

class Crc32Hasher implements ChecksumHasher {
  private value = 0;
  update(chunk: Buffer): void {
    this.value = zlibCrc32(chunk, this.value);
  }
  digest(): string {
    return uint32Base64(this.value);
  }
}

class Crc32cHasher implements ChecksumHasher {
  private crc = 0xffffffff;
  update(chunk: Buffer): void {
    let crc = this.crc;
    for (let i = 0; i < chunk.length; i += 1) {
      crc = (CRC32C_TABLE[(crc ^ (chunk[i] as number)) & 0xff] as number) ^ (crc >>> 8);
    }
    this.crc = crc;
  }
  digest(): string {
    return uint32Base64((this.crc ^ 0xffffffff) >>> 0);
  }
}

class Crc64NvmeHasher implements ChecksumHasher {
  private hi = 0xffffffff;
  private lo = 0xffffffff;
  update(chunk: Buffer): void {
    let { hi, lo } = this;
    for (let i = 0; i < chunk.length; i += 1) {
      const index = (lo ^ (chunk[i] as number)) & 0xff;
      lo = (((lo >>> 8) | (hi << 24)) ^ (CRC64_TABLE_LO[index] as number)) >>> 0;
      hi = ((hi >>> 8) ^ (CRC64_TABLE_HI[index] as number)) >>> 0;
    }
    this.hi = hi;
    this.lo = lo;
  }
  digest(): string {
    const bytes = Buffer.alloc(8);
    bytes.writeUInt32BE((this.hi ^ 0xffffffff) >>> 0, 0);
    bytes.writeUInt32BE((this.lo ^ 0xffffffff) >>> 0, 4);
    return bytes.toString('base64');
  }
}

class DigestHasher implements ChecksumHasher {
  private readonly hash: Hash;
  constructor(algorithm: 'sha1' | 'sha256') {
    this.hash = createHash(algorithm);
  }
  update(chunk: Buffer): void {
    this.hash.update(chunk);
  }
  digest(): string {
    return this.hash.digest('base64');
  }
}

export function createChecksumHasher(algorithm: ChecksumAlgorithm): ChecksumHasher {
  switch (algorithm) {
    case 'CRC32':
      return new Crc32Hasher();
    case 'CRC32C':
      return new Crc32cHasher();
    case 'CRC64NVME':
      return new Crc64NvmeHasher();
    case 'SHA1':
      return new DigestHasher('sha1');
    case 'SHA256':
      return new DigestHasher('sha256');
  }
}

export function checksumOf(algorithm: ChecksumAlgorithm, data: Buffer): string {
  const hasher = createChecksumHasher(algorithm);
  hasher.update(data);
  return hasher.digest();
}
