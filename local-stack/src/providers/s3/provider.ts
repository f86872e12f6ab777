/**
 * S3 over REST-XML: parses each request into an operation, runs it against the S3Store, and
 * writes S3's XML and headers. Also the in-process ObjectStore other providers use. Object
 * creations and deletions in buckets with EventBridge notifications enabled are published.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { silentLogger, type LocalStackLogger } from '../../core/logger';
import {
  ACCOUNT_ID,
  AwsError,
  type AwsRequest,
  type AwsRequestHead,
  type AwsResponse,
  type EventPublisher,
  type ObjectStore,
  type Provider,
} from '../../core/types';
import { childElement, childElements, childText, el, localName, optionalEl, parseXml, XmlParseError, type XmlElement } from '../../core/xml';
import {
  checksumHeader,
  parseChecksumAlgorithm,
  requestedChecksum,
  verifyChecksum,
  verifyContentMd5,
  type StoredChecksum,
} from './checksums';
import { publishObjectCreated, publishObjectDeleted, type CreationReason, type EventContext } from './events';
import {
  STORED_CONTENT_HEADERS,
  evaluateReadConditions,
  header,
  parseRange,
  parseTaggingHeader,
  userMetadataFrom,
  type StoredContentHeader,
} from './http-semantics';
import { decodeContinuationToken, encodeContinuationToken, listPage, parseMaxKeys } from './listing';
import { isDeleteMarker, type ObjectAttributes, type ObjectRecord, type WriteConditions } from './model';
import {
  accessControlPolicyXml,
  bucketXml,
  contentsXml,
  deleteMarkerXml,
  emptyResponse,
  keyEncoder,
  objectHeaders,
  ownerXml,
  partXml,
  quotedEtag,
  S3_XMLNS,
  tagSetXml,
  uploadXml,
  versionXml,
  xmlResponse,
  xmlTime,
} from './responses';
import { BUCKET_DOCUMENTS, parseS3Target, resolveS3Operation, type S3Operation, type S3Target } from './routes';
import { MAX_PART_NUMBER, S3Store } from './store';

export interface S3ProviderOptions {
  /** The stack's state directory; S3 keeps its state under `<stateDir>/s3/`. */
  stateDir: string;
  /** Where `Object Created` / `Object Deleted` go for buckets with EventBridge notifications. */
  events?: EventPublisher;
  logger?: LocalStackLogger;
}

const MAX_KEY_BYTES = 1024;
const MAX_DELETE_OBJECTS = 1000;

interface OperationContext {
  request: AwsRequest;
  bucket: string;
  key: string;
  document?: string;
}

type OperationHandler = (context: OperationContext) => Promise<AwsResponse>;

function malformedXml(): AwsError {
  return new AwsError(
    'MalformedXML',
    'The XML you provided was not well-formed or did not validate against our published schema',
    400,
  );
}

function parseBodyXml(request: AwsRequest, rootName?: string): XmlElement {
  let root: XmlElement;
  try {
    root = parseXml(request.body.toString('utf8'));
  } catch (error) {
    if (error instanceof XmlParseError) throw malformedXml();
    throw error;
  }
  if (rootName !== undefined && localName(root) !== rootName) throw malformedXml();
  return root;
}

function attributesFrom(headers: AwsRequest['headers']): ObjectAttributes {
  const contentHeaders: Partial<Record<StoredContentHeader, string>> = {};
  for (const name of STORED_CONTENT_HEADERS) {
    const value = header(headers, name);
    if (value !== undefined && value !== '') contentHeaders[name] = value;
  }
  return {
    contentType: header(headers, 'content-type') ?? 'binary/octet-stream',
    contentHeaders,
    userMetadata: userMetadataFrom(headers),
    tags: parseTaggingHeader(header(headers, 'x-amz-tagging')) ?? {},
  };
}

function writeConditions(headers: AwsRequest['headers']): WriteConditions {
  const ifNoneMatch = header(headers, 'if-none-match');
  if (ifNoneMatch !== undefined && ifNoneMatch.trim() !== '*') {
    throw new AwsError('NotImplemented', 'If-None-Match on writes supports only "*"', 501, { Header: 'If-None-Match' });
  }
  return {
    ...(ifNoneMatch !== undefined ? { ifNoneMatchAny: true } : {}),
    ...(header(headers, 'if-match') !== undefined ? { ifMatch: header(headers, 'if-match') } : {}),
  };
}

function parsePartNumber(value: string | null): number {
  const number = Number(value);
  if (value === null || !/^\d+$/.test(value) || number < 1 || number > MAX_PART_NUMBER) {
    throw new AwsError('InvalidArgument', 'Part number must be an integer between 1 and 10000, inclusive', 400, {
      ArgumentName: 'partNumber',
      ArgumentValue: value ?? '',
    });
  }
  return number;
}

interface CopySource {
  bucket: string;
  key: string;
  versionId?: string;
}

/** `x-amz-copy-source: [/]bucket/key[?versionId=id]`, URL-encoded. */
function parseCopySource(value: string | undefined): CopySource {
  const invalid = (): AwsError => new AwsError('InvalidArgument', 'Invalid copy source object key', 400, { ArgumentName: 'x-amz-copy-source' });
  if (value === undefined) throw invalid();
  const [path = '', query] = value.split('?', 2);
  let decoded: string;
  try {
    decoded = decodeURIComponent(path.replace(/^\//, ''));
  } catch {
    throw invalid();
  }
  const slash = decoded.indexOf('/');
  if (slash <= 0 || slash === decoded.length - 1) throw invalid();
  const versionId = query === undefined ? undefined : new URLSearchParams(query).get('versionId') ?? undefined;
  return { bucket: decoded.slice(0, slash), key: decoded.slice(slash + 1), ...(versionId ? { versionId } : {}) };
}

function checkKey(key: string): void {
  if (Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) {
    throw new AwsError('KeyTooLongError', 'Your key is too long', 400, { MaxSizeAllowed: String(MAX_KEY_BYTES) });
  }
}

function checksumResponseHeaders(checksum: StoredChecksum | undefined): Record<string, string> {
  return checksum ? { [checksumHeader(checksum.algorithm)]: checksum.value } : {};
}

export class S3Provider implements Provider, ObjectStore {
  readonly signingNames = ['s3'] as const;
  readonly protocol = 'rest-xml' as const;
  readonly store: S3Store;
  private readonly events: EventPublisher | undefined;
  private readonly logger: LocalStackLogger;

  constructor(options: S3ProviderOptions) {
    this.logger = options.logger ?? silentLogger;
    this.store = new S3Store(join(options.stateDir, 's3'), this.logger);
    this.events = options.events;
  }

  async start(): Promise<void> {
    await this.store.ready();
  }

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
    const target: S3Target = parseS3Target(request.rawPath, header(request.headers, 'host'));
    const { operation, document } = resolveS3Operation(request.method, target, request.query, request.headers);
    if (target.key !== undefined) checkKey(target.key);
    return this.operations[operation]({ request, bucket: target.bucket ?? '', key: target.key ?? '', document });
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

  async objectPath(bucket: string, key: string): Promise<string> {
    await this.store.ready();
    return this.store.dataPath(bucket, this.store.objectRecord(bucket, key));
  }

  /** Behaves as PutObject (including its event); the ETag is quoted, as PutObject returns it. */
  async writeObject(bucket: string, key: string, body: Buffer | Readable): Promise<{ etag: string }> {
    await this.store.ready();
    checkKey(key);
    const staged = await this.store.stageStream(bucket, Buffer.isBuffer(body) ? Readable.from([body]) : body);
    let record: ObjectRecord;
    try {
      record = await this.store.commit(bucket, key, staged, {
        contentType: 'binary/octet-stream',
        contentHeaders: {},
        userMetadata: {},
        tags: {},
      });
    } catch (error) {
      await this.store.discardStaged(bucket, staged);
      throw error;
    }
    await this.notifyCreated(
      { bucket, requestId: randomUUID(), sourceIp: '127.0.0.1', accountId: ACCOUNT_ID, region: this.store.bucketConfig(bucket).region },
      record,
      'PutObject',
    );
    return { etag: quotedEtag(record.etag) };
  }

  // ---- events ----

  private eventContext(request: AwsRequest, bucket: string): EventContext {
    return {
      bucket,
      region: this.store.bucketConfig(bucket).region,
      accountId: request.accountId,
      requestId: request.requestId,
      sourceIp: (request.sourceIp ?? '127.0.0.1').replace(/^::ffff:/, ''),
    };
  }

  private async notifyCreated(context: EventContext, record: ObjectRecord, reason: CreationReason): Promise<void> {
    if (!this.events || !this.store.bucketConfig(context.bucket).eventBridgeEnabled) return;
    try {
      await publishObjectCreated(this.events, context, record, reason);
    } catch (error) {
      this.logger.error('failed to publish Object Created', { bucket: context.bucket, key: record.key, error: String(error) });
    }
  }

  private async notifyDeleted(
    context: EventContext,
    deletion: { key: string; sequence: number; versionId?: string; deleteMarkerCreated: boolean },
  ): Promise<void> {
    if (!this.events || !this.store.bucketConfig(context.bucket).eventBridgeEnabled) return;
    try {
      await publishObjectDeleted(this.events, context, deletion);
    } catch (error) {
      this.logger.error('failed to publish Object Deleted', { bucket: context.bucket, key: deletion.key, error: String(error) });
    }
  }

  private isVersioned(bucket: string): boolean {
    return this.store.bucketConfig(bucket).versioning !== undefined;
  }

  private bodyOf(request: AwsRequest): Readable {
    return request.bodyStream ?? Readable.from([request.body]);
  }

  // ---- operations ----

  private readonly operations: Record<S3Operation, OperationHandler> = {
    ListBuckets: async ({ request }) => {
      const prefix = request.query.get('prefix') ?? '';
      const region = request.query.get('bucket-region');
      const after = request.query.get('continuation-token');
      const maxBuckets = parseMaxKeys(request.query.get('max-buckets'), 10_000);
      const matching = this.store
        .listBuckets()
        .filter((bucket) => bucket.name.startsWith(prefix) && (region === null || bucket.region === region))
        .filter((bucket) => after === null || bucket.name > after);
      const page = matching.slice(0, maxBuckets);
      const truncated = matching.length > page.length;
      return xmlResponse(
        el('ListAllMyBucketsResult', [
          ownerXml(request.accountId),
          el('Buckets', page.map(bucketXml)),
          optionalEl('Prefix', request.query.get('prefix')),
          truncated ? el('ContinuationToken', page[page.length - 1]?.name ?? '') : undefined,
        ]),
      );
    },

    CreateBucket: async ({ request, bucket }) => {
      let region = request.region;
      if (request.body.length > 0) {
        const constraint = childText(parseBodyXml(request, 'CreateBucketConfiguration'), 'LocationConstraint');
        if (constraint === 'us-east-1') {
          throw new AwsError('InvalidLocationConstraint', 'The specified location-constraint is not valid', 400, {
            LocationConstraint: constraint,
          });
        }
        if (constraint) region = constraint;
      }
      await this.store.createBucket(bucket, region);
      return emptyResponse(200, { location: `/${bucket}` });
    },

    HeadBucket: async ({ bucket }) => {
      const config = this.store.bucketConfig(bucket);
      return emptyResponse(200, { 'x-amz-bucket-region': config.region, 'x-amz-access-point-alias': 'false' });
    },

    DeleteBucket: async ({ bucket }) => {
      await this.store.deleteBucket(bucket);
      return emptyResponse(204);
    },

    GetBucketLocation: async ({ bucket }) => {
      const region = this.store.bucketConfig(bucket).region;
      return xmlResponse(el('LocationConstraint', region === 'us-east-1' ? undefined : region));
    },

    GetBucketVersioning: async ({ bucket }) => {
      const status = this.store.bucketConfig(bucket).versioning;
      return xmlResponse(el('VersioningConfiguration', optionalEl('Status', status)));
    },

    PutBucketVersioning: async ({ request, bucket }) => {
      this.store.bucketConfig(bucket);
      const status = childText(parseBodyXml(request, 'VersioningConfiguration'), 'Status');
      if (status !== undefined && status !== 'Enabled' && status !== 'Suspended') throw malformedXml();
      if (status !== undefined) {
        await this.store.updateBucketConfig(bucket, (config) => {
          config.versioning = status;
        });
      }
      return emptyResponse(200);
    },

    GetBucketNotificationConfiguration: async ({ bucket }) => {
      const stored = this.store.bucketConfig(bucket).notificationXml;
      if (stored === undefined) return xmlResponse(el('NotificationConfiguration'));
      return { status: 200, headers: { 'content-type': 'application/xml' }, body: stored };
    },

    PutBucketNotificationConfiguration: async ({ request, bucket }) => {
      this.store.bucketConfig(bucket);
      const root = parseBodyXml(request, 'NotificationConfiguration');
      const eventBridge = childElement(root, 'EventBridgeConfiguration') !== undefined;
      const undelivered = childElements(root)
        .map(localName)
        .filter((name) => name !== 'EventBridgeConfiguration');
      if (undelivered.length > 0) {
        this.logger.warn('bucket notification destinations other than EventBridge are stored but not delivered', {
          bucket,
          destinations: undelivered,
        });
      }
      await this.store.updateBucketConfig(bucket, (config) => {
        config.eventBridgeEnabled = eventBridge;
        config.notificationXml = request.body.toString('utf8');
      });
      return emptyResponse(200);
    },

    GetBucketAcl: async ({ request, bucket }) => {
      this.store.bucketConfig(bucket);
      return xmlResponse(accessControlPolicyXml(request.accountId));
    },

    PutBucketAcl: async ({ bucket }) => {
      this.store.bucketConfig(bucket);
      return emptyResponse(200);
    },

    GetBucketDocument: async ({ bucket, document }) => {
      const kind = BUCKET_DOCUMENTS[document ?? ''];
      if (!kind || !document) throw new AwsError('NotImplemented', `Unknown bucket sub-resource ${document}`, 501);
      const stored = this.store.bucketConfig(bucket).documents[document];
      const contentType = kind.format === 'json' ? 'application/json' : 'application/xml';
      if (stored !== undefined) return { status: 200, headers: { 'content-type': contentType }, body: stored };
      if ('error' in kind.whenUnset) {
        const [code, message] = kind.whenUnset.error;
        throw new AwsError(code, message, 404, { BucketName: bucket });
      }
      return { status: 200, headers: { 'content-type': contentType }, body: kind.whenUnset.document };
    },

    PutBucketDocument: async ({ request, bucket, document }) => {
      const kind = BUCKET_DOCUMENTS[document ?? ''];
      if (!kind || !document) throw new AwsError('NotImplemented', `Unknown bucket sub-resource ${document}`, 501);
      this.store.bucketConfig(bucket);
      const text = request.body.toString('utf8');
      if (kind.format === 'json') {
        try {
          JSON.parse(text);
        } catch {
          throw new AwsError('MalformedPolicy', 'Policies must be valid JSON and the first byte must be \'{\'', 400);
        }
      } else {
        parseBodyXml(request);
      }
      await this.store.updateBucketConfig(bucket, (config) => {
        config.documents[document] = text;
      });
      return emptyResponse(document === 'policy' || document === 'tagging' ? 204 : 200);
    },

    DeleteBucketDocument: async ({ bucket, document }) => {
      this.store.bucketConfig(bucket);
      await this.store.updateBucketConfig(bucket, (config) => {
        delete config.documents[document ?? ''];
      });
      return emptyResponse(204);
    },

    ListObjectsV2: async ({ request, bucket }) => {
      const { query } = request;
      const prefix = query.get('prefix') ?? '';
      const delimiter = query.get('delimiter') || undefined;
      const maxKeys = parseMaxKeys(query.get('max-keys'));
      const token = query.get('continuation-token');
      const startAfter = query.get('start-after');
      const encode = keyEncoder(query.get('encoding-type'));
      const fetchOwner = query.get('fetch-owner') === 'true';
      const sortedKeys = this.store.sortedKeys(bucket);
      const after = token !== null ? decodeContinuationToken(token) : startAfter ?? undefined;
      const page = listPage({ sortedKeys, prefix, delimiter, maxKeys, after });
      const owner = fetchOwner ? ownerXml(request.accountId) : undefined;
      return xmlResponse(
        el('ListBucketResult', [
          el('Name', bucket),
          el('Prefix', encode(prefix)),
          delimiter === undefined ? undefined : el('Delimiter', encode(delimiter)),
          el('MaxKeys', maxKeys),
          optionalEl('EncodingType', query.get('encoding-type')),
          el('KeyCount', page.keys.length + page.commonPrefixes.length),
          el('IsTruncated', page.isTruncated),
          optionalEl('ContinuationToken', token),
          page.isTruncated && page.last !== undefined ? el('NextContinuationToken', encodeContinuationToken(page.last)) : undefined,
          startAfter === null ? undefined : el('StartAfter', encode(startAfter)),
          page.keys.map((key) => contentsXml(this.store.objectRecord(bucket, key), encode, owner)),
          page.commonPrefixes.map((common) => el('CommonPrefixes', el('Prefix', encode(common)))),
        ]),
      );
    },

    ListObjects: async ({ request, bucket }) => {
      const { query } = request;
      const prefix = query.get('prefix') ?? '';
      const delimiter = query.get('delimiter') || undefined;
      const maxKeys = parseMaxKeys(query.get('max-keys'));
      const marker = query.get('marker') ?? '';
      const encode = keyEncoder(query.get('encoding-type'));
      const page = listPage({
        sortedKeys: this.store.sortedKeys(bucket),
        prefix,
        delimiter,
        maxKeys,
        after: marker === '' ? undefined : marker,
      });
      const owner = ownerXml(request.accountId);
      return xmlResponse(
        el('ListBucketResult', [
          el('Name', bucket),
          el('Prefix', encode(prefix)),
          el('Marker', encode(marker)),
          page.isTruncated && page.last !== undefined ? el('NextMarker', encode(page.last)) : undefined,
          el('MaxKeys', maxKeys),
          delimiter === undefined ? undefined : el('Delimiter', encode(delimiter)),
          optionalEl('EncodingType', query.get('encoding-type')),
          el('IsTruncated', page.isTruncated),
          page.keys.map((key) => contentsXml(this.store.objectRecord(bucket, key), encode, owner)),
          page.commonPrefixes.map((common) => el('CommonPrefixes', el('Prefix', encode(common)))),
        ]),
      );
    },

    // Pages hold whole keys (all versions of a key together), so a page may exceed max-keys versions.
    ListObjectVersions: async ({ request, bucket }) => {
      const { query } = request;
      const prefix = query.get('prefix') ?? '';
      const delimiter = query.get('delimiter') || undefined;
      const maxKeys = parseMaxKeys(query.get('max-keys'));
      const keyMarker = query.get('key-marker') ?? '';
      const encode = keyEncoder(query.get('encoding-type'));
      const page = listPage({
        sortedKeys: this.store.keysWithVersions(bucket),
        prefix,
        delimiter,
        maxKeys,
        after: keyMarker === '' ? undefined : keyMarker,
      });
      const owner = ownerXml(request.accountId);
      const entries = page.keys.flatMap((key) =>
        this.store
          .versionsOf(bucket, key)
          .map((record, index) =>
            isDeleteMarker(record) ? deleteMarkerXml(record, index === 0, encode, owner) : versionXml(record, index === 0, encode, owner),
          ),
      );
      return xmlResponse(
        el('ListVersionsResult', [
          el('Name', bucket),
          el('Prefix', encode(prefix)),
          el('KeyMarker', encode(keyMarker)),
          el('VersionIdMarker', query.get('version-id-marker') ?? ''),
          page.isTruncated && page.last !== undefined ? [el('NextKeyMarker', encode(page.last)), el('NextVersionIdMarker', '')] : undefined,
          el('MaxKeys', maxKeys),
          delimiter === undefined ? undefined : el('Delimiter', encode(delimiter)),
          optionalEl('EncodingType', query.get('encoding-type')),
          el('IsTruncated', page.isTruncated),
          entries,
          page.commonPrefixes.map((common) => el('CommonPrefixes', el('Prefix', encode(common)))),
        ]),
      );
    },

    ListMultipartUploads: async ({ request, bucket }) => {
      const prefix = request.query.get('prefix') ?? '';
      const maxUploads = parseMaxKeys(request.query.get('max-uploads'));
      const uploads = (await this.store.listUploads(bucket)).filter((upload) => upload.key.startsWith(prefix));
      const page = uploads.slice(0, maxUploads);
      const last = page[page.length - 1];
      const truncated = uploads.length > page.length;
      return xmlResponse(
        el('ListMultipartUploadsResult', [
          el('Bucket', bucket),
          el('KeyMarker', ''),
          el('UploadIdMarker', ''),
          truncated && last ? [el('NextKeyMarker', last.key), el('NextUploadIdMarker', last.uploadId)] : undefined,
          el('Prefix', prefix),
          el('MaxUploads', maxUploads),
          el('IsTruncated', truncated),
          page.map((upload) => uploadXml(upload, request.accountId)),
        ]),
      );
    },

    DeleteObjects: async ({ request, bucket }) => {
      this.store.bucketConfig(bucket);
      const root = parseBodyXml(request, 'Delete');
      const objects = childElements(root, 'Object');
      if (objects.length === 0 || objects.length > MAX_DELETE_OBJECTS) throw malformedXml();
      const quiet = childText(root, 'Quiet') === 'true';
      const results: XmlElement[] = [];
      for (const object of objects) {
        const key = childText(object, 'Key');
        if (key === undefined) throw malformedXml();
        const versionId = childText(object, 'VersionId');
        try {
          const outcome = await this.deleteAndNotify(request, bucket, key, versionId);
          if (!quiet) {
            results.push(
              el('Deleted', [
                el('Key', key),
                optionalEl('VersionId', versionId),
                outcome.deleteMarker ? el('DeleteMarker', true) : undefined,
                outcome.deleteMarker && versionId === undefined ? el('DeleteMarkerVersionId', outcome.versionId) : undefined,
              ]),
            );
          }
        } catch (error) {
          const awsError = error instanceof AwsError ? error : new AwsError('InternalError', String(error), 500);
          results.push(el('Error', [el('Key', key), optionalEl('VersionId', versionId), el('Code', awsError.code), el('Message', awsError.message)]));
        }
      }
      return xmlResponse(el('DeleteResult', results));
    },

    PutObject: async ({ request, bucket, key }) => {
      const conditions = writeConditions(request.headers);
      const checksumRequest = requestedChecksum(request.headers);
      const staged = await this.store.stageStream(bucket, this.bodyOf(request), checksumRequest?.algorithm);
      let record: ObjectRecord;
      try {
        verifyContentMd5(header(request.headers, 'content-md5'), staged.etag);
        const checksum = checksumRequest
          ? verifyChecksum(checksumRequest, staged.computedChecksum ?? '', request.trailers ?? {})
          : undefined;
        record = await this.store.commit(bucket, key, { ...staged, checksum }, attributesFrom(request.headers), conditions);
      } catch (error) {
        await this.store.discardStaged(bucket, staged);
        throw error;
      }
      await this.notifyCreated(this.eventContext(request, bucket), record, 'PutObject');
      return emptyResponse(200, {
        etag: quotedEtag(record.etag),
        'x-amz-server-side-encryption': 'AES256',
        ...(record.versionId ? { 'x-amz-version-id': record.versionId } : {}),
        ...checksumResponseHeaders(record.checksum),
      });
    },

    CopyObject: async ({ request, bucket, key }) => {
      const source = parseCopySource(header(request.headers, 'x-amz-copy-source'));
      const sourceRecord = this.store.objectRecord(source.bucket, source.key, source.versionId);
      evaluateReadConditions(request.headers, sourceRecord, 'x-amz-copy-source-');
      const directive = header(request.headers, 'x-amz-metadata-directive') ?? 'COPY';
      const taggingDirective = header(request.headers, 'x-amz-tagging-directive') ?? 'COPY';
      if (!['COPY', 'REPLACE'].includes(directive) || !['COPY', 'REPLACE'].includes(taggingDirective)) {
        throw new AwsError('InvalidArgument', 'Unknown metadata or tagging directive', 400);
      }
      if (source.bucket === bucket && source.key === key && source.versionId === undefined && directive === 'COPY') {
        throw new AwsError(
          'InvalidRequest',
          "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.",
          400,
        );
      }
      const replaced = attributesFrom(request.headers);
      const attributes: ObjectAttributes = {
        ...(directive === 'REPLACE'
          ? replaced
          : { contentType: sourceRecord.contentType, contentHeaders: sourceRecord.contentHeaders, userMetadata: sourceRecord.userMetadata }),
        tags: taggingDirective === 'REPLACE' ? replaced.tags : sourceRecord.tags,
      };
      this.store.bucketConfig(bucket);
      const staged = await this.store.stageCopy(bucket, source.bucket, sourceRecord);
      let record: ObjectRecord;
      try {
        record = await this.store.commit(bucket, key, staged, attributes, writeConditions(request.headers));
      } catch (error) {
        await this.store.discardStaged(bucket, staged);
        throw error;
      }
      await this.notifyCreated(this.eventContext(request, bucket), record, 'CopyObject');
      return xmlResponse(
        el('CopyObjectResult', [
          el('LastModified', xmlTime(record.lastModified)),
          el('ETag', quotedEtag(record.etag)),
          record.checksum ? el(`Checksum${record.checksum.algorithm}`, record.checksum.value) : undefined,
        ]),
        200,
        {
          ...(record.versionId ? { 'x-amz-version-id': record.versionId } : {}),
          ...(sourceRecord.versionId ? { 'x-amz-copy-source-version-id': sourceRecord.versionId } : {}),
          'x-amz-server-side-encryption': 'AES256',
        },
      );
    },

    GetObject: async ({ request, bucket, key }) => this.readObjectResponse(request, bucket, key, true),

    HeadObject: async ({ request, bucket, key }) => this.readObjectResponse(request, bucket, key, false),

    DeleteObject: async ({ request, bucket, key }) => {
      this.store.bucketConfig(bucket);
      const versionId = request.query.get('versionId') ?? undefined;
      const outcome = await this.deleteAndNotify(request, bucket, key, versionId);
      return emptyResponse(204, {
        ...(outcome.deleteMarker ? { 'x-amz-delete-marker': 'true' } : {}),
        ...(outcome.versionId ? { 'x-amz-version-id': outcome.versionId } : {}),
      });
    },

    GetObjectTagging: async ({ request, bucket, key }) => {
      const record = this.store.objectRecord(bucket, key, request.query.get('versionId') ?? undefined);
      return xmlResponse(tagSetXml(record.tags), 200, record.versionId ? { 'x-amz-version-id': record.versionId } : {});
    },

    PutObjectTagging: async ({ request, bucket, key }) => {
      const tagSet = childElement(parseBodyXml(request, 'Tagging'), 'TagSet');
      if (!tagSet) throw malformedXml();
      const tags: Record<string, string> = {};
      for (const tag of childElements(tagSet, 'Tag')) {
        const tagKey = childText(tag, 'Key');
        if (tagKey === undefined) throw malformedXml();
        tags[tagKey] = childText(tag, 'Value') ?? '';
      }
      const record = await this.store.setTags(bucket, key, request.query.get('versionId') ?? undefined, tags);
      return emptyResponse(200, record.versionId ? { 'x-amz-version-id': record.versionId } : {});
    },

    DeleteObjectTagging: async ({ request, bucket, key }) => {
      const record = await this.store.setTags(bucket, key, request.query.get('versionId') ?? undefined, {});
      return emptyResponse(204, record.versionId ? { 'x-amz-version-id': record.versionId } : {});
    },

    GetObjectAcl: async ({ request, bucket, key }) => {
      this.store.objectRecord(bucket, key, request.query.get('versionId') ?? undefined);
      return xmlResponse(accessControlPolicyXml(request.accountId));
    },

    PutObjectAcl: async ({ request, bucket, key }) => {
      this.store.objectRecord(bucket, key, request.query.get('versionId') ?? undefined);
      return emptyResponse(200);
    },

    CreateMultipartUpload: async ({ request, bucket, key }) => {
      const algorithm = parseChecksumAlgorithm(header(request.headers, 'x-amz-checksum-algorithm'));
      const upload = await this.store.createUpload(bucket, key, attributesFrom(request.headers), algorithm);
      return xmlResponse(
        el('InitiateMultipartUploadResult', [el('Bucket', bucket), el('Key', key), el('UploadId', upload.uploadId)]),
        200,
        algorithm ? { 'x-amz-checksum-algorithm': algorithm } : {},
      );
    },

    UploadPart: async ({ request, bucket, key }) => {
      const partNumber = parsePartNumber(request.query.get('partNumber'));
      const uploadId = request.query.get('uploadId') ?? '';
      await this.store.upload(bucket, uploadId, key);
      const checksumRequest = requestedChecksum(request.headers);
      const part = await this.store.putPart(bucket, uploadId, partNumber, this.bodyOf(request), checksumRequest?.algorithm, (staged, computed) => {
        verifyContentMd5(header(request.headers, 'content-md5'), staged.etag);
        const checksum = checksumRequest ? verifyChecksum(checksumRequest, computed ?? '', request.trailers ?? {}) : undefined;
        return checksum ? { ...staged, checksum } : staged;
      });
      return emptyResponse(200, {
        etag: quotedEtag(part.etag),
        'x-amz-server-side-encryption': 'AES256',
        ...checksumResponseHeaders(part.checksum),
      });
    },

    UploadPartCopy: async ({ request, bucket, key }) => {
      const partNumber = parsePartNumber(request.query.get('partNumber'));
      const uploadId = request.query.get('uploadId') ?? '';
      await this.store.upload(bucket, uploadId, key);
      const source = parseCopySource(header(request.headers, 'x-amz-copy-source'));
      const sourceRecord = this.store.objectRecord(source.bucket, source.key, source.versionId);
      evaluateReadConditions(request.headers, sourceRecord, 'x-amz-copy-source-');
      const rangeHeader = header(request.headers, 'x-amz-copy-source-range');
      const range = parseRange(rangeHeader, sourceRecord.size);
      if (rangeHeader !== undefined && !range) {
        throw new AwsError('InvalidArgument', 'The x-amz-copy-source-range value must be of the form bytes=first-last', 400);
      }
      const part = await this.store.copyPart(bucket, uploadId, partNumber, source.bucket, sourceRecord, range);
      return xmlResponse(
        el('CopyPartResult', [el('LastModified', xmlTime(part.lastModified)), el('ETag', quotedEtag(part.etag))]),
        200,
        sourceRecord.versionId ? { 'x-amz-copy-source-version-id': sourceRecord.versionId } : {},
      );
    },

    CompleteMultipartUpload: async ({ request, bucket, key }) => {
      const uploadId = request.query.get('uploadId') ?? '';
      const parts = childElements(parseBodyXml(request, 'CompleteMultipartUpload'), 'Part').map((part) => {
        const partNumber = Number(childText(part, 'PartNumber'));
        const etag = childText(part, 'ETag');
        if (!Number.isInteger(partNumber) || etag === undefined) throw malformedXml();
        return { partNumber, etag };
      });
      if (parts.length === 0) throw malformedXml();
      const record = await this.store.completeUpload(bucket, uploadId, key, parts, writeConditions(request.headers));
      await this.notifyCreated(this.eventContext(request, bucket), record, 'CompleteMultipartUpload');
      const host = header(request.headers, 'host') ?? '127.0.0.1';
      const location = `http://${host}/${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
      return xmlResponse(
        el('CompleteMultipartUploadResult', [
          el('Location', location),
          el('Bucket', bucket),
          el('Key', key),
          el('ETag', quotedEtag(record.etag)),
        ]),
        200,
        { 'x-amz-server-side-encryption': 'AES256', ...(record.versionId ? { 'x-amz-version-id': record.versionId } : {}) },
      );
    },

    AbortMultipartUpload: async ({ request, bucket }) => {
      await this.store.abortUpload(bucket, request.query.get('uploadId') ?? '');
      return emptyResponse(204);
    },

    ListParts: async ({ request, bucket, key }) => {
      const uploadId = request.query.get('uploadId') ?? '';
      const upload = await this.store.upload(bucket, uploadId, key);
      const maxParts = parseMaxKeys(request.query.get('max-parts'));
      const marker = Number(request.query.get('part-number-marker') ?? 0) || 0;
      const remaining = (await this.store.listParts(bucket, uploadId)).filter((part) => part.partNumber > marker);
      const page = remaining.slice(0, maxParts);
      const truncated = remaining.length > page.length;
      return xmlResponse(
        el('ListPartsResult', [
          el('Bucket', bucket),
          el('Key', key),
          el('UploadId', uploadId),
          el('PartNumberMarker', marker),
          el('NextPartNumberMarker', page[page.length - 1]?.partNumber ?? marker),
          el('MaxParts', maxParts),
          el('IsTruncated', truncated),
          page.map(partXml),
          ownerXml(request.accountId, 'Initiator'),
          ownerXml(request.accountId),
          el('StorageClass', 'STANDARD'),
          optionalEl('ChecksumAlgorithm', upload.checksumAlgorithm),
        ]),
      );
    },
  };

  private async deleteAndNotify(request: AwsRequest, bucket: string, key: string, versionId: string | undefined) {
    const outcome = await this.store.deleteObject(bucket, key, versionId);
    if (outcome.removed || outcome.deleteMarker) {
      await this.notifyDeleted(this.eventContext(request, bucket), {
        key,
        sequence: outcome.sequence,
        versionId: outcome.versionId,
        deleteMarkerCreated: outcome.deleteMarker && versionId === undefined,
      });
    }
    return outcome;
  }

  private async readObjectResponse(request: AwsRequest, bucket: string, key: string, withBody: boolean): Promise<AwsResponse> {
    const versionId = request.query.get('versionId') ?? undefined;
    const partNumber = request.query.get('partNumber');
    const record = this.store.objectRecord(bucket, key, versionId);
    if (partNumber !== null && (record.partsCount !== undefined || partNumber !== '1')) {
      if (record.partsCount === undefined) throw new AwsError('InvalidPartNumber', 'The requested partnumber is not satisfiable', 416);
      throw new AwsError('NotImplemented', 'The local stack does not serve multipart objects by part number', 501);
    }
    if (evaluateReadConditions(request.headers, record) === 'not-modified') {
      return emptyResponse(304, { etag: quotedEtag(record.etag), 'last-modified': new Date(record.lastModified).toUTCString() });
    }
    const range = parseRange(header(request.headers, 'range'), record.size);
    const headers = objectHeaders(record, {
      versioned: this.isVersioned(bucket),
      includeChecksum: range === undefined && header(request.headers, 'x-amz-checksum-mode') === 'ENABLED',
      query: request.query,
    });
    if (range) {
      headers['content-range'] = `bytes ${range.start}-${range.end}/${record.size}`;
      headers['content-length'] = range.end - range.start + 1;
    }
    const status = range ? 206 : 200;
    if (!withBody) return emptyResponse(status, headers);
    const { record: opened, handle } = await this.store.openObject(bucket, key, versionId);
    if (opened !== record) {
      await handle.close();
      return this.readObjectResponse(request, bucket, key, withBody);
    }
    const body = handle.createReadStream(range ? { start: range.start, end: range.end } : {});
    return { status, headers, body };
  }
}

export { S3_XMLNS };
