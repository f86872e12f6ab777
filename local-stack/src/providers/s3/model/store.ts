/**
 * S3 state on disk, independent of the wire protocol. Layout under `<stateDir>/s3/`:
 *
 *     <bucket>/bucket.json                      bucket configuration (the bucket exists iff this exists)
 *     <bucket>/data/<uuid>                      object bytes, immutable once written
 *     <bucket>/objects/<hh>/<sha256(key)>.json  the current version's metadata (names the data file)
 *     <bucket>/versions/<sha256(key)>/<id>.json noncurrent versions and delete markers
 *     <bucket>/uploads/<uploadId>/              multipart uploads: upload.json, part-N.json, part data
 *     .tmp/                                     deleted buckets and uploads on their way out
 *
 * An object becomes visible only when its metadata file is renamed into place, so a killed stack
 * never shows half an object; data files no metadata names are garbage-collected at load.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, link, mkdir, open, rename, rm, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { silentLogger, type LocalStackLogger } from '../../../core/logger';
import { KeyedMutex, listDirectory, readJsonFile, removeStaleTempFiles, writeJsonAtomic } from '../../../core/persistence';
import { AwsError } from '../../../core/types';
import { createChecksumHasher, DEFAULT_CHECKSUM_ALGORITHM, type ChecksumAlgorithm } from './checksums';
import { noSuchBucket, noSuchKey, preconditionFailed } from '../errors';
import {
  isDeleteMarker,
  nowToTheSecond,
  type BucketConfig,
  type DeleteMarkerRecord,
  type ObjectAttributes,
  type ObjectRecord,
  type StagedData,
  type VersionRecord,
  type WriteConditions,
} from './types';
import { writeHashedFile } from './staging';

interface BucketState {
  config: BucketConfig;
  dir: string;
  objects: Map<string, ObjectRecord>;
  /** Noncurrent versions and delete markers per key, newest first. */
  history: Map<string, VersionRecord[]>;
  sortedKeys?: string[];
}

export interface StagedWrite extends StagedData {
  /** Computed digest for the checksum algorithm asked for, to verify against the client's value. */
  computedChecksum?: string;
}

export interface DeleteOutcome {
  /** Version id of the delete marker created, or of the version removed. */
  versionId?: string;
  deleteMarker: boolean;
  /** Write order of the deletion, for the event `sequencer`. */
  sequence: number;
  /** What stopped being visible, if anything (for `Object Deleted` events). */
  removed?: ObjectRecord;
}

function keyHash(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The file of the current version's metadata of `key` under a bucket's directory (`<stateDir>/s3/<bucket>`). */
export function objectMetadataFile(bucketDir: string, key: string): string {
  const hash = keyHash(key);
  return join(bucketDir, 'objects', hash.slice(0, 2), `${hash}.json`);
}

function newVersionId(): string {
  return randomBytes(24).toString('base64url');
}

/** S3 bucket naming rules (general purpose buckets). */
export function validateBucketName(name: string): void {
  const valid =
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) &&
    !name.includes('..') &&
    !/^\d+\.\d+\.\d+\.\d+$/.test(name) &&
    !name.startsWith('xn--') &&
    !name.endsWith('-s3alias');
  if (!valid) throw new AwsError('InvalidBucketName', 'The specified bucket is not valid.', 400, { BucketName: name });
}

export class S3Store {
  private readonly buckets = new Map<string, BucketState>();
  private readonly locks = new KeyedMutex();
  private loading: Promise<void> | undefined;
  private lastSequence = 0;

  constructor(
    readonly rootDir: string,
    private readonly logger: LocalStackLogger = silentLogger,
  ) {}

  /** Loads state from disk once; every public entry point awaits it. */
  ready(): Promise<void> {
    this.loading ??= this.load();
    return this.loading;
  }

  private nextSequence(): number {
    this.lastSequence = Math.max(Date.now() * 1000, this.lastSequence + 1);
    return this.lastSequence;
  }

  // ---- buckets ----

  listBuckets(): BucketConfig[] {
    return [...this.buckets.values()].map((state) => state.config).sort((a, b) => a.name.localeCompare(b.name));
  }

  bucketConfig(name: string): BucketConfig {
    return this.state(name).config;
  }

  private state(name: string): BucketState {
    const state = this.buckets.get(name);
    if (!state) throw noSuchBucket(name);
    return state;
  }

  async createBucket(name: string, region: string): Promise<BucketConfig> {
    validateBucketName(name);
    if (this.buckets.has(name)) {
      throw new AwsError(
        'BucketAlreadyOwnedByYou',
        'Your previous request to create the named bucket succeeded and you already own it.',
        409,
        { BucketName: name },
      );
    }
    const dir = join(this.rootDir, name);
    const config: BucketConfig = {
      name,
      region,
      createdAt: new Date().toISOString(),
      eventBridgeEnabled: false,
      documents: {},
    };
    // Claimed synchronously, so two concurrent creates cannot both succeed.
    const state: BucketState = { config, dir, objects: new Map(), history: new Map() };
    this.buckets.set(name, state);
    try {
      await mkdir(join(dir, 'data'), { recursive: true });
      await writeJsonAtomic(join(dir, 'bucket.json'), config);
    } catch (error) {
      this.buckets.delete(name);
      throw error;
    }
    return config;
  }

  async updateBucketConfig(name: string, change: (config: BucketConfig) => void): Promise<BucketConfig> {
    return this.locks.run(`bucket:${name}`, async () => {
      const state = this.state(name);
      const updated: BucketConfig = structuredClone(state.config);
      change(updated);
      await writeJsonAtomic(join(state.dir, 'bucket.json'), updated);
      state.config = updated;
      return updated;
    });
  }

  async deleteBucket(name: string): Promise<void> {
    const state = this.state(name);
    if (state.objects.size > 0 || state.history.size > 0) {
      throw new AwsError('BucketNotEmpty', 'The bucket you tried to delete is not empty', 409, { BucketName: name });
    }
    this.buckets.delete(name);
    await this.discardDirectory(state.dir);
  }

  // ---- objects: reading ----

  sortedKeys(bucket: string): readonly string[] {
    const state = this.state(bucket);
    state.sortedKeys ??= [...state.objects.keys()].sort();
    return state.sortedKeys;
  }

  /** Keys with any version (current, noncurrent or delete marker), sorted. */
  keysWithVersions(bucket: string): string[] {
    const state = this.state(bucket);
    return [...new Set([...state.objects.keys(), ...state.history.keys()])].sort();
  }

  /** Every version of a key, newest first. */
  versionsOf(bucket: string, key: string): VersionRecord[] {
    const state = this.state(bucket);
    const current = state.objects.get(key);
    return [...(current ? [current] : []), ...(state.history.get(key) ?? [])];
  }

  /** The current object, or the given version; delete markers are NoSuchKey / MethodNotAllowed like S3. */
  objectRecord(bucket: string, key: string, versionId?: string): ObjectRecord {
    const state = this.state(bucket);
    if (versionId === undefined) {
      const current = state.objects.get(key);
      if (!current) throw noSuchKey(key);
      return current;
    }
    const version = this.versionsOf(bucket, key).find((record) => (record.versionId ?? 'null') === versionId);
    if (!version) {
      throw new AwsError('NoSuchVersion', 'The specified version does not exist.', 404, { Key: key, VersionId: versionId });
    }
    if (isDeleteMarker(version)) {
      throw new AwsError('MethodNotAllowed', 'The specified method is not allowed against this resource.', 405, {
        Method: 'GET',
        ResourceType: 'DeleteMarker',
      });
    }
    return version;
  }

  bucketDir(bucket: string): string {
    return this.state(bucket).dir;
  }

  dataPath(bucket: string, record: Pick<ObjectRecord, 'dataFile'>): string {
    return join(this.state(bucket).dir, 'data', record.dataFile);
  }

  /**
   * Opens the object's bytes. The handle stays valid even if the object is replaced meanwhile;
   * a replacement between lookup and open is retried with the new record.
   */
  async openObject(bucket: string, key: string, versionId?: string): Promise<{ record: ObjectRecord; handle: FileHandle }> {
    for (let attempt = 0; ; attempt += 1) {
      const record = this.objectRecord(bucket, key, versionId);
      try {
        return { record, handle: await open(this.dataPath(bucket, record), 'r') };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || attempt >= 2) throw error;
      }
    }
  }

  // ---- objects: writing ----

  /** Streams bytes into the bucket's data directory, hashing them; nothing is visible until `commit`. */
  async stageStream(bucket: string, source: Readable, checksumAlgorithm?: ChecksumAlgorithm): Promise<StagedWrite> {
    const dataFile = randomUUID();
    const written = await writeHashedFile(source, join(this.state(bucket).dir, 'data', dataFile), checksumAlgorithm);
    return { dataFile, ...written };
  }

  /** A new data file with the same bytes as `record` (a hard link: data files are never modified). */
  async stageCopy(bucket: string, sourceBucket: string, record: ObjectRecord): Promise<StagedData> {
    const dataFile = randomUUID();
    const target = join(this.state(bucket).dir, 'data', dataFile);
    const source = this.dataPath(sourceBucket, record);
    try {
      await link(source, target);
    } catch {
      await copyFile(source, target);
    }
    if (record.partsCount === undefined) return { dataFile, size: record.size, etag: record.etag, checksum: record.checksum };
    // A copy of a multipart object is one object: its ETag is the MD5 of its bytes (recorded:
    // test_complete_multipart_parts_checksum_default, copy-obj-checksum). A full-object checksum stays;
    // a composite one cannot describe the copy, which gets S3's default (not checked against AWS).
    const composite = record.checksum?.type === 'COMPOSITE';
    const md5 = createHash('md5');
    const hasher = composite ? createChecksumHasher(DEFAULT_CHECKSUM_ALGORITHM) : undefined;
    for await (const chunk of createReadStream(target)) {
      md5.update(chunk as Buffer);
      hasher?.update(chunk as Buffer);
    }
    const checksum = hasher ? { algorithm: DEFAULT_CHECKSUM_ALGORITHM, value: hasher.digest(), type: 'FULL_OBJECT' as const } : record.checksum;
    return { dataFile, size: record.size, etag: md5.digest('hex'), checksum };
  }

  async discardStaged(bucket: string, staged: Pick<StagedData, 'dataFile'>): Promise<void> {
    await rm(this.dataPath(bucket, staged), { force: true });
  }

  /** Makes staged bytes the key's current object, honouring conditional-write preconditions. */
  async commit(
    bucket: string,
    key: string,
    staged: StagedData,
    attributes: ObjectAttributes,
    conditions: WriteConditions = {},
  ): Promise<ObjectRecord> {
    return this.locks.run(`object:${bucket}/${key}`, async () => {
      const state = this.state(bucket);
      const current = state.objects.get(key);
      if (conditions.ifNoneMatchAny && current) throw preconditionFailed('If-None-Match');
      if (conditions.ifMatch !== undefined) {
        if (!current) throw noSuchKey(key);
        const wanted = conditions.ifMatch.trim().replace(/^"|"$/g, '');
        if (wanted !== '*' && wanted !== current.etag) throw preconditionFailed('If-Match');
      }
      const versioning = state.config.versioning;
      const record: ObjectRecord = {
        key,
        ...(versioning === 'Enabled' ? { versionId: newVersionId() } : {}),
        dataFile: staged.dataFile,
        size: staged.size,
        etag: staged.etag,
        lastModified: nowToTheSecond(),
        sequence: this.nextSequence(),
        contentType: attributes.contentType,
        contentHeaders: attributes.contentHeaders,
        userMetadata: attributes.userMetadata,
        tags: attributes.tags,
        ...(staged.checksum ? { checksum: staged.checksum } : {}),
        ...(staged.partsCount ? { partsCount: staged.partsCount } : {}),
      };
      const obsolete: VersionRecord[] = [];
      if (current) {
        const keep = versioning === 'Enabled' || (versioning === 'Suspended' && current.versionId !== undefined);
        if (keep) await this.archive(state, current);
        else obsolete.push(current);
      }
      if (versioning === 'Suspended') obsolete.push(...(await this.dropNullVersion(state, key)));
      await writeJsonAtomic(this.objectMetaPath(state, key), record);
      if (!current) state.sortedKeys = undefined;
      state.objects.set(key, record);
      await this.removeData(state, obsolete);
      return record;
    });
  }

  async setTags(bucket: string, key: string, versionId: string | undefined, tags: Record<string, string>): Promise<ObjectRecord> {
    return this.locks.run(`object:${bucket}/${key}`, async () => {
      const state = this.state(bucket);
      const record = this.objectRecord(bucket, key, versionId);
      const updated: ObjectRecord = { ...record, tags };
      if (state.objects.get(key) === record) {
        await writeJsonAtomic(this.objectMetaPath(state, key), updated);
        state.objects.set(key, updated);
      } else {
        await writeJsonAtomic(this.versionMetaPath(state, key, record.versionId), updated);
        const history = state.history.get(key) ?? [];
        history[history.indexOf(record)] = updated;
      }
      return updated;
    });
  }

  async deleteObject(bucket: string, key: string, versionId?: string): Promise<DeleteOutcome> {
    return this.locks.run(`object:${bucket}/${key}`, async () => {
      const state = this.state(bucket);
      return versionId === undefined ? this.deleteCurrent(state, key) : this.deleteVersion(state, key, versionId);
    });
  }

  private async deleteCurrent(state: BucketState, key: string): Promise<DeleteOutcome> {
    const current = state.objects.get(key);
    const versioning = state.config.versioning;
    if (versioning === undefined) {
      if (!current) return { deleteMarker: false, sequence: this.nextSequence() };
      await this.removeCurrentMeta(state, key);
      await this.removeData(state, [current]);
      return { deleteMarker: false, sequence: this.nextSequence(), removed: current };
    }
    const obsolete: VersionRecord[] = [];
    if (current) {
      if (versioning === 'Enabled' || current.versionId !== undefined) await this.archive(state, current);
      else obsolete.push(current);
    }
    if (versioning === 'Suspended') obsolete.push(...(await this.dropNullVersion(state, key)));
    const marker: DeleteMarkerRecord = {
      key,
      versionId: versioning === 'Enabled' ? newVersionId() : 'null',
      lastModified: nowToTheSecond(),
      sequence: this.nextSequence(),
      deleteMarker: true,
    };
    await writeJsonAtomic(this.versionMetaPath(state, key, marker.versionId), marker);
    state.history.set(key, [marker, ...(state.history.get(key) ?? [])]);
    if (current) await this.removeCurrentMeta(state, key);
    await this.removeData(state, obsolete);
    return { deleteMarker: true, versionId: marker.versionId, sequence: marker.sequence, removed: current };
  }

  private async deleteVersion(state: BucketState, key: string, versionId: string): Promise<DeleteOutcome> {
    const matches = (record: VersionRecord): boolean => (record.versionId ?? 'null') === versionId;
    const current = state.objects.get(key);
    const history = state.history.get(key) ?? [];
    if (current && matches(current)) {
      await this.removeCurrentMeta(state, key);
      const next = history[0];
      if (next && !isDeleteMarker(next)) {
        // The previous version becomes current again.
        await writeJsonAtomic(this.objectMetaPath(state, key), next);
        await rm(this.versionMetaPath(state, key, next.versionId), { force: true });
        state.objects.set(key, next);
        state.sortedKeys = undefined;
        this.setHistory(state, key, history.slice(1));
      }
      await this.removeData(state, [current]);
      return { deleteMarker: false, versionId, sequence: this.nextSequence(), removed: current };
    }
    const index = history.findIndex(matches);
    if (index < 0) return { deleteMarker: false, versionId, sequence: this.nextSequence() };
    const [removed] = history.splice(index, 1) as [VersionRecord];
    await rm(this.versionMetaPath(state, key, removed.versionId), { force: true });
    const next = history[0];
    if (!current && index === 0 && next && !isDeleteMarker(next)) {
      // The latest entry (a delete marker) is gone: the version below it is current again.
      await writeJsonAtomic(this.objectMetaPath(state, key), next);
      await rm(this.versionMetaPath(state, key, next.versionId), { force: true });
      state.objects.set(key, next);
      state.sortedKeys = undefined;
      history.shift();
    }
    this.setHistory(state, key, history);
    await this.removeData(state, [removed]);
    return { deleteMarker: isDeleteMarker(removed), versionId, sequence: this.nextSequence() };
  }

  private setHistory(state: BucketState, key: string, history: VersionRecord[]): void {
    if (history.length > 0) state.history.set(key, history);
    else state.history.delete(key);
  }

  private async archive(state: BucketState, record: ObjectRecord): Promise<void> {
    await writeJsonAtomic(this.versionMetaPath(state, record.key, record.versionId), record);
    state.history.set(record.key, [record, ...(state.history.get(record.key) ?? [])]);
  }

  /** Versioning-suspended writes replace the `null` version wherever it sits in the history. */
  private async dropNullVersion(state: BucketState, key: string): Promise<VersionRecord[]> {
    const history = state.history.get(key) ?? [];
    const index = history.findIndex((record) => (record.versionId ?? 'null') === 'null');
    if (index < 0) return [];
    const [dropped] = history.splice(index, 1) as [VersionRecord];
    await rm(this.versionMetaPath(state, key, undefined), { force: true });
    this.setHistory(state, key, history);
    return [dropped];
  }

  private async removeCurrentMeta(state: BucketState, key: string): Promise<void> {
    await rm(this.objectMetaPath(state, key), { force: true });
    state.objects.delete(key);
    state.sortedKeys = undefined;
  }

  private async removeData(state: BucketState, records: readonly VersionRecord[]): Promise<void> {
    for (const record of records) {
      if (!isDeleteMarker(record)) await rm(join(state.dir, 'data', record.dataFile), { force: true });
    }
  }

  private objectMetaPath(state: BucketState, key: string): string {
    return objectMetadataFile(state.dir, key);
  }

  private versionMetaPath(state: BucketState, key: string, versionId: string | undefined): string {
    return join(state.dir, 'versions', keyHash(key), `${versionId ?? 'null'}.json`);
  }

  /** Removes a directory atomically: renamed into the trash first, so a crash never leaves half of it. */
  async discardDirectory(dir: string): Promise<void> {
    const trash = join(this.rootDir, '.tmp', `trash-${randomUUID()}`);
    await rename(dir, trash);
    await rm(trash, { recursive: true, force: true });
  }

  // ---- loading ----

  private async load(): Promise<void> {
    // Leftovers of deletes a killed stack did not finish.
    await rm(join(this.rootDir, '.tmp'), { recursive: true, force: true });
    await mkdir(join(this.rootDir, '.tmp'), { recursive: true });
    for (const name of await listDirectory(this.rootDir)) {
      if (name.startsWith('.')) continue;
      const dir = join(this.rootDir, name);
      const config = await readJsonFile<BucketConfig>(join(dir, 'bucket.json'));
      if (!config) {
        this.logger.warn('removing a bucket directory without bucket.json (interrupted create)', { dir });
        await rm(dir, { recursive: true, force: true });
        continue;
      }
      await removeStaleTempFiles(dir);
      const state: BucketState = { config, dir, objects: new Map(), history: new Map() };
      await this.loadRecords(join(dir, 'objects'), (record: ObjectRecord) => state.objects.set(record.key, record));
      await this.loadRecords(join(dir, 'versions'), (record: VersionRecord) => {
        state.history.set(record.key, [...(state.history.get(record.key) ?? []), record]);
      });
      for (const [key, history] of state.history) {
        const currentVersion = state.objects.get(key)?.versionId;
        // An archive written just before a crash can duplicate the still-current version.
        const cleaned = history
          .filter((record) => currentVersion === undefined || record.versionId !== currentVersion)
          .sort((a, b) => b.sequence - a.sequence);
        this.setHistory(state, key, cleaned);
      }
      await this.collectGarbage(state);
      for (const upload of await listDirectory(join(dir, 'uploads'))) await removeStaleTempFiles(join(dir, 'uploads', upload));
      this.buckets.set(name, state);
    }
  }

  private async loadRecords<T extends VersionRecord>(root: string, add: (record: T) => void): Promise<void> {
    for (const group of await listDirectory(root)) {
      const dir = join(root, group);
      await removeStaleTempFiles(dir);
      for (const file of await listDirectory(dir)) {
        if (!file.endsWith('.json')) continue;
        const record = await readJsonFile<T>(join(dir, file));
        if (!record) continue;
        add(record);
        this.lastSequence = Math.max(this.lastSequence, record.sequence);
      }
    }
  }

  /** Data files no version names: writes interrupted before their metadata was committed. */
  private async collectGarbage(state: BucketState): Promise<void> {
    const referenced = new Set<string>();
    for (const record of state.objects.values()) referenced.add(record.dataFile);
    for (const history of state.history.values()) {
      for (const record of history) if (!isDeleteMarker(record)) referenced.add(record.dataFile);
    }
    const dataDir = join(state.dir, 'data');
    await mkdir(dataDir, { recursive: true });
    for (const file of await listDirectory(dataDir)) {
      if (!referenced.has(file)) {
        this.logger.info('removing unreferenced object data', { bucket: state.config.name, file });
        await unlink(join(dataDir, file));
      }
    }
  }
}
