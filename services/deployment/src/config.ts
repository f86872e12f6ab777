import { endpointName, modelPackageGroupName, numberEnv, requiredEnv } from '@pipeline/shared';
import type { ModelApprovalMode } from './registry/registry';

export interface DeploymentConfig {
  stage: string;
  region: string;
  endpointName: string;
  dataBucket: string;
  /** The role SageMaker assumes to load the model artifact and image. */
  modelExecutionRoleArn: string;
  gate: QualityGateSettings;
  instanceType: string;
  instanceCount: number;
  /** The instance type of the evaluation's Batch Transform jobs. */
  transformInstanceType: string;
  /** How many of the newest models and endpoint configs to keep for rollback, besides the serving one. */
  keepModels: number;
  /** The stage's model package group (the registry). */
  modelPackageGroup: string;
  /** auto: a model the gate passes is Approved (and so deployed); manual: it waits, PendingManualApproval. */
  modelApproval: ModelApprovalMode;
}

export interface QualityGateSettings {
  minAccuracy: number;
  /** How much worse than the serving model a new model may be and still replace it. */
  maxAccuracyDrop: number;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): DeploymentConfig {
  const stage = requiredEnv('STAGE', env);
  return {
    stage,
    region: requiredEnv('AWS_REGION', env),
    endpointName: endpointName(stage),
    dataBucket: requiredEnv('DATA_BUCKET', env),
    modelExecutionRoleArn: requiredEnv('MODEL_EXECUTION_ROLE_ARN', env),
    gate: {
      minAccuracy: numberEnv('MIN_ACCURACY', 0.8, env),
      maxAccuracyDrop: numberEnv('MAX_ACCURACY_DROP', 0.02, env),
    },
    instanceType: env.INSTANCE_TYPE || 'ml.m5.large',
    instanceCount: Math.max(1, Math.trunc(numberEnv('INSTANCE_COUNT', 1, env))),
    transformInstanceType: env.TRANSFORM_INSTANCE_TYPE || 'ml.m5.large',
    keepModels: Math.max(1, Math.trunc(numberEnv('KEEP_MODELS', 3, env))),
    modelPackageGroup: modelPackageGroupName(stage),
    modelApproval: approvalMode(env.MODEL_APPROVAL),
  };
}

function approvalMode(raw: string | undefined): ModelApprovalMode {
  const value = (raw ?? '').trim() || 'auto';
  if (value !== 'auto' && value !== 'manual') throw new Error(`MODEL_APPROVAL must be auto or manual, not "${raw}"`);
  return value;
}
