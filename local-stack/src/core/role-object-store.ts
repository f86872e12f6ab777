/**
 * The S3 provider's in-process ObjectStore as seen by a service acting with a role (SageMaker
 * reading training channels and writing model artifacts, SageMaker hosting reading model data): each
 * call is authorized as a session of the role first, with the action and resource AWS's S3 evaluates
 * (listing as s3:ListBucket on the bucket with `s3:prefix`, reads as s3:GetObject, writes as
 * s3:PutObject on the object). A refusal is S3's AccessDenied naming the role session.
 */
import type { RoleAuthorizationPort } from './credentials';
import type { ObjectStore } from './types';

/** s3:GetObject of `s3://bucket/key` as a session of the role (nothing to check without a port or a role). */
export function authorizeRoleRead(authorize: RoleAuthorizationPort | undefined, roleArn: string | undefined, sessionName: string, bucket: string, key: string): void {
  if (authorize !== undefined && roleArn !== undefined) authorize(roleArn, sessionName, 's3', 's3:GetObject', `arn:aws:s3:::${bucket}/${key}`);
}

export function roleObjectStore(objects: ObjectStore, authorize: RoleAuthorizationPort | undefined, roleArn: string | undefined, sessionName: string): ObjectStore {
  if (authorize === undefined || roleArn === undefined) return objects;
  const check = (action: string, resource: string, context?: Record<string, string>) => authorize(roleArn, sessionName, 's3', action, resource, context);
  return {
    listKeys: async (bucket, prefix) => {
      check('s3:ListBucket', `arn:aws:s3:::${bucket}`, { 's3:prefix': prefix });
      return objects.listKeys(bucket, prefix);
    },
    readObject: async (bucket, key) => {
      check('s3:GetObject', `arn:aws:s3:::${bucket}/${key}`);
      return objects.readObject(bucket, key);
    },
    objectPath: async (bucket, key) => {
      check('s3:GetObject', `arn:aws:s3:::${bucket}/${key}`);
      return objects.objectPath(bucket, key);
    },
    writeObject: async (bucket, key, body) => {
      check('s3:PutObject', `arn:aws:s3:::${bucket}/${key}`);
      return objects.writeObject(bucket, key, body);
    },
  };
}
