/** Helpers for this service's unit tests. */
import type { TrainingConfig } from './config';

/** The training resources loadConfig defaults to. */
export const DEFAULT_RESOURCES = {
  instanceType: 'ml.c5.xlarge',
  instanceCount: 1,
  volumeSizeGb: 30,
  maxRuntimeSeconds: 3600,
  spot: { enabled: false },
} as const satisfies Partial<TrainingConfig>;

/** A configuration of stage `stage` with the default resources. */
export function trainingConfig(stage: string, settings: Pick<TrainingConfig, 'dataBucket' | 'trainingImage' | 'hyperParameters'>): TrainingConfig {
  return {
    stage,
    glueJobName: `ml-pipeline-${stage}-preprocess`,
    executionRoleArn: 'arn:aws:iam::123456789012:role/training',
    ...DEFAULT_RESOURCES,
    ...settings,
  };
}
