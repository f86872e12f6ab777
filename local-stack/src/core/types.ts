/**
 * The contract between the local stack's HTTP router and its service providers.
 * One provider per AWS service (as in LocalStack and moto): it owns its state (kept under
 * `<stateDir>/<service>/`), speaks its service's wire protocol, and answers AWS error codes.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { Principal } from './credentials';

export const ACCOUNT_ID = '000000000000';

export interface AwsRequest {
  method: string;
  /** Decoded path without the query string, e.g. `/my-bucket/incoming/a.csv`. */
  path: string;
  /** The raw (still percent-encoded) path, for providers that must split it themselves. */
  rawPath: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** Request body, fully read (size-limited by the router). */
  body: Buffer;
  /** SigV4 signing name from the Authorization header's credential scope (`s3`, `sqs`, `events`, ...). */
  service: string;
  region: string;
  accountId: string;
  requestId: string;
  /**
   * Set instead of `body` (which is then empty) when the provider asked for a streamed body
   * through `Provider.streamsRequestBody`: already decoded from aws-chunked and size-limited.
   */
  bodyStream?: Readable;
  /** aws-chunked trailing headers (e.g. `x-amz-checksum-crc32`), complete once the body has been read. */
  trailers?: Record<string, string>;
  /** The client's address, as S3 events report it. */
  sourceIp?: string;
  /** Who signed the request (verified by the server before dispatch: core/authentication.ts). */
  caller: Principal;
}

/** A request before its body is read: what a provider sees when asked whether it streams the body. */
export type AwsRequestHead = Omit<AwsRequest, 'body' | 'bodyStream' | 'trailers'>;

/** The wire protocols AWS services speak; the router serialises errors in the provider's protocol. */
export type AwsProtocol = 'json' | 'query' | 'rest-xml' | 'rest-json';

export interface AwsResponse {
  status: number;
  headers?: Record<string, string | number>;
  body?: Buffer | string | Readable;
}

/**
 * What a provider declares about one operation it answers, keyed by the operation's AWS name (as
 * botocore's service models name it). The router and service resolution read it; per-operation
 * metadata (for example the IAM action and resource an operation needs) belongs here too, as an
 * optional field the providers fill with `declareOperations`' per-operation details.
 */
export interface OperationDeclaration {
  /** The wire protocols the operation is answered in. */
  readonly protocols: readonly AwsProtocol[];
  /** For the awsJson protocols: the `X-Amz-Target` prefix (`AmazonSQS` in `AmazonSQS.SendMessage`). */
  readonly jsonTargetPrefix?: string;
}

export type OperationDeclarations<Name extends string = string> = Readonly<Record<Name, OperationDeclaration>>;

export interface Provider {
  /** Signing names this provider answers for (e.g. `['sagemaker']`); the first is its own. */
  readonly signingNames: readonly string[];
  /** Every operation the provider answers (see `declareOperations`). */
  readonly operations: OperationDeclarations;
  handle(request: AwsRequest): Promise<AwsResponse>;
  /** The protocol errors are serialised in; inferred from each request when absent. */
  readonly protocol?: AwsProtocol;
  /**
   * True when this request's body should reach `handle` as `bodyStream` rather than a buffer
   * (S3 PutObject and UploadPart: large bodies go to disk without being held in memory).
   */
  streamsRequestBody?(request: AwsRequestHead): boolean;
  /** Called once when the stack starts, after state is loaded; may resume or fail interrupted work. */
  start?(): Promise<void>;
  /** Called on shutdown: stop timers and child processes, flush state. */
  stop?(): Promise<void>;
}

/** An error that a provider throws to answer with an AWS error code and HTTP status. */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    /** Extra fields some protocols include (e.g. S3's `<BucketName>`). */
    readonly extra: Record<string, string> = {},
  ) {
    super(message);
    this.name = code;
  }
}

/** An event as EventBridge delivers it to targets. */
export interface EventBridgeEvent {
  version: '0';
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

/** What providers use to publish events on the default bus (S3, Glue, SageMaker do). */
export interface EventPublisher {
  publish(event: Omit<EventBridgeEvent, 'version' | 'id' | 'account' | 'time' | 'region'> & Partial<EventBridgeEvent>): Promise<void>;
}

/**
 * Where providers write what their functions, jobs and trainers print (CloudWatch Logs, in-process):
 * one event per call, into a group and stream created on first use, as Lambda, Glue and SageMaker do
 * on AWS. Never throws and never waits: a lost log line must not fail the work that wrote it.
 */
export interface LogSink {
  put(group: string, stream: string, message: string, timestamp?: number): void;
}

/**
 * The S3 provider's object store, for other providers that read and write objects in-process
 * (SageMaker training channels and model artifacts). Writes behave as a PutObject would,
 * including the `Object Created` event for buckets that enable EventBridge notifications.
 */
export interface ObjectStore {
  /** Keys under a prefix, in lexicographic order; throws AwsError NoSuchBucket. */
  listKeys(bucket: string, prefix: string): Promise<string[]>;
  /** Throws AwsError NoSuchBucket / NoSuchKey. */
  readObject(bucket: string, key: string): Promise<Readable>;
  /** The file holding the object's bytes, for zero-copy readers; throws like readObject. */
  objectPath(bucket: string, key: string): Promise<string>;
  writeObject(bucket: string, key: string, body: Buffer | Readable): Promise<{ etag: string }>;
}
