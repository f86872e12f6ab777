export interface S3Location {
  bucket: string;
  key: string;
}

export const s3Uri = (bucket: string, key: string): string => `s3://${bucket}/${key}`;

/** Splits `s3://bucket/key/part` into bucket and key (the key may be empty or a prefix ending in `/`). */
export function parseS3Uri(uri: string): S3Location {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match) throw new Error(`not an s3:// URI: ${uri}`);
  return { bucket: match[1]!, key: match[2]! };
}
