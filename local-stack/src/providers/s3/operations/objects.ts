/** Object operations: put, copy, get, head, delete (single and batch), tagging, ACLs. */
import { Readable } from 'node:stream';
import { AwsError, type AwsRequest, type AwsResponse } from '../../../core/types';
import { childElement, childElements, childText, el, optionalEl, type XmlElement } from '../../../core/xml';
import { requestedChecksum, verifyChecksum, verifyContentMd5 } from '../checksums';
import { DEFAULT_CHECKSUM_ALGORITHM } from '../model/checksums';
import { malformedXml, preconditionFailed } from '../errors';
import { etagMatches, evaluateReadConditions, header, httpDate, parseRange } from '../http-semantics';
import type { ObjectAttributes, ObjectRecord } from '../model/types';
import { attributesFrom, parseBodyXml, parseCopySource, writeConditions } from '../request-parsing';
import {
  accessControlPolicyXml,
  checksumResponseHeaders,
  checksumResultXml,
  emptyResponse,
  objectHeaders,
  quotedEtag,
  tagSetXml,
  xmlResponse,
  xmlTime,
} from '../responses';
import type { DeleteOutcome } from '../model/store';
import type { OperationTable, S3Services } from './context';

const MAX_DELETE_OBJECTS = 1000;

/** The request body, streamed when the server streamed it. */
export function requestBody(request: AwsRequest): Readable {
  return request.bodyStream ?? Readable.from([request.body]);
}

function versionIdOf(request: AwsRequest): string | undefined {
  return request.query.get('versionId') ?? undefined;
}

/**
 * The version a read or delete names; on a bucket that never had versioning only `null` names a version
 * (recorded: test_get_object_with_version_unversioned_bucket, InvalidArgument "Invalid version id specified").
 */
function checkedVersionId(services: S3Services, request: AwsRequest, bucket: string): string | undefined {
  const versionId = versionIdOf(request);
  if (versionId !== undefined && versionId !== 'null' && services.objects.bucketConfig(bucket).versioning === undefined) {
    throw new AwsError('InvalidArgument', 'Invalid version id specified', 400, { ArgumentName: 'versionId', ArgumentValue: versionId });
  }
  return versionId;
}

/** Headers of conditional deletes that S3 implements only for directory buckets (recorded: test_delete_object_if_match_*_non_express). */
const DIRECTORY_BUCKET_DELETE_CONDITIONS = ['x-amz-if-match-last-modified-time', 'x-amz-if-match-size'];

export function objectOperations(services: S3Services) {
  const { objects, notifier } = services;

  const deleteAndNotify = async (request: AwsRequest, bucket: string, key: string, versionId: string | undefined): Promise<DeleteOutcome> => {
    const outcome = await objects.deleteObject(bucket, key, versionId);
    if (outcome.removed || outcome.deleteMarker) {
      await notifier.deleted(notifier.contextOf(request, bucket), {
        key,
        sequence: outcome.sequence,
        versionId: outcome.versionId,
        deleteMarkerCreated: outcome.deleteMarker && versionId === undefined,
      });
    }
    return outcome;
  };

  const readObject = async (request: AwsRequest, bucket: string, key: string, withBody: boolean): Promise<AwsResponse> => {
    const versionId = checkedVersionId(services, request, bucket);
    const partNumber = request.query.get('partNumber');
    const record = objects.objectRecord(bucket, key, versionId);
    if (partNumber !== null && (record.partsCount !== undefined || partNumber !== '1')) {
      if (record.partsCount === undefined) throw new AwsError('InvalidPartNumber', 'The requested partnumber is not satisfiable', 416);
      throw new AwsError('NotImplemented', 'The local stack does not serve multipart objects by part number', 501);
    }
    if (evaluateReadConditions(request.headers, record) === 'not-modified') {
      return emptyResponse(304, { etag: quotedEtag(record.etag), 'last-modified': httpDate(record.lastModified) });
    }
    const range = parseRange(header(request.headers, 'range'), record.size);
    const headers = objectHeaders(record, {
      versioned: objects.bucketConfig(bucket).versioning !== undefined,
      includeChecksum: range === undefined && header(request.headers, 'x-amz-checksum-mode') === 'ENABLED',
      query: request.query,
    });
    if (range) {
      headers['content-range'] = `bytes ${range.start}-${range.end}/${record.size}`;
      headers['content-length'] = range.end - range.start + 1;
    }
    const status = range ? 206 : 200;
    if (!withBody) return emptyResponse(status, headers);
    const { record: opened, handle } = await objects.openObject(bucket, key, versionId);
    if (opened !== record) {
      // Replaced between the lookup and the open: answer for the new object.
      await handle.close();
      return readObject(request, bucket, key, withBody);
    }
    return { status, headers, body: handle.createReadStream(range ? { start: range.start, end: range.end } : {}) };
  };

  return {
    PutObject: async ({ request, bucket, key }) => {
      const conditions = writeConditions(request.headers);
      const checksumRequest = requestedChecksum(request.headers);
      // Without a checksum from the client S3 computes and keeps a CRC64NVME (default data integrity).
      const algorithm = checksumRequest?.algorithm ?? DEFAULT_CHECKSUM_ALGORITHM;
      const staged = await objects.stageStream(bucket, requestBody(request), algorithm);
      let record: ObjectRecord;
      try {
        verifyContentMd5(header(request.headers, 'content-md5'), staged.etag);
        const checksum = checksumRequest
          ? verifyChecksum(checksumRequest, staged.computedChecksum ?? '', request.trailers ?? {})
          : { algorithm, value: staged.computedChecksum ?? '', type: 'FULL_OBJECT' as const };
        record = await objects.commit(bucket, key, { ...staged, checksum }, attributesFrom(request.headers), conditions);
      } catch (error) {
        await objects.discardStaged(bucket, staged);
        throw error;
      }
      await notifier.created(notifier.contextOf(request, bucket), record, 'PutObject');
      return emptyResponse(200, {
        etag: quotedEtag(record.etag),
        'x-amz-server-side-encryption': 'AES256',
        ...(record.versionId ? { 'x-amz-version-id': record.versionId } : {}),
        ...checksumResponseHeaders(record.checksum),
      });
    },

    CopyObject: async ({ request, bucket, key }) => {
      const source = parseCopySource(header(request.headers, 'x-amz-copy-source'));
      const sourceRecord = objects.objectRecord(source.bucket, source.key, source.versionId);
      evaluateReadConditions(request.headers, sourceRecord, 'x-amz-copy-source-');
      const directive = header(request.headers, 'x-amz-metadata-directive') ?? 'COPY';
      const taggingDirective = header(request.headers, 'x-amz-tagging-directive') ?? 'COPY';
      if (!['COPY', 'REPLACE'].includes(directive) || !['COPY', 'REPLACE'].includes(taggingDirective)) {
        throw new AwsError('InvalidArgument', 'Unknown metadata or tagging directive', 400);
      }
      if (source.bucket === bucket && source.key === key && source.versionId === undefined && directive === 'COPY') {
        throw new AwsError(
          'InvalidRequest',
          "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
          400,
        );
      }
      const replaced = attributesFrom(request.headers);
      const attributes: ObjectAttributes = {
        ...(directive === 'REPLACE'
          ? replaced
          : { contentType: sourceRecord.contentType, contentHeaders: sourceRecord.contentHeaders, userMetadata: sourceRecord.userMetadata }),
        tags: taggingDirective === 'REPLACE' ? replaced.tags : sourceRecord.tags,
      };
      objects.bucketConfig(bucket);
      const staged = await objects.stageCopy(bucket, source.bucket, sourceRecord);
      let record: ObjectRecord;
      try {
        record = await objects.commit(bucket, key, staged, attributes, writeConditions(request.headers));
      } catch (error) {
        await objects.discardStaged(bucket, staged);
        throw error;
      }
      await notifier.created(notifier.contextOf(request, bucket), record, 'CopyObject');
      return xmlResponse(
        el('CopyObjectResult', [
          el('LastModified', xmlTime(record.lastModified)),
          el('ETag', quotedEtag(record.etag)),
          ...checksumResultXml(record.checksum),
        ]),
        200,
        {
          ...(record.versionId ? { 'x-amz-version-id': record.versionId } : {}),
          ...(sourceRecord.versionId ? { 'x-amz-copy-source-version-id': sourceRecord.versionId } : {}),
          'x-amz-server-side-encryption': 'AES256',
        },
      );
    },

    GetObject: async ({ request, bucket, key }) => readObject(request, bucket, key, true),

    HeadObject: async ({ request, bucket, key }) => readObject(request, bucket, key, false),

    DeleteObject: async ({ request, bucket, key }) => {
      objects.bucketConfig(bucket);
      const versionId = checkedVersionId(services, request, bucket);
      for (const name of DIRECTORY_BUCKET_DELETE_CONDITIONS) {
        if (header(request.headers, name) !== undefined) {
          throw new AwsError('NotImplemented', 'A header you provided implies functionality that is not implemented', 501, { Header: name });
        }
      }
      const ifMatch = header(request.headers, 'if-match');
      if (ifMatch !== undefined && !etagMatches(ifMatch, objects.objectRecord(bucket, key, versionId).etag)) throw preconditionFailed('If-Match');
      const outcome = await deleteAndNotify(request, bucket, key, versionId);
      return emptyResponse(204, {
        ...(outcome.deleteMarker ? { 'x-amz-delete-marker': 'true' } : {}),
        ...(outcome.versionId ? { 'x-amz-version-id': outcome.versionId } : {}),
      });
    },

    DeleteObjects: async ({ request, bucket }) => {
      objects.bucketConfig(bucket);
      const root = parseBodyXml(request, 'Delete');
      const targets = childElements(root, 'Object');
      if (targets.length === 0 || targets.length > MAX_DELETE_OBJECTS) throw malformedXml();
      const quiet = childText(root, 'Quiet') === 'true';
      const results: XmlElement[] = [];
      for (const target of targets) {
        const key = childText(target, 'Key');
        if (key === undefined) throw malformedXml();
        const versionId = childText(target, 'VersionId');
        try {
          const outcome = await deleteAndNotify(request, bucket, key, versionId);
          if (quiet) continue;
          results.push(
            el('Deleted', [
              el('Key', key),
              optionalEl('VersionId', versionId),
              outcome.deleteMarker ? el('DeleteMarker', true) : undefined,
              outcome.deleteMarker && versionId === undefined ? el('DeleteMarkerVersionId', outcome.versionId) : undefined,
            ]),
          );
        } catch (error) {
          const awsError = error instanceof AwsError ? error : new AwsError('InternalError', String(error), 500);
          results.push(el('Error', [el('Key', key), optionalEl('VersionId', versionId), el('Code', awsError.code), el('Message', awsError.message)]));
        }
      }
      return xmlResponse(el('DeleteResult', results));
    },

    GetObjectTagging: async ({ request, bucket, key }) => {
      const record = objects.objectRecord(bucket, key, versionIdOf(request));
      return xmlResponse(tagSetXml(record.tags), 200, record.versionId ? { 'x-amz-version-id': record.versionId } : {});
    },

    PutObjectTagging: async ({ request, bucket, key }) => {
      const tagSet = childElement(parseBodyXml(request, 'Tagging'), 'TagSet');
      if (!tagSet) throw malformedXml();
      const tags: Record<string, string> = {};
      for (const tag of childElements(tagSet, 'Tag')) {
        const tagKey = childText(tag, 'Key');
        if (tagKey === undefined) throw malformedXml();
        tags[tagKey] = childText(tag, 'Value') ?? '';
      }
      const record = await objects.setTags(bucket, key, versionIdOf(request), tags);
      return emptyResponse(200, record.versionId ? { 'x-amz-version-id': record.versionId } : {});
    },

    DeleteObjectTagging: async ({ request, bucket, key }) => {
      const record = await objects.setTags(bucket, key, versionIdOf(request), {});
      return emptyResponse(204, record.versionId ? { 'x-amz-version-id': record.versionId } : {});
    },

    GetObjectAcl: async ({ request, bucket, key }) => {
      objects.objectRecord(bucket, key, versionIdOf(request));
      return xmlResponse(accessControlPolicyXml(request.accountId));
    },

    PutObjectAcl: async ({ request, bucket, key }) => {
      objects.objectRecord(bucket, key, versionIdOf(request));
      return emptyResponse(200);
    },
  } satisfies OperationTable;
}
