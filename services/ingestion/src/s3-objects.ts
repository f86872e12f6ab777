import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';

export interface ObjectSummary {
  key: string;
  size: number;
  etag: string;
  lastModified: Date | undefined;
}

const summary = (item: { Key?: string; Size?: number; ETag?: string; LastModified?: Date }): ObjectSummary => ({
  key: item.Key ?? '',
  size: item.Size ?? 0,
  etag: item.ETag ?? '',
  lastModified: item.LastModified,
});

/**
 * The object at `key`, or undefined if there is none. Found by listing rather than HeadObject: the
 * functions may list only under their own prefixes (an s3:prefix condition), and without list
 * permission S3 answers HeadObject on a missing key with 403, not 404.
 */
export async function findObject(s3: S3Client, bucket: string, key: string): Promise<ObjectSummary | undefined> {
  // A key sorts before every longer key it prefixes, so if it exists it is the first result.
  const listing = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key, MaxKeys: 1 }));
  const first = listing.Contents?.[0];
  return first?.Key === key ? summary(first) : undefined;
}

/** Every object under a prefix. */
export async function listObjects(s3: S3Client, bucket: string, prefix: string): Promise<ObjectSummary[]> {
  const objects: ObjectSummary[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    objects.push(...(page.Contents ?? []).map(summary));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return objects;
}

export interface ObjectSample {
  bytes: Uint8Array;
  /** True when the object is longer than the sample. */
  truncated: boolean;
  etag: string;
  contentType: string | undefined;
  contentEncoding: string | undefined;
}

/** The first `length` bytes of a non-empty object, without downloading the rest. */
export async function readSample(s3: S3Client, bucket: string, key: string, length: number): Promise<ObjectSample> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=0-${length - 1}` }));
  const bytes = (await object.Body?.transformToByteArray()) ?? new Uint8Array();
  const total = Number(/\/(\d+)$/.exec(object.ContentRange ?? '')?.[1] ?? bytes.length);
  return {
    bytes,
    truncated: total > bytes.length,
    etag: object.ETag ?? '',
    contentType: object.ContentType,
    contentEncoding: object.ContentEncoding,
  };
}

/** CopyObject's CopySource: bucket and URL-encoded key (slashes kept). */
export const copySource = (bucket: string, key: string): string =>
  `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
