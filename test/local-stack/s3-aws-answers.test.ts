/**
 * Issue 19 (S3): the local stack answers as S3 answers, through the AWS SDK v3.
 *
 * Where AWS's answers come from: real S3 responses recorded in LocalStack's snapshot tests
 * (tests/aws/services/s3/test_s3.snapshot.json, test_s3_api.snapshot.json, test_s3_list_operations.snapshot.json;
 * each test below names its recorded case), the S3 API reference (PutObject's x-amz-checksum-crc64nvme:
 * "present if ... it was uploaded without a checksum (and Amazon S3 added the default checksum,
 * CRC64NVME)") and botocore's model (s3 2006-03-01: the members of Object, ObjectVersion,
 * CompleteMultipartUploadOutput, CopyObjectResult).
 */
import {
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  ListPartsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import { checksumOf } from '../../local-stack/src/providers/s3/model/checksums';
import { rawRequest } from '../support/http';
import { testCredentials, useProviderStack } from '../support/stack';

/** The S3 error a call failed with: its name, status and the fields of its XML. */
async function failure(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    const { name, message, $metadata, $response, $fault, ...fields } = error as Record<string, unknown> & { $metadata?: { httpStatusCode?: number } };
    void $response;
    void $fault;
    return { name, message, status: $metadata?.httpStatusCode, ...fields };
  }
  throw new Error('expected the call to fail');
}

describe('S3 answers as AWS answers', () => {
  const stack = useProviderStack();
  /** A client that sends no checksum of its own (as SDKs before December 2024, or WHEN_REQUIRED). */
  let plain: S3Client;
  const Bucket = 'answers';

  beforeAll(async () => {
    plain = new S3Client({
      endpoint: stack.url,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: testCredentials,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    await plain.send(new CreateBucketCommand({ Bucket }));
  });
  afterAll(() => {
    plain.destroy();
  });

  describe('default data integrity', () => {
    it('an upload without a checksum gets S3’s CRC64NVME, answered with ChecksumType FULL_OBJECT and the SSE header (recorded: test_put_object_default_checksum_with_sse_c)', async () => {
      const put = await plain.send(new PutObjectCommand({ Bucket, Key: 'default.txt', Body: 'test data..' }));
      expect(put).toMatchObject({ ChecksumCRC64NVME: 'qUVrWYOrIAM=', ChecksumType: 'FULL_OBJECT', ServerSideEncryption: 'AES256' });
      const head = await plain.send(new HeadObjectCommand({ Bucket, Key: 'default.txt', ChecksumMode: 'ENABLED' }));
      expect(head).toMatchObject({ ChecksumCRC64NVME: 'qUVrWYOrIAM=', ChecksumType: 'FULL_OBJECT', ServerSideEncryption: 'AES256', ContentLength: 11 });
      // Without checksum mode no checksum is sent.
      const got = await plain.send(new GetObjectCommand({ Bucket, Key: 'default.txt' }));
      expect(got.ChecksumCRC64NVME).toBeUndefined();
      await got.Body?.transformToString();
    });

    it('an SDK’s own checksum is kept and answered with ChecksumType (recorded: test_s3_get_object_checksum)', async () => {
      const put = await plain.send(new PutObjectCommand({ Bucket, Key: 'crc32.txt', Body: 'test-checksum', ChecksumAlgorithm: 'CRC32' }));
      expect(put).toMatchObject({ ChecksumCRC32: 'lVk/nw==', ChecksumType: 'FULL_OBJECT' });
      const got = await plain.send(new GetObjectCommand({ Bucket, Key: 'crc32.txt', ChecksumMode: 'ENABLED' }));
      expect(got).toMatchObject({ ChecksumCRC32: 'lVk/nw==', ChecksumType: 'FULL_OBJECT' });
      await got.Body?.transformToString();
    });

    it('a ranged GetObject sends no checksum fields: a full-object checksum cannot check part of the body (recorded: test_range_header_body_length, test_get_object_part)', async () => {
      const got = await plain.send(new GetObjectCommand({ Bucket, Key: 'default.txt', Range: 'bytes=0-3', ChecksumMode: 'ENABLED' }));
      expect(got.ContentRange).toBe('bytes 0-3/11');
      expect(Object.keys(got).filter((name) => name.startsWith('Checksum'))).toEqual([]);
      expect(await got.Body?.transformToString()).toBe('test');
    });

    it('ListObjectsV2 and ListObjectVersions entries carry ChecksumAlgorithm and ChecksumType; an Owner has no DisplayName (recorded: test_list_objects_v2_with_prefix, test_list_objects_versions_with_prefix)', async () => {
      const listed = await plain.send(new ListObjectsV2Command({ Bucket, Prefix: 'default', FetchOwner: true }));
      expect(listed.Contents?.[0]).toMatchObject({ Key: 'default.txt', ChecksumAlgorithm: ['CRC64NVME'], ChecksumType: 'FULL_OBJECT' });
      expect(Object.keys(listed.Contents?.[0]?.Owner ?? {})).toEqual(['ID']);
      const versions = await plain.send(new ListObjectVersionsCommand({ Bucket, Prefix: 'crc32' }));
      expect(versions.Versions?.[0]).toMatchObject({ Key: 'crc32.txt', ChecksumAlgorithm: ['CRC32'], ChecksumType: 'FULL_OBJECT' });
      expect(Object.keys(versions.Versions?.[0]?.Owner ?? {})).toEqual(['ID']);
    });

    it('a copy keeps the checksum and answers it with ChecksumType (recorded: test_complete_multipart_parts_checksum_default, copy-obj-checksum)', async () => {
      const copied = await plain.send(new CopyObjectCommand({ Bucket, Key: 'copied.txt', CopySource: `${Bucket}/default.txt` }));
      expect(copied.CopyObjectResult).toMatchObject({ ChecksumCRC64NVME: 'qUVrWYOrIAM=', ChecksumType: 'FULL_OBJECT' });
      expect(copied.ServerSideEncryption).toBe('AES256');
    });
  });

  describe('multipart uploads', () => {
    const MIB = 1024 * 1024;

    it('completed without checksums: S3’s full-object CRC64NVME, in the answer, on HEAD; SSE on create; Owner without DisplayName (recorded: test_complete_multipart_parts_checksum_default)', async () => {
      const created = await plain.send(new CreateMultipartUploadCommand({ Bucket, Key: 'mpu-default' }));
      expect(created.ServerSideEncryption).toBe('AES256');
      expect(created.ChecksumType).toBeUndefined();
      const uploads = await plain.send(new ListMultipartUploadsCommand({ Bucket }));
      const listed = uploads.Uploads?.find((upload) => upload.UploadId === created.UploadId);
      expect(Object.keys(listed?.Owner ?? {})).toEqual(['ID']);
      expect(listed?.Initiator?.ID).toBeDefined();
      const part = await plain.send(new UploadPartCommand({ Bucket, Key: 'mpu-default', UploadId: created.UploadId, PartNumber: 1, Body: 'aaa' }));
      // A null-mode upload: a part named with a checksum is not found; a checksum type must be the upload's (null).
      expect(
        await failure(
          plain.send(
            new CompleteMultipartUploadCommand({ Bucket, Key: 'mpu-default', UploadId: created.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag, ChecksumCRC32C: '45fn2Q==' }] } }),
          ),
        ),
      ).toMatchObject({ name: 'InvalidPart', status: 400, PartNumber: '1', ETag: part.ETag!.replaceAll('"', '') });
      expect(
        await failure(
          plain.send(
            new CompleteMultipartUploadCommand({ Bucket, Key: 'mpu-default', UploadId: created.UploadId, ChecksumType: 'FULL_OBJECT', MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }),
          ),
        ),
      ).toMatchObject({ name: 'InvalidRequest', message: 'The upload was created using the null checksum mode. The complete request must use the same checksum mode.' });
      const completed = await plain.send(new CompleteMultipartUploadCommand({ Bucket, Key: 'mpu-default', UploadId: created.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] } }));
      expect(completed).toMatchObject({ ChecksumCRC64NVME: 'Rnr2/5P7Gsk=', ChecksumType: 'FULL_OBJECT', ServerSideEncryption: 'AES256' });
      const head = await plain.send(new HeadObjectCommand({ Bucket, Key: 'mpu-default', ChecksumMode: 'ENABLED' }));
      expect(head).toMatchObject({ ChecksumCRC64NVME: 'Rnr2/5P7Gsk=', ChecksumType: 'FULL_OBJECT' });
      // Its copy is one object: the ETag is the MD5 of the bytes; the full-object checksum stays.
      const copied = await plain.send(new CopyObjectCommand({ Bucket, Key: 'mpu-default-copy', CopySource: `${Bucket}/mpu-default` }));
      expect(copied.CopyObjectResult).toMatchObject({ ETag: '"47bce5c74f589f4867dbd57e9ca9f808"', ChecksumCRC64NVME: 'Rnr2/5P7Gsk=', ChecksumType: 'FULL_OBJECT' });
    });

    it('COMPOSITE is the default type of CRC32, and its checksum is of the parts’ checksums, -<parts> (recorded: test_multipart_checksum_type_default_for_checksum)', async () => {
      const created = await plain.send(new CreateMultipartUploadCommand({ Bucket, Key: 'mpu-composite', ChecksumAlgorithm: 'CRC32' }));
      expect(created).toMatchObject({ ChecksumAlgorithm: 'CRC32', ChecksumType: 'COMPOSITE' });
      const first = Buffer.alloc(5 * MIB, 'a');
      const parts = [];
      for (const [index, body] of [first, Buffer.from('tail')].entries()) {
        const uploaded = await plain.send(new UploadPartCommand({ Bucket, Key: 'mpu-composite', UploadId: created.UploadId, PartNumber: index + 1, Body: body, ChecksumAlgorithm: 'CRC32' }));
        expect(uploaded.ChecksumCRC32).toBe(checksumOf('CRC32', body));
        parts.push({ PartNumber: index + 1, ETag: uploaded.ETag, ChecksumCRC32: uploaded.ChecksumCRC32 });
      }
      const listedParts = await plain.send(new ListPartsCommand({ Bucket, Key: 'mpu-composite', UploadId: created.UploadId }));
      expect(listedParts).toMatchObject({ ChecksumAlgorithm: 'CRC32', ChecksumType: 'COMPOSITE' });
      expect(Object.keys(listedParts.Owner ?? {})).toEqual(['ID']);
      // The parts' checksums are required (recorded: test_complete_multipart_parts_checksum_composite).
      expect(
        await failure(plain.send(new CompleteMultipartUploadCommand({ Bucket, Key: 'mpu-composite', UploadId: created.UploadId, MultipartUpload: { Parts: parts.map(({ PartNumber, ETag }) => ({ PartNumber, ETag })) } }))),
      ).toMatchObject({
        name: 'InvalidRequest',
        message: 'The upload was created using a crc32 checksum. The complete request must include the checksum for each part. It was missing for part 1 in the request.',
      });
      const completed = await plain.send(new CompleteMultipartUploadCommand({ Bucket, Key: 'mpu-composite', UploadId: created.UploadId, MultipartUpload: { Parts: parts } }));
      const composite = checksumOf('CRC32', Buffer.concat(parts.map((part) => Buffer.from(part.ChecksumCRC32!, 'base64'))));
      expect(completed).toMatchObject({ ChecksumCRC32: `${composite}-2`, ChecksumType: 'COMPOSITE' });
    });

    it('a part copied into a CRC32C upload gets its checksum; the composite of one part is AWS’s value (recorded: test_multipart_upload_part_copy_checksum[COMPOSITE])', async () => {
      await plain.send(new PutObjectCommand({ Bucket, Key: 'part-source', Body: 'this is a part' }));
      const created = await plain.send(new CreateMultipartUploadCommand({ Bucket, Key: 'mpu-part-copy', ChecksumAlgorithm: 'CRC32C' }));
      expect(created).toMatchObject({ ChecksumAlgorithm: 'CRC32C', ChecksumType: 'COMPOSITE', ServerSideEncryption: 'AES256' });
      const copied = await plain.send(new UploadPartCopyCommand({ Bucket, Key: 'mpu-part-copy', UploadId: created.UploadId, PartNumber: 1, CopySource: `${Bucket}/part-source` }));
      expect(copied.CopyPartResult).toMatchObject({ ChecksumCRC32C: 'iqJrOQ==', ETag: '"11df95d595559285eb2b042124e74f09"' });
      const completed = await plain.send(
        new CompleteMultipartUploadCommand({
          Bucket,
          Key: 'mpu-part-copy',
          UploadId: created.UploadId,
          MultipartUpload: { Parts: [{ PartNumber: 1, ETag: copied.CopyPartResult?.ETag, ChecksumCRC32C: copied.CopyPartResult?.ChecksumCRC32C }] },
        }),
      );
      expect(completed).toMatchObject({ ChecksumCRC32C: 'F9bAnw==-1', ChecksumType: 'COMPOSITE', ETag: '"395d97c07920de036bfa21e7568a2e9f-1"' });
    });

    it('refuses checksum modes S3 refuses, with its words (recorded: test_multipart_checksum_type_compatibility, test_multipart_parts_checksum_exceptions_composite)', async () => {
      expect(await failure(plain.send(new CreateMultipartUploadCommand({ Bucket, Key: 'x', ChecksumAlgorithm: 'CRC64NVME', ChecksumType: 'COMPOSITE' })))).toMatchObject({
        name: 'InvalidRequest',
        message: 'The COMPOSITE checksum type cannot be used with the crc64nvme checksum algorithm.',
      });
      expect(await failure(plain.send(new CreateMultipartUploadCommand({ Bucket, Key: 'x', ChecksumAlgorithm: 'SHA256', ChecksumType: 'FULL_OBJECT' })))).toMatchObject({
        name: 'InvalidRequest',
        message: 'The FULL_OBJECT checksum type cannot be used with the sha256 checksum algorithm.',
      });
      expect(await failure(plain.send(new CreateMultipartUploadCommand({ Bucket, Key: 'x', ChecksumType: 'FULL_OBJECT' })))).toMatchObject({
        name: 'InvalidRequest',
        message: 'The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.',
      });
      const fullObject = await plain.send(new CreateMultipartUploadCommand({ Bucket, Key: 'mpu-full', ChecksumAlgorithm: 'CRC32C', ChecksumType: 'FULL_OBJECT' }));
      expect(fullObject.ChecksumType).toBe('FULL_OBJECT');
      const part = await plain.send(new UploadPartCommand({ Bucket, Key: 'mpu-full', UploadId: fullObject.UploadId, PartNumber: 1, Body: 'whole', ChecksumAlgorithm: 'CRC32C' }));
      const completed = await plain.send(
        new CompleteMultipartUploadCommand({ Bucket, Key: 'mpu-full', UploadId: fullObject.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag, ChecksumCRC32C: part.ChecksumCRC32C }] } }),
      );
      expect(completed).toMatchObject({ ChecksumCRC32C: checksumOf('CRC32C', Buffer.from('whole')), ChecksumType: 'FULL_OBJECT' });
    });

    it('CompleteMultipartUpload errors with S3’s fields: NoSuchUpload, no parts, InvalidPart (ETag unquoted), InvalidPartOrder, EntityTooSmall (recorded: test_multipart_complete_multipart_*)', async () => {
      expect(await failure(plain.send(new CompleteMultipartUploadCommand({ Bucket, Key: 'nope', UploadId: 'no-such-upload', MultipartUpload: { Parts: [{ PartNumber: 1, ETag: '"x"' }] } })))).toMatchObject({
        name: 'NoSuchUpload',
        status: 404,
        message: 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.',
        UploadId: 'no-such-upload',
      });
      const { UploadId } = await plain.send(new CreateMultipartUploadCommand({ Bucket, Key: 'mpu-errors' }));
      const small = await plain.send(new UploadPartCommand({ Bucket, Key: 'mpu-errors', UploadId, PartNumber: 1, Body: 'data' }));
      const second = await plain.send(new UploadPartCommand({ Bucket, Key: 'mpu-errors', UploadId, PartNumber: 2, Body: 'data' }));
      const etag = small.ETag!.replaceAll('"', '');
      expect(await failure(plain.send(new CompleteMultipartUploadCommand({ Bucket, Key: 'mpu-errors', UploadId, MultipartUpload: { Parts: [] } })))).toMatchObject({
        name: 'InvalidRequest',
        message: 'You must specify at least one part',
      });
      expect(await failure(plain.send(new CompleteMultipartUploadCommand({ Bucket, Key: 'mpu-errors', UploadId, MultipartUpload: { Parts: [{ PartNumber: 3, ETag: small.ETag }] } })))).toMatchObject({
        name: 'InvalidPart',
        message: "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.",
        UploadId,
        PartNumber: '3',
        ETag: etag,
      });
      expect(
        await failure(plain.send(new CompleteMultipartUploadCommand({ Bucket, Key: 'mpu-errors', UploadId, MultipartUpload: { Parts: [{ PartNumber: 2, ETag: second.ETag }, { PartNumber: 1, ETag: small.ETag }] } }))),
      ).toMatchObject({ name: 'InvalidPartOrder', message: 'The list of parts was not in ascending order. Parts must be ordered by part number.', UploadId });
      expect(
        await failure(plain.send(new CompleteMultipartUploadCommand({ Bucket, Key: 'mpu-errors', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: small.ETag }, { PartNumber: 2, ETag: second.ETag }] } }))),
      ).toMatchObject({ name: 'EntityTooSmall', message: 'Your proposed upload is smaller than the minimum allowed size', ProposedSize: '4', MinSizeAllowed: '5242880', PartNumber: '1', ETag: etag });
    });

    it('UploadPartCopy answers the SSE header and a future If-Modified-Since does not stop it (recorded: test_upload_part_copy_with_copy_source_if_modified_since_in_future_success)', async () => {
      const { UploadId } = await plain.send(new CreateMultipartUploadCommand({ Bucket, Key: 'mpu-copy' }));
      const copied = await plain.send(
        new UploadPartCopyCommand({ Bucket, Key: 'mpu-copy', UploadId, PartNumber: 1, CopySource: `${Bucket}/default.txt`, CopySourceIfModifiedSince: new Date(Date.now() + 3_600_000) }),
      );
      expect(copied).toMatchObject({ ServerSideEncryption: 'AES256', CopyPartResult: { ETag: expect.any(String) } });
    });
  });

  describe('conditional requests', () => {
    // A date later than the server's time is invalid and the request is answered as without it (RFC 7232
    // section 3.3, as S3 does: recorded test_upload_part_copy_with_copy_source_if_modified_since_in_future_success).
    it('a future If-Modified-Since is ignored: 200, and a copy proceeds', async () => {
      const future = new Date(Date.now() + 3_600_000);
      const got = await plain.send(new GetObjectCommand({ Bucket, Key: 'default.txt', IfModifiedSince: future }));
      expect(got.$metadata.httpStatusCode).toBe(200);
      await got.Body?.transformToString();
      await expect(plain.send(new CopyObjectCommand({ Bucket, Key: 'copy-future.txt', CopySource: `${Bucket}/default.txt`, CopySourceIfModifiedSince: future }))).resolves.toBeDefined();
    });

    it('write conditions S3 does not implement answer 501 NotImplemented naming the header (recorded: test_put_object_if_none_match_validation, test_put_object_if_match_validation, test_delete_object_if_match_*_non_express)', async () => {
      const notImplemented = 'A header you provided implies functionality that is not implemented';
      expect(await failure(plain.send(new PutObjectCommand({ Bucket, Key: 'cond', Body: 'x', IfNoneMatch: '"abc"' })))).toMatchObject({
        name: 'NotImplemented',
        status: 501,
        message: notImplemented,
        Header: 'If-None-Match',
        additionalMessage: "We don't accept the provided value of If-None-Match header for this API",
      });
      expect(await failure(plain.send(new PutObjectCommand({ Bucket, Key: 'cond', Body: 'x', IfMatch: '*' })))).toMatchObject({
        name: 'NotImplemented',
        status: 501,
        Header: 'If-Match',
        additionalMessage: "We don't accept the provided value of If-Match header for this API",
      });
      expect(await failure(plain.send(new DeleteObjectCommand({ Bucket, Key: 'default.txt', IfMatchSize: 11 })))).toMatchObject({ name: 'NotImplemented', status: 501, Header: 'x-amz-if-match-size' });
      expect(await failure(plain.send(new DeleteObjectCommand({ Bucket, Key: 'default.txt', IfMatchLastModifiedTime: new Date() })))).toMatchObject({
        name: 'NotImplemented',
        Header: 'x-amz-if-match-last-modified-time',
      });
      expect(await failure(plain.send(new DeleteObjectCommand({ Bucket, Key: 'default.txt', IfMatch: '"other"' })))).toMatchObject({ name: 'PreconditionFailed', status: 412, Condition: 'If-Match' });
      await expect(plain.send(new HeadObjectCommand({ Bucket, Key: 'default.txt' }))).resolves.toBeDefined();
    });

    it('a VersionId on a bucket without versioning is InvalidArgument; "null" is its one version (recorded: test_get_object_with_version_unversioned_bucket)', async () => {
      const versionId = 'HPniJFCxqTsMuIH9KX8K8wEjNUgmABCD';
      for (const command of [new GetObjectCommand({ Bucket, Key: 'default.txt', VersionId: versionId }), new DeleteObjectCommand({ Bucket, Key: 'default.txt', VersionId: versionId })]) {
        expect(await failure(plain.send(command))).toMatchObject({
          name: 'InvalidArgument',
          status: 400,
          message: 'Invalid version id specified',
          ArgumentName: 'versionId',
          ArgumentValue: versionId,
        });
      }
      const got = await plain.send(new GetObjectCommand({ Bucket, Key: 'default.txt', VersionId: 'null' }));
      expect(await got.Body?.transformToString()).toBe('test data..');
      // A versioned bucket looks the version up.
      await plain.send(new CreateBucketCommand({ Bucket: 'answers-versioned' }));
      await plain.send(new PutBucketVersioningCommand({ Bucket: 'answers-versioned', VersioningConfiguration: { Status: 'Enabled' } }));
      expect((await failure(plain.send(new GetObjectCommand({ Bucket: 'answers-versioned', Key: 'k', VersionId: versionId })))).name).not.toBe('InvalidArgument');
    });

    it('EncodingType other than url is InvalidArgument (recorded: test_list_ops_encoding_type_validation)', async () => {
      expect(await failure(plain.send(new ListObjectsV2Command({ Bucket, EncodingType: 'value' as 'url' })))).toMatchObject({
        name: 'InvalidArgument',
        message: 'Invalid Encoding Method specified in Request',
        ArgumentName: 'encoding-type',
        ArgumentValue: 'value',
      });
    });

    it('Content-MD5 errors carry S3’s fields: InvalidDigest its Content-MD5, BadDigest ExpectedDigest and CalculatedDigest (recorded: test_s3_invalid_content_md5)', async () => {
      const send = (contentMd5: string) =>
        rawRequest(stack.url, {
          method: 'PUT',
          path: `/${Bucket}/md5.txt`,
          headers: { 'content-md5': contentMd5, 'content-length': 4, 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
          body: 'body',
          sign: 's3',
        });
      const invalid = await send('__invalid__');
      expect(invalid.status).toBe(400);
      expect(invalid.body.toString()).toContain('<Code>InvalidDigest</Code><Message>The Content-MD5 you specified was invalid.</Message><Content-MD5>__invalid__</Content-MD5>');
      const other = createHash('md5').update('other').digest();
      const bad = await send(other.toString('base64'));
      expect(bad.status).toBe(400);
      const calculated = createHash('md5').update('body').digest('base64');
      expect(bad.body.toString()).toContain(
        `<Code>BadDigest</Code><Message>The Content-MD5 you specified did not match what we received.</Message><ExpectedDigest>${other.toString('hex')}</ExpectedDigest><CalculatedDigest>${calculated}</CalculatedDigest>`,
      );
      // The same answers as the SDK reads them (its ContentMD5 parameter is sent as given).
      expect(await failure(plain.send(new PutObjectCommand({ Bucket, Key: 'md5.txt', Body: 'body', ContentMD5: '__invalid__' })))).toMatchObject({
        name: 'InvalidDigest',
        status: 400,
        message: 'The Content-MD5 you specified was invalid.',
        'Content-MD5': '__invalid__',
      });
      expect(await failure(plain.send(new PutObjectCommand({ Bucket, Key: 'md5.txt', Body: 'body', ContentMD5: other.toString('base64') })))).toMatchObject({
        name: 'BadDigest',
        status: 400,
        ExpectedDigest: other.toString('hex'),
        CalculatedDigest: calculated,
      });
    });
  });
});
