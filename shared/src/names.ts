/**
 * Names that tie the four services together. Every service derives resource names from the stage
 * and the run id with these functions, so no service needs another's outputs to find a resource.
 */
export const APP = 'ml-pipeline';

export const PIPELINE_SOURCES = {
  ingestion: `${APP}.ingestion`,
  training: `${APP}.training`,
  deployment: `${APP}.deployment`,
  notification: `${APP}.notification`,
} as const;

export const PREFIXES = {
  incoming: 'incoming/',
  labeled: 'labeled/',
  rejected: 'rejected/',
  prepared: 'prepared/',
  models: 'models/',
  /** Claims on contents the corpus holds (services/ingestion/README.md): one object per content. */
  index: 'index/',
} as const;

/** The class-name mapping file users may drop next to their data. */
export const CLASSES_FILE = 'classes.txt';

const NAME_PART = /^[a-zA-Z0-9](-*[a-zA-Z0-9])*$/;

export function assertNamePart(value: string, what: string): string {
  if (!NAME_PART.test(value)) {
    throw new Error(`${what} "${value}" must be letters, digits and single hyphens`);
  }
  return value;
}

export const glueJobName = (stage: string): string => `${APP}-${stage}-preprocess`;
export const endpointName = (stage: string): string => `${APP}-${stage}`;
/** Training jobs, models and endpoint configs of a run share this name (SageMaker: at most 63 chars). */
export const trainingJobPrefix = (stage: string): string => `mlp-${stage}-`;
export function trainingJobName(stage: string, runId: string): string {
  const name = `${trainingJobPrefix(stage)}${assertNamePart(runId, 'runId')}`;
  if (name.length > 63) throw new Error(`training job name ${name} is longer than 63 characters`);
  return name;
}
export function runIdFromTrainingJobName(stage: string, jobName: string): string | undefined {
  const prefix = trainingJobPrefix(stage);
  return jobName.startsWith(prefix) ? jobName.slice(prefix.length) : undefined;
}

export const preparedPrefix = (runId: string): string => `${PREFIXES.prepared}${runId}/`;
export const manifestKey = (runId: string): string => `${preparedPrefix(runId)}manifest.json`;

/**
 * A run id: UTC time of the triggering event to the second, then 6 hex digits of a hash of the
 * event id. The same event always gives the same id, so a duplicate delivery names the same run.
 */
export function runIdFor(time: Date, eventId: string): string {
  const iso = time.toISOString(); // 2026-11-25T11:04:00.000Z
  const stamp = `${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 19).replaceAll(':', '')}`;
  return `${stamp}-${fnv1a(eventId).toString(16).padStart(8, '0').slice(0, 6)}`;
}

/** 32-bit FNV-1a of a string's UTF-16 code units: short, stable name suffixes. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** Seconds since the run started, from the time encoded in its id (undefined if it is not one of ours). */
export function runStartedAt(runId: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})-/.exec(runId);
  if (!m) return undefined;
  return new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!));
}

/** The data bucket's name; templates build the same string with Fn::Sub and the pseudo parameters. */
export const dataBucketName = (stage: string, accountId: string, region: string): string =>
  `${APP}-${stage}-data-${accountId}-${region}`;

/**
 * The tag that records which text normalisation (glue_scripts/NORMALIZATION.md) a model's training data
 * had: on the training job (from the run's manifest), the model and its endpoint config. The prediction
 * client refuses to send text normalised by another version (shared/src/inference.ts).
 */
export const NORMALIZATION_VERSION_TAG = 'ml-pipeline:normalization-version';

/** `Model Deployed` -> `model-deployed`: how file names, marker keys and archived emails spell a detail type. */
export const detailTypeSlug = (detailType: string): string => detailType.toLowerCase().replace(/\s+/g, '-');

/** The stage's SageMaker model package group: every evaluated model is a version of it (services/deployment/README.md, "Model registry"). */
export const modelPackageGroupName = (stage: string): string => `${APP}-${stage}-models`;

/**
 * CustomerMetadataProperties of a model package version (its lineage and the gate's word on it), written when the
 * evaluation registers it; `rollbackFrom` (the version it replaced) when `npm run rollback` re-approves it.
 */
export const MODEL_PACKAGE_METADATA = {
  runId: 'runId',
  trainingJob: 'trainingJob',
  glueJobRunId: 'glueJobRunId',
  drops: 'drops',
  trigger: 'trigger',
  normalizationVersion: 'normalizationVersion',
  testAccuracy: 'testAccuracy',
  macroF1: 'macroF1',
  gateDecision: 'gateDecision',
  /** The approval status the evaluation registered the version with. */
  registeredAs: 'registeredAs',
  gateReasons: 'gateReasons',
  rollbackFrom: 'rollbackFrom',
} as const;

/** The tag on an endpoint config naming the model package version it deploys. */
export const MODEL_PACKAGE_TAG = 'ml-pipeline:model-package';

/** Who may ask for a retrain (`npm run retrain`, `aws events put-events`): the source of `Retrain Requested`. */
export const OPERATOR_SOURCE = `${APP}.operator`;

/** The tag on a training job saying what started its run (`Retrain Requested` and its reason, a schedule); none for a drop. */
export const TRIGGER_TAG = 'ml-pipeline:trigger';
/** The Glue run argument that carries it (the Glue script ignores it). */
export const TRIGGER_ARGUMENT = '--trigger';

/** How `npm run rollback` starts the approval description of the version it puts back (the deployment then says `Model Rolled Back`). */
export const ROLLBACK_DESCRIPTION_PREFIX = 'Rolled back from version ';
