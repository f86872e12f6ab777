import type { TrainingInstanceType } from '@aws-sdk/client-sagemaker';
import { blazingTextImage, glueJobName, numberEnv, requiredEnv } from '@pipeline/shared';

export interface TrainingConfig {
  stage: string;
  dataBucket: string;
  glueJobName: string;
  /** The BlazingText image of the function's region. */
  trainingImage: string;
  /** The role SageMaker assumes to run the training job. */
  executionRoleArn: string;
  instanceType: TrainingInstanceType;
  instanceCount: number;
  volumeSizeGb: number;
  maxRuntimeSeconds: number;
  /** Managed spot training: up to `maxWaitSeconds` of waiting for capacity, runtime included. */
  spot: { enabled: false } | { enabled: true; maxWaitSeconds: number };
  hyperParameters: Record<string, string>;
}

const HYPERPARAMETER_PREFIX = 'HYPERPARAMETER_';

/** BlazingText hyperparameters from `HYPERPARAMETER_<NAME>` variables: `HYPERPARAMETER_WORD_NGRAMS=2` → `word_ngrams: "2"`. */
export function hyperParametersFromEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env)
      .filter(([name, value]) => name.startsWith(HYPERPARAMETER_PREFIX) && value !== undefined && value !== '')
      .map(([name, value]) => [name.slice(HYPERPARAMETER_PREFIX.length).toLowerCase(), value!])
      .sort(([a], [b]) => a!.localeCompare(b!)),
  );
}

const positiveInteger = (name: string, fallback: number, env: NodeJS.ProcessEnv): number => {
  const value = numberEnv(name, fallback, env);
  if (!Number.isInteger(value) || value < 1) throw new Error(`environment variable ${name} must be a positive integer`);
  return value;
};

export function loadConfig(env: NodeJS.ProcessEnv = process.env): TrainingConfig {
  const stage = requiredEnv('STAGE', env);
  const maxRuntimeSeconds = positiveInteger('MAX_RUNTIME_SECONDS', 3600, env);
  let spot: TrainingConfig['spot'] = { enabled: false };
  if (env.SPOT_TRAINING === 'true') {
    const maxWaitSeconds = positiveInteger('MAX_WAIT_SECONDS', 2 * maxRuntimeSeconds, env);
    if (maxWaitSeconds < maxRuntimeSeconds) throw new Error('MAX_WAIT_SECONDS must be at least MAX_RUNTIME_SECONDS');
    spot = { enabled: true, maxWaitSeconds };
  }
  const hyperParameters = hyperParametersFromEnv(env);
  if (hyperParameters.mode !== 'supervised') throw new Error('HYPERPARAMETER_MODE must be "supervised" (text classification)');
  return {
    stage,
    dataBucket: requiredEnv('DATA_BUCKET', env),
    glueJobName: glueJobName(stage),
    trainingImage: blazingTextImage(requiredEnv('AWS_REGION', env)),
    executionRoleArn: requiredEnv('TRAINING_ROLE_ARN', env),
    // SageMaker validates the instance type (and the account's quota for it) when the job is created.
    instanceType: (env.TRAINING_INSTANCE_TYPE || 'ml.c5.xlarge') as TrainingInstanceType,
    instanceCount: positiveInteger('TRAINING_INSTANCE_COUNT', 1, env),
    volumeSizeGb: positiveInteger('TRAINING_VOLUME_GB', 30, env),
    maxRuntimeSeconds,
    spot,
    hyperParameters,
  };
}
