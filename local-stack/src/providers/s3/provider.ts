/**
 * S3 over REST-XML: resolves each request to an operation and runs its handler against the
 * stores; also the in-process ObjectStore other providers use. Creations and deletions in buckets
 * with EventBridge notifications enabled are published through the injected EventPublisher.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { silentLogger, type LocalStackLogger } from '../../core/logger';
import { declareOperations } from '../../core/operations';
import {
  ACCOUNT_ID,
  type AwsRequest,
  type AwsRequestHead,
  type AwsResponse,
  type EventPublisher,
  type ObjectStore,
  type OperationDeclarations,
  type Provider,
} from '../../core/types';
import { DEFAULT_CHECKSUM_ALGORITHM } from './model/checksums';
import { S3EventNotifier } from './model/events';
import { header } from './http-semantics';
import { parseLifecycleConfiguration } from './lifecycle';
import { LifecycleEngine } from './model/lifecycle-engine';
import type { ObjectRecord } from './model/types';
import { MultipartStore } from './model/multipart-store';
import { bucketOperations } from './operations/buckets';
import type { OperationHandler, S3Services } from './operations/context';
import { listingOperations } from './operations/listings';
import { multipartOperations } from './operations/multipart';
import { objectOperations } from './operations/objects';
import { checkKeyLength } from './request-parsing';
import { quotedEtag } from './responses';
import { parseS3Target, resolveS3Operation, type S3Operation } from './routes';
import { S3Store } from './model/store';

export interface S3ProviderOptions {
  /** The stack's state directory; S3 keeps its state under `<stateDir>/s3/`. */
  stateDir: string;
  /** Where `Object Created` / `Object Deleted` go for buckets with EventBridge notifications. */
  events?: EventPublisher;
  logger?: LocalStackLogger;
  /** How lifecycle rules are applied (model/lifecycle-engine.ts): the interval of evaluations and the clock. */
  lifecycle?: { intervalMs?: number; now?: () => Date };
}

export class S3Provider implements Provider, ObjectStore {
  readonly signingNames = ['s3'] as const;
  readonly protocol = 'rest-xml' as const;
  readonly operations: OperationDeclarations<S3Operation>;
  readonly store: S3Store;
  /** Applies the buckets' lifecycle rules at start and on a timer; `evaluate(at)` applies them as of any time. */
  readonly lifecycle: LifecycleEngine;
  private readonly notifier: S3EventNotifier;
  private readonly handlers: Record<S3Operation, OperationHandler>;

  constructor(options: S3ProviderOptions) {
    const logger = options.logger ?? silentLogger;
    this.store = new S3Store(join(options.stateDir, 's3'), logger);
    this.notifier = new S3EventNotifier(this.store, options.events, logger);
    const services: S3Services = { objects: this.store, uploads: new MultipartStore(this.store), notifier: this.notifier, logger };
    this.lifecycle = new LifecycleEngine({ store: this.store, uploads: services.uploads, notifier: this.notifier, logger, parseRules: parseLifecycleConfiguration, ...options.lifecycle });
    this.handlers = {
      ...bucketOperations(services),
      ...listingOperations(services),
      ...objectOperations(services),
      ...multipartOperations(services),
    };
    this.operations = declareOperations(this.handlers, { protocols: ['rest-xml'] });
  }

  async start(): Promise<void> {
    await this.store.ready();
    await this.lifecycle.start();
  }

  async stop(): Promise<void> {
    await this.lifecycle.stop();
  }

  /** PutObject and UploadPart bodies go to disk as they arrive instead of being buffered. */
  streamsRequestBody(request: AwsRequestHead): boolean {
    if (request.method !== 'PUT') return false;
    try {
      const target = parseS3Target(request.rawPath, header(request.headers, 'host'));
      const { operation } = resolveS3Operation(request.method, target, request.query, request.headers);
      return operation === 'PutObject' || operation === 'UploadPart';
    } catch {
      return false;
    }
  }

  async handle(request: AwsRequest): Promise<AwsResponse> {
    await this.store.ready();
    const target = parseS3Target(request.rawPath, header(request.headers, 'host'));
    const { operation, document } = resolveS3Operation(request.method, target, request.query, request.headers);
    if (target.key !== undefined) checkKeyLength(target.key);
    return this.handlers[operation]({ request, bucket: target.bucket ?? '', key: target.key ?? '', document });
  }

  // ---- ObjectStore ----

  async listKeys(bucket: string, prefix: string): Promise<string[]> {
    await this.store.ready();
    return this.store.sortedKeys(bucket).filter((key) => key.startsWith(prefix));
  }

  async readObject(bucket: string, key: string): Promise<Readable> {
    await this.store.ready();
    const { handle } = await this.store.openObject(bucket, key);
    return handle.createReadStream();
  }

  /** The file stays valid until the object is overwritten or deleted. */
  async objectPath(bucket: string, key: string): Promise<string> {
    await this.store.ready();
    return this.store.dataPath(bucket, this.store.objectRecord(bucket, key));
  }

  /** Behaves as PutObject (including its event); the ETag is quoted, as PutObject returns it. */
  async writeObject(bucket: string, key: string, body: Buffer | Readable): Promise<{ etag: string }> {
    await this.store.ready();
    checkKeyLength(key);
    const staged = await this.store.stageStream(bucket, Buffer.isBuffer(body) ? Readable.from([body]) : body, DEFAULT_CHECKSUM_ALGORITHM);
    let record: ObjectRecord;
    try {
      // As S3 keeps for an upload without a checksum: its CRC64NVME.
      const checksum = { algorithm: DEFAULT_CHECKSUM_ALGORITHM, value: staged.computedChecksum ?? '', type: 'FULL_OBJECT' as const };
      record = await this.store.commit(bucket, key, { ...staged, checksum }, {
        contentType: 'binary/octet-stream',
        contentHeaders: {},
        userMetadata: {},
        tags: {},
      });
    } catch (error) {
      await this.store.discardStaged(bucket, staged);
      throw error;
    }
    const context = this.notifier.contextOf({ accountId: ACCOUNT_ID, requestId: randomUUID(), sourceIp: '127.0.0.1' }, bucket);
    await this.notifier.created(context, record, 'PutObject');
    return { etag: quotedEtag(record.etag) };
  }
}
