/**
 * Runs, reconstructed from what the four services leave behind in the AWS APIs. There is no orchestrator
 * and so no run record: a run is the run id that ties a drop to its Glue run (`--run_id`), its training job
 * (`<mlp-stage->runId`), its endpoint config (named after the job), its evaluation (`evaluations/<runId>/`)
 * and its emails (`notifications/<runId>/`). Pure functions of the records: see console/README.md for the rules.
 */
import { runStartedAt } from '../../../shared/src/names';
import type { ArchivedDetailType } from '../../../shared/src/notification-archive';
import type {
  DropRef,
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
  RunOutcome,
  StageName,
  StageState,
  TrainingJobDetail,
  TrainingJobRecord,
} from './model';
import { STAGES } from './model';

export interface RunInputs {
  config: PipelineConfig;
  glueRuns: readonly GlueRunRecord[];
  trainingJobs: readonly TrainingJobRecord[];
  /** DescribeTrainingJob answers, by job name, for the jobs described so far. */
  trainingDetails: ReadonlyMap<string, TrainingJobDetail>;
  endpoint?: EndpointRecord;
  endpointConfigs: readonly EndpointConfigRecord[];
  notifications: readonly NotificationRef[];
  /** Archived emails read so far, by key. */
  emails: ReadonlyMap<string, EmailRecord>;
  labeled: readonly ObjectRecord[];
  /** The `run-id` metadata of labeled objects headed so far, by key. */
  labeledRunIds: ReadonlyMap<string, string>;
  rejections: readonly RejectionReport[];
  /** Runs with an `evaluations/<runId>/` prefix, with the report once read. */
  evaluations: ReadonlyMap<string, { report?: EvaluationReport; lastModified?: Date }>;
}

const GLUE_ACTIVE = new Set(['STARTING', 'RUNNING', 'STOPPING', 'WAITING']);
const GLUE_FAILED = new Set(['FAILED', 'TIMEOUT', 'ERROR', 'STOPPED']);
const LABELED_DATA_KEY = /^labeled\/(.*)\.[0-9a-f]{12}(\.(?:csv|jsonl|txt)(?:\.gz)?)$/i;
/** A dropped classes.txt, kept as `labeled/<folder>/classes.<dropped at>.<etag 12>.txt` (docs/contracts.md, labeled/). */
const KEPT_CLASSES_KEY = /^labeled\/((?:.*\/)?)classes\.\d{8}T\d{6}Z\.[0-9a-f]{12}\.txt$/;

/** A kept data file's class-name sidecar (`<kept key>.classes.json`): written with the drop, not a drop itself. */
export function isClassesSidecar(key: string): boolean {
  return key.startsWith('labeled/') && key.endsWith('.classes.json');
}

/** A dropped classes.txt as kept: `labeled/<folder>/classes.<dropped at>.<etag 12>.txt`, or a corpus's older `labeled/classes.txt`. */
function isClassNameList(key: string): boolean {
  return KEPT_CLASSES_KEY.test(key) || key === 'labeled/classes.txt';
}

/** The key the user dropped, from the key ingestion kept it as (`labeled/<stem>.<etag 12><ext>`). */
export function droppedKeyOf(keptKey: string): string {
  const classes = KEPT_CLASSES_KEY.exec(keptKey);
  if (classes) return `incoming/${classes[1]}classes.txt`;
  const data = LABELED_DATA_KEY.exec(keptKey);
  if (data) return `incoming/${data[1]}${data[2]}`;
  // A corpus kept before sidecars has one labeled/classes.txt, whatever folder it was dropped in.
  if (keptKey === 'labeled/classes.txt') return 'classes.txt';
  if (keptKey.startsWith('labeled/')) return `incoming/…/${keptKey.slice('labeled/'.length)}`;
  if (keptKey.startsWith('rejected/')) return `incoming/${keptKey.slice('rejected/'.length)}`;
  return keptKey;
}

/** `Training: epoch 3/10, ...` (the local stack) or any status message naming `epoch N/M`. */
export function parseEpochProgress(message: string | undefined): { epoch: number; epochs: number } | undefined {
  const match = /\bepoch (\d+)\s*\/\s*(\d+)/i.exec(message ?? '');
  if (!match) return undefined;
  return { epoch: Number(match[1]), epochs: Number(match[2]) };
}

/**
 * Which run read each labeled object first: the run its `run-id` metadata names when that run exists (the
 * drop started it), else the first Glue run that started after the object was written (a drop that arrived
 * while another run was going is read by the follow-up run, or by the next drop's run).
 */
export function attributeDrops(inputs: Pick<RunInputs, 'glueRuns' | 'labeled' | 'labeledRunIds'>): { byRun: Map<string, DropRef[]>; waiting: DropRef[] } {
  const runs = [...inputs.glueRuns].filter((run) => run.startedOn).sort((a, b) => a.startedOn!.getTime() - b.startedOn!.getTime());
  const runIds = new Set(runs.map((run) => run.runId));
  const byRun = new Map<string, DropRef[]>();
  const waiting: DropRef[] = [];
  for (const object of inputs.labeled) {
    if (object.key.endsWith('/') || isClassesSidecar(object.key)) continue;
    const ownRunId = inputs.labeledRunIds.get(object.key);
    const ref: DropRef = { droppedKey: droppedKeyOf(object.key), keptKey: object.key, size: object.size, at: object.lastModified };
    let runId: string | undefined;
    if (ownRunId && runIds.has(ownRunId)) runId = ownRunId;
    else if (object.lastModified) runId = runs.find((run) => run.startedOn!.getTime() >= object.lastModified!.getTime())?.runId;
    if (runId === undefined) {
      waiting.push(ref);
      continue;
    }
    // A class-name list starts no run of its own: the id ingestion gave it names no run to point to.
    if (ownRunId && ownRunId !== runId && !isClassNameList(object.key)) ref.ownRunId = ownRunId;
    byRun.set(runId, [...(byRun.get(runId) ?? []), ref]);
  }
  return { byRun, waiting };
}

function latestBy<T>(items: readonly T[], key: (item: T) => string, time: (item: T) => Date | undefined): Map<string, T> {
  const map = new Map<string, T>();
  for (const item of items) {
    const previous = map.get(key(item));
    if (!previous || (time(item)?.getTime() ?? 0) >= (time(previous)?.getTime() ?? 0)) map.set(key(item), item);
  }
  return map;
}

const stage = (status: StageState['status'], rest: Omit<StageState, 'status'> = {}): StageState => ({ status, ...rest });

function runIdOfName(config: PipelineConfig, name: string): string | undefined {
  return name.startsWith(config.trainingJobPrefix) ? name.slice(config.trainingJobPrefix.length) : undefined;
}

/** Every run, newest first. */
export function reconstructRuns(inputs: RunInputs): Run[] {
  const { config } = inputs;
  const glueByRun = latestBy(inputs.glueRuns, (run) => run.runId, (run) => run.startedOn);
  const jobsByRun = new Map<string, TrainingJobRecord>();
  for (const job of inputs.trainingJobs) {
    const runId = runIdOfName(config, job.name);
    if (runId) jobsByRun.set(runId, job);
  }
  const configsByRun = new Map<string, EndpointConfigRecord>();
  for (const endpointConfig of inputs.endpointConfigs) {
    const runId = runIdOfName(config, endpointConfig.name);
    if (runId) configsByRun.set(runId, endpointConfig);
  }
  const notificationsByRun = new Map<string, NotificationRef[]>();
  for (const ref of inputs.notifications) notificationsByRun.set(ref.runId, [...(notificationsByRun.get(ref.runId) ?? []), ref]);
  const rejectionsByRun = new Map<string, RejectionReport>();
  for (const report of inputs.rejections) if (report.runId) rejectionsByRun.set(report.runId, report);
  const { byRun: dropsByRun } = attributeDrops(inputs);

  const runIds = new Set<string>([
    ...glueByRun.keys(),
    ...jobsByRun.keys(),
    ...notificationsByRun.keys(),
    ...rejectionsByRun.keys(),
    ...inputs.evaluations.keys(),
    ...configsByRun.keys(),
  ]);
  const runs = [...runIds].map((runId) =>
    buildRun(runId, {
      config,
      glue: glueByRun.get(runId),
      job: jobsByRun.get(runId),
      detail: jobsByRun.has(runId) ? inputs.trainingDetails.get(jobsByRun.get(runId)!.name) : undefined,
      endpoint: inputs.endpoint,
      endpointConfig: configsByRun.get(runId),
      notifications: notificationsByRun.get(runId) ?? [],
      emails: inputs.emails,
      drops: dropsByRun.get(runId) ?? [],
      rejection: rejectionsByRun.get(runId),
      evaluation: inputs.evaluations.get(runId),
    }),
  );
  return runs.sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime() || b.runId.localeCompare(a.runId));
}

interface RunParts {
  config: PipelineConfig;
  glue?: GlueRunRecord;
  job?: TrainingJobRecord;
  detail?: TrainingJobDetail;
  endpoint?: EndpointRecord;
  endpointConfig?: EndpointConfigRecord;
  notifications: NotificationRef[];
  emails: ReadonlyMap<string, EmailRecord>;
  drops: DropRef[];
  rejection?: RejectionReport;
  evaluation?: { report?: EvaluationReport; lastModified?: Date };
}

/** An email's detail field as a string, when the email has been read. */
function detailField(parts: RunParts, detailType: ArchivedDetailType, field: string): string | undefined {
  for (const ref of parts.notifications) {
    if (ref.detailType !== detailType) continue;
    const value = parts.emails.get(ref.key)?.detail[field];
    if (typeof value === 'string') return value;
  }
  return undefined;
}

/** The news that ends a run's evaluation (the gate decided, or something failed). */
const RUN_OUTCOMES: readonly ArchivedDetailType[] = ['Model Deployed', 'Model Rejected', 'Model Awaiting Approval', 'Pipeline Failed'];

function notified(parts: RunParts, detailType: ArchivedDetailType): NotificationRef | undefined {
  return parts.notifications.find((ref) => ref.detailType === detailType);
}

function emailTime(parts: RunParts, ref: NotificationRef): Date | undefined {
  const at = parts.emails.get(ref.key)?.detail.at;
  return typeof at === 'string' && !Number.isNaN(Date.parse(at)) ? new Date(at) : ref.lastModified;
}

function buildRun(runId: string, parts: RunParts): Run {
  const { glue, rejection } = parts;
  const job = parts.detail ?? parts.job;
  const dataRejected = notified(parts, 'Dataset Rejected');
  const unchanged = notified(parts, 'Dataset Unchanged');
  const pipelineFailed = notified(parts, 'Pipeline Failed');
  const failedStep = detailField(parts, 'Pipeline Failed', 'failedStep');
  const failureReason = detailField(parts, 'Pipeline Failed', 'reason');
  const stages = {} as Record<StageName, StageState>;

  // ingest
  if (rejection || dataRejected) {
    const reason = rejection?.reason ?? detailField(parts, 'Dataset Rejected', 'reason') ?? 'the drop was refused';
    stages.ingest = stage('rejected', { startedAt: runStartedAt(runId), endedAt: rejection?.at ?? (dataRejected && emailTime(parts, dataRejected)), detail: reason });
  } else if (unchanged) {
    const duplicateOf = detailField(parts, 'Dataset Unchanged', 'duplicateOf');
    stages.ingest = stage('succeeded', { startedAt: runStartedAt(runId), endedAt: emailTime(parts, unchanged), detail: `nothing new${duplicateOf ? `: the content of ${duplicateOf}` : ''}` });
  } else if (parts.drops.length > 0) {
    // Ingestion's last act is starting the Glue run (S3 listings give times to the second only).
    const ends = parts.drops.map((drop) => drop.at?.getTime() ?? 0).filter((time) => time > 0);
    const endedAt = glue?.startedOn ?? (ends.length > 0 ? new Date(Math.max(...ends)) : undefined);
    const startedAt = runStartedAt(runId);
    stages.ingest = stage('succeeded', { startedAt: startedAt && endedAt && startedAt <= endedAt ? startedAt : undefined, endedAt, detail: `${parts.drops.length} drop(s) kept under labeled/` });
  } else if (glue) {
    stages.ingest = stage('skipped', { detail: 'no new drop: a follow-up run or a retrain' });
  } else {
    stages.ingest = stage('unknown');
  }

  // preprocess
  if (glue) {
    const times = { startedAt: glue.startedOn, endedAt: glue.completedOn };
    if (GLUE_ACTIVE.has(glue.state)) stages.preprocess = stage('running', { startedAt: glue.startedOn, detail: `Glue ${glue.state}` });
    else if (glue.state === 'SUCCEEDED') stages.preprocess = stage('succeeded', times);
    else if (GLUE_FAILED.has(glue.state)) stages.preprocess = stage('failed', { ...times, detail: glue.errorMessage || `Glue run ${glue.state}` });
    else stages.preprocess = stage('unknown', { ...times, detail: glue.state });
  } else if (stages.ingest.status === 'rejected' || unchanged) {
    stages.preprocess = stage('skipped');
  } else if (stages.ingest.status === 'succeeded') {
    stages.preprocess = stage('pending', { detail: 'waiting for the Glue run to start' });
  } else {
    stages.preprocess = stage(job || parts.endpointConfig ? 'unknown' : 'skipped');
  }

  // train
  if (job) {
    const detail = parts.detail;
    const times = { startedAt: detail?.startedAt ?? job.createdAt, endedAt: job.endedAt };
    if (job.status === 'InProgress' || job.status === 'Stopping') {
      const message = detail?.statusMessage ? `${job.secondaryStatus ?? job.status}: ${detail.statusMessage}` : (job.secondaryStatus ?? job.status);
      stages.train = stage('running', { startedAt: times.startedAt, detail: message });
    } else if (job.status === 'Completed') {
      stages.train = stage('succeeded', times);
    } else if (job.status === 'Failed' || job.status === 'Stopped') {
      stages.train = stage('failed', { ...times, detail: detail?.failureReason ?? `training job ${job.status}` });
    } else {
      stages.train = stage('unknown', { ...times, detail: job.status });
    }
  } else if (stages.preprocess.status === 'succeeded') {
    stages.train = pipelineFailed && (failedStep === undefined || failedStep === 'training')
      ? stage('failed', { endedAt: emailTime(parts, pipelineFailed), detail: failureReason ?? 'the training service reported a failure' })
      : stage('pending', { detail: 'waiting for the training job' });
  } else {
    stages.train = stage('skipped');
  }

  // evaluate
  const evaluationStart = stages.train.status === 'succeeded' && stages.train.endedAt ? { startedAt: stages.train.endedAt } : {};
  if (pipelineFailed && failedStep === 'evaluation') {
    stages.evaluate = stage('failed', { ...evaluationStart, endedAt: emailTime(parts, pipelineFailed), detail: failureReason ?? 'the evaluation failed' });
  } else if (parts.evaluation) {
    const report = parts.evaluation.report;
    // The deployment service writes the batch input under evaluations/<runId>/ first, the report last: until the report
    // (or the run's outcome, when the report is not read) the transform jobs are still going on.
    const decided = RUN_OUTCOMES.some((type) => notified(parts, type));
    stages.evaluate = report || decided
      ? stage('succeeded', {
          ...evaluationStart,
          // the report's time (to the second) ends it
          endedAt: parts.evaluation.lastModified,
          detail: report ? `test accuracy ${(report.challenger.accuracy * 100).toFixed(2)}% on ${report.testRows} rows` : undefined,
        })
      : stage('running', { ...evaluationStart, detail: 'batch transform on the test split' });
  } else {
    stages.evaluate = stage('skipped', { detail: 'no evaluation report' });
  }

  // deploy
  const configName = `${parts.config.trainingJobPrefix}${runId}`;
  const deployed = notified(parts, 'Model Deployed');
  const modelRejected = notified(parts, 'Model Rejected');
  const awaiting = notified(parts, 'Model Awaiting Approval');
  const rolledBack = notified(parts, 'Model Rolled Back');
  const endpoint = parts.endpoint;
  // The endpoint config's creation when it is still there; else the end of the evaluation (the gate follows it), or of training.
  const evaluated = stages.evaluate.status === 'succeeded' ? stages.evaluate.endedAt : undefined;
  const deployStart = parts.endpointConfig?.createdAt ?? evaluated ?? (stages.train.status === 'succeeded' ? stages.train.endedAt : undefined);
  const serving = endpoint?.configName === configName && endpoint.status === 'InService';
  if (deployed || serving) {
    stages.deploy = stage('succeeded', {
      startedAt: deployStart,
      endedAt: deployed ? emailTime(parts, deployed) : endpoint?.lastModifiedAt,
      detail: serving ? `serving on ${endpoint!.name}` : `deployed to ${parts.config.endpointName}`,
    });
  } else if (modelRejected) {
    stages.deploy = stage('rejected', { startedAt: deployStart, endedAt: emailTime(parts, modelRejected), detail: detailField(parts, 'Model Rejected', 'reason') ?? 'the quality gate rejected the model' });
  } else if (pipelineFailed && (failedStep === 'deployment' || (failedStep === undefined && stages.train.status === 'succeeded'))) {
    stages.deploy = stage('failed', { startedAt: deployStart, endedAt: emailTime(parts, pipelineFailed), detail: failureReason ?? 'the deployment failed' });
  } else if (awaiting) {
    stages.deploy = stage('running', { startedAt: deployStart, detail: 'awaiting approval' });
  } else if (endpoint && (endpoint.pendingConfigName === configName || endpoint.configName === configName)) {
    stages.deploy = stage(endpoint.status === 'Failed' ? 'failed' : 'running', { startedAt: deployStart, detail: `endpoint ${endpoint.status}${endpoint.failureReason ? `: ${endpoint.failureReason}` : ''}` });
  } else if (parts.endpointConfig) {
    stages.deploy = stage('running', { startedAt: deployStart, detail: 'endpoint config created' });
  } else if (stages.train.status === 'succeeded' && stages.evaluate.status !== 'failed') {
    stages.deploy = stage('pending', { startedAt: deployStart, detail: 'waiting for the quality gate' });
  } else {
    stages.deploy = stage('skipped');
  }
  // Model Rolled Back names the run put back in service (npm run rollback), not the one it replaced.
  if (rolledBack) stages.deploy = stage(serving ? 'succeeded' : stages.deploy.status, { ...stages.deploy, detail: `back in service after a rollback: ${detailField(parts, 'Model Rolled Back', 'reason') ?? 'rolled back'}` });

  // ingest, preprocess, train failures announced without other records (a follow-up whose Glue run is gone, ...)
  if (pipelineFailed && failedStep === 'preprocessing' && stages.preprocess.status !== 'failed') {
    stages.preprocess = stage('failed', { ...stages.preprocess, detail: failureReason ?? stages.preprocess.detail });
  }

  // notify
  if (parts.notifications.length > 0) {
    // From the time of the news (the event's `at`) to the email sent; to the second from the listing until the emails are read.
    const emails = parts.notifications.map((ref) => parts.emails.get(ref.key));
    const sent = parts.notifications.map((ref, index) => (emails[index]?.sentAt ?? ref.lastModified)?.getTime() ?? 0).filter((time) => time > 0);
    const news = emails.map((email) => (typeof email?.detail.at === 'string' ? Date.parse(email.detail.at) : NaN)).filter((time) => !Number.isNaN(time));
    const subjects = parts.notifications.map((ref, index) => emails[index]?.subject ?? ref.detailType ?? ref.slug);
    stages.notify = stage('succeeded', {
      ...(news.length > 0 ? { startedAt: new Date(Math.min(...news)) } : {}),
      endedAt: sent.length > 0 ? new Date(Math.max(...sent)) : undefined,
      detail: subjects.join('; '),
    });
  } else {
    stages.notify = stage('pending', { detail: 'no email yet' });
  }

  waitBehindRunningStages(stages);
  const outcome = unchanged && !glue ? { status: 'unchanged' as const, reason: stages.ingest.detail, at: stages.ingest.endedAt } : outcomeOf(stages, !!rolledBack);
  const progress = parts.detail?.progress;
  const current = outcome.status === 'in-progress' ? currentStage(stages) : undefined;
  const reportKey = parts.evaluation ? `evaluations/${runId}/report.json` : undefined;
  return {
    runId,
    startedAt: runStartedAt(runId) ?? glue?.startedOn ?? parts.job?.createdAt ?? parts.notifications[0]?.lastModified ?? new Date(0),
    trigger: rejection || dataRejected
      ? {
          kind: 'rejected-drop',
          drops: rejection ? [{ droppedKey: rejection.key, keptKey: rejection.reportKey.replace(/\.error\.json$/, ''), size: rejection.size, at: rejection.at }] : [],
        }
      : unchanged && !glue
        ? { kind: 'unchanged-drop', drops: unchangedDrop(parts) }
        : parts.drops.length > 0
          ? { kind: 'drops', drops: parts.drops }
        : { kind: glue ? 'no-new-data' : 'unknown', drops: [] },
    stages,
    outcome,
    ...(current ? { current: { stage: current, ...(current === 'train' && progress ? { progress } : {}) } } : {}),
    ...(parts.detail?.metrics.find((metric) => metric.name === 'validation:accuracy')
      ? { validationAccuracy: parts.detail.metrics.find((metric) => metric.name === 'validation:accuracy')!.value }
      : {}),
    ...(parts.evaluation?.report ? { testAccuracy: parts.evaluation.report.challenger.accuracy } : {}),
    refs: {
      ...(glue ? { glueJobRunId: glue.jobRunId, preparedPrefix: `prepared/${runId}/` } : {}),
      ...(parts.job ? { trainingJobName: parts.job.name } : {}),
      ...(parts.endpointConfig || deployed ? { endpointConfigName: configName } : {}),
      ...(reportKey ? { reportKey } : {}),
      ...(rejection ? { rejectedKey: rejection.reportKey.replace(/\.error\.json$/, '') } : {}),
      notificationKeys: parts.notifications.map((ref) => ref.key),
    },
  };
}

/** The drop a `Dataset Unchanged` email names, once the email has been read. */
function unchangedDrop(parts: RunParts): DropRef[] {
  const key = detailField(parts, 'Dataset Unchanged', 'key');
  const duplicateOf = detailField(parts, 'Dataset Unchanged', 'duplicateOf');
  return key && duplicateOf ? [{ droppedKey: key, keptKey: duplicateOf }] : [];
}

/** A stage after one that is still going on is waiting, not skipped (the evaluate stage only once it exists). */
function waitBehindRunningStages(stages: Record<StageName, StageState>): void {
  let going: StageName | undefined;
  for (const name of STAGES) {
    const state = stages[name];
    if (name === 'evaluate' && state.status === 'skipped') continue;
    if (going && state.status === 'skipped') stages[name] = stage('pending', { detail: `after ${going}` });
    else if (state.status === 'running' || state.status === 'pending') going ??= name;
    else if (state.status === 'failed' || state.status === 'rejected') return;
  }
}

function currentStage(stages: Record<StageName, StageState>): StageName | undefined {
  return STAGES.find((name) => stages[name].status === 'running') ?? STAGES.find((name) => stages[name].status === 'pending');
}

function outcomeOf(stages: Record<StageName, StageState>, rolledBack: boolean): Run['outcome'] {
  const ordered = STAGES.map((name) => [name, stages[name]] as const);
  if (rolledBack) return { status: 'rolled-back', reason: stages.deploy.detail, at: stages.deploy.endedAt };
  if (stages.deploy.status === 'succeeded') return { status: 'deployed', at: stages.deploy.endedAt };
  const rejected = ordered.find(([, state]) => state.status === 'rejected');
  if (rejected) {
    const [name, state] = rejected;
    return { status: 'rejected', reason: `${name === 'ingest' ? 'data rejected' : 'model rejected'}: ${state.detail ?? ''}`.replace(/: $/, ''), at: state.endedAt };
  }
  const failed = ordered.find(([, state]) => state.status === 'failed');
  if (failed) return { status: 'failed', reason: `${failed[0]} failed: ${failed[1].detail ?? ''}`.replace(/: $/, ''), at: failed[1].endedAt };
  const going = ordered.some(([name, state]) => name !== 'notify' && (state.status === 'running' || state.status === 'pending'));
  const status: RunOutcome = going ? 'in-progress' : 'unknown';
  return { status };
}
