/**
 * Multipart uploads on disk, under `<bucket>/uploads/<uploadId>/`: `upload.json` (the object's
 * attributes), `part-<n>.json` (the part's ETag and size, naming its data file) and the part data.
 * Completing concatenates the parts into a new object through the S3Store's commit.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { concatenateInto } from '../../../core/concatenate';
import { KeyedMutex, isTempName, listDirectory, readJsonFile, writeJsonAtomic } from '../../../core/persistence';
import { AwsError } from '../../../core/types';
import type { ChecksumAlgorithm, ChecksumType } from './checksums';
import { completedChecksum, uploadChecksumType } from './multipart-checksums';
import { noSuchUpload } from '../errors';
import { nowToTheSecond, type ObjectAttributes, type ObjectRecord, type PartRecord, type StagedData, type UploadRecord, type WriteConditions } from './types';
import { writeHashedFile } from './staging';
import type { S3Store } from './store';

/** S3's minimum size for every part but the last. */
export const MIN_PART_SIZE = 5 * 1024 * 1024;
export const MAX_PART_NUMBER = 10_000;

export interface CompletedPart {
  partNumber: number;
  etag: string;
  /** The part's `Checksum<algorithm>` in the request, when it has one. */
  checksum?: { algorithm: ChecksumAlgorithm; value: string };
}

/** Checks a freshly written part (Content-MD5, checksums) and may add its checksum; throwing discards it. */
export type PartVerifier = (part: PartRecord, computedChecksum: string | undefined) => PartRecord;

const unquote = (etag: string): string => etag.trim().replace(/^"|"$/g, '');

export class MultipartStore {
  private readonly locks = new KeyedMutex();

  constructor(private readonly objects: S3Store) {}

  private uploadDir(bucket: string, uploadId: string): string {
    // Ids are 43 base64url characters (createUpload); anything else, a too long name included, is no upload.
    if (!/^[A-Za-z0-9_-]{1,128}$/.test(uploadId)) throw noSuchUpload(uploadId);
    return join(this.objects.bucketDir(bucket), 'uploads', uploadId);
  }

  async createUpload(bucket: string, key: string, attributes: ObjectAttributes, checksumAlgorithm?: ChecksumAlgorithm, checksumType?: ChecksumType): Promise<UploadRecord> {
    const upload: UploadRecord = {
      uploadId: randomBytes(32).toString('base64url'),
      key,
      initiated: new Date().toISOString(),
      contentType: attributes.contentType,
      contentHeaders: attributes.contentHeaders,
      userMetadata: attributes.userMetadata,
      tags: attributes.tags,
      ...(checksumAlgorithm ? { checksumAlgorithm } : {}),
      ...(checksumType ? { checksumType } : {}),
    };
    await writeJsonAtomic(join(this.uploadDir(bucket, upload.uploadId), 'upload.json'), upload);
    return upload;
  }

  /** The upload, checked to belong to `key` when given; NoSuchUpload otherwise. */
  async upload(bucket: string, uploadId: string, key?: string): Promise<UploadRecord> {
    const upload = await readJsonFile<UploadRecord>(join(this.uploadDir(bucket, uploadId), 'upload.json'));
    if (!upload || (key !== undefined && upload.key !== key)) throw noSuchUpload(uploadId);
    return upload;
  }

  async listUploads(bucket: string): Promise<UploadRecord[]> {
    const root = join(this.objects.bucketDir(bucket), 'uploads');
    const ids = (await listDirectory(root)).filter((name) => !isTempName(name));
    const uploads = await Promise.all(ids.map((id) => readJsonFile<UploadRecord>(join(root, id, 'upload.json'))));
    return uploads
      .filter((upload): upload is UploadRecord => upload !== undefined)
      .sort((a, b) => (a.key === b.key ? a.initiated.localeCompare(b.initiated) : a.key < b.key ? -1 : 1));
  }

  /** Writes one part, replacing an earlier upload of the same part number. */
  async putPart(
    bucket: string,
    uploadId: string,
    partNumber: number,
    source: Readable,
    checksumAlgorithm?: ChecksumAlgorithm,
    verify?: PartVerifier,
  ): Promise<PartRecord> {
    const dir = this.uploadDir(bucket, uploadId);
    await this.upload(bucket, uploadId);
    const dataFile = `part-${partNumber}-${randomUUID()}`;
    const written = await writeHashedFile(source, join(dir, dataFile), checksumAlgorithm);
    let part: PartRecord = { partNumber, dataFile, size: written.size, etag: written.etag, lastModified: nowToTheSecond() };
    try {
      if (verify) part = verify(part, written.computedChecksum);
    } catch (error) {
      await rm(join(dir, dataFile), { force: true });
      throw error;
    }
    return this.locks.run(uploadId, async () => {
      await this.upload(bucket, uploadId);
      const previous = await readJsonFile<PartRecord>(join(dir, `part-${partNumber}.json`));
      await writeJsonAtomic(join(dir, `part-${partNumber}.json`), part);
      if (previous) await rm(join(dir, previous.dataFile), { force: true });
      return part;
    });
  }

  /** A part's bytes from a byte range of an existing object (UploadPartCopy). */
  async copyPart(
    bucket: string,
    uploadId: string,
    partNumber: number,
    sourceBucket: string,
    record: ObjectRecord,
    range: { start: number; end: number } | undefined,
  ): Promise<PartRecord> {
    const source = createReadStream(this.objects.dataPath(sourceBucket, record), range ? { start: range.start, end: range.end } : {});
    // In an upload with a checksum the copied part gets one, as an uploaded part does (recorded:
    // test_multipart_upload_part_copy_checksum).
    const algorithm = (await this.upload(bucket, uploadId)).checksumAlgorithm;
    return this.putPart(bucket, uploadId, partNumber, source, algorithm, (part, computed) => (algorithm && computed ? { ...part, checksum: { algorithm, value: computed } } : part));
  }

  async listParts(bucket: string, uploadId: string): Promise<PartRecord[]> {
    const dir = this.uploadDir(bucket, uploadId);
    await this.upload(bucket, uploadId);
    const names = (await listDirectory(dir)).filter((name) => /^part-\d+\.json$/.test(name));
    const parts = await Promise.all(names.map((name) => readJsonFile<PartRecord>(join(dir, name))));
    return parts.filter((part): part is PartRecord => part !== undefined).sort((a, b) => a.partNumber - b.partNumber);
  }

  async abortUpload(bucket: string, uploadId: string): Promise<void> {
    const dir = this.uploadDir(bucket, uploadId);
    await this.locks.run(uploadId, async () => {
      await this.upload(bucket, uploadId);
      await this.objects.discardDirectory(dir);
    });
  }

  /** Concatenates the listed parts into a new object (ETag: MD5 of the part MD5s, `-<count>`). */
  async completeUpload(
    bucket: string,
    uploadId: string,
    key: string,
    requested: readonly CompletedPart[],
    conditions: WriteConditions,
  ): Promise<ObjectRecord> {
    const dir = this.uploadDir(bucket, uploadId);
    return this.locks.run(uploadId, async () => {
      const upload = await this.upload(bucket, uploadId, key);
      const parts = this.checkParts(upload, requested, await this.listParts(bucket, uploadId));
      const staged = await this.concatenate(bucket, dir, parts);
      try {
        staged.checksum = await completedChecksum(upload, parts, this.objects.dataPath(bucket, staged), dir);
      } catch (error) {
        await this.objects.discardStaged(bucket, staged);
        throw error;
      }
      let record: ObjectRecord;
      try {
        const { contentType, contentHeaders, userMetadata, tags } = upload;
        record = await this.objects.commit(bucket, key, staged, { contentType, contentHeaders, userMetadata, tags }, conditions);
      } catch (error) {
        await this.objects.discardStaged(bucket, staged);
        throw error;
      }
      await this.objects.discardDirectory(dir);
      return record;
    });
  }

  /**
   * The stored parts the request names, validated as S3 does, with S3's words and fields (LocalStack's
   * recorded AWS answers: test_complete_multipart_parts_order, _wrong_part, _too_small, _checksum_composite).
   */
  private checkParts(upload: UploadRecord, requested: readonly CompletedPart[], storedParts: readonly PartRecord[]): PartRecord[] {
    const { uploadId } = upload;
    const stored = new Map(storedParts.map((part) => [part.partNumber, part]));
    const composite = uploadChecksumType(upload) === 'COMPOSITE';
    const parts = requested.map((wanted, index) => {
      if (index > 0 && wanted.partNumber <= (requested[index - 1] as CompletedPart).partNumber) {
        throw new AwsError('InvalidPartOrder', 'The list of parts was not in ascending order. Parts must be ordered by part number.', 400, { UploadId: uploadId });
      }
      const part = stored.get(wanted.partNumber);
      const etag = unquote(wanted.etag);
      const invalidPart = (): AwsError =>
        new AwsError(
          'InvalidPart',
          "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
          400,
          { UploadId: uploadId, PartNumber: String(wanted.partNumber), ETag: etag },
        );
      if (!part || part.etag !== etag) throw invalidPart();
      // An upload that named no checksum knows no part checksums: a part named with one is not found.
      if (!upload.checksumAlgorithm && wanted.checksum) throw invalidPart();
      if (composite && upload.checksumAlgorithm) {
        if (wanted.checksum?.algorithm !== upload.checksumAlgorithm) {
          throw new AwsError(
            'InvalidRequest',
            `The upload was created using a ${upload.checksumAlgorithm.toLowerCase()} checksum. The complete request must include the checksum for each part. It was missing for part ${wanted.partNumber} in the request.`,
            400,
          );
        }
        if (part.checksum && part.checksum.value !== wanted.checksum.value) throw invalidPart();
      }
      return part;
    });
    parts.forEach((part, index) => {
      if (index < parts.length - 1 && part.size < MIN_PART_SIZE) {
        throw new AwsError('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size', 400, {
          ProposedSize: String(part.size),
          MinSizeAllowed: String(MIN_PART_SIZE),
          PartNumber: String(part.partNumber),
          ETag: part.etag,
        });
      }
    });
    return parts;
  }

  private async concatenate(bucket: string, dir: string, parts: readonly PartRecord[]): Promise<StagedData> {
    const dataFile = randomUUID();
    const target = this.objects.dataPath(bucket, { dataFile });
    const output = createWriteStream(target, { flags: 'wx' });
    try {
      await concatenateInto(
        output,
        parts.map((part) => () => createReadStream(join(dir, part.dataFile))),
      );
    } catch (error) {
      output.destroy();
      await rm(target, { force: true });
      throw error;
    }
    const etagOfEtags = createHash('md5')
      .update(Buffer.concat(parts.map((part) => Buffer.from(part.etag, 'hex'))))
      .digest('hex');
    return {
      dataFile,
      size: parts.reduce((total, part) => total + part.size, 0),
      etag: `${etagOfEtags}-${parts.length}`,
      partsCount: parts.length,
    };
  }
}
