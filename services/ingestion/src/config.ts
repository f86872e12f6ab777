import { glueJobName, requiredEnv } from '@pipeline/shared';

export interface IngestionConfig {
  stage: string;
  dataBucket: string;
  glueJobName: string;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): IngestionConfig {
  const stage = requiredEnv('STAGE', env);
  return { stage, dataBucket: requiredEnv('DATA_BUCKET', env), glueJobName: glueJobName(stage) };
}
