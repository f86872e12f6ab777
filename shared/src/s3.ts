import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';

/** An object as a listing describes it. */
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
 * permission for the key itself S3 answers HeadObject and GetObject on a missing key with 403, not 404.
 */
export async function findObject(s3: S3Client, bucket: string, key: string): Promise<ObjectSummary | undefined> {
  // A key sorts before every longer key it prefixes, so if it exists it is the first result.
  const listing = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key, MaxKeys: 1 }));
  const first = listing.Contents?.[0];
  return first?.Key === key ? summary(first) : undefined;
}

/** Whether `key` exists (see findObject: by listing). */
export async function objectExists(s3: S3Client, bucket: string, key: string): Promise<boolean> {
  return (await findObject(s3, bucket, key)) !== undefined;
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

/** An object's content as UTF-8 text. */
export async function readText(s3: S3Client, bucket: string, key: string): Promise<string> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await object.Body?.transformToString('utf-8')) ?? '';
}
