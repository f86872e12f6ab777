/**
 * What the console knows about the pipeline, as plain data: the raw records the AWS APIs answer (trimmed to
 * what is used) and the runs, drops and models reconstructed from them. No DOM and no Node here: the
 * browser page, the terminal follower and `npm run runs` all use these types.
 */
import type { ArchivedDetailType } from '../../../shared/src/notification-archive';

/** Where the pipeline of one stage lives; the page gets it from `config.json` beside it. */
export interface PipelineConfig {
  stage: string;
  region: string;
  dataBucket: string;
  endpointName: string;
  glueJobName: string;
  /** `mlp-<stage>-`: training jobs, models and endpoint configs of a run are named `<prefix><runId>`. */
  trainingJobPrefix: string;
}

/** `config.json` beside the page: where the pipeline is, and what the page signs its requests with. */
export interface PageConfig extends PipelineConfig {
  mode: 'local' | 'aws';
  /** The documented local credentials, or the signing proxy's session key (`npm run console`). */
  credentials: { accessKeyId: string; secretAccessKey: string };
  incomingPrefix: string;
}

export const STAGES = ['ingest', 'preprocess', 'train', 'evaluate', 'deploy', 'notify'] as const;
export type StageName = (typeof STAGES)[number];

export type StageStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'rejected' | 'skipped' | 'unknown';

export interface StageState {
  status: StageStatus;
  startedAt?: Date;
  endedAt?: Date;
  /** One line a person reads: an error, a secondary status, what is awaited. */
  detail?: string;
}

/** `unchanged`: the drop held content the corpus has (`Dataset Unchanged`), so no run went further. */
export type RunOutcome = 'in-progress' | 'deployed' | 'rejected' | 'failed' | 'rolled-back' | 'unchanged' | 'unknown';

/** A drop that a run read for the first time (or that was refused, for a rejected drop's run). */
export interface DropRef {
  /** `incoming/...` as the user dropped it. */
  droppedKey: string;
  /** Where the pipeline kept it: `labeled/...` or `rejected/...`. */
  keptKey: string;
  size?: number;
  at?: Date;
  /** The drop's own run id (ingestion's), when it differs from the run that read it: it arrived during another run. */
  ownRunId?: string;
}

export interface TrainingProgress {
  epoch: number;
  epochs: number;
  message: string;
}

export interface Run {
  runId: string;
  startedAt: Date;
  trigger: { kind: 'drops' | 'rejected-drop' | 'unchanged-drop' | 'no-new-data' | 'unknown'; drops: DropRef[] };
  stages: Record<StageName, StageState>;
  outcome: { status: RunOutcome; reason?: string; at?: Date };
  /** For a run in progress: the stage it is in (or waits for). */
  current?: { stage: StageName; progress?: TrainingProgress };
  validationAccuracy?: number;
  testAccuracy?: number;
  refs: RunRefs;
}

export interface RunRefs {
  glueJobRunId?: string;
  trainingJobName?: string;
  endpointConfigName?: string;
  preparedPrefix?: string;
  reportKey?: string;
  rejectedKey?: string;
  notificationKeys: string[];
}

// ---- Raw records, as the APIs answer them (times as Dates)

export interface GlueRunRecord {
  jobRunId: string;
  /** `--run_id`; the job run id when the run was not started by the pipeline. */
  runId: string;
  state: string;
  startedOn?: Date;
  completedOn?: Date;
  executionTime?: number;
  errorMessage?: string;
  outputUri?: string;
}

export interface TrainingJobRecord {
  name: string;
  status: string;
  secondaryStatus?: string;
  createdAt?: Date;
  endedAt?: Date;
  lastModifiedAt?: Date;
}

export interface TrainingJobDetail extends TrainingJobRecord {
  startedAt?: Date;
  failureReason?: string;
  statusMessage?: string;
  progress?: TrainingProgress;
  hyperParameters: Record<string, string>;
  metrics: Array<{ name: string; value: number; at?: Date }>;
  transitions: Array<{ status: string; startedAt?: Date; endedAt?: Date; message?: string }>;
  modelArtifact?: string;
  instanceType?: string;
  instanceCount?: number;
  trainingSeconds?: number;
  billableSeconds?: number;
  tags?: Record<string, string>;
}

export interface EndpointRecord {
  name: string;
  status: string;
  configName?: string;
  pendingConfigName?: string;
  failureReason?: string;
  createdAt?: Date;
  lastModifiedAt?: Date;
}

export interface EndpointConfigRecord {
  name: string;
  createdAt?: Date;
}

export interface ObjectRecord {
  key: string;
  size?: number;
  etag?: string;
  lastModified?: Date;
}

/** `rejected/<key>.error.json`, written by the ingestion service. */
export interface RejectionReport {
  key: string;
  reportKey: string;
  reason: string;
  details?: unknown;
  size?: number;
  at?: Date;
  runId?: string;
}

/** An archived email's key taken apart, with the listing's time. */
export interface NotificationRef {
  key: string;
  runId: string;
  /** Undefined for a kind of email the archive does not know (a later version's): still shown by its slug. */
  detailType?: ArchivedDetailType;
  slug: string;
  eventId: string;
  lastModified?: Date;
}

/** What the notification service archived (shared/src/notification-archive.ts), as the console shows it. */
export interface EmailRecord {
  key: string;
  runId: string;
  detailType: string;
  subject: string;
  text: string;
  html: string;
  from: string;
  to: string[];
  sentAt?: Date;
  detail: Record<string, unknown>;
}

/** `evaluations/<runId>/report.json` (docs/contracts.md). */
export interface EvaluationReport {
  runId: string;
  testRows: number;
  labels: string[];
  challenger: ModelEvaluation;
  champion: ModelEvaluation | null;
  decision: { deploy: boolean; reasons: string[] };
}

export interface ModelEvaluation {
  trainingJob: string;
  modelArtifact?: string;
  accuracy: number;
  macroF1?: number;
  perClass: Record<string, { precision: number; recall: number; f1: number; support: number }>;
  confusion: number[][];
}
