import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';

export interface ObjectSample {
  bytes: Uint8Array;
  /** True when the object is longer than the sample. */
  truncated: boolean;
  etag: string;
  lastModified: Date | undefined;
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
    lastModified: object.LastModified,
    contentType: object.ContentType,
    contentEncoding: object.ContentEncoding,
  };
}

/** CopyObject's CopySource: bucket and URL-encoded key (slashes kept). */
export const copySource = (bucket: string, key: string): string =>
  `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
