import { glueJobName, numberEnv, requiredEnv } from '@pipeline/shared';

/** SQS delays a message at most 15 minutes: a data drop waits at most that long for its classes.txt. */
export const MAX_CLASSES_WAIT_SECONDS = 900;

export interface IngestionConfig {
  stage: string;
  dataBucket: string;
  glueJobName: string;
  /** How far apart a data file and the classes.txt naming its labels may be dropped (README, "Class names"). */
  classesWaitSeconds: number;
  /** The queue of drops to judge again: a numeric drop at the end of its wait, or when a classes.txt arrives. */
  recheckQueueUrl: string;
  /** The retrainSchedule parameter (an EventBridge schedule expression, or none), for the logs of a scheduled run. */
  retrainSchedule: string;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): IngestionConfig {
  const stage = requiredEnv('STAGE', env);
  const classesWaitSeconds = numberEnv('CLASSES_WAIT_SECONDS', 600, env);
  if (!Number.isInteger(classesWaitSeconds) || classesWaitSeconds < 0 || classesWaitSeconds > MAX_CLASSES_WAIT_SECONDS) {
    throw new Error(`CLASSES_WAIT_SECONDS must be a whole number of seconds from 0 to ${MAX_CLASSES_WAIT_SECONDS}, not ${env.CLASSES_WAIT_SECONDS}`);
  }
  return {
    stage,
    dataBucket: requiredEnv('DATA_BUCKET', env),
    glueJobName: glueJobName(stage),
    classesWaitSeconds,
    recheckQueueUrl: requiredEnv('RECHECK_QUEUE_URL', env),
    retrainSchedule: env.RETRAIN_SCHEDULE || 'none',
  };
}
