/**
 * Bucket configurations S3 keeps as documents (policy, encryption, public access block, ...):
 * stored as put, returned on GET, removed on DELETE. The local stack accepts and keeps them; it
 * does not enforce them, except the lifecycle configuration (checked on PUT by lifecycle.ts, applied by
 * model/lifecycle-engine.ts).
 */
import { S3_XMLNS } from './responses';

export interface BucketDocumentKind {
  /** GET on an unset configuration: an AWS error, or the default document S3 returns. */
  whenUnset: { error: readonly [code: string, message: string] } | { document: string };
  format: 'xml' | 'json';
}

export const BUCKET_DOCUMENTS: Readonly<Record<string, BucketDocumentKind>> = {
  policy: { format: 'json', whenUnset: { error: ['NoSuchBucketPolicy', 'The bucket policy does not exist'] } },
  publicAccessBlock: {
    format: 'xml',
    whenUnset: { error: ['NoSuchPublicAccessBlockConfiguration', 'The public access block configuration was not found'] },
  },
  encryption: {
    format: 'xml',
    whenUnset: {
      document: `<ServerSideEncryptionConfiguration xmlns="${S3_XMLNS}"><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault><BucketKeyEnabled>false</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>`,
    },
  },
  tagging: { format: 'xml', whenUnset: { error: ['NoSuchTagSet', 'The TagSet does not exist'] } },
  ownershipControls: {
    format: 'xml',
    whenUnset: { error: ['OwnershipControlsNotFoundError', 'The bucket ownership controls were not found'] },
  },
  cors: { format: 'xml', whenUnset: { error: ['NoSuchCORSConfiguration', 'The CORS configuration does not exist'] } },
  lifecycle: {
    format: 'xml',
    whenUnset: { error: ['NoSuchLifecycleConfiguration', 'The lifecycle configuration does not exist'] },
  },
  website: {
    format: 'xml',
    whenUnset: { error: ['NoSuchWebsiteConfiguration', 'The specified bucket does not have a website configuration'] },
  },
  logging: { format: 'xml', whenUnset: { document: `<BucketLoggingStatus xmlns="${S3_XMLNS}"/>` } },
  accelerate: {
    format: 'xml',
    whenUnset: { document: `<AccelerateConfiguration xmlns="${S3_XMLNS}"/>` },
  },
  requestPayment: {
    format: 'xml',
    whenUnset: { document: `<RequestPaymentConfiguration xmlns="${S3_XMLNS}"><Payer>BucketOwner</Payer></RequestPaymentConfiguration>` },
  },
  'object-lock': {
    format: 'xml',
    whenUnset: { error: ['ObjectLockConfigurationNotFoundError', 'Object Lock configuration does not exist for this bucket'] },
  },
  replication: {
    format: 'xml',
    whenUnset: { error: ['ReplicationConfigurationNotFoundError', 'The replication configuration was not found'] },
  },
};

