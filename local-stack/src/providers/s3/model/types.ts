/** S3 state as stored on disk (JSON sidecars) and held in memory. */
import type { ChecksumType, StoredChecksum } from './checksums';

/** Standard headers S3 stores with an object and returns on GET/HEAD. */
export const STORED_CONTENT_HEADERS = [
  'cache-control',
  'content-disposition',
  'content-encoding',
  'content-language',
  'expires',
] as const;

export type StoredContentHeader = (typeof STORED_CONTENT_HEADERS)[number];

/** S3 keeps modification times to the second: HTTP dates cannot express more. */
export function nowToTheSecond(): string {
  const now = new Date();
  now.setUTCMilliseconds(0);
  return now.toISOString();
}

export type VersioningStatus = 'Enabled' | 'Suspended';

export interface BucketConfig {
  name: string;
  region: string;
  createdAt: string;
  versioning?: VersioningStatus;
  /** The NotificationConfiguration document as last put (EventBridge is the only destination delivered). */
  notificationXml?: string;
  eventBridgeEnabled: boolean;
  /** Other bucket configuration documents by sub-resource (`policy`, `encryption`, ...), as put. */
  documents: Record<string, string>;
}

export interface ObjectRecord {
  key: string;
  /** Absent for the `null` version (unversioned or versioning-suspended writes). */
  versionId?: string;
  /** File name of the object's bytes under the bucket's `data/` directory; immutable once written. */
  dataFile: string;
  size: number;
  /** Hex MD5, or MD5-of-part-MD5s plus `-<parts>` for multipart uploads; without quotes. */
  etag: string;
  /** ISO time, whole seconds. */
  lastModified: string;
  /** Monotonic write order across the bucket: orders versions and becomes the event `sequencer`. */
  sequence: number;
  contentType: string;
  contentHeaders: Partial<Record<StoredContentHeader, string>>;
  userMetadata: Record<string, string>;
  tags: Record<string, string>;
  checksum?: StoredChecksum;
  partsCount?: number;
  deleteMarker?: false;
}

export interface DeleteMarkerRecord {
  key: string;
  versionId: string;
  lastModified: string;
  sequence: number;
  deleteMarker: true;
}

export type VersionRecord = ObjectRecord | DeleteMarkerRecord;

export interface UploadRecord {
  uploadId: string;
  key: string;
  initiated: string;
  contentType: string;
  contentHeaders: Partial<Record<StoredContentHeader, string>>;
  userMetadata: Record<string, string>;
  tags: Record<string, string>;
  checksumAlgorithm?: StoredChecksum['algorithm'];
  /** As named at creation; absent: the algorithm's default (multipart-checksums.ts). */
  checksumType?: ChecksumType;
}

export interface PartRecord {
  partNumber: number;
  /** File name under the upload's directory. */
  dataFile: string;
  size: number;
  /** Hex MD5 without quotes. */
  etag: string;
  lastModified: string;
  checksum?: StoredChecksum;
}

/** The attributes a write carries besides the bytes. */
export interface ObjectAttributes {
  contentType: string;
  contentHeaders: Partial<Record<StoredContentHeader, string>>;
  userMetadata: Record<string, string>;
  tags: Record<string, string>;
}

/** Bytes already on disk (in the bucket's `data/`), not yet visible as an object. */
export interface StagedData {
  dataFile: string;
  size: number;
  etag: string;
  checksum?: StoredChecksum;
  partsCount?: number;
}

/** Conditions a write is committed under (conditional writes). */
export interface WriteConditions {
  /** `If-None-Match: *`: fail when the key exists. */
  ifNoneMatchAny?: boolean;
  /** `If-Match: <etag>`: fail unless the current object has this ETag. */
  ifMatch?: string;
}

export function isDeleteMarker(record: VersionRecord): record is DeleteMarkerRecord {
  return record.deleteMarker === true;
}
