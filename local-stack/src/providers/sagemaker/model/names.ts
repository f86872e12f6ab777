/** SageMaker's names: ARNs (with the resource name in lower case), S3 URIs, BlazingText images. */
import { validationException } from '../errors';

/** The role session name SageMaker uses when it assumes a job's or a model's execution role. */
export const SAGEMAKER_SESSION = 'SageMaker';

/** A SageMaker resource name (botocore's EntityName): also what the records' file names are made of. */
export const NAME_PATTERN = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

/** SageMaker ARNs carry the resource name in lower case. */
export function arnFor(region: string, accountId: string, resourceType: string, name: string): string {
  return `arn:aws:sagemaker:${region}:${accountId}:${resourceType}/${name.toLowerCase()}`;
}

/** `s3://bucket/prefix` split into bucket and key prefix. */
export function parseS3Uri(uri: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!match) throw validationException(`${uri} is not an s3:// URI`);
  return { bucket: match[1]!, key: match[2]! };
}

/** The repository part of an image URI: `<registry>/<repository>[:tag|@digest]`. */
export function imageRepository(image: string): string {
  const withoutDigest = image.split('@', 1)[0]!;
  const slash = withoutDigest.indexOf('/');
  const path = slash < 0 ? withoutDigest : withoutDigest.slice(slash + 1);
  const colon = path.lastIndexOf(':');
  return colon < 0 ? path : path.slice(0, colon);
}

export function isBlazingTextImage(image: string): boolean {
  return imageRepository(image) === 'blazingtext';
}
