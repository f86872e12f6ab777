/** What every S3 operation handler gets: the parsed request target and the provider's services. */
import type { LocalStackLogger } from '../../../core/logger';
import type { AwsRequest, AwsResponse } from '../../../core/types';
import type { S3EventNotifier } from '../model/events';
import type { MultipartStore } from '../model/multipart-store';
import type { S3Operation } from '../routes';
import type { S3Store } from '../model/store';

export interface OperationContext {
  request: AwsRequest;
  /** Empty for ListBuckets. */
  bucket: string;
  /** Empty for bucket operations. */
  key: string;
  /** For the bucket-document operations: which document (`policy`, `encryption`, ...). */
  document?: string;
}

export type OperationHandler = (context: OperationContext) => Promise<AwsResponse>;

export type OperationTable = Partial<Record<S3Operation, OperationHandler>>;

export interface S3Services {
  objects: S3Store;
  uploads: MultipartStore;
  notifier: S3EventNotifier;
  logger: LocalStackLogger;
}
