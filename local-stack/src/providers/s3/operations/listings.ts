/** Listing operations: ListObjectsV2, ListObjects (v1), ListObjectVersions, ListMultipartUploads. */
import { el, optionalEl } from '../../../core/xml';
import { decodeContinuationToken, encodeContinuationToken, listPage, parseMaxKeys } from '../listing';
import { isDeleteMarker } from '../model/types';
import { contentsXml, deleteMarkerXml, keyEncoder, ownerXml, uploadXml, versionXml, xmlResponse } from '../responses';
import type { OperationTable, S3Services } from './context';

function listingParameters(query: URLSearchParams) {
  return {
    prefix: query.get('prefix') ?? '',
    delimiter: query.get('delimiter') || undefined,
    maxKeys: parseMaxKeys(query.get('max-keys')),
    encodingType: query.get('encoding-type'),
    encode: keyEncoder(query.get('encoding-type')),
  };
}

export function listingOperations({ objects, uploads }: S3Services) {
  return {
    ListObjectsV2: async ({ request, bucket }) => {
      const { query } = request;
      const { prefix, delimiter, maxKeys, encodingType, encode } = listingParameters(query);
      const token = query.get('continuation-token');
      const startAfter = query.get('start-after');
      const owner = query.get('fetch-owner') === 'true' ? ownerXml(request.accountId) : undefined;
      const after = token !== null ? decodeContinuationToken(token) : (startAfter ?? undefined);
      const page = listPage({ sortedKeys: objects.sortedKeys(bucket), prefix, delimiter, maxKeys, after });
      return xmlResponse(
        el('ListBucketResult', [
          el('Name', bucket),
          el('Prefix', encode(prefix)),
          delimiter === undefined ? undefined : el('Delimiter', encode(delimiter)),
          el('MaxKeys', maxKeys),
          optionalEl('EncodingType', encodingType),
          el('KeyCount', page.keys.length + page.commonPrefixes.length),
          el('IsTruncated', page.isTruncated),
          optionalEl('ContinuationToken', token),
          page.isTruncated && page.last !== undefined ? el('NextContinuationToken', encodeContinuationToken(page.last)) : undefined,
          startAfter === null ? undefined : el('StartAfter', encode(startAfter)),
          page.keys.map((key) => contentsXml(objects.objectRecord(bucket, key), encode, owner)),
          page.commonPrefixes.map((common) => el('CommonPrefixes', el('Prefix', encode(common)))),
        ]),
      );
    },

    ListObjects: async ({ request, bucket }) => {
      const { prefix, delimiter, maxKeys, encodingType, encode } = listingParameters(request.query);
      const marker = request.query.get('marker') ?? '';
      const page = listPage({
        sortedKeys: objects.sortedKeys(bucket),
        prefix,
        delimiter,
        maxKeys,
        after: marker === '' ? undefined : marker,
      });
      const owner = ownerXml(request.accountId);
      return xmlResponse(
        el('ListBucketResult', [
          el('Name', bucket),
          el('Prefix', encode(prefix)),
          el('Marker', encode(marker)),
          page.isTruncated && page.last !== undefined ? el('NextMarker', encode(page.last)) : undefined,
          el('MaxKeys', maxKeys),
          delimiter === undefined ? undefined : el('Delimiter', encode(delimiter)),
          optionalEl('EncodingType', encodingType),
          el('IsTruncated', page.isTruncated),
          page.keys.map((key) => contentsXml(objects.objectRecord(bucket, key), encode, owner)),
          page.commonPrefixes.map((common) => el('CommonPrefixes', el('Prefix', encode(common)))),
        ]),
      );
    },

    // Pages hold whole keys (all versions of a key together), so a page may exceed max-keys versions.
    ListObjectVersions: async ({ request, bucket }) => {
      const { prefix, delimiter, maxKeys, encodingType, encode } = listingParameters(request.query);
      const keyMarker = request.query.get('key-marker') ?? '';
      const page = listPage({
        sortedKeys: objects.keysWithVersions(bucket),
        prefix,
        delimiter,
        maxKeys,
        after: keyMarker === '' ? undefined : keyMarker,
      });
      const owner = ownerXml(request.accountId);
      const entries = page.keys.flatMap((key) =>
        objects
          .versionsOf(bucket, key)
          .map((record, index) =>
            isDeleteMarker(record) ? deleteMarkerXml(record, index === 0, encode, owner) : versionXml(record, index === 0, encode, owner),
          ),
      );
      return xmlResponse(
        el('ListVersionsResult', [
          el('Name', bucket),
          el('Prefix', encode(prefix)),
          el('KeyMarker', encode(keyMarker)),
          el('VersionIdMarker', request.query.get('version-id-marker') ?? ''),
          page.isTruncated && page.last !== undefined ? [el('NextKeyMarker', encode(page.last)), el('NextVersionIdMarker', '')] : undefined,
          el('MaxKeys', maxKeys),
          delimiter === undefined ? undefined : el('Delimiter', encode(delimiter)),
          optionalEl('EncodingType', encodingType),
          el('IsTruncated', page.isTruncated),
          entries,
          page.commonPrefixes.map((common) => el('CommonPrefixes', el('Prefix', encode(common)))),
        ]),
      );
    },

    ListMultipartUploads: async ({ request, bucket }) => {
      objects.bucketConfig(bucket);
      const prefix = request.query.get('prefix') ?? '';
      const maxUploads = parseMaxKeys(request.query.get('max-uploads'));
      const matching = (await uploads.listUploads(bucket)).filter((upload) => upload.key.startsWith(prefix));
      const page = matching.slice(0, maxUploads);
      const last = page[page.length - 1];
      const truncated = matching.length > page.length;
      return xmlResponse(
        el('ListMultipartUploadsResult', [
          el('Bucket', bucket),
          el('KeyMarker', ''),
          el('UploadIdMarker', ''),
          truncated && last ? [el('NextKeyMarker', last.key), el('NextUploadIdMarker', last.uploadId)] : undefined,
          el('Prefix', prefix),
          el('MaxUploads', maxUploads),
          el('IsTruncated', truncated),
          page.map((upload) => uploadXml(upload, request.accountId)),
        ]),
      );
    },
  } satisfies OperationTable;
}
