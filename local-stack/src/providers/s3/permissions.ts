/**
 * What each S3 operation needs in IAM (the service authorization reference, "Actions defined by
 * Amazon S3"): actions on the bucket (`arn:aws:s3:::<bucket>`) or the object
 * (`arn:aws:s3:::<bucket>/<key>`), with S3's condition keys where the templates use them
 * (`s3:prefix`, `s3:delimiter`, `s3:max-keys` on ListBucket). Where an operation's name and its action
 * differ: ListObjects(V2) and HeadBucket are s3:ListBucket, HeadObject s3:GetObject, ListObjectVersions
 * s3:ListBucketVersions, multipart uploads s3:PutObject, CopyObject s3:GetObject on the source and
 * s3:PutObject on the target, DeleteObjects s3:DeleteObject on each key.
 */
import type { Permission } from '../../core/iam';
import type { AwsRequest } from '../../core/types';
import { childElements, childText } from '../../core/xml';
import { parseBodyXml, parseCopySource } from './request-parsing';
import type { S3Operation } from './routes';

export interface S3PermissionInput {
  readonly bucket: string;
  readonly key: string;
  readonly document?: string;
}

type S3Permissions = (input: S3PermissionInput, request: AwsRequest) => readonly Permission[];

/**
 * DeleteObjects: s3:DeleteObject on each key of the body. AWS deletes the keys it may and reports the
 * others' AccessDenied per key; the stack refuses the whole request (stricter, never a silent partial delete).
 */
const deleteObjects: S3Permissions = (input, request) => {
  const root = parseBodyXml(request, 'Delete');
  return childElements(root, 'Object').map((target) => ({ action: childText(target, 'VersionId') === undefined ? 's3:DeleteObject' : 's3:DeleteObjectVersion', resource: objectArn(input.bucket, childText(target, 'Key') ?? '') }));
};

const bucketArn = (bucket: string) => `arn:aws:s3:::${bucket}`;
const objectArn = (bucket: string, key: string) => `arn:aws:s3:::${bucket}/${key}`;

const onBucket = (action: string): S3Permissions => (input) => [{ action, resource: bucketArn(input.bucket) }];
const onObject = (action: string): S3Permissions => (input) => [{ action, resource: objectArn(input.bucket, input.key) }];
/** GetObject of a version is s3:GetObjectVersion (and the same for its tagging, ACL, deletion). */
const onObjectVersion = (action: string, versionAction: string): S3Permissions => (input, request) => [
  { action: request.query.has('versionId') ? versionAction : action, resource: objectArn(input.bucket, input.key) },
];

/** ListBucket with its condition keys, as a policy's `s3:prefix` condition reads them. */
const listBucket = (action: string): S3Permissions => (input, request) => [
  {
    action,
    resource: bucketArn(input.bucket),
    context: { 's3:prefix': request.query.get('prefix') ?? '', 's3:delimiter': request.query.get('delimiter') ?? undefined, 's3:max-keys': request.query.get('max-keys') ?? undefined },
  },
];

/** The bucket documents' actions where they are not `s3:<Verb>Bucket<Document>`. */
const DOCUMENT_ACTIONS: Readonly<Record<string, { get: string; put: string; delete?: string }>> = {
  lifecycle: { get: 's3:GetLifecycleConfiguration', put: 's3:PutLifecycleConfiguration' },
  encryption: { get: 's3:GetEncryptionConfiguration', put: 's3:PutEncryptionConfiguration' },
  replication: { get: 's3:GetReplicationConfiguration', put: 's3:PutReplicationConfiguration' },
  accelerate: { get: 's3:GetAccelerateConfiguration', put: 's3:PutAccelerateConfiguration' },
  cors: { get: 's3:GetBucketCORS', put: 's3:PutBucketCORS' },
  tagging: { get: 's3:GetBucketTagging', put: 's3:PutBucketTagging' },
  policy: { get: 's3:GetBucketPolicy', put: 's3:PutBucketPolicy', delete: 's3:DeleteBucketPolicy' },
  website: { get: 's3:GetBucketWebsite', put: 's3:PutBucketWebsite', delete: 's3:DeleteBucketWebsite' },
  publicAccessBlock: { get: 's3:GetBucketPublicAccessBlock', put: 's3:PutBucketPublicAccessBlock' },
  ownershipControls: { get: 's3:GetBucketOwnershipControls', put: 's3:PutBucketOwnershipControls' },
};

const onDocument = (verb: 'get' | 'put' | 'delete'): S3Permissions => (input) => {
  const name = input.document ?? '';
  const known = DOCUMENT_ACTIONS[name];
  const capitalized = `${name.charAt(0).toUpperCase()}${name.slice(1)}`;
  // A document without a Delete action of its own is removed with its Put action (S3's reference says so for lifecycle, encryption, ...).
  const action = known ? (verb === 'delete' ? (known.delete ?? known.put) : known[verb]) : `s3:${verb === 'get' ? 'Get' : 'Put'}Bucket${capitalized}`;
  return [{ action, resource: bucketArn(input.bucket) }];
};

/** CopyObject and UploadPartCopy: read the source, write the target. */
const copy: S3Permissions = (input, request) => {
  const header = request.headers['x-amz-copy-source'];
  const source = parseCopySource(Array.isArray(header) ? header[0] : header);
  return [
    { action: source.versionId ? 's3:GetObjectVersion' : 's3:GetObject', resource: objectArn(source.bucket, source.key) },
    { action: 's3:PutObject', resource: objectArn(input.bucket, input.key) },
  ];
};

export const S3_PERMISSIONS: { readonly [Name in S3Operation]: S3Permissions } = {
  ListBuckets: () => [{ action: 's3:ListAllMyBuckets', resource: '*' }],
  CreateBucket: onBucket('s3:CreateBucket'),
  HeadBucket: onBucket('s3:ListBucket'),
  DeleteBucket: onBucket('s3:DeleteBucket'),
  ListObjects: listBucket('s3:ListBucket'),
  ListObjectsV2: listBucket('s3:ListBucket'),
  ListObjectVersions: listBucket('s3:ListBucketVersions'),
  ListMultipartUploads: onBucket('s3:ListBucketMultipartUploads'),
  GetBucketLocation: onBucket('s3:GetBucketLocation'),
  GetBucketVersioning: onBucket('s3:GetBucketVersioning'),
  PutBucketVersioning: onBucket('s3:PutBucketVersioning'),
  GetBucketNotificationConfiguration: onBucket('s3:GetBucketNotification'),
  PutBucketNotificationConfiguration: onBucket('s3:PutBucketNotification'),
  GetBucketAcl: onBucket('s3:GetBucketAcl'),
  PutBucketAcl: onBucket('s3:PutBucketAcl'),
  GetBucketDocument: onDocument('get'),
  PutBucketDocument: onDocument('put'),
  DeleteBucketDocument: onDocument('delete'),
  DeleteObjects: deleteObjects,
  PutObject: onObject('s3:PutObject'),
  CopyObject: copy,
  GetObject: onObjectVersion('s3:GetObject', 's3:GetObjectVersion'),
  HeadObject: onObjectVersion('s3:GetObject', 's3:GetObjectVersion'),
  DeleteObject: onObjectVersion('s3:DeleteObject', 's3:DeleteObjectVersion'),
  GetObjectTagging: onObjectVersion('s3:GetObjectTagging', 's3:GetObjectVersionTagging'),
  PutObjectTagging: onObjectVersion('s3:PutObjectTagging', 's3:PutObjectVersionTagging'),
  DeleteObjectTagging: onObjectVersion('s3:DeleteObjectTagging', 's3:DeleteObjectVersionTagging'),
  GetObjectAcl: onObjectVersion('s3:GetObjectAcl', 's3:GetObjectVersionAcl'),
  PutObjectAcl: onObjectVersion('s3:PutObjectAcl', 's3:PutObjectVersionAcl'),
  CreateMultipartUpload: onObject('s3:PutObject'),
  UploadPart: onObject('s3:PutObject'),
  UploadPartCopy: copy,
  CompleteMultipartUpload: onObject('s3:PutObject'),
  AbortMultipartUpload: onObject('s3:AbortMultipartUpload'),
  ListParts: onObject('s3:ListMultipartUploadParts'),
};
