import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetBucketNotificationConfigurationCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutBucketNotificationConfigurationCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { clientsOf, useProviderStack } from '../support/stack';

describe('S3 state on disk', () => {
  const stack = useProviderStack({ per: 'test' });
  const { s3 } = clientsOf(stack);
  const restart = (): Promise<void> => stack.restart();

  it('keeps buckets, objects, metadata and bucket configuration across a restart', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'durable', CreateBucketConfiguration: { LocationConstraint: 'eu-central-1' } }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'durable', VersioningConfiguration: { Status: 'Enabled' } }));
    await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket: 'durable', NotificationConfiguration: { EventBridgeConfiguration: {} } }));
    await s3.send(new PutBucketPolicyCommand({ Bucket: 'durable', Policy: '{"Version":"2012-10-17","Statement":[]}' }));
    const v1 = await s3.send(new PutObjectCommand({ Bucket: 'durable', Key: 'labeled/a.csv', Body: 'one', ContentType: 'text/csv', Metadata: { m: '1' } }));
    await s3.send(new PutObjectCommand({ Bucket: 'durable', Key: 'labeled/a.csv', Body: 'two', ContentType: 'text/csv', Metadata: { m: '2' } }));
    await s3.send(new PutObjectCommand({ Bucket: 'durable', Key: 'labeled/b.csv', Body: 'bee' }));

    await restart();

    expect((await s3.send(new ListBucketsCommand({}))).Buckets?.map((bucket) => [bucket.Name, bucket.BucketRegion])).toEqual([['durable', 'eu-central-1']]);
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: 'durable' }))).Status).toBe('Enabled');
    expect((await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket: 'durable' }))).EventBridgeConfiguration).toEqual({});
    expect((await s3.send(new GetBucketPolicyCommand({ Bucket: 'durable' }))).Policy).toBe('{"Version":"2012-10-17","Statement":[]}');
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'durable' }));
    expect(listed.Contents?.map((item) => item.Key)).toEqual(['labeled/a.csv', 'labeled/b.csv']);
    const current = await s3.send(new GetObjectCommand({ Bucket: 'durable', Key: 'labeled/a.csv' }));
    expect(current).toMatchObject({ ContentType: 'text/csv', Metadata: { m: '2' } });
    expect(await current.Body?.transformToString()).toBe('two');
    const old = await s3.send(new GetObjectCommand({ Bucket: 'durable', Key: 'labeled/a.csv', VersionId: v1.VersionId }));
    expect(await old.Body?.transformToString()).toBe('one');
    // Events after the restart still follow the stored notification configuration.
    const before = stack.publisher.events.length;
    await s3.send(new PutObjectCommand({ Bucket: 'durable', Key: 'incoming/new.csv', Body: 'x' }));
    expect(stack.publisher.events.length).toBe(before + 1);
  });

  it('lets a multipart upload started before a restart complete after it', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'resume' }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: 'resume', Key: 'model.tar.gz' }));
    const first = randomBytes(5 * 1024 * 1024);
    const part1 = await s3.send(new UploadPartCommand({ Bucket: 'resume', Key: 'model.tar.gz', UploadId, PartNumber: 1, Body: first }));
    await restart();
    const part2 = await s3.send(new UploadPartCommand({ Bucket: 'resume', Key: 'model.tar.gz', UploadId, PartNumber: 2, Body: 'end' }));
    await s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: 'resume',
        Key: 'model.tar.gz',
        UploadId,
        MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part1.ETag }, { PartNumber: 2, ETag: part2.ETag }] },
      }),
    );
    const got = await s3.send(new GetObjectCommand({ Bucket: 'resume', Key: 'model.tar.gz' }));
    const bytes = Buffer.from(await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
    // Buffer.equals: jest's toEqual walks large buffers byte by byte.
    expect(bytes.equals(Buffer.concat([first, Buffer.from('end')]))).toBe(true);
  });

  it('cleans up what a killed stack leaves behind and never shows half an object', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'crashed' }));
    await s3.send(new PutObjectCommand({ Bucket: 'crashed', Key: 'whole.txt', Body: 'complete' }));
    const bucketDir = join(stack.stateDir, 's3', 'crashed');
    // What a kill mid-write leaves: bytes without metadata, a temporary metadata file, a half-created bucket.
    await writeFile(join(bucketDir, 'data', 'orphan-bytes'), 'half an obj');
    const [group] = await readdir(join(bucketDir, 'objects'));
    await writeFile(join(bucketDir, 'objects', group as string, '.tmp-abc.json-123'), '{"key":"half.txt"');
    await mkdir(join(stack.stateDir, 's3', 'half-created'), { recursive: true });

    await restart();

    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'crashed' }));
    expect(listed.Contents?.map((item) => item.Key)).toEqual(['whole.txt']);
    expect(await (await s3.send(new GetObjectCommand({ Bucket: 'crashed', Key: 'whole.txt' }))).Body?.transformToString()).toBe('complete');
    expect(await readdir(join(bucketDir, 'data'))).toHaveLength(1);
    expect(await readdir(join(bucketDir, 'objects', group as string))).toHaveLength(1);
    expect((await s3.send(new ListBucketsCommand({}))).Buckets?.map((bucket) => bucket.Name)).toEqual(['crashed']);
  });

  it('keeps one data file per live version (overwrites free the old bytes)', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'space' }));
    for (let index = 0; index < 5; index += 1) {
      await s3.send(new PutObjectCommand({ Bucket: 'space', Key: 'same', Body: `version ${index}` }));
    }
    expect(await readdir(join(stack.stateDir, 's3', 'space', 'data'))).toHaveLength(1);
    await expect(s3.send(new HeadObjectCommand({ Bucket: 'space', Key: 'same' }))).resolves.toMatchObject({ ContentLength: 9 });
  });
});
