/** Listing operations: ListObjectsV2, ListObjects (v1), ListObjectVersions, ListMultipartUploads. */
import { el, optionalEl, type XmlElement } from '../../../core/xml';
import { decodeContinuationToken, encodeContinuationToken, listPage, parseMaxKeys } from '../listing';
import { isDeleteMarker } from '../model/types';
import { contentsXml, deleteMarkerXml, keyEncoder, ownerXml, uploadXml, versionXml, xmlResponse } from '../responses';
import type { OperationTable, S3Services } from './context';

/**
 * A page of a bucket listing as the request's prefix, delimiter, max-keys and encoding-type ask,
 * resumed after `after()`, over `keys()`; with the elements every listing answers them with.
 * (`after` and `keys` are read in that order, after max-keys: which error comes first is S3's.)
 */
function bucketListing(query: URLSearchParams, after: () => string | undefined, keys: () => readonly string[]) {
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') || undefined;
  const maxKeys = parseMaxKeys(query.get('max-keys'));
  const encodingType = query.get('encoding-type');
  const encode = keyEncoder(encodingType);
  const resumeAfter = after();
  const page = listPage({ sortedKeys: keys(), prefix, delimiter, maxKeys, after: resumeAfter });
  const delimiterXml = delimiter === undefined ? undefined : el('Delimiter', encode(delimiter));
  return {
    page,
    encode,
    prefix,
    delimiterXml,
    maxKeys,
    encodingType,
    /** MaxKeys, Delimiter, EncodingType and IsTruncated, as ListObjects (v1) and ListObjectVersions order them. */
    counts: [el('MaxKeys', maxKeys), delimiterXml, optionalEl('EncodingType', encodingType), el('IsTruncated', page.isTruncated)],
    commonPrefixes: page.commonPrefixes.map((common) => el('CommonPrefixes', el('Prefix', encode(common)))),
  };
}

export function listingOperations({ objects, uploads }: S3Services) {
  const contents = (bucket: string, listing: ReturnType<typeof bucketListing>, owner: XmlElement | undefined) =>
    listing.page.keys.map((key) => contentsXml(objects.objectRecord(bucket, key), listing.encode, owner));
  return {
    ListObjectsV2: async ({ request, bucket }) => {
      const { query } = request;
      const token = query.get('continuation-token');
      const startAfter = query.get('start-after');
      const listing = bucketListing(
        query,
        () => (token !== null ? decodeContinuationToken(token) : (startAfter ?? undefined)),
        () => objects.sortedKeys(bucket),
      );
      const { page, encode } = listing;
      const owner = query.get('fetch-owner') === 'true' ? ownerXml(request.accountId) : undefined;
      return xmlResponse(
        el('ListBucketResult', [
          el('Name', bucket),
          el('Prefix', encode(listing.prefix)),
          listing.delimiterXml,
          el('MaxKeys', listing.maxKeys),
          optionalEl('EncodingType', listing.encodingType),
          el('KeyCount', page.keys.length + page.commonPrefixes.length),
          el('IsTruncated', page.isTruncated),
          optionalEl('ContinuationToken', token),
          page.isTruncated && page.last !== undefined ? el('NextContinuationToken', encodeContinuationToken(page.last)) : undefined,
          startAfter === null ? undefined : el('StartAfter', encode(startAfter)),
          contents(bucket, listing, owner),
          listing.commonPrefixes,
        ]),
      );
    },

    ListObjects: async ({ request, bucket }) => {
      const marker = request.query.get('marker') ?? '';
      const listing = bucketListing(request.query, () => (marker === '' ? undefined : marker), () => objects.sortedKeys(bucket));
      const { page, encode } = listing;
      return xmlResponse(
        el('ListBucketResult', [
          el('Name', bucket),
          el('Prefix', encode(listing.prefix)),
          el('Marker', encode(marker)),
          page.isTruncated && page.last !== undefined ? el('NextMarker', encode(page.last)) : undefined,
          listing.counts,
          contents(bucket, listing, ownerXml(request.accountId)),
          listing.commonPrefixes,
        ]),
      );
    },

    // Pages hold whole keys (all versions of a key together), so a page may exceed max-keys versions.
    ListObjectVersions: async ({ request, bucket }) => {
      const keyMarker = request.query.get('key-marker') ?? '';
      const listing = bucketListing(request.query, () => (keyMarker === '' ? undefined : keyMarker), () => objects.keysWithVersions(bucket));
      const { page, encode } = listing;
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
          el('Prefix', encode(listing.prefix)),
          el('KeyMarker', encode(keyMarker)),
          el('VersionIdMarker', request.query.get('version-id-marker') ?? ''),
          page.isTruncated && page.last !== undefined ? [el('NextKeyMarker', encode(page.last)), el('NextVersionIdMarker', '')] : undefined,
          listing.counts,
          entries,
          listing.commonPrefixes,
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
