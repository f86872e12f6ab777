/**
 * The checksum S3 gives a completed multipart upload (default data integrity, 2025; LocalStack's
 * snapshot tests recorded against AWS, test_complete_multipart_parts_checksum_*): the whole object's
 * checksum (FULL_OBJECT; CRC64NVME when the upload named no algorithm), or the checksum of the parts'
 * binary checksums followed by `-<parts>` (COMPOSITE).
 */
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { checksumOf, createChecksumHasher, DEFAULT_CHECKSUM_ALGORITHM, type ChecksumAlgorithm, type ChecksumType, type StoredChecksum } from './checksums';
import type { PartRecord, UploadRecord } from './types';

/** The checksum type an upload uses: the one it named, else the algorithm's default (CRC64NVME: FULL_OBJECT). */
export function uploadChecksumType(upload: Pick<UploadRecord, 'checksumAlgorithm' | 'checksumType'>): ChecksumType | undefined {
  if (!upload.checksumAlgorithm) return undefined;
  return upload.checksumType ?? defaultChecksumType(upload.checksumAlgorithm);
}

export function defaultChecksumType(algorithm: ChecksumAlgorithm): ChecksumType {
  return algorithm === 'CRC64NVME' ? 'FULL_OBJECT' : 'COMPOSITE';
}

export async function fileChecksum(path: string, algorithm: ChecksumAlgorithm): Promise<string> {
  const hasher = createChecksumHasher(algorithm);
  for await (const chunk of createReadStream(path)) hasher.update(chunk as Buffer);
  return hasher.digest();
}

/** The completed object's checksum; `objectFile` holds the concatenated bytes, the parts stay in `partsDir`. */
export async function completedChecksum(upload: UploadRecord, parts: readonly PartRecord[], objectFile: string, partsDir: string): Promise<StoredChecksum> {
  const algorithm = upload.checksumAlgorithm ?? DEFAULT_CHECKSUM_ALGORITHM;
  if (uploadChecksumType(upload) !== 'COMPOSITE') return { algorithm, value: await fileChecksum(objectFile, algorithm), type: 'FULL_OBJECT' };
  const partChecksums = await Promise.all(
    parts.map(async (part) => (part.checksum?.algorithm === algorithm ? part.checksum.value : fileChecksum(join(partsDir, part.dataFile), algorithm))),
  );
  const combined = checksumOf(algorithm, Buffer.concat(partChecksums.map((value) => Buffer.from(value, 'base64'))));
  return { algorithm, value: `${combined}-${parts.length}`, type: 'COMPOSITE' };
}
