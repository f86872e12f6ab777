/**
 * Which S3 operation a REST request is: bucket and key from the path (path style) or the Host
 * (virtual-hosted style on `*.localhost` names), then method plus sub-resource query parameters.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { AwsError } from '../../core/types';
import { BUCKET_DOCUMENTS } from './bucket-documents';

export interface S3Target {
  bucket?: string;
  key?: string;
}

/** Sub-resources S3 has that the local stack does not emulate: answered NotImplemented by name. */
const UNSUPPORTED_SUBRESOURCES = [
  'analytics', 'inventory', 'metrics', 'intelligent-tiering', 'legal-hold', 'retention', 'torrent',
  'select', 'restore', 'attributes', 'session', 'renameObject', 'metadataTable', 'policyStatus',
];

export type S3Operation =
  | 'ListBuckets'
  | 'CreateBucket'
  | 'HeadBucket'
  | 'DeleteBucket'
  | 'ListObjects'
  | 'ListObjectsV2'
  | 'ListObjectVersions'
  | 'ListMultipartUploads'
  | 'GetBucketLocation'
  | 'GetBucketVersioning'
  | 'PutBucketVersioning'
  | 'GetBucketNotificationConfiguration'
  | 'PutBucketNotificationConfiguration'
  | 'GetBucketAcl'
  | 'PutBucketAcl'
  | 'GetBucketDocument'
  | 'PutBucketDocument'
  | 'DeleteBucketDocument'
  | 'DeleteObjects'
  | 'PutObject'
  | 'CopyObject'
  | 'GetObject'
  | 'HeadObject'
  | 'DeleteObject'
  | 'GetObjectTagging'
  | 'PutObjectTagging'
  | 'DeleteObjectTagging'
  | 'GetObjectAcl'
  | 'PutObjectAcl'
  | 'CreateMultipartUpload'
  | 'UploadPart'
  | 'UploadPartCopy'
  | 'CompleteMultipartUpload'
  | 'AbortMultipartUpload'
  | 'ListParts';

export interface ResolvedOperation {
  operation: S3Operation;
  /** For the bucket-document operations: which document (`policy`, `encryption`, ...). */
  document?: string;
}

function hostWithoutPort(host: string | undefined): string {
  return (host ?? '').replace(/:\d+$/, '').toLowerCase();
}

/** Virtual-hosted buckets are recognised on `<bucket>.localhost` and `<bucket>.s3.<anything>` hosts. */
function virtualHostBucket(host: string | undefined): string | undefined {
  const name = hostWithoutPort(host);
  if (name === '' || name === 'localhost' || /^[\d.]+$/.test(name) || name.startsWith('[')) return undefined;
  const local = /^(.+?)(?:\.s3)?\.localhost$/.exec(name);
  if (local) return local[1];
  const regional = /^(.+?)\.s3[.-]/.exec(name);
  return regional?.[1];
}

export function parseS3Target(rawPath: string, host: string | undefined): S3Target {
  const decode = (segment: string): string => {
    try {
      return decodeURIComponent(segment);
    } catch {
      throw new AwsError('InvalidURI', `Couldn't parse the specified URI: ${rawPath}`, 400);
    }
  };
  const path = rawPath.startsWith('/') ? rawPath.slice(1) : rawPath;
  const hostedBucket = virtualHostBucket(host);
  if (hostedBucket !== undefined) {
    return path === '' ? { bucket: hostedBucket } : { bucket: hostedBucket, key: decode(path) };
  }
  if (path === '') return {};
  const slash = path.indexOf('/');
  if (slash < 0) return { bucket: decode(path) };
  const key = path.slice(slash + 1);
  return key === '' ? { bucket: decode(path.slice(0, slash)) } : { bucket: decode(path.slice(0, slash)), key: decode(key) };
}

function unsupported(operation: string): AwsError {
  return new AwsError('NotImplemented', `The local stack does not implement S3 operation ${operation}`, 501);
}

export function resolveS3Operation(
  method: string,
  target: S3Target,
  query: URLSearchParams,
  headers: IncomingHttpHeaders,
): ResolvedOperation {
  const has = (name: string): boolean => query.has(name);
  for (const name of UNSUPPORTED_SUBRESOURCES) if (has(name)) throw unsupported(`${method} ?${name}`);

  if (target.bucket === undefined) {
    if (method === 'GET') return { operation: 'ListBuckets' };
    throw unsupported(`${method} /`);
  }

  if (target.key === undefined) {
    const document = Object.keys(BUCKET_DOCUMENTS).find(has);
    if (document !== undefined) {
      if (method === 'PUT') return { operation: 'PutBucketDocument', document };
      if (method === 'GET') return { operation: 'GetBucketDocument', document };
      if (method === 'DELETE') return { operation: 'DeleteBucketDocument', document };
    }
    switch (method) {
      case 'PUT':
        if (has('versioning')) return { operation: 'PutBucketVersioning' };
        if (has('notification')) return { operation: 'PutBucketNotificationConfiguration' };
        if (has('acl')) return { operation: 'PutBucketAcl' };
        return { operation: 'CreateBucket' };
      case 'GET':
        if (has('location')) return { operation: 'GetBucketLocation' };
        if (has('versioning')) return { operation: 'GetBucketVersioning' };
        if (has('notification')) return { operation: 'GetBucketNotificationConfiguration' };
        if (has('acl')) return { operation: 'GetBucketAcl' };
        if (has('uploads')) return { operation: 'ListMultipartUploads' };
        if (has('versions')) return { operation: 'ListObjectVersions' };
        if (query.get('list-type') === '2') return { operation: 'ListObjectsV2' };
        return { operation: 'ListObjects' };
      case 'HEAD':
        return { operation: 'HeadBucket' };
      case 'DELETE':
        return { operation: 'DeleteBucket' };
      case 'POST':
        if (has('delete')) return { operation: 'DeleteObjects' };
        break;
      default:
        break;
    }
    throw unsupported(`${method} /${target.bucket}${query.size > 0 ? `?${query.toString()}` : ''}`);
  }

  const copySource = headers['x-amz-copy-source'] !== undefined;
  switch (method) {
    case 'PUT':
      if (has('uploadId') && has('partNumber')) return { operation: copySource ? 'UploadPartCopy' : 'UploadPart' };
      if (has('tagging')) return { operation: 'PutObjectTagging' };
      if (has('acl')) return { operation: 'PutObjectAcl' };
      return { operation: copySource ? 'CopyObject' : 'PutObject' };
    case 'GET':
      if (has('uploadId')) return { operation: 'ListParts' };
      if (has('tagging')) return { operation: 'GetObjectTagging' };
      if (has('acl')) return { operation: 'GetObjectAcl' };
      return { operation: 'GetObject' };
    case 'HEAD':
      return { operation: 'HeadObject' };
    case 'DELETE':
      if (has('uploadId')) return { operation: 'AbortMultipartUpload' };
      if (has('tagging')) return { operation: 'DeleteObjectTagging' };
      return { operation: 'DeleteObject' };
    case 'POST':
      if (has('uploads')) return { operation: 'CreateMultipartUpload' };
      if (has('uploadId')) return { operation: 'CompleteMultipartUpload' };
      break;
    default:
      break;
  }
  throw unsupported(`${method} /${target.bucket}/${target.key}`);
}
