/** CloudWatch Logs state: log groups, their streams, and the streams' events. */

export interface StoredLogEvent {
  timestamp: number;
  ingestionTime: number;
  message: string;
  /** Position in the group, in ingestion order (tokens and event ids are built from it). */
  seq: number;
}

export interface StoredLogStream {
  name: string;
  creationTime: number;
  /** Kept in (timestamp, seq) order. */
  events: StoredLogEvent[];
  storedBytes: number;
  lastIngestionTime?: number;
}

/** What groups.json keeps of a group; its streams and events are in the group's journal. */
export interface LogGroupSettings {
  name: string;
  creationTime: number;
  retentionInDays?: number;
  kmsKeyId?: string;
  logGroupClass: string;
  tags: Record<string, string>;
}

/** The size AWS counts for an event: its message in UTF-8 plus 26 bytes. */
export function eventSize(message: string): number {
  return Buffer.byteLength(message, 'utf8') + 26;
}
