/** Helpers for this service's unit tests. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import {
  PutEventsCommand,
  type EventBridgeClientResolvedConfig,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from '@aws-sdk/client-eventbridge';
import { SageMakerServiceException } from '@aws-sdk/client-sagemaker';
import type { AwsStub } from 'aws-sdk-client-mock';
import type { DeploymentConfig } from './config';

export const STAGE = 'local';
export const REGION = 'us-east-1';
export const ACCOUNT = '123456789012';
export const NOW = new Date('2026-11-25T12:00:00.000Z');

export const config: DeploymentConfig = {
  stage: STAGE,
  region: REGION,
  endpointName: 'ml-pipeline-local',
  dataBucket: `ml-pipeline-local-data-${ACCOUNT}-${REGION}`,
  modelExecutionRoleArn: `arn:aws:iam::${ACCOUNT}:role/model-execution`,
  gate: { minAccuracy: 0.8, maxAccuracyDrop: 0.02 },
  instanceType: 'ml.m5.large',
  instanceCount: 1,
  keepModels: 3,
};

export const silentLogger = (): Logger => new Logger({ logLevel: 'SILENT' });

/** An AWS-documented sample event from test/fixtures/aws-events. */
export function fixture<T = Record<string, unknown>>(name: string): T {
  const file = path.resolve(__dirname, '../../../test/fixtures/aws-events', `${name}.json`);
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

/** The error shape SageMaker answers with for "not found", "already exists" and "in progress". */
export function validationException(message: string): SageMakerServiceException {
  return new SageMakerServiceException({
    name: 'ValidationException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message,
  });
}

export const jobArn = (name: string): string => `arn:aws:sagemaker:${REGION}:${ACCOUNT}:training-job/${name}`;
export const configArn = (name: string): string => `arn:aws:sagemaker:${REGION}:${ACCOUNT}:endpoint-config/${name}`;

/** The pipeline events sent through PutEvents, parsed. */
export function publishedEvents(
  events: AwsStub<ServiceInputTypes, ServiceOutputTypes, EventBridgeClientResolvedConfig>,
): Array<{ Source: string; DetailType: string; Detail: unknown }> {
  return events.commandCalls(PutEventsCommand).flatMap((call) =>
    (call.args[0].input.Entries ?? []).map((entry) => ({
      Source: entry.Source ?? '',
      DetailType: entry.DetailType ?? '',
      Detail: JSON.parse(entry.Detail ?? 'null') as unknown,
    })),
  );
}
