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

/**
 * CRC-64/NVME tables for slicing by 8 (eight bytes per step), each entry as two 32-bit halves (fast
 * without BigInt in the inner loop): table k, entry n, is the CRC of byte n followed by k zero bytes.
 */
const CRC64_SLICES = 8;
const CRC64_TABLES_HI = Array.from({ length: CRC64_SLICES }, () => new Uint32Array(256));
const CRC64_TABLES_LO = Array.from({ length: CRC64_SLICES }, () => new Uint32Array(256));
{
  const polynomial = 0x9a6c9329ac4bc9b5n;
  const table: bigint[] = [];
  for (let n = 0; n < 256; n += 1) {
    let c = BigInt(n);
    for (let k = 0; k < 8; k += 1) c = c & 1n ? (c >> 1n) ^ polynomial : c >> 1n;
    table.push(c);
  }
  for (let n = 0; n < 256; n += 1) {
    let c = table[n]!;
    for (let slice = 0; slice < CRC64_SLICES; slice += 1) {
      CRC64_TABLES_HI[slice]![n] = Number(c >> 32n);
      CRC64_TABLES_LO[slice]![n] = Number(c & 0xffffffffn);
      c = (c >> 8n) ^ table[Number(c & 0xffn)]!;
    }
  }
}
const [T0_HI, T1_HI, T2_HI, T3_HI, T4_HI, T5_HI, T6_HI, T7_HI] = CRC64_TABLES_HI as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];
const [T0_LO, T1_LO, T2_LO, T3_LO, T4_LO, T5_LO, T6_LO, T7_LO] = CRC64_TABLES_LO as [Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array, Uint32Array];

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
    let i = 0;
    for (const end = chunk.length - 7; i < end; i += 8) {
      const xlo = (lo ^ ((chunk[i] as number) | ((chunk[i + 1] as number) << 8) | ((chunk[i + 2] as number) << 16) | ((chunk[i + 3] as number) << 24))) >>> 0;
      const xhi = (hi ^ ((chunk[i + 4] as number) | ((chunk[i + 5] as number) << 8) | ((chunk[i + 6] as number) << 16) | ((chunk[i + 7] as number) << 24))) >>> 0;
      const b0 = xlo & 0xff, b1 = (xlo >>> 8) & 0xff, b2 = (xlo >>> 16) & 0xff, b3 = xlo >>> 24;
      const b4 = xhi & 0xff, b5 = (xhi >>> 8) & 0xff, b6 = (xhi >>> 16) & 0xff, b7 = xhi >>> 24;
      lo = ((T7_LO[b0] as number) ^ (T6_LO[b1] as number) ^ (T5_LO[b2] as number) ^ (T4_LO[b3] as number) ^ (T3_LO[b4] as number) ^ (T2_LO[b5] as number) ^ (T1_LO[b6] as number) ^ (T0_LO[b7] as number)) >>> 0;
      hi = ((T7_HI[b0] as number) ^ (T6_HI[b1] as number) ^ (T5_HI[b2] as number) ^ (T4_HI[b3] as number) ^ (T3_HI[b4] as number) ^ (T2_HI[b5] as number) ^ (T1_HI[b6] as number) ^ (T0_HI[b7] as number)) >>> 0;
    }
    for (; i < chunk.length; i += 1) {
      const index = (lo ^ (chunk[i] as number)) & 0xff;
      lo = (((lo >>> 8) | (hi << 24)) ^ (T0_LO[index] as number)) >>> 0;
      hi = ((hi >>> 8) ^ (T0_HI[index] as number)) >>> 0;
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
