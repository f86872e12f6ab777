/** Helpers for this service's unit tests. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import {
  EventBridgeClient,
  PutEventsCommand,
  type EventBridgeClientResolvedConfig,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from '@aws-sdk/client-eventbridge';
import { S3Client } from '@aws-sdk/client-s3';
import {
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  SageMakerClient,
  SageMakerServiceException,
  type DescribeEndpointCommandOutput,
  type SageMakerClientResolvedConfig,
  type ServiceInputTypes as SageMakerInputs,
  type ServiceOutputTypes as SageMakerOutputs,
} from '@aws-sdk/client-sagemaker';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';
import type { DeploymentConfig } from './config';
import type { ReportDeps } from './report';

export const STAGE = 'local';
export const REGION = 'us-east-1';
export const ACCOUNT = '123456789012';
export const NOW = new Date('2026-11-25T12:00:00.000Z');
export const RUN_ID = '20261125-110409-a1b2c3';
/** The run's training job; its model and endpoint config have the same name. */
export const JOB = `mlp-local-${RUN_ID}`;

export const config: DeploymentConfig = {
  stage: STAGE,
  region: REGION,
  endpointName: 'ml-pipeline-local',
  dataBucket: `ml-pipeline-local-data-${ACCOUNT}-${REGION}`,
  modelExecutionRoleArn: `arn:aws:iam::${ACCOUNT}:role/model-execution`,
  gate: { minAccuracy: 0.8, maxAccuracyDrop: 0.02 },
  instanceType: 'ml.m5.large',
  instanceCount: 1,
  transformInstanceType: 'ml.m5.large',
  keepModels: 3,
  modelPackageGroup: 'ml-pipeline-local-models',
  modelApproval: 'auto',
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

/** The `Pipeline Failed` entry the deployment service publishes for the test run (RUN_ID at NOW). */
export function pipelineFailedEntry(failure: { failedStep: string; resource: string; reason: string; state: string }) {
  return { Source: 'ml-pipeline.deployment', DetailType: 'Pipeline Failed', Detail: { runId: RUN_ID, stage: STAGE, at: NOW.toISOString(), ...failure } };
}

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

/**
 * Mocked SageMaker, EventBridge and S3 clients and the functions' dependencies built on them. Call at the
 * top of a test file: the mocks are reset before each test, and PutEvents accepts every event.
 */
export function mockedDeployment() {
  const sagemaker = mockClient(SageMakerClient);
  const eventBridge = mockClient(EventBridgeClient);
  const s3 = mockClient(S3Client);
  const deps: ReportDeps = {
    sagemaker: new SageMakerClient({ region: REGION }),
    eventBridge: new EventBridgeClient({ region: REGION }),
    s3: new S3Client({ region: REGION }),
    config,
    logger: silentLogger(),
    now: () => NOW,
  };
  beforeEach(() => {
    sagemaker.reset();
    eventBridge.reset();
    s3.reset();
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
  });
  return { sagemaker, eventBridge, s3, deps };
}

/**
 * The pipeline endpoint as DescribeEndpoint answers: missing (`model` undefined), or serving the config named
 * after `model` (InService unless `extra` says otherwise), whose one variant runs that model.
 */
export function mockServingEndpoint(
  sagemaker: AwsStub<SageMakerInputs, SageMakerOutputs, SageMakerClientResolvedConfig>,
  model: string | undefined,
  extra: Partial<DescribeEndpointCommandOutput> = {},
): void {
  if (model === undefined) {
    sagemaker.on(DescribeEndpointCommand).rejects(validationException(`Could not find endpoint "${config.endpointName}".`));
    return;
  }
  sagemaker.on(DescribeEndpointCommand).resolves({ EndpointName: config.endpointName, EndpointConfigName: model, EndpointStatus: 'InService', ...extra });
  sagemaker
    .on(DescribeEndpointConfigCommand, { EndpointConfigName: model })
    .resolves({ EndpointConfigName: model, EndpointConfigArn: configArn(model), ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: model }] });
}
