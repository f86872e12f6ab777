/**
 * Applies the buckets' lifecycle rules (lifecycle.ts) as S3 does, in the background: when the stack starts and then
 * on a timer (S3 evaluates its rules about once a day; the local stack every `intervalMs`, an hour by default). An
 * expired current version gets a delete marker in a versioned bucket (is deleted in another), an expired noncurrent
 * version or expired object delete marker is deleted for good, an old incomplete multipart upload is aborted; each
 * deletion is announced on EventBridge (reason `Lifecycle Expiration`) like any other.
 *
 * Time is the engine's clock (`now`). Tests, and anyone who wants to see what the rules do in a month, evaluate them
 * at another time without waiting: `evaluate(at)`, or the stack's control route
 * `POST /_local/s3-lifecycle {"at": "<ISO time>"}` or `{"days": 31}` (local-stack/src/stack.ts).
 */
import { randomUUID } from 'node:crypto';
import type { LocalStackLogger } from '../../../core/logger';
import { ACCOUNT_ID } from '../../../core/types';
import type { S3EventNotifier } from './events';
import { abortingRule, keyActions, type LifecycleRule } from './lifecycle';
import type { MultipartStore } from './multipart-store';
import type { S3Store } from './store';

export interface LifecycleEngineOptions {
  store: S3Store;
  uploads: MultipartStore;
  notifier: S3EventNotifier;
  logger: LocalStackLogger;
  /** The rules of a bucket's stored lifecycle document (the wire side's parser: ../lifecycle.ts). */
  parseRules(document: string): LifecycleRule[];
  /** Between evaluations; an hour by default. */
  intervalMs?: number;
  /** The engine's clock. */
  now?: () => Date;
}

export interface LifecycleReport {
  /** The time the rules were evaluated at. */
  at: string;
  /** Current versions expired (a delete marker placed, or deleted in an unversioned bucket). */
  expired: number;
  /** Noncurrent versions and delete markers deleted for good. */
  deletedVersions: number;
  abortedUploads: number;
  /** Actions per rule, `<bucket>/<rule id>`. */
  byRule: Record<string, number>;
}

export const LIFECYCLE_INTERVAL_MS = 60 * 60 * 1000;

export class LifecycleEngine {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> = Promise.resolve();

  private readonly store: S3Store;
  private readonly uploads: MultipartStore;
  private readonly notifier: S3EventNotifier;
  private readonly logger: LocalStackLogger;

  constructor(private readonly options: LifecycleEngineOptions) {
    this.store = options.store;
    this.uploads = options.uploads;
    this.notifier = options.notifier;
    this.logger = options.logger;
  }

  /** Evaluates once now, then on the timer. */
  async start(): Promise<void> {
    await this.evaluate();
    this.timer = setInterval(() => {
      this.evaluate().catch((error: unknown) => this.logger.error('lifecycle evaluation failed', { error: String(error) }));
    }, this.options.intervalMs ?? LIFECYCLE_INTERVAL_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running.catch(() => undefined);
  }

  /** Applies every bucket's rules as of `at` (default: now); evaluations run one at a time. */
  evaluate(at: Date = (this.options.now ?? (() => new Date()))()): Promise<LifecycleReport> {
    const run = this.running.catch(() => undefined).then(() => this.evaluateAll(at));
    this.running = run;
    return run;
  }

  private async evaluateAll(at: Date): Promise<LifecycleReport> {
    const report: LifecycleReport = { at: at.toISOString(), expired: 0, deletedVersions: 0, abortedUploads: 0, byRule: {} };
    for (const bucket of this.store.listBuckets()) {
      const document = bucket.documents.lifecycle;
      if (document === undefined) continue;
      let rules: LifecycleRule[];
      try {
        rules = this.options.parseRules(document);
      } catch (error) {
        this.logger.warn('a bucket lifecycle configuration no longer parses; skipped', { bucket: bucket.name, error: String(error) });
        continue;
      }
      await this.applyToBucket(bucket.name, rules, at, report);
    }
    if (report.expired + report.deletedVersions + report.abortedUploads > 0) this.logger.info('lifecycle rules applied', { ...report });
    return report;
  }

  private async applyToBucket(bucket: string, rules: readonly LifecycleRule[], at: Date, report: LifecycleReport): Promise<void> {
    const count = (rule: string) => {
      report.byRule[`${bucket}/${rule}`] = (report.byRule[`${bucket}/${rule}`] ?? 0) + 1;
    };
    const context = () => ({ ...this.notifier.contextOf({ accountId: ACCOUNT_ID, requestId: randomUUID(), sourceIp: '127.0.0.1' }, bucket) });
    const versioned = this.store.bucketConfig(bucket).versioning !== undefined;
    for (const key of this.store.keysWithVersions(bucket)) {
      const versions = this.store.versionsOf(bucket, key);
      const hasCurrent = this.hasCurrent(bucket, key);
      for (const action of keyActions(rules, versions, hasCurrent, at)) {
        const versionId = action.kind === 'delete-version' ? action.versionId : undefined;
        const outcome = await this.store.deleteObject(bucket, key, versionId);
        if (action.kind === 'expire-current') report.expired++;
        else report.deletedVersions++;
        count(action.rule);
        if (outcome.removed || outcome.deleteMarker) {
          await this.notifier.deleted(context(), {
            key,
            sequence: outcome.sequence,
            versionId: outcome.versionId,
            deleteMarkerCreated: outcome.deleteMarker && versionId === undefined && versioned,
            reason: 'Lifecycle Expiration',
          });
        }
      }
    }
    for (const upload of await this.uploads.listUploads(bucket)) {
      const rule = abortingRule(rules, upload.key, new Date(upload.initiated), at);
      if (!rule) continue;
      await this.uploads.abortUpload(bucket, upload.uploadId);
      report.abortedUploads++;
      count(rule);
    }
  }

  private hasCurrent(bucket: string, key: string): boolean {
    try {
      this.store.objectRecord(bucket, key);
      return true;
    } catch {
      return false;
    }
  }
}
