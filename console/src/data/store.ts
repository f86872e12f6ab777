/**
 * The console's view of one stage of the pipeline, kept current by polling the AWS APIs.
 *
 * The first refresh lists everything (every Glue run, training job, endpoint config, archived email,
 * evaluation, labeled and rejected object); later ones ask only for what can have changed: the newest
 * Glue runs and training jobs, the endpoint, the emails and evaluations of runs from the oldest run
 * still going on (S3 lists keys in order and run ids start with their time, so `StartAfter` skips the
 * rest), incoming/, and a describe of each training job in progress (its epoch). Objects that never
 * change once written (emails, reports, rejection reports, a finished job's description) are read once,
 * and only when something shows them (`want`). Every few refreshes the lists are taken in full again.
 */
import type {
  EmailRecord,
  EndpointConfigRecord,
  EndpointRecord,
  EvaluationReport,
  GlueRunRecord,
  NotificationRef,
  ObjectRecord,
  PipelineConfig,
  RejectionReport,
  Run,
  TrainingJobDetail,
  TrainingJobRecord,
} from './model';
import { mapLimit } from './limit';
import { attributeDrops, reconstructRuns, type RunInputs } from './reconstruct';
import {
  describeEndpoint,
  describeTrainingJob,
  getGlueRun,
  labeledRunId,
  listEndpointConfigs,
  listGlueRuns,
  listObjects,
  listTrainingJobs,
  notificationRefs,
  readEmail,
  readEvaluation,
  readRejection,
  UnreadableObject,
  type PipelineClients,
} from './sources';
import type { DropRef } from './model';

export interface Snapshot {
  config: PipelineConfig;
  runs: Run[];
  endpoint?: EndpointRecord;
  /** Labeled objects by the run that read them first, and those no run has read yet. */
  drops: { byRun: ReadonlyMap<string, DropRef[]>; waiting: DropRef[] };
  /** Objects under incoming/: drops the ingestion service has not handled yet. */
  incoming: ObjectRecord[];
  labeled: ObjectRecord[];
  labeledRunIds: ReadonlyMap<string, string>;
  rejected: ObjectRecord[];
  rejections: ReadonlyMap<string, RejectionReport>;
  emails: ReadonlyMap<string, EmailRecord>;
  reports: ReadonlyMap<string, EvaluationReport>;
  trainingDetails: ReadonlyMap<string, TrainingJobDetail>;
  /** Whether any run has an evaluation: the evaluate stage is shown once one has. */
  hasEvaluations: boolean;
  refreshedAt: Date;
  /** The last refresh: how many API requests it made and how long it took. */
  lastRefresh: { requests: number; ms: number; full: boolean };
  error?: string;
}

export interface StoreOptions {
  /** Every this many refreshes, the lists are taken in full (default 30). */
  fullEvery?: number;
  /** Requests in flight at once for the objects read one by one (default 6). */
  concurrency?: number;
  /** Counts the requests made (the clients' middleware increments it). */
  requestCounter?: { count: number };
  /** How often a refresh that reads many details reports its progress (default 500 ms). */
  progressEveryMs?: number;
  now?: () => Date;
}

const ACTIVE_GLUE = new Set(['STARTING', 'RUNNING', 'STOPPING', 'WAITING']);
const ACTIVE_JOB = new Set(['InProgress', 'Stopping']);
/** A run "in progress" older than this is not held open for the incremental listings (a lost event never closes it). */
const STUCK_AFTER_MS = 6 * 3600_000;

export class PipelineStore {
  private readonly glueRuns = new Map<string, GlueRunRecord>();
  private readonly trainingJobs = new Map<string, TrainingJobRecord>();
  private readonly trainingDetails = new Map<string, TrainingJobDetail>();
  private endpoint: EndpointRecord | undefined;
  private readonly endpointConfigs = new Map<string, EndpointConfigRecord>();
  private readonly notifications = new Map<string, NotificationRef>();
  private readonly emails = new Map<string, EmailRecord>();
  private readonly evaluations = new Map<string, { lastModified?: Date }>();
  private readonly reports = new Map<string, EvaluationReport>();
  private labeled: ObjectRecord[] = [];
  private readonly labeledRunIds = new Map<string, string>();
  private rejected: ObjectRecord[] = [];
  private readonly rejections = new Map<string, RejectionReport & { etag?: string }>();
  private incoming: ObjectRecord[] = [];
  private refreshes = 0;
  private runs: Run[] = [];
  private lastRefresh: Snapshot['lastRefresh'] = { requests: 0, ms: 0, full: true };
  private error: string | undefined;
  /** Keys that failed to read, so a broken object is not asked for on every refresh. */
  private readonly unreadable = new Set<string>();
  private detailErrors = 0;
  private readonly wanted = { runs: new Set<string>(), accuracies: new Set<string>(), heads: new Set<string>(), reports: false };
  private readonly now: () => Date;

  constructor(
    private readonly clients: PipelineClients,
    readonly config: PipelineConfig,
    private readonly options: StoreOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Asks for the details that something shows: the runs' training job descriptions and emails (for their
   * reasons and accuracies), only the training jobs of others (`accuracies`: the models chart), labeled
   * objects' run-id metadata, every evaluation report. Read at the next refresh; `replace` forgets what was wanted before.
   */
  want(what: { runs?: readonly string[]; accuracies?: readonly string[]; heads?: readonly string[]; reports?: boolean }, replace = true): void {
    if (what.runs) {
      if (replace) this.wanted.runs.clear();
      for (const runId of what.runs) this.wanted.runs.add(runId);
    }
    if (what.accuracies) {
      if (replace) this.wanted.accuracies.clear();
      for (const runId of what.accuracies) this.wanted.accuracies.add(runId);
    }
    if (what.heads) {
      if (replace) this.wanted.heads.clear();
      for (const key of what.heads) this.wanted.heads.add(key);
    }
    if (what.reports !== undefined) this.wanted.reports = what.reports;
  }

  /**
   * One refresh: the listings, then the details wanted; returns the snapshot. `onListed` gets the one before
   * the details; `onProgress`, while many details are read (the models chart's first load), one every
   * `progressEveryMs` so what is known is drawn before the last one arrives.
   */
  async refresh(onListed?: (snapshot: Snapshot) => void, onProgress?: (snapshot: Snapshot) => void): Promise<Snapshot> {
    const started = Date.now();
    const before = this.options.requestCounter?.count ?? 0;
    const full = this.refreshes % (this.options.fullEvery ?? 30) === 0;
    this.refreshes += 1;
    try {
      await this.list(full);
      this.rebuild();
      onListed?.(this.snapshot());
      this.detailErrors = 0;
      await this.readDetails(onProgress);
      this.rebuild();
      this.error = this.detailErrors > 0 ? `${this.detailErrors} detail request(s) failed; tried again at the next refresh` : undefined;
    } catch (error) {
      this.error = `${(error as Error).name ?? 'Error'}: ${(error as Error).message}`;
    }
    this.lastRefresh = { requests: (this.options.requestCounter?.count ?? before) - before, ms: Date.now() - started, full };
    return this.snapshot();
  }

  snapshot(): Snapshot {
    return {
      config: this.config,
      runs: this.runs,
      endpoint: this.endpoint,
      drops: attributeDrops(this.inputs()),
      incoming: this.incoming,
      labeled: this.labeled,
      labeledRunIds: this.labeledRunIds,
      rejected: this.rejected,
      rejections: this.rejections,
      emails: this.emails,
      reports: this.reports,
      trainingDetails: this.trainingDetails,
      hasEvaluations: this.evaluations.size > 0,
      refreshedAt: this.now(),
      lastRefresh: this.lastRefresh,
      ...(this.error ? { error: this.error } : {}),
    };
  }

  private inputs(): RunInputs {
    const evaluations = new Map<string, { report?: EvaluationReport; lastModified?: Date }>();
    for (const [runId, value] of this.evaluations) evaluations.set(runId, { ...value, report: this.reports.get(runId) });
    return {
      config: this.config,
      glueRuns: [...this.glueRuns.values()],
      trainingJobs: [...this.trainingJobs.values()],
      trainingDetails: this.trainingDetails,
      endpoint: this.endpoint,
      endpointConfigs: [...this.endpointConfigs.values()],
      notifications: [...this.notifications.values()],
      emails: this.emails,
      labeled: this.labeled,
      labeledRunIds: this.labeledRunIds,
      rejections: [...this.rejections.values()],
      evaluations,
    };
  }

  private rebuild(): void {
    this.runs = reconstructRuns(this.inputs());
  }

  /** The run id from which emails and evaluations can still appear: the oldest run going on, else the newest run. */
  private cutoffRunId(): string | undefined {
    const now = this.now().getTime();
    const open = this.runs.filter((run) => run.outcome.status === 'in-progress' && now - run.startedAt.getTime() < STUCK_AFTER_MS);
    const candidates = [...open, ...this.runs.slice(0, 1)].map((run) => run.runId);
    return candidates.sort()[0];
  }

  private async list(full: boolean): Promise<void> {
    const { clients, config } = this;
    const bucket = config.dataBucket;
    const cutoff = full ? undefined : this.cutoffRunId();
    const knownRunIds = new Set([...this.glueRuns.values()].map((run) => run.runId));
    const incomingBefore = this.incoming.map((object) => `${object.key}@${object.etag}`).join('|');
    const [glue, jobs, endpoint, configs, notifications, evaluations, incoming] = await Promise.all([
      listGlueRuns(clients, config.glueJobName, full ? undefined : 20),
      listTrainingJobs(clients, config.trainingJobPrefix, full ? undefined : 10),
      describeEndpoint(clients, config.endpointName),
      listEndpointConfigs(clients, config.trainingJobPrefix, full ? undefined : 10),
      listObjects(clients, bucket, 'notifications/', cutoff ? { startAfter: `notifications/${cutoff}` } : {}),
      listObjects(clients, bucket, 'evaluations/', { delimiter: '/', ...(cutoff ? { startAfter: `evaluations/${cutoff}` } : {}) }),
      listObjects(clients, bucket, 'incoming/', { limit: 1000 }),
    ]);
    if (full) {
      this.glueRuns.clear();
      this.trainingJobs.clear();
      this.endpointConfigs.clear();
      this.notifications.clear();
    }
    for (const run of glue) this.glueRuns.set(run.jobRunId, run);
    // A run still going on that the first page no longer shows (many runs since): asked for by id.
    const listed = new Set(glue.map((run) => run.jobRunId));
    const stale = [...this.glueRuns.values()].filter((run) => ACTIVE_GLUE.has(run.state) && !listed.has(run.jobRunId));
    for (const run of await mapLimit(stale, 4, (old) => getGlueRun(clients, config.glueJobName, old.jobRunId))) {
      if (run) this.glueRuns.set(run.jobRunId, run);
    }
    for (const job of jobs) this.trainingJobs.set(job.name, job);
    this.endpoint = endpoint;
    for (const endpointConfig of configs) this.endpointConfigs.set(endpointConfig.name, endpointConfig);
    for (const ref of notificationRefs(notifications)) this.notifications.set(ref.key, ref);
    const evaluated = new Set(evaluations.map((prefix) => /^evaluations\/([^/]+)\/$/.exec(prefix.key)?.[1]).filter((runId) => runId !== undefined));
    for (const runId of evaluated) if (!this.evaluations.has(runId)) this.evaluations.set(runId, {});
    // A full listing forgets evaluations that are gone, and keeps the time read from the report of the others (read once).
    if (full) {
      for (const runId of [...this.evaluations.keys()].filter((known) => !evaluated.has(known))) {
        this.evaluations.delete(runId);
        this.reports.delete(runId);
      }
    }
    this.incoming = incoming;

    const newRun = [...this.glueRuns.values()].some((run) => !knownRunIds.has(run.runId));
    const incomingChanged = incoming.map((object) => `${object.key}@${object.etag}`).join('|') !== incomingBefore;
    if (full || newRun || incomingChanged || this.refreshes % 10 === 0) {
      const [labeled, rejected] = await Promise.all([listObjects(clients, bucket, 'labeled/'), listObjects(clients, bucket, 'rejected/')]);
      this.labeled = labeled;
      this.rejected = rejected;
    }
  }

  /** Reads what is wanted and not known yet; plus, always, each training job in progress and new rejection reports. */
  private async readDetails(onProgress?: (snapshot: Snapshot) => void): Promise<void> {
    const { clients, config } = this;
    const bucket = config.dataBucket;
    const concurrency = this.options.concurrency ?? 6;
    const wantedRuns = new Set(this.wanted.runs);
    const tasks: Array<() => Promise<void>> = [];
    const read = (key: string, task: () => Promise<void>) => {
      if (this.unreadable.has(key)) return;
      tasks.push(() =>
        task().catch((error: unknown) => {
          // A broken object is left alone from now on; anything else (a network error, throttling) is tried again next time.
          if (error instanceof UnreadableObject) this.unreadable.add(key);
          else this.detailErrors += 1;
        }),
      );
    };

    for (const job of this.trainingJobs.values()) {
      const known = this.trainingDetails.get(job.name);
      const active = ACTIVE_JOB.has(job.status) || (known !== undefined && ACTIVE_JOB.has(known.status));
      const runId = job.name.slice(config.trainingJobPrefix.length);
      const stale = known !== undefined && known.status !== job.status;
      if (active || stale || (!known && (wantedRuns.has(runId) || this.wanted.accuracies.has(runId)))) {
        read(`job:${job.name}`, async () => {
          const detail = await describeTrainingJob(clients, job.name);
          if (!detail) return;
          this.trainingDetails.set(job.name, detail);
          this.trainingJobs.set(job.name, { ...job, status: detail.status, secondaryStatus: detail.secondaryStatus, endedAt: detail.endedAt });
        });
      }
    }
    for (const ref of this.notifications.values()) {
      if (!this.emails.has(ref.key) && wantedRuns.has(ref.runId)) {
        read(ref.key, async () => {
          const email = await readEmail(clients, bucket, ref.key);
          if (email) this.emails.set(ref.key, email);
        });
      }
    }
    for (const object of this.rejected) {
      if (!object.key.endsWith('.error.json')) continue;
      const known = this.rejections.get(object.key);
      if (known && known.etag === object.etag) continue;
      read(`${object.key}@${object.etag}`, async () => {
        const report = await readRejection(clients, bucket, object.key);
        if (report) this.rejections.set(object.key, { ...report, etag: object.etag });
      });
    }
    for (const runId of this.evaluations.keys()) {
      if (!this.reports.has(runId) && (this.wanted.reports || wantedRuns.has(runId))) {
        read(`report:${runId}`, async () => {
          const evaluation = await readEvaluation(clients, bucket, runId);
          if (!evaluation) return;
          this.reports.set(runId, evaluation.report);
          this.evaluations.set(runId, { lastModified: evaluation.lastModified });
        });
      }
    }
    const labeledKeys = new Set(this.labeled.map((object) => object.key));
    for (const key of this.wanted.heads) {
      if (this.labeledRunIds.has(key) || !labeledKeys.has(key)) continue;
      read(`head:${key}`, async () => {
        const runId = await labeledRunId(clients, bucket, key);
        if (runId) this.labeledRunIds.set(key, runId);
      });
    }
    const every = this.options.progressEveryMs ?? 500;
    let published = Date.now();
    await mapLimit(tasks, concurrency, async (task) => {
      await task();
      if (onProgress && Date.now() - published >= every) {
        published = Date.now();
        this.rebuild();
        onProgress(this.snapshot());
      }
    });
  }
}
