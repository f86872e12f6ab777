/**
 * The data layer's clients and configuration: for the page (its own origin), a local stack's URL, or AWS's
 * endpoints. An optional counter counts every request attempt (the console shows its cost).
 */
import { S3Client } from '@aws-sdk/client-s3';
import { GlueClient } from '@aws-sdk/client-glue';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { dataBucketName, endpointName, glueJobName, trainingJobPrefix } from '../../../shared/src/names';
import type { PipelineConfig } from './model';
import type { PipelineClients } from './sources';

export interface ClientSettings {
  region: string;
  /** The local stack's URL, or the page's origin; AWS's endpoints when undefined. */
  endpoint?: string;
  maxAttempts?: number;
  credentials?: AwsCredentialIdentityProvider | { accessKeyId: string; secretAccessKey: string };
}

export function createPipelineClients(settings: ClientSettings, counter?: { count: number }): PipelineClients {
  const common = { region: settings.region, ...(settings.maxAttempts ? { maxAttempts: settings.maxAttempts } : {}), ...(settings.endpoint ? { endpoint: settings.endpoint } : {}), ...(settings.credentials ? { credentials: settings.credentials } : {}) };
  const clients = {
    s3: new S3Client({ ...common, forcePathStyle: settings.endpoint !== undefined }),
    glue: new GlueClient(common),
    sagemaker: new SageMakerClient(common),
    runtime: new SageMakerRuntimeClient(common),
  };
  if (counter) {
    for (const client of Object.values(clients)) {
      (client.middlewareStack.add as (middleware: unknown, options: unknown) => void)(
        (next: (args: unknown) => unknown) => (args: unknown) => {
          counter.count += 1;
          return next(args);
        },
        { step: 'finalizeRequest', name: 'countRequests' },
      );
    }
  }
  return clients;
}

/** The documented local credentials, as the local stack's clients use them. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** Where the pipeline of `stage` lives, by the names every service derives (shared/src/names.ts). */
export function pipelineConfig(stage: string, region: string, account: string, dataBucket = dataBucketName(stage, account, region)): PipelineConfig {
  return { stage, region, dataBucket, endpointName: endpointName(stage), glueJobName: glueJobName(stage), trainingJobPrefix: trainingJobPrefix(stage) };
}
