/** Helpers for this service's unit tests. */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { GlueClient } from '@aws-sdk/client-glue';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  type CopyObjectCommandInput,
  type GetObjectCommandInput,
  type ListObjectsV2CommandInput,
  type PutObjectCommandInput,
  type S3ClientResolvedConfig,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { Logger } from '@aws-lambda-powertools/logger';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';
import type { IngestionDeps } from './ingest-drop';

export const GLUE_JOB = 'ml-pipeline-test-preprocess';
export const RECHECK_QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/ml-pipeline-ingestion-test-rechecks';

/**
 * Mocked S3, Glue, EventBridge and SQS clients, and `deps()` building the functions' dependencies on them
 * for the data bucket `bucket` at time `now`. Call at the top of a test file; the mocks are reset before each test.
 */
export function mockedIngestion(bucket: string, now: Date | (() => Date) = new Date(), options: { classesWaitSeconds?: number } = {}) {
  const s3 = mockClient(S3Client);
  const glue = mockClient(GlueClient);
  const eventBridge = mockClient(EventBridgeClient);
  const sqs = mockClient(SQSClient);
  const clock = typeof now === 'function' ? now : () => now;
  const deps = (): IngestionDeps => ({
    s3: new S3Client({}),
    glue: new GlueClient({}),
    eventBridge: new EventBridgeClient({}),
    sqs: new SQSClient({}),
    config: { stage: 'test', dataBucket: bucket, glueJobName: GLUE_JOB, classesWaitSeconds: options.classesWaitSeconds ?? 600, recheckQueueUrl: RECHECK_QUEUE, retrainSchedule: 'none' },
    logger: new Logger({ logLevel: 'SILENT' }),
    now: clock,
  });
  beforeEach(() => {
    s3.reset();
    glue.reset();
    eventBridge.reset();
    sqs.reset();
  });
  return { s3, glue, eventBridge, sqs, deps };
}

export interface FakeObject {
  body: Uint8Array;
  etag: string;
  lastModified: Date;
  metadata: Record<string, string>;
  contentType?: string;
  /** What listings say the size is, when not the body's (an object too large to make in a test). */
  size?: number;
}

const s3Error = (name: string, status: number) =>
  new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status }, message: name });

const md5Etag = (body: Uint8Array): string => `"${createHash('md5').update(body).digest('hex')}"`;

/**
 * One S3 bucket in memory behind a mocked S3 client: listings, ranged and conditional reads, copies, conditional
 * writes and deletes, as the ingestion functions use them. Objects are stamped with `clock()` to the second, as S3
 * does. For tests of what a sequence of drops leaves in the bucket.
 */
export class FakeBucket {
  readonly objects = new Map<string, FakeObject>();

  constructor(
    readonly name: string,
    private readonly clock: () => Date,
  ) {}

  put(key: string, body: string | Uint8Array, extra: Partial<Omit<FakeObject, 'body'>> = {}): FakeObject {
    const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
    const at = new Date(Math.floor(this.clock().getTime() / 1000) * 1000);
    const object: FakeObject = { body: bytes, etag: md5Etag(bytes), lastModified: at, metadata: {}, ...extra };
    this.objects.set(key, object);
    return object;
  }

  text(key: string): string {
    const object = this.objects.get(key);
    if (!object) throw new Error(`no object ${key}`);
    return new TextDecoder().decode(object.body);
  }

  keys(prefix = ''): string[] {
    return [...this.objects.keys()].filter((key) => key.startsWith(prefix)).sort();
  }

  install(stub: AwsStub<ServiceInputTypes, ServiceOutputTypes, S3ClientResolvedConfig>): void {
    stub.on(ListObjectsV2Command).callsFake((input: ListObjectsV2CommandInput) => {
      const keys = this.keys(input.Prefix ?? '').slice(0, input.MaxKeys ?? 1000);
      const contents = keys.map((Key) => {
        const object = this.objects.get(Key)!;
        return { Key, Size: object.size ?? object.body.length, ETag: object.etag, LastModified: object.lastModified };
      });
      return { Contents: contents, KeyCount: contents.length, IsTruncated: false };
    });
    stub.on(GetObjectCommand).callsFake((input: GetObjectCommandInput) => {
      const object = this.found(input.Key!);
      if (input.IfMatch && input.IfMatch !== object.etag) throw s3Error('PreconditionFailed', 412);
      const range = /^bytes=(\d+)-(\d+)$/.exec(input.Range ?? '');
      const bytes = range ? object.body.subarray(Number(range[1]), Number(range[2]) + 1) : object.body;
      const body = Object.assign(Readable.from([Buffer.from(bytes)]), {
        transformToByteArray: async () => bytes,
        transformToString: async () => new TextDecoder().decode(bytes),
      });
      return {
        Body: body,
        ETag: object.etag,
        LastModified: object.lastModified,
        ContentType: object.contentType,
        ContentRange: `bytes 0-${bytes.length - 1}/${object.body.length}`,
      };
    });
    stub.on(HeadObjectCommand).callsFake((input: { Key: string }) => {
      const object = this.found(input.Key);
      return { ETag: object.etag, Metadata: object.metadata, LastModified: object.lastModified, ContentLength: object.body.length };
    });
    stub.on(CopyObjectCommand).callsFake((input: CopyObjectCommandInput) => {
      const sourceKey = decodeURIComponent(input.CopySource!.slice(this.name.length + 1));
      const source = this.found(sourceKey);
      if (input.CopySourceIfMatch && input.CopySourceIfMatch !== source.etag) throw s3Error('PreconditionFailed', 412);
      const copy = this.put(input.Key!, source.body, {
        metadata: input.MetadataDirective === 'REPLACE' ? { ...input.Metadata } : source.metadata,
        contentType: input.ContentType ?? source.contentType,
      });
      return { CopyObjectResult: { ETag: copy.etag } };
    });
    stub.on(PutObjectCommand).callsFake((input: PutObjectCommandInput) => {
      if (input.IfNoneMatch === '*' && this.objects.has(input.Key!)) throw s3Error('PreconditionFailed', 412);
      const body = input.Body as string | Uint8Array;
      return { ETag: this.put(input.Key!, body, { contentType: input.ContentType }).etag };
    });
    stub.on(DeleteObjectCommand).callsFake((input: { Key: string }) => {
      this.objects.delete(input.Key);
      return {};
    });
  }

  private found(key: string): FakeObject {
    const object = this.objects.get(key);
    if (!object) throw s3Error('NoSuchKey', 404);
    return object;
  }
}
