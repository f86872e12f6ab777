import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteBucketPolicyCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketEncryptionCommand,
  GetBucketLocationCommand,
  GetBucketNotificationConfigurationCommand,
  GetBucketPolicyCommand,
  GetBucketTaggingCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutBucketEncryptionCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  PutPublicAccessBlockCommand,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { presignedPath, rawRequest } from '../support/http';
import { clientsOf, s3Client, useProviderStack } from '../support/stack';

/** The AWS error a call failed with: code, HTTP status and the SDK's error name. */
async function failure(promise: Promise<unknown>): Promise<{ name: string; status?: number; code?: string }> {
  try {
    await promise;
  } catch (error) {
    const serviceError = error as S3ServiceException & { Code?: string };
    return { name: serviceError.name, status: serviceError.$metadata?.httpStatusCode, code: serviceError.Code };
  }
  throw new Error('expected the call to fail');
}

const md5 = (data: string | Buffer): string => createHash('md5').update(data).digest('hex');

describe('S3 provider through the AWS SDK v3', () => {
  const stack = useProviderStack();
  const { s3 } = clientsOf(stack);

  describe('buckets', () => {
    it('creates, heads, lists and deletes buckets', async () => {
      await s3.send(new CreateBucketCommand({ Bucket: 'bucket-life' }));
      await expect(s3.send(new HeadBucketCommand({ Bucket: 'bucket-life' }))).resolves.toMatchObject({ BucketRegion: 'us-east-1' });
      const listed = await s3.send(new ListBucketsCommand({}));
      expect(listed.Buckets?.map((bucket) => bucket.Name)).toContain('bucket-life');
      expect(listed.Owner?.ID).toMatch(/^[0-9a-f]{64}$/);
      await s3.send(new DeleteBucketCommand({ Bucket: 'bucket-life' }));
      expect(await failure(s3.send(new HeadBucketCommand({ Bucket: 'bucket-life' })))).toMatchObject({ name: 'NotFound', status: 404 });
    });

    it('keeps the location constraint', async () => {
      await s3.send(new CreateBucketCommand({ Bucket: 'bucket-eu', CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }));
      expect((await s3.send(new GetBucketLocationCommand({ Bucket: 'bucket-eu' }))).LocationConstraint).toBe('eu-west-1');
      await s3.send(new CreateBucketCommand({ Bucket: 'bucket-us' }));
      expect((await s3.send(new GetBucketLocationCommand({ Bucket: 'bucket-us' }))).LocationConstraint).toBeUndefined();
    });

    it('answers AWS error codes for bucket mistakes', async () => {
      await s3.send(new CreateBucketCommand({ Bucket: 'bucket-dup' }));
      expect(await failure(s3.send(new CreateBucketCommand({ Bucket: 'bucket-dup' })))).toMatchObject({ name: 'BucketAlreadyOwnedByYou', status: 409 });
      expect(await failure(s3.send(new CreateBucketCommand({ Bucket: 'Bad_Name' })))).toMatchObject({ name: 'InvalidBucketName', status: 400 });
      expect(await failure(s3.send(new DeleteBucketCommand({ Bucket: 'missing-bucket' })))).toMatchObject({ name: 'NoSuchBucket', status: 404 });
      expect(await failure(s3.send(new ListObjectsV2Command({ Bucket: 'missing-bucket' })))).toMatchObject({ name: 'NoSuchBucket' });
      await s3.send(new PutObjectCommand({ Bucket: 'bucket-dup', Key: 'k', Body: 'x' }));
      expect(await failure(s3.send(new DeleteBucketCommand({ Bucket: 'bucket-dup' })))).toMatchObject({ name: 'BucketNotEmpty', status: 409 });
    });

    it('stores the configuration documents the deployer puts', async () => {
      const Bucket = 'bucket-config';
      await s3.send(new CreateBucketCommand({ Bucket }));
      expect(await failure(s3.send(new GetBucketPolicyCommand({ Bucket })))).toMatchObject({ name: 'NoSuchBucketPolicy', status: 404 });
      const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: '*' }] });
      await s3.send(new PutBucketPolicyCommand({ Bucket, Policy: policy }));
      expect((await s3.send(new GetBucketPolicyCommand({ Bucket }))).Policy).toBe(policy);
      await s3.send(new DeleteBucketPolicyCommand({ Bucket }));
      expect(await failure(s3.send(new GetBucketPolicyCommand({ Bucket })))).toMatchObject({ name: 'NoSuchBucketPolicy' });
      expect(await failure(s3.send(new PutBucketPolicyCommand({ Bucket, Policy: '{nope' })))).toMatchObject({ name: 'MalformedPolicy' });

      await s3.send(
        new PutPublicAccessBlockCommand({
          Bucket,
          PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        }),
      );
      expect((await s3.send(new GetPublicAccessBlockCommand({ Bucket }))).PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });

      const defaultEncryption = await s3.send(new GetBucketEncryptionCommand({ Bucket }));
      expect(defaultEncryption.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm).toBe('AES256');
      await s3.send(
        new PutBucketEncryptionCommand({
          Bucket,
          ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'alias/x' } }] },
        }),
      );
      const encryption = await s3.send(new GetBucketEncryptionCommand({ Bucket }));
      expect(encryption.ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault).toEqual({ SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'alias/x' });

      expect(await failure(s3.send(new GetBucketTaggingCommand({ Bucket })))).toMatchObject({ name: 'NoSuchTagSet' });
      await s3.send(new PutBucketTaggingCommand({ Bucket, Tagging: { TagSet: [{ Key: 'stage', Value: 'local' }] } }));
      expect((await s3.send(new GetBucketTaggingCommand({ Bucket }))).TagSet).toEqual([{ Key: 'stage', Value: 'local' }]);
    });

    it('stores versioning and the EventBridge notification element', async () => {
      const Bucket = 'bucket-notify';
      await s3.send(new CreateBucketCommand({ Bucket }));
      expect((await s3.send(new GetBucketVersioningCommand({ Bucket }))).Status).toBeUndefined();
      await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
      expect((await s3.send(new GetBucketVersioningCommand({ Bucket }))).Status).toBe('Enabled');

      expect((await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket }))).EventBridgeConfiguration).toBeUndefined();
      await s3.send(new PutBucketNotificationConfigurationCommand({ Bucket, NotificationConfiguration: { EventBridgeConfiguration: {} } }));
      expect((await s3.send(new GetBucketNotificationConfigurationCommand({ Bucket }))).EventBridgeConfiguration).toEqual({});
    });
  });

  describe('objects', () => {
    const Bucket = 'objects';
    beforeAll(async () => {
      await s3.send(new CreateBucketCommand({ Bucket }));
    });

    it('round-trips bytes, metadata, content headers, ETag and Last-Modified', async () => {
      const body = Buffer.from('label,title,content\n1,"A","text"\n');
      const put = await s3.send(
        new PutObjectCommand({
          Bucket,
          Key: 'incoming/data.csv',
          Body: body,
          ContentType: 'text/csv',
          CacheControl: 'no-cache',
          ContentDisposition: 'attachment; filename="data.csv"',
          Metadata: { 'run-id': 'r-1', source: 'test' },
        }),
      );
      expect(put.ETag).toBe(`"${md5(body)}"`);
      const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'incoming/data.csv' }));
      expect(Buffer.from(await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray())).toEqual(body);
      expect(got).toMatchObject({
        ContentType: 'text/csv',
        ContentLength: body.length,
        ETag: `"${md5(body)}"`,
        CacheControl: 'no-cache',
        ContentDisposition: 'attachment; filename="data.csv"',
        Metadata: { 'run-id': 'r-1', source: 'test' },
      });
      expect(Math.abs((got.LastModified as Date).getTime() - Date.now())).toBeLessThan(5_000);
      const head = await s3.send(new HeadObjectCommand({ Bucket, Key: 'incoming/data.csv' }));
      expect(head).toMatchObject({ ContentLength: body.length, ETag: `"${md5(body)}"`, Metadata: { 'run-id': 'r-1', source: 'test' } });
    });

    it('stores keys with spaces, unicode, plus signs and dot segments verbatim', async () => {
      const keys = ['odd/a b+c.txt', 'odd/ünïcødé ✓.txt', 'odd/../dots/./x', 'odd/trailing/'];
      for (const Key of keys) await s3.send(new PutObjectCommand({ Bucket, Key, Body: Key }));
      for (const Key of keys) {
        const got = await s3.send(new GetObjectCommand({ Bucket, Key }));
        expect(await got.Body?.transformToString()).toBe(Key);
      }
      const listed = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'odd/' }));
      expect(listed.Contents?.map((item) => item.Key)).toEqual([...keys].sort());
    });

    it('streams a body of unknown length (aws-chunked with a trailing checksum)', async () => {
      const chunks = [Buffer.alloc(70_000, 1), Buffer.alloc(70_000, 2)];
      await s3.send(new PutObjectCommand({ Bucket, Key: 'stream.bin', Body: Readable.from(chunks), ContentLength: 140_000 }));
      const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'stream.bin' }));
      const bytes = Buffer.from(await (got.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
      expect(bytes.equals(Buffer.concat(chunks))).toBe(true);
    });

    it('verifies checksums and Content-MD5', async () => {
      await expect(s3.send(new PutObjectCommand({ Bucket, Key: 'crc', Body: 'hello', ChecksumAlgorithm: 'SHA256' }))).resolves.toMatchObject({
        ChecksumSHA256: createHash('sha256').update('hello').digest('base64'),
      });
      expect(await failure(s3.send(new PutObjectCommand({ Bucket, Key: 'crc', Body: 'hello', ChecksumCRC32: 'AAAAAA==' })))).toMatchObject({
        name: 'BadDigest',
        status: 400,
      });
      expect(await failure(s3.send(new PutObjectCommand({ Bucket, Key: 'crc', Body: 'hello', ContentMD5: Buffer.alloc(16).toString('base64') })))).toMatchObject({
        name: 'BadDigest',
      });
      const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'crc', ChecksumMode: 'ENABLED' }));
      expect(got.ChecksumSHA256).toBe(createHash('sha256').update('hello').digest('base64'));
      expect(await got.Body?.transformToString()).toBe('hello');
    });

    it('serves byte ranges and refuses unsatisfiable ones', async () => {
      await s3.send(new PutObjectCommand({ Bucket, Key: 'range.txt', Body: '0123456789' }));
      const middle = await s3.send(new GetObjectCommand({ Bucket, Key: 'range.txt', Range: 'bytes=2-5' }));
      expect(await middle.Body?.transformToString()).toBe('2345');
      expect(middle).toMatchObject({ ContentRange: 'bytes 2-5/10', ContentLength: 4, $metadata: { httpStatusCode: 206 } });
      const suffix = await s3.send(new GetObjectCommand({ Bucket, Key: 'range.txt', Range: 'bytes=-3' }));
      expect(await suffix.Body?.transformToString()).toBe('789');
      const open = await s3.send(new GetObjectCommand({ Bucket, Key: 'range.txt', Range: 'bytes=8-' }));
      expect(await open.Body?.transformToString()).toBe('89');
      expect(await failure(s3.send(new GetObjectCommand({ Bucket, Key: 'range.txt', Range: 'bytes=10-20' })))).toMatchObject({
        name: 'InvalidRange',
        status: 416,
      });
    });

    it('evaluates read preconditions', async () => {
      const { ETag } = await s3.send(new PutObjectCommand({ Bucket, Key: 'cond.txt', Body: 'v1' }));
      await expect(s3.send(new GetObjectCommand({ Bucket, Key: 'cond.txt', IfMatch: ETag }))).resolves.toBeDefined();
      expect(await failure(s3.send(new GetObjectCommand({ Bucket, Key: 'cond.txt', IfMatch: '"other"' })))).toMatchObject({
        name: 'PreconditionFailed',
        status: 412,
      });
      expect(await failure(s3.send(new GetObjectCommand({ Bucket, Key: 'cond.txt', IfNoneMatch: ETag })))).toMatchObject({ status: 304 });
      expect(await failure(s3.send(new GetObjectCommand({ Bucket, Key: 'cond.txt', IfModifiedSince: new Date() })))).toMatchObject({ status: 304 });
      // A future If-Modified-Since is ignored: 200 (issue 19).
      await expect(s3.send(new GetObjectCommand({ Bucket, Key: 'cond.txt', IfModifiedSince: new Date(Date.now() + 60_000) }))).resolves.toBeDefined();
      await expect(s3.send(new GetObjectCommand({ Bucket, Key: 'cond.txt', IfModifiedSince: new Date(Date.now() - 60_000) }))).resolves.toBeDefined();
    });

    it('refuses a conditional create of an existing key (If-None-Match: *)', async () => {
      await s3.send(new PutObjectCommand({ Bucket, Key: 'dedupe/message-1', Body: 'first', IfNoneMatch: '*' }));
      expect(await failure(s3.send(new PutObjectCommand({ Bucket, Key: 'dedupe/message-1', Body: 'second', IfNoneMatch: '*' })))).toMatchObject({
        name: 'PreconditionFailed',
        status: 412,
      });
      const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'dedupe/message-1' }));
      expect(await got.Body?.transformToString()).toBe('first');
    });

    it('lets exactly one of many concurrent conditional creates win', async () => {
      const attempts = await Promise.allSettled(
        Array.from({ length: 8 }, (_, index) =>
          s3.send(new PutObjectCommand({ Bucket, Key: 'dedupe/race', Body: `writer-${index}`, IfNoneMatch: '*' })),
        ),
      );
      expect(attempts.filter((attempt) => attempt.status === 'fulfilled')).toHaveLength(1);
      expect(attempts.filter((attempt) => attempt.status === 'rejected')).toHaveLength(7);
    });

    it('applies If-Match on writes', async () => {
      const { ETag } = await s3.send(new PutObjectCommand({ Bucket, Key: 'cas.txt', Body: 'v1' }));
      expect(await failure(s3.send(new PutObjectCommand({ Bucket, Key: 'cas.txt', Body: 'v2', IfMatch: '"nope"' })))).toMatchObject({ status: 412 });
      await s3.send(new PutObjectCommand({ Bucket, Key: 'cas.txt', Body: 'v2', IfMatch: ETag }));
      expect(await failure(s3.send(new PutObjectCommand({ Bucket, Key: 'cas-missing.txt', Body: 'v', IfMatch: ETag })))).toMatchObject({
        name: 'NoSuchKey',
      });
    });

    it('answers NoSuchKey for a missing key and NotFound on HEAD', async () => {
      expect(await failure(s3.send(new GetObjectCommand({ Bucket, Key: 'missing' })))).toMatchObject({ name: 'NoSuchKey', status: 404 });
      expect(await failure(s3.send(new HeadObjectCommand({ Bucket, Key: 'missing' })))).toMatchObject({ name: 'NotFound', status: 404 });
      expect(await failure(s3.send(new GetObjectCommand({ Bucket: 'missing-bucket', Key: 'k' })))).toMatchObject({ name: 'NoSuchBucket' });
    });

    it('copies objects with COPY and REPLACE metadata directives', async () => {
      await s3.send(new PutObjectCommand({ Bucket, Key: 'copy/source.txt', Body: 'copy me', ContentType: 'text/plain', Metadata: { a: '1' } }));
      const copied = await s3.send(new CopyObjectCommand({ Bucket, Key: 'copy/kept.txt', CopySource: `${Bucket}/copy/source.txt` }));
      expect(copied.CopyObjectResult?.ETag).toBe(`"${md5('copy me')}"`);
      const kept = await s3.send(new GetObjectCommand({ Bucket, Key: 'copy/kept.txt' }));
      expect(kept).toMatchObject({ ContentType: 'text/plain', Metadata: { a: '1' } });
      expect(await kept.Body?.transformToString()).toBe('copy me');

      await s3.send(
        new CopyObjectCommand({
          Bucket,
          Key: 'copy/replaced.txt',
          CopySource: `${Bucket}/${encodeURIComponent('copy/source.txt')}`,
          MetadataDirective: 'REPLACE',
          ContentType: 'application/json',
          Metadata: { b: '2' },
        }),
      );
      const replaced = await s3.send(new HeadObjectCommand({ Bucket, Key: 'copy/replaced.txt' }));
      expect(replaced).toMatchObject({ ContentType: 'application/json', Metadata: { b: '2' } });

      expect(await failure(s3.send(new CopyObjectCommand({ Bucket, Key: 'copy/source.txt', CopySource: `${Bucket}/copy/source.txt` })))).toMatchObject({
        name: 'InvalidRequest',
      });
      expect(await failure(s3.send(new CopyObjectCommand({ Bucket, Key: 'copy/x', CopySource: `${Bucket}/copy/missing` })))).toMatchObject({
        name: 'NoSuchKey',
      });
      // The copy is independent of its source.
      await s3.send(new DeleteObjectCommand({ Bucket, Key: 'copy/source.txt' }));
      expect(await (await s3.send(new GetObjectCommand({ Bucket, Key: 'copy/kept.txt' }))).Body?.transformToString()).toBe('copy me');
    });

    it('deletes single objects (idempotently) and batches', async () => {
      await s3.send(new PutObjectCommand({ Bucket, Key: 'del/one', Body: '1' }));
      await s3.send(new DeleteObjectCommand({ Bucket, Key: 'del/one' }));
      await s3.send(new DeleteObjectCommand({ Bucket, Key: 'del/one' }));
      expect(await failure(s3.send(new GetObjectCommand({ Bucket, Key: 'del/one' })))).toMatchObject({ name: 'NoSuchKey' });

      await Promise.all(['a', 'b', 'c'].map((name) => s3.send(new PutObjectCommand({ Bucket, Key: `del/${name}`, Body: name }))));
      const result = await s3.send(
        new DeleteObjectsCommand({ Bucket, Delete: { Objects: [{ Key: 'del/a' }, { Key: 'del/b' }, { Key: 'del/never' }] } }),
      );
      expect(result.Deleted?.map((deleted) => deleted.Key).sort()).toEqual(['del/a', 'del/b', 'del/never']);
      expect(result.Errors ?? []).toEqual([]);
      const quiet = await s3.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: [{ Key: 'del/c' }], Quiet: true } }));
      expect(quiet.Deleted ?? []).toEqual([]);
      const remaining = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'del/' }));
      expect(remaining.KeyCount).toBe(0);
    });

    it('tags objects', async () => {
      await s3.send(new PutObjectCommand({ Bucket, Key: 'tagged', Body: 't', Tagging: 'stage=local&team=ml' }));
      expect((await s3.send(new GetObjectTaggingCommand({ Bucket, Key: 'tagged' }))).TagSet).toEqual([
        { Key: 'stage', Value: 'local' },
        { Key: 'team', Value: 'ml' },
      ]);
      await s3.send(new PutObjectTaggingCommand({ Bucket, Key: 'tagged', Tagging: { TagSet: [{ Key: 'x', Value: 'y' }] } }));
      expect((await s3.send(new GetObjectTaggingCommand({ Bucket, Key: 'tagged' }))).TagSet).toEqual([{ Key: 'x', Value: 'y' }]);
    });

    it('serves presigned URLs (query-string SigV4)', async () => {
      await s3.send(new PutObjectCommand({ Bucket, Key: 'presigned.txt', Body: 'signed' }));
      const response = await fetch(`${stack.url}${await presignedPath(stack.url, { path: `/${Bucket}/presigned.txt` })}`);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('signed');
    });
  });

  describe('listing', () => {
    const Bucket = 'listing';
    const keys = ['a.txt', 'dir/1.txt', 'dir/2.txt', 'dir/sub/3.txt', 'dir2/x.txt', 'z.txt'];
    beforeAll(async () => {
      await s3.send(new CreateBucketCommand({ Bucket }));
      for (const Key of keys) await s3.send(new PutObjectCommand({ Bucket, Key, Body: Key }));
    });

    it('lists with prefix and delimiter into common prefixes', async () => {
      const root = await s3.send(new ListObjectsV2Command({ Bucket, Delimiter: '/' }));
      expect(root.Contents?.map((item) => item.Key)).toEqual(['a.txt', 'z.txt']);
      expect(root.CommonPrefixes?.map((common) => common.Prefix)).toEqual(['dir/', 'dir2/']);
      expect(root.KeyCount).toBe(4);
      const dir = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'dir/', Delimiter: '/' }));
      expect(dir.Contents?.map((item) => item.Key)).toEqual(['dir/1.txt', 'dir/2.txt']);
      expect(dir.CommonPrefixes?.map((common) => common.Prefix)).toEqual(['dir/sub/']);
      const item = dir.Contents?.[0];
      expect(item).toMatchObject({ Size: 9, ETag: `"${md5('dir/1.txt')}"`, StorageClass: 'STANDARD' });
    });

    it('paginates with max-keys and continuation tokens, counting common prefixes', async () => {
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket, Delimiter: '/', MaxKeys: 1, ContinuationToken: token }));
        seen.push(...(page.Contents ?? []).map((item) => item.Key as string), ...(page.CommonPrefixes ?? []).map((common) => common.Prefix as string));
        token = page.NextContinuationToken;
        expect(page.IsTruncated).toBe(token !== undefined);
        pages += 1;
      } while (token && pages < 10);
      expect(seen).toEqual(['a.txt', 'dir/', 'dir2/', 'z.txt']);
      expect(pages).toBe(4);
    });

    it('starts after a key', async () => {
      const page = await s3.send(new ListObjectsV2Command({ Bucket, StartAfter: 'dir/2.txt' }));
      expect(page.Contents?.map((item) => item.Key)).toEqual(['dir/sub/3.txt', 'dir2/x.txt', 'z.txt']);
    });

    it('url-encodes keys on request', async () => {
      await s3.send(new PutObjectCommand({ Bucket: 'objects', Key: 'enc/a b+c', Body: 'x' }));
      const page = await s3.send(new ListObjectsV2Command({ Bucket: 'objects', Prefix: 'enc/', EncodingType: 'url' }));
      expect(page.Contents?.map((item) => item.Key)).toEqual(['enc/a%20b%2Bc']);
    });

    it('lists with ListObjects v1 markers', async () => {
      const first = await s3.send(new ListObjectsCommand({ Bucket, MaxKeys: 2 }));
      expect(first.Contents?.map((item) => item.Key)).toEqual(['a.txt', 'dir/1.txt']);
      expect(first.IsTruncated).toBe(true);
      const second = await s3.send(new ListObjectsCommand({ Bucket, Marker: first.NextMarker ?? 'dir/1.txt' }));
      expect(second.Contents?.map((item) => item.Key)).toEqual(['dir/2.txt', 'dir/sub/3.txt', 'dir2/x.txt', 'z.txt']);
      expect(second.IsTruncated).toBe(false);
    });
  });

  describe('versioning', () => {
    const Bucket = 'versioned';
    beforeAll(async () => {
      await s3.send(new CreateBucketCommand({ Bucket }));
      await s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: 'Enabled' } }));
    });

    it('keeps overwritten and deleted versions', async () => {
      const v1 = await s3.send(new PutObjectCommand({ Bucket, Key: 'model.json', Body: 'v1' }));
      const v2 = await s3.send(new PutObjectCommand({ Bucket, Key: 'model.json', Body: 'v2' }));
      expect(v1.VersionId).toBeDefined();
      expect(v2.VersionId).not.toBe(v1.VersionId);
      expect(await (await s3.send(new GetObjectCommand({ Bucket, Key: 'model.json' }))).Body?.transformToString()).toBe('v2');
      expect(await (await s3.send(new GetObjectCommand({ Bucket, Key: 'model.json', VersionId: v1.VersionId }))).Body?.transformToString()).toBe('v1');

      const deleted = await s3.send(new DeleteObjectCommand({ Bucket, Key: 'model.json' }));
      expect(deleted.DeleteMarker).toBe(true);
      expect(await failure(s3.send(new GetObjectCommand({ Bucket, Key: 'model.json' })))).toMatchObject({ name: 'NoSuchKey' });
      expect(await (await s3.send(new GetObjectCommand({ Bucket, Key: 'model.json', VersionId: v2.VersionId }))).Body?.transformToString()).toBe('v2');

      const versions = await s3.send(new ListObjectVersionsCommand({ Bucket, Prefix: 'model' }));
      expect(versions.DeleteMarkers?.map((marker) => [marker.VersionId, marker.IsLatest])).toEqual([[deleted.VersionId, true]]);
      expect(versions.Versions?.map((version) => [version.VersionId, version.IsLatest])).toEqual([
        [v2.VersionId, false],
        [v1.VersionId, false],
      ]);
      expect(await failure(s3.send(new DeleteBucketCommand({ Bucket })))).toMatchObject({ name: 'BucketNotEmpty' });

      // Removing the delete marker brings v2 back.
      await s3.send(new DeleteObjectCommand({ Bucket, Key: 'model.json', VersionId: deleted.VersionId }));
      expect(await (await s3.send(new GetObjectCommand({ Bucket, Key: 'model.json' }))).Body?.transformToString()).toBe('v2');
      // Removing the current version makes the previous one current.
      await s3.send(new DeleteObjectCommand({ Bucket, Key: 'model.json', VersionId: v2.VersionId }));
      const current = await s3.send(new GetObjectCommand({ Bucket, Key: 'model.json' }));
      expect(current.VersionId).toBe(v1.VersionId);
      expect(await current.Body?.transformToString()).toBe('v1');
    });
  });

  describe('addressing', () => {
    it('works without forcePathStyle against an IP endpoint', async () => {
      const defaultStyle = s3Client(stack.url, false);
      try {
        await defaultStyle.send(new CreateBucketCommand({ Bucket: 'default-style' }));
        await defaultStyle.send(new PutObjectCommand({ Bucket: 'default-style', Key: 'k', Body: 'v' }));
        expect(await (await defaultStyle.send(new GetObjectCommand({ Bucket: 'default-style', Key: 'k' }))).Body?.transformToString()).toBe('v');
      } finally {
        defaultStyle.destroy();
      }
    });

    it('accepts virtual-hosted requests on *.localhost names', async () => {
      await s3.send(new CreateBucketCommand({ Bucket: 'hosted' }));
      await s3.send(new PutObjectCommand({ Bucket: 'hosted', Key: 'dir/k', Body: 'virtual' }));
      const response = await rawRequest(stack.url, {
        path: '/dir/k',
        headers: { host: `hosted.localhost:${new URL(stack.url).port}` },
        sign: 's3',
      });
      expect(response.status).toBe(200);
      expect(response.body.toString()).toBe('virtual');
    });

    it('names unimplemented sub-resources', async () => {
      const response = await rawRequest(stack.url, { path: '/objects?analytics', sign: 's3' });
      expect(response.status).toBe(501);
      expect(response.body.toString()).toMatch(/<Code>NotImplemented<\/Code>.*analytics/);
    });

    it('answers malformed XML bodies with MalformedXML', async () => {
      const response = await rawRequest(stack.url, {
        method: 'POST',
        path: '/objects?delete',
        sign: 's3',
        body: '<Delete><Object><Key>k</Key></Delete>',
      });
      expect(response.status).toBe(400);
      expect(response.body.toString()).toContain('<Code>MalformedXML</Code>');
    });
  });
});
