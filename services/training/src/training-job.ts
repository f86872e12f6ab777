import type { CreateTrainingJobCommandInput } from '@aws-sdk/client-sagemaker';
import { NORMALIZATION_VERSION_TAG, PREFIXES, TRIGGER_TAG, runStartedAt, s3Uri, trainingJobName, type PreprocessManifest } from '@pipeline/shared';
import type { TrainingConfig } from './config';

/** A preprocessing run that succeeded, as training needs it. */
export interface PreparedRun {
  runId: string;
  glueJobRunId: string;
  bucket: string;
  /** The run's output prefix, e.g. `prepared/<runId>/`. */
  preparedPrefix: string;
  manifest: PreprocessManifest;
  preprocessingSeconds: number | undefined;
  /** What started the run when it was not a drop (the Glue run's TRIGGER_ARGUMENT): recorded as TRIGGER_TAG. */
  trigger?: string;
}

/** Why the prepared dataset cannot train a classifier, or undefined when it can. */
export function datasetProblem(manifest: PreprocessManifest): string | undefined {
  if (manifest.rows.train === 0) {
    return 'The prepared dataset has no training rows: every labeled row was rejected or was a duplicate.';
  }
  const labels = Object.values(manifest.labels).filter((counts) => counts.train > 0).length;
  if (labels < 2) return `A classifier needs at least 2 labels in the training split; it has ${labels}.`;
  return undefined;
}

const EARLY_STOPPING_SETTINGS = ['early_stopping', 'patience', 'min_epochs'];

/** BlazingText's early stopping watches validation accuracy: without a validation channel it is turned off. */
export function effectiveHyperParameters(configured: Record<string, string>, hasValidation: boolean): Record<string, string> {
  if (hasValidation) return { ...configured };
  const kept = Object.entries(configured).filter(([name]) => !EARLY_STOPPING_SETTINGS.includes(name));
  return { ...Object.fromEntries(kept), early_stopping: 'False' };
}

const channel = (name: string, s3Prefix: string) => ({
  ChannelName: name,
  ContentType: 'text/plain',
  DataSource: { S3DataSource: { S3DataType: 'S3Prefix' as const, S3Uri: s3Prefix, S3DataDistributionType: 'FullyReplicated' as const } },
});

/**
 * Tags the deployment service reads back (ListTags): how long each step took, and the normalisation
 * version of the training data (from the manifest), which it puts on the model for the prediction client.
 */
export function trainingTags(run: PreparedRun): Array<{ Key: string; Value: string }> {
  const droppedAt = runStartedAt(run.runId);
  const normalizationVersion = run.manifest.normalization_version;
  return [
    { Key: 'runId', Value: run.runId },
    { Key: 'glueJobRunId', Value: run.glueJobRunId },
    ...(run.preprocessingSeconds === undefined ? [] : [{ Key: 'preprocessingSeconds', Value: String(run.preprocessingSeconds) }]),
    ...(droppedAt === undefined ? [] : [{ Key: 'droppedAt', Value: droppedAt.toISOString() }]),
    ...(normalizationVersion === undefined ? [] : [{ Key: NORMALIZATION_VERSION_TAG, Value: normalizationVersion }]),
    ...(run.trigger ? [{ Key: TRIGGER_TAG, Value: tagValue(run.trigger) }] : []),
  ];
}

/** SageMaker tag values: at most 256 characters of letters, digits, spaces and `_.:/=+-@`. */
const tagValue = (text: string): string => text.replace(/[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu, '_').slice(0, 256);

/** The CreateTrainingJob request for BlazingText (supervised) on a prepared run. */
export function trainingJobRequest(config: TrainingConfig, run: PreparedRun): CreateTrainingJobCommandInput {
  const jobName = trainingJobName(config.stage, run.runId);
  const prepared = s3Uri(run.bucket, run.preparedPrefix);
  const hasValidation = run.manifest.rows.validation > 0;
  return {
    TrainingJobName: jobName,
    AlgorithmSpecification: { TrainingImage: config.trainingImage, TrainingInputMode: 'File' },
    RoleArn: config.executionRoleArn,
    HyperParameters: effectiveHyperParameters(config.hyperParameters, hasValidation),
    InputDataConfig: [
      channel('train', `${prepared}train/`),
      ...(hasValidation ? [channel('validation', `${prepared}validation/`)] : []),
    ],
    OutputDataConfig: { S3OutputPath: s3Uri(run.bucket, PREFIXES.models) },
    ResourceConfig: { InstanceType: config.instanceType, InstanceCount: config.instanceCount, VolumeSizeInGB: config.volumeSizeGb },
    StoppingCondition: {
      MaxRuntimeInSeconds: config.maxRuntimeSeconds,
      ...(config.spot.enabled ? { MaxWaitTimeInSeconds: config.spot.maxWaitSeconds } : {}),
    },
    ...(config.spot.enabled
      ? { EnableManagedSpotTraining: true, CheckpointConfig: { S3Uri: s3Uri(run.bucket, `checkpoints/${jobName}/`) } }
      : {}),
    Tags: trainingTags(run),
  };
}
