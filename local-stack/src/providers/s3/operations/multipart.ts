/** Multipart upload operations. */
import { AwsError } from '../../../core/types';
import { childElements, childText, el, optionalEl } from '../../../core/xml';
import { checkCompleteChecksumMode, checksumHeader, requestedChecksum, uploadChecksumMode, verifyChecksum, verifyContentMd5 } from '../checksums';
import { CHECKSUM_ALGORITHMS } from '../model/checksums';
import { uploadChecksumType } from '../model/multipart-checksums';
import { malformedXml } from '../errors';
import { evaluateReadConditions, header, parseRange } from '../http-semantics';
import { parseMaxKeys } from '../listing';
import { attributesFrom, parseBodyXml, parseCopySource, parsePartNumber, writeConditions } from '../request-parsing';
import { checksumResultXml, emptyResponse, ownerXml, partXml, quotedEtag, xmlResponse, xmlTime } from '../responses';
import type { OperationTable, S3Services } from './context';
import { requestBody } from './objects';

export function multipartOperations({ objects, uploads, notifier }: S3Services) {
  return {
    CreateMultipartUpload: async ({ request, bucket, key }) => {
      objects.bucketConfig(bucket);
      const { algorithm, type } = uploadChecksumMode(request.headers);
      const upload = await uploads.createUpload(bucket, key, attributesFrom(request.headers), algorithm, type);
      const checksumType = uploadChecksumType(upload);
      return xmlResponse(
        el('InitiateMultipartUploadResult', [el('Bucket', bucket), el('Key', key), el('UploadId', upload.uploadId)]),
        200,
        {
          'x-amz-server-side-encryption': 'AES256',
          ...(algorithm ? { 'x-amz-checksum-algorithm': algorithm } : {}),
          ...(checksumType ? { 'x-amz-checksum-type': checksumType } : {}),
        },
      );
    },

    UploadPart: async ({ request, bucket, key }) => {
      const partNumber = parsePartNumber(request.query.get('partNumber'));
      const uploadId = request.query.get('uploadId') ?? '';
      await uploads.upload(bucket, uploadId, key);
      const checksumRequest = requestedChecksum(request.headers);
      const part = await uploads.putPart(bucket, uploadId, partNumber, requestBody(request), checksumRequest?.algorithm, (written, computed) => {
        verifyContentMd5(header(request.headers, 'content-md5'), written.etag);
        const checksum = checksumRequest ? verifyChecksum(checksumRequest, computed ?? '', request.trailers ?? {}) : undefined;
        return checksum ? { ...written, checksum } : written;
      });
      return emptyResponse(200, {
        etag: quotedEtag(part.etag),
        'x-amz-server-side-encryption': 'AES256',
        ...(part.checksum ? { [checksumHeader(part.checksum.algorithm)]: part.checksum.value } : {}),
      });
    },

    UploadPartCopy: async ({ request, bucket, key }) => {
      const partNumber = parsePartNumber(request.query.get('partNumber'));
      const uploadId = request.query.get('uploadId') ?? '';
      await uploads.upload(bucket, uploadId, key);
      const source = parseCopySource(header(request.headers, 'x-amz-copy-source'));
      const sourceRecord = objects.objectRecord(source.bucket, source.key, source.versionId);
      evaluateReadConditions(request.headers, sourceRecord, 'x-amz-copy-source-');
      const rangeHeader = header(request.headers, 'x-amz-copy-source-range');
      const range = parseRange(rangeHeader, sourceRecord.size);
      if (rangeHeader !== undefined && !range) {
        throw new AwsError('InvalidArgument', 'The x-amz-copy-source-range value must be of the form bytes=first-last', 400);
      }
      const part = await uploads.copyPart(bucket, uploadId, partNumber, source.bucket, sourceRecord, range);
      return xmlResponse(
        el('CopyPartResult', [
          el('LastModified', xmlTime(part.lastModified)),
          el('ETag', quotedEtag(part.etag)),
          part.checksum ? el(`Checksum${part.checksum.algorithm}`, part.checksum.value) : undefined,
        ]),
        200,
        { 'x-amz-server-side-encryption': 'AES256', ...(sourceRecord.versionId ? { 'x-amz-copy-source-version-id': sourceRecord.versionId } : {}) },
      );
    },

    CompleteMultipartUpload: async ({ request, bucket, key }) => {
      const uploadId = request.query.get('uploadId') ?? '';
      const parts = childElements(parseBodyXml(request, 'CompleteMultipartUpload'), 'Part').map((part) => {
        const partNumber = Number(childText(part, 'PartNumber'));
        const etag = childText(part, 'ETag');
        if (!Number.isInteger(partNumber) || etag === undefined) throw malformedXml();
        const algorithm = CHECKSUM_ALGORITHMS.find((candidate) => childText(part, `Checksum${candidate}`) !== undefined);
        return { partNumber, etag, ...(algorithm && { checksum: { algorithm, value: childText(part, `Checksum${algorithm}`)! } }) };
      });
      // AWS's words (recorded: test_multipart_complete_multipart_too_small).
      if (parts.length === 0) throw new AwsError('InvalidRequest', 'You must specify at least one part', 400);
      const conditions = writeConditions(request.headers);
      checkCompleteChecksumMode(await uploads.upload(bucket, uploadId, key), header(request.headers, 'x-amz-checksum-type'));
      const record = await uploads.completeUpload(bucket, uploadId, key, parts, conditions);
      await notifier.created(notifier.contextOf(request, bucket), record, 'CompleteMultipartUpload');
      const host = header(request.headers, 'host') ?? '127.0.0.1';
      const location = `http://${host}/${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
      return xmlResponse(
        el('CompleteMultipartUploadResult', [el('Location', location), el('Bucket', bucket), el('Key', key), el('ETag', quotedEtag(record.etag)), ...checksumResultXml(record.checksum)]),
        200,
        { 'x-amz-server-side-encryption': 'AES256', ...(record.versionId ? { 'x-amz-version-id': record.versionId } : {}) },
      );
    },

    AbortMultipartUpload: async ({ request, bucket }) => {
      await uploads.abortUpload(bucket, request.query.get('uploadId') ?? '');
      return emptyResponse(204);
    },

    ListParts: async ({ request, bucket, key }) => {
      const uploadId = request.query.get('uploadId') ?? '';
      const upload = await uploads.upload(bucket, uploadId, key);
      const maxParts = parseMaxKeys(request.query.get('max-parts'));
      const marker = Number(request.query.get('part-number-marker') ?? 0) || 0;
      const remaining = (await uploads.listParts(bucket, uploadId)).filter((part) => part.partNumber > marker);
      const page = remaining.slice(0, maxParts);
      return xmlResponse(
        el('ListPartsResult', [
          el('Bucket', bucket),
          el('Key', key),
          el('UploadId', uploadId),
          el('PartNumberMarker', marker),
          el('NextPartNumberMarker', page[page.length - 1]?.partNumber ?? marker),
          el('MaxParts', maxParts),
          el('IsTruncated', remaining.length > page.length),
          page.map(partXml),
          ownerXml(request.accountId, 'Initiator'),
          ownerXml(request.accountId),
          el('StorageClass', 'STANDARD'),
          optionalEl('ChecksumAlgorithm', upload.checksumAlgorithm),
          optionalEl('ChecksumType', uploadChecksumType(upload)),
        ]),
      );
    },
  } satisfies OperationTable;
}
