import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
  type S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createHash, randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { clientsOf, ProviderStack, s3Client, useProviderStack } from '../support/stack';

const MiB = 1024 * 1024;
const md5 = (data: Buffer): Buffer => createHash('md5').update(data).digest();

async function failure(promise: Promise<unknown>): Promise<{ name: string; status?: number }> {
  try {
    await promise;
  } catch (error) {
    const serviceError = error as S3ServiceException;
    return { name: serviceError.name, status: serviceError.$metadata?.httpStatusCode };
  }
  throw new Error('expected the call to fail');
}

async function bytesOf(s3: S3Client, Bucket: string, Key: string, Range?: string): Promise<Buffer> {
  const response = await s3.send(new GetObjectCommand({ Bucket, Key, Range }));
  return Buffer.from(await (response.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
}

describe('S3 multipart uploads', () => {
  const stack = useProviderStack({ server: { maxStreamedBodyBytes: 64 * MiB } });
  const { s3 } = clientsOf(stack);
  const Bucket = 'multipart';

  beforeAll(async () => {
    await s3.send(new CreateBucketCommand({ Bucket }));
  });

  it('round-trips 20 MB through @aws-sdk/lib-storage byte for byte', async () => {
    const data = randomBytes(20 * MiB);
    const upload = new Upload({
      client: s3,
      params: { Bucket, Key: 'big/20mb.bin', Body: Readable.from([data.subarray(0, 7 * MiB), data.subarray(7 * MiB)]) },
      partSize: 5 * MiB,
      queueSize: 4,
    });
    const result = await upload.done();
    const partDigests = [0, 1, 2, 3].map((index) => md5(data.subarray(index * 5 * MiB, (index + 1) * 5 * MiB)));
    const expectedEtag = `"${createHash('md5').update(Buffer.concat(partDigests)).digest('hex')}-4"`;
    expect(result.ETag).toBe(expectedEtag);

    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: 'big/20mb.bin' }));
    expect(head).toMatchObject({ ContentLength: 20 * MiB, ETag: expectedEtag });
    expect((await bytesOf(s3, Bucket, 'big/20mb.bin')).equals(data)).toBe(true);
    expect((await bytesOf(s3, Bucket, 'big/20mb.bin', 'bytes=10485750-10485769')).equals(data.subarray(10485750, 10485770))).toBe(true);
    // The upload's parts are gone once it completed.
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket }))).Uploads ?? []).toEqual([]);
  }, 60_000);

  it('drives the multipart API explicitly: list parts, replace a part, complete', async () => {
    const Key = 'explicit/object.bin';
    const { UploadId } = await s3.send(
      new CreateMultipartUploadCommand({ Bucket, Key, ContentType: 'application/x-tar', Metadata: { job: 'train-1' } }),
    );
    expect(UploadId).toBeDefined();
    const first = randomBytes(5 * MiB);
    const second = Buffer.from('tail');
    await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: randomBytes(5 * MiB) }));
    const part1 = await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: first }));
    const part2 = await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 2, Body: second }));
    expect(part1.ETag).toBe(`"${md5(first).toString('hex')}"`);

    const parts = await s3.send(new ListPartsCommand({ Bucket, Key, UploadId }));
    expect(parts.Parts?.map((part) => [part.PartNumber, part.ETag, part.Size])).toEqual([
      [1, part1.ETag, 5 * MiB],
      [2, part2.ETag, 4],
    ]);
    const uploads = await s3.send(new ListMultipartUploadsCommand({ Bucket }));
    expect(uploads.Uploads?.map((upload) => upload.UploadId)).toContain(UploadId);

    expect(
      await failure(
        s3.send(
          new CompleteMultipartUploadCommand({
            Bucket,
            Key,
            UploadId,
            MultipartUpload: { Parts: [{ PartNumber: 2, ETag: part2.ETag }, { PartNumber: 1, ETag: part1.ETag }] },
          }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidPartOrder' });
    expect(
      await failure(
        s3.send(
          new CompleteMultipartUploadCommand({
            Bucket,
            Key,
            UploadId,
            MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"0000"' }, { PartNumber: 2, ETag: part2.ETag }] },
          }),
        ),
      ),
    ).toMatchObject({ name: 'InvalidPart' });

    const completed = await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket,
        Key,
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part1.ETag }, { PartNumber: 2, ETag: part2.ETag }] },
      }),
    );
    expect(completed.ETag).toBe(`"${createHash('md5').update(Buffer.concat([md5(first), md5(second)])).digest('hex')}-2"`);
    expect(completed.Location).toContain(`/${Bucket}/explicit/object.bin`);
    const got = await s3.send(new HeadObjectCommand({ Bucket, Key }));
    expect(got).toMatchObject({ ContentType: 'application/x-tar', Metadata: { job: 'train-1' }, ContentLength: 5 * MiB + 4 });
    expect((await bytesOf(s3, Bucket, Key)).equals(Buffer.concat([first, second]))).toBe(true);

    expect(await failure(s3.send(new ListPartsCommand({ Bucket, Key, UploadId })))).toMatchObject({ name: 'NoSuchUpload', status: 404 });
  });

  it('refuses parts below 5 MiB except the last', async () => {
    const Key = 'small-parts';
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    const a = await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 1, Body: 'a' }));
    const b = await s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 2, Body: 'b' }));
    expect(
      await failure(
        s3.send(
          new CompleteMultipartUploadCommand({
            Bucket,
            Key,
            UploadId,
            MultipartUpload: { Parts: [{ PartNumber: 1, ETag: a.ETag }, { PartNumber: 2, ETag: b.ETag }] },
          }),
        ),
      ),
    ).toMatchObject({ name: 'EntityTooSmall', status: 400 });
    await s3.send(new AbortMultipartUploadCommand({ Bucket, Key, UploadId }));
    expect(await failure(s3.send(new UploadPartCommand({ Bucket, Key, UploadId, PartNumber: 3, Body: 'c' })))).toMatchObject({
      name: 'NoSuchUpload',
    });
    expect(await readdir(join(stack.stateDir, 's3', Bucket, 'uploads'))).not.toContain(UploadId);
  });

  it('answers NoSuchUpload for an unknown upload id and InvalidArgument for a bad part number', async () => {
    expect(await failure(s3.send(new UploadPartCommand({ Bucket, Key: 'x', UploadId: 'nope', PartNumber: 1, Body: 'x' })))).toMatchObject({
      name: 'NoSuchUpload',
    });
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key: 'x' }));
    expect(await failure(s3.send(new UploadPartCommand({ Bucket, Key: 'x', UploadId, PartNumber: 10_001, Body: 'x' })))).toMatchObject({
      name: 'InvalidArgument',
    });
  });

  it('copies parts from an existing object by range', async () => {
    const source = randomBytes(6 * MiB);
    await s3.send(new PutObjectCommand({ Bucket, Key: 'copy/source', Body: source }));
    const Key = 'copy/assembled';
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket, Key }));
    const first = await s3.send(
      new UploadPartCopyCommand({ Bucket, Key, UploadId, PartNumber: 1, CopySource: `${Bucket}/copy/source`, CopySourceRange: `bytes=0-${5 * MiB - 1}` }),
    );
    const second = await s3.send(
      new UploadPartCopyCommand({ Bucket, Key, UploadId, PartNumber: 2, CopySource: `${Bucket}/copy/source`, CopySourceRange: `bytes=${5 * MiB}-${6 * MiB - 1}` }),
    );
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket,
        Key,
        UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: first.CopyPartResult?.ETag },
            { PartNumber: 2, ETag: second.CopyPartResult?.ETag },
          ],
        },
      }),
    );
    expect((await bytesOf(s3, Bucket, Key)).equals(source)).toBe(true);
  });

  it('refuses a single PUT beyond the streamed-body limit with EntityTooLarge', async () => {
    const small = await ProviderStack.start({ server: { maxStreamedBodyBytes: 1 * MiB } });
    const client = s3Client(small.url);
    try {
      await client.send(new CreateBucketCommand({ Bucket: 'limits' }));
      const outcome = await failure(client.send(new PutObjectCommand({ Bucket: 'limits', Key: 'big', Body: randomBytes(2 * MiB) })));
      expect(outcome).toMatchObject({ name: 'EntityTooLarge', status: 413 });
      expect(await failure(client.send(new HeadObjectCommand({ Bucket: 'limits', Key: 'big' })))).toMatchObject({ status: 404 });
    } finally {
      client.destroy();
      await small.stop();
    }
  });
});
