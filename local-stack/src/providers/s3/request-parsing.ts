/** Reading S3 request inputs: XML bodies, object attributes, write conditions, copy sources. */
import { AwsError, type AwsRequest } from '../../core/types';
import { localName, parseXml, XmlParseError, type XmlElement } from '../../core/xml';
import { malformedXml } from './errors';
import { header, parseTaggingHeader, userMetadataFrom } from './http-semantics';
import { STORED_CONTENT_HEADERS, type ObjectAttributes, type StoredContentHeader, type WriteConditions } from './model/types';
import { MAX_PART_NUMBER } from './model/multipart-store';

const MAX_KEY_BYTES = 1024;

export function parseBodyXml(request: AwsRequest, rootName?: string): XmlElement {
  let root: XmlElement;
  try {
    root = parseXml(request.body.toString('utf8'));
  } catch (error) {
    if (error instanceof XmlParseError) throw malformedXml();
    throw error;
  }
  if (rootName !== undefined && localName(root) !== rootName) throw malformedXml();
  return root;
}

/** Content type, stored content headers, `x-amz-meta-*` and `x-amz-tagging` of a write. */
export function attributesFrom(headers: AwsRequest['headers']): ObjectAttributes {
  const contentHeaders: Partial<Record<StoredContentHeader, string>> = {};
  for (const name of STORED_CONTENT_HEADERS) {
    const value = header(headers, name);
    if (value !== undefined && value !== '') contentHeaders[name] = value;
  }
  return {
    contentType: header(headers, 'content-type') ?? 'binary/octet-stream',
    contentHeaders,
    userMetadata: userMetadataFrom(headers),
    tags: parseTaggingHeader(header(headers, 'x-amz-tagging')) ?? {},
  };
}

/** Conditional writes: `If-None-Match: *` (create only) and `If-Match: <etag>` (compare and swap). */
/**
 * A write's conditions. S3 implements `If-None-Match: *` and `If-Match: <etag>` on writes; any other
 * value answers 501 NotImplemented naming the header (recorded: test_put_object_if_none_match_validation,
 * test_put_object_if_match_validation).
 */
export function writeConditions(headers: AwsRequest['headers']): WriteConditions {
  const notImplemented = (name: string): AwsError =>
    new AwsError('NotImplemented', 'A header you provided implies functionality that is not implemented', 501, {
      Header: name,
      additionalMessage: `We don't accept the provided value of ${name} header for this API`,
    });
  const ifNoneMatch = header(headers, 'if-none-match');
  if (ifNoneMatch !== undefined && ifNoneMatch.trim() !== '*') throw notImplemented('If-None-Match');
  const ifMatch = header(headers, 'if-match');
  if (ifMatch !== undefined && ifMatch.trim() === '*') throw notImplemented('If-Match');
  return {
    ...(ifNoneMatch !== undefined ? { ifNoneMatchAny: true } : {}),
    ...(ifMatch !== undefined ? { ifMatch } : {}),
  };
}

export function parsePartNumber(value: string | null): number {
  const number = Number(value);
  if (value === null || !/^\d+$/.test(value) || number < 1 || number > MAX_PART_NUMBER) {
    throw new AwsError('InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive', 400, {
      ArgumentName: 'partNumber',
      ArgumentValue: value ?? '',
    });
  }
  return number;
}

export interface CopySource {
  bucket: string;
  key: string;
  versionId?: string;
}

/** `x-amz-copy-source: [/]bucket/key[?versionId=id]`, URL-encoded. */
export function parseCopySource(value: string | undefined): CopySource {
  const invalid = (): AwsError =>
    new AwsError('InvalidArgument', 'Invalid copy source object key', 400, { ArgumentName: 'x-amz-copy-source' });
  if (value === undefined) throw invalid();
  const [path = '', query] = value.split('?', 2);
  let decoded: string;
  try {
    decoded = decodeURIComponent(path.replace(/^\//, ''));
  } catch {
    throw invalid();
  }
  const slash = decoded.indexOf('/');
  if (slash <= 0 || slash === decoded.length - 1) throw invalid();
  const versionId = query === undefined ? undefined : (new URLSearchParams(query).get('versionId') ?? undefined);
  return { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1), ...(versionId ? { versionId } : {}) };
}

export function checkKeyLength(key: string): void {
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) {
    throw new AwsError('KeyTooLongError', 'Your key is too long', 400, { MaxSizeAllowed: String(MAX_KEY_BYTES) });
  }
}
