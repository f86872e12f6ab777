/** S3 REST-XML response shapes. */
import { createHash } from 'node:crypto';
import { AwsError, type AwsResponse } from '../../core/types';
import { el, renderXmlDocument, type XmlElement } from '../../core/xml';
import { checksumHeader } from './checksums';
import { httpDate } from './http-semantics';
import { checksumTypeOf, type StoredChecksum } from './model/checksums';
import { encodeS3Url } from './listing';
import { STORED_CONTENT_HEADERS, type BucketConfig, type DeleteMarkerRecord, type ObjectRecord, type PartRecord, type UploadRecord } from './model/types';

export const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

export function xmlResponse(root: XmlElement, status = 200, headers: Record<string, string | number> = {}): AwsResponse {
  return {
    status,
    headers: { 'content-type': 'application/xml', ...headers },
    body: renderXmlDocument({ ...root, attributes: { xmlns: S3_XMLNS, ...root.attributes } }),
  };
}

export function emptyResponse(status: number, headers: Record<string, string | number> = {}): AwsResponse {
  return { status, headers };
}

/**
 * The account's canonical user: a stable 64-hex id as S3 shows it. S3 no longer sends an Owner's
 * DisplayName (LocalStack's recorded AWS answers show `Owner: {ID}`; an upload's Initiator keeps it).
 */
export function ownerXml(accountId: string, name = 'Owner'): XmlElement {
  const id = createHash('sha256').update(accountId).digest('hex');
  return el(name, [el('ID', id), name === 'Initiator' ? el('DisplayName', 'local') : undefined]);
}

export function accessControlPolicyXml(accountId: string): XmlElement {
  const id = createHash('sha256').update(accountId).digest('hex');
  return el('AccessControlPolicy', [
    ownerXml(accountId),
    el(
      'AccessControlList',
      el('Grant', [
        el('Grantee', [el('ID', id)], {
          'xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance',
          'xsi:type': 'CanonicalUser',
        }),
        el('Permission', 'FULL_CONTROL'),
      ]),
    ),
  ]);
}

export function quotedEtag(etag: string): string {
  return `"${etag}"`;
}

/** ISO time with milliseconds, as S3 writes timestamps in XML. */
export function xmlTime(iso: string): string {
  return new Date(iso).toISOString();
}

/** Encodes a key or prefix when the client asked for `encoding-type=url`. */
export type KeyEncoder = (value: string) => string;

/** `encoding-type` other than `url` is refused (recorded: test_list_ops_encoding_type_validation). */
export function keyEncoder(encodingType: string | null): KeyEncoder {
  if (encodingType !== null && encodingType !== 'url') {
    throw new AwsError('InvalidArgument', 'Invalid Encoding Method specified in Request', 400, { ArgumentName: 'encoding-type', ArgumentValue: encodingType });
  }
  return encodingType === 'url' ? encodeS3Url : (value) => value;
}

export function contentsXml(record: ObjectRecord, encode: KeyEncoder, owner?: XmlElement): XmlElement {
  return el('Contents', [
    el('Key', encode(record.key)),
    el('LastModified', xmlTime(record.lastModified)),
    el('ETag', quotedEtag(record.etag)),
    ...checksumListingXml(record.checksum),
    el('Size', record.size),
    owner,
    el('StorageClass', 'STANDARD'),
  ]);
}

/** A listing entry's ChecksumAlgorithm and ChecksumType (botocore's Object and ObjectVersion). */
function checksumListingXml(checksum: StoredChecksum | undefined): Array<XmlElement | undefined> {
  return checksum ? [el('ChecksumAlgorithm', checksum.algorithm), el('ChecksumType', checksumTypeOf(checksum))] : [];
}

/** `<ChecksumCRC32>...</ChecksumCRC32><ChecksumType>FULL_OBJECT</ChecksumType>` of a result document. */
export function checksumResultXml(checksum: StoredChecksum | undefined): Array<XmlElement | undefined> {
  return checksum ? [el(`Checksum${checksum.algorithm}`, checksum.value), el('ChecksumType', checksumTypeOf(checksum))] : [];
}

export function versionXml(record: ObjectRecord, isLatest: boolean, encode: KeyEncoder, owner: XmlElement): XmlElement {
  return el('Version', [
    el('Key', encode(record.key)),
    el('VersionId', record.versionId ?? 'null'),
    el('IsLatest', isLatest),
    el('LastModified', xmlTime(record.lastModified)),
    el('ETag', quotedEtag(record.etag)),
    ...checksumListingXml(record.checksum),
    el('Size', record.size),
    el('StorageClass', 'STANDARD'),
    owner,
  ]);
}

export function deleteMarkerXml(record: DeleteMarkerRecord, isLatest: boolean, encode: KeyEncoder, owner: XmlElement): XmlElement {
  return el('DeleteMarker', [
    el('Key', encode(record.key)),
    el('VersionId', record.versionId),
    el('IsLatest', isLatest),
    el('LastModified', xmlTime(record.lastModified)),
    owner,
  ]);
}

export function uploadXml(upload: UploadRecord, accountId: string): XmlElement {
  return el('Upload', [
    el('Key', upload.key),
    el('UploadId', upload.uploadId),
    ownerXml(accountId, 'Initiator'),
    ownerXml(accountId),
    el('StorageClass', 'STANDARD'),
    el('Initiated', xmlTime(upload.initiated)),
  ]);
}

export function partXml(part: PartRecord): XmlElement {
  return el('Part', [
    el('PartNumber', part.partNumber),
    el('LastModified', xmlTime(part.lastModified)),
    el('ETag', quotedEtag(part.etag)),
    el('Size', part.size),
    part.checksum ? el(`Checksum${part.checksum.algorithm}`, part.checksum.value) : undefined,
  ]);
}

export function bucketXml(config: BucketConfig): XmlElement {
  return el('Bucket', [el('Name', config.name), el('CreationDate', xmlTime(config.createdAt)), el('BucketRegion', config.region)]);
}

/** Response-header overrides GetObject accepts as query parameters. */
const RESPONSE_OVERRIDES: Readonly<Record<string, string>> = {
  'response-content-type': 'content-type',
  'response-content-language': 'content-language',
  'response-expires': 'expires',
  'response-cache-control': 'cache-control',
  'response-content-disposition': 'content-disposition',
  'response-content-encoding': 'content-encoding',
};

export interface ObjectHeaderOptions {
  /** Whether the bucket has (ever had) versioning: then the version id header is always sent. */
  versioned: boolean;
  /** Send the stored checksum (`x-amz-checksum-mode: ENABLED` on a whole-object read). */
  includeChecksum: boolean;
  query?: URLSearchParams;
}

export function objectHeaders(record: ObjectRecord, options: ObjectHeaderOptions): Record<string, string | number> {
  const headers: Record<string, string | number> = {
    'content-type': record.contentType,
    'content-length': record.size,
    etag: quotedEtag(record.etag),
    'last-modified': httpDate(record.lastModified),
    'accept-ranges': 'bytes',
    'x-amz-server-side-encryption': 'AES256',
  };
  for (const name of STORED_CONTENT_HEADERS) {
    const value = record.contentHeaders[name];
    if (value !== undefined) headers[name] = value;
  }
  for (const [name, value] of Object.entries(record.userMetadata)) headers[`x-amz-meta-${name}`] = value;
  if (options.versioned || record.versionId !== undefined) headers['x-amz-version-id'] = record.versionId ?? 'null';
  const tagCount = Object.keys(record.tags).length;
  if (tagCount > 0) headers['x-amz-tagging-count'] = tagCount;
  if (options.includeChecksum) Object.assign(headers, checksumResponseHeaders(record.checksum));
  for (const [parameter, name] of Object.entries(RESPONSE_OVERRIDES)) {
    const value = options.query?.get(parameter);
    if (value) headers[name] = value;
  }
  return headers;
}

export function tagSetXml(tags: Record<string, string>): XmlElement {
  return el(
    'Tagging',
    el(
      'TagSet',
      Object.entries(tags).map(([key, value]) => el('Tag', [el('Key', key), el('Value', value)])),
    ),
  );
}

/** `x-amz-checksum-<algorithm>` and `x-amz-checksum-type`, as S3 answers them with a stored checksum. */
export function checksumResponseHeaders(checksum: StoredChecksum | undefined): Record<string, string> {
  return checksum ? { [checksumHeader(checksum.algorithm)]: checksum.value, 'x-amz-checksum-type': checksumTypeOf(checksum) } : {};
}
