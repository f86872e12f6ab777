import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  NoSuchKey,
  type GetObjectCommandOutput,
} from '@aws-sdk/client-s3';
import {
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelPackageCommand,
  DescribeTrainingJobCommand,
  ListEndpointConfigsCommand,
  ListModelsCommand,
  ListTagsCommand,
  ListTrainingJobsCommand,
} from '@aws-sdk/client-sagemaker';
import 'aws-sdk-client-mock-jest';
import { endpointStateChangeEvent, type EndpointStateChangeEvent } from '@pipeline/shared';
import { handleEndpointStateChange } from './report';
import { config, configArn, fixture, JOB as job, jobArn, mockedDeployment, NOW, pipelineFailedEntry, publishedEvents, RUN_ID as runId, validationException } from './testing';

const { sagemaker, eventBridge, s3, deps } = mockedDeployment();
const olderJobs = ['mlp-local-20261124-100000-000004', 'mlp-local-20261123-100000-000003', 'mlp-local-20261122-100000-000002', 'mlp-local-20261121-100000-000001'];
/** A job whose model the quality gate rejected (it never became a model), older than every kept one. */
const rejectedJob = 'mlp-local-20261120-100000-00000f';
/** A job newer than the deployed one: training, or its model being judged. */
const newerJob = 'mlp-local-20261125-120000-00000a';

function event(name: 'endpoint-in-service' | 'endpoint-failed'): EndpointStateChangeEvent {
  const sample = fixture<{ time: string; detail: Record<string, unknown> }>(name);
  sample.detail.EndpointName = config.endpointName;
  sample.detail.EndpointConfigName = job;
  // The documented sample carries epoch milliseconds in `time`; EventBridge delivers ISO 8601 there.
  sample.time = '2026-11-25T11:30:00Z';
  return endpointStateChangeEvent.parse(sample);
}

// Only the part of the SDK's stream mixin that the code reads.
const body = (text: string) => ({ transformToString: async () => text }) as unknown as GetObjectCommandOutput['Body'];

function inService(overrides: Record<string, unknown> = {}) {
  sagemaker.on(DescribeEndpointCommand).resolves({
    EndpointName: config.endpointName,
    EndpointConfigName: job,
    EndpointStatus: 'InService',
    LastModifiedTime: new Date('2026-11-25T11:30:00Z'),
    ...overrides,
  });
  sagemaker.on(DescribeEndpointConfigCommand, { EndpointConfigName: job }).resolves({
    EndpointConfigName: job,
    EndpointConfigArn: configArn(job),
    ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: job }],
  });
  sagemaker.on(DescribeTrainingJobCommand, { TrainingJobName: job }).resolves({
    TrainingJobName: job,
    TrainingJobArn: jobArn(job),
    TrainingJobStatus: 'Completed',
    TrainingStartTime: new Date('2026-11-25T11:10:00Z'),
    TrainingEndTime: new Date('2026-11-25T11:20:00Z'),
    FinalMetricDataList: [{ MetricName: 'validation:accuracy', Value: 0.93 }],
  });
  sagemaker.on(ListTagsCommand, { ResourceArn: jobArn(job) }).resolves({
    Tags: [
      { Key: 'runId', Value: runId },
      { Key: 'glueJobRunId', Value: 'jr_123' },
      { Key: 'preprocessingSeconds', Value: '240' },
      { Key: 'droppedAt', Value: '2026-11-25T11:04:00Z' },
    ],
  });
  sagemaker.on(ListTagsCommand, { ResourceArn: configArn(job) }).resolves({
    Tags: [
      { Key: 'ml-pipeline:previous-model', Value: olderJobs[0] },
      { Key: 'ml-pipeline:previous-accuracy', Value: '0.91' },
    ],
  });
  const manifestKey = `prepared/${runId}/manifest.json`;
  s3.on(ListObjectsV2Command, { Bucket: config.dataBucket, Prefix: manifestKey }).resolves({ Contents: [{ Key: manifestKey }] });
  s3.on(GetObjectCommand, { Bucket: config.dataBucket, Key: manifestKey }).resolves({
    Body: body(
      JSON.stringify({
        run_id: runId,
        rows: { train: 800, validation: 100, test: 100 },
        labels: { Company: { train: 400, validation: 50, test: 50 }, Artist: { train: 400, validation: 50, test: 50 } },
        sources: [{ uri: `s3://${config.dataBucket}/labeled/a.csv`, rows: 1000 }],
      }),
    ),
  });
  const listed = [job, ...olderJobs];
  sagemaker.on(ListEndpointConfigsCommand).resolves({ EndpointConfigs: listed.map((name) => ({ EndpointConfigName: name, EndpointConfigArn: configArn(name), CreationTime: NOW })) });
  sagemaker.on(ListModelsCommand).resolves({ Models: listed.map((name) => ({ ModelName: name, ModelArn: `arn:model/${name}`, CreationTime: NOW })) });
  // Every job, newest first, an hour apart; each has its output under models/<job>/ (one version and a delete marker).
  const jobs = [newerJob, ...listed, rejectedJob];
  sagemaker.on(ListTrainingJobsCommand).resolves({
    TrainingJobSummaries: jobs.map((name, index) => ({
      TrainingJobName: name,
      TrainingJobArn: jobArn(name),
      TrainingJobStatus: name === newerJob ? 'InProgress' : 'Completed',
      CreationTime: new Date(NOW.getTime() - index * 3_600_000),
    })),
  });
  s3.on(ListObjectVersionsCommand, { Prefix: 'models/', Delimiter: '/' }).resolves({ CommonPrefixes: jobs.map((name) => ({ Prefix: `models/${name}/` })) });
  for (const name of jobs) {
    s3.on(ListObjectVersionsCommand, { Prefix: `models/${name}/`, MaxKeys: 1000 }).resolves({
      Versions: [{ Key: `models/${name}/output/model.tar.gz`, VersionId: `v-${name}` }],
      DeleteMarkers: [{ Key: `models/${name}/output/model.tar.gz`, VersionId: `d-${name}` }],
    });
  }
  s3.on(DeleteObjectsCommand).resolves({});
}

/** The job folders whose every version was deleted. */
const prunedFolders = () =>
  s3.commandCalls(DeleteObjectsCommand).map((call) => {
    const keys = new Set(call.args[0].input.Delete!.Objects!.map((target) => target.Key!.split('/')[1]));
    return [...keys].join();
  });


describe('the endpoint in service with a registry version', () => {
  const packageArn = `arn:aws:sagemaker:us-east-1:123456789012:model-package/${config.modelPackageGroup}/1`;
  function withVersion(extra: Record<string, unknown>) {
    inService();
    sagemaker.on(ListTagsCommand, { ResourceArn: configArn(job) }).resolves({ Tags: [{ Key: 'ml-pipeline:model-package', Value: packageArn }] });
    sagemaker.on(DescribeModelPackageCommand, { ModelPackageName: packageArn }).resolves({
      ModelPackageArn: packageArn,
      ModelPackageGroupName: config.modelPackageGroup,
      ModelPackageVersion: 1,
      ModelApprovalStatus: 'Approved',
      CreationTime: new Date('2026-11-25T11:25:00Z'),
      ...extra,
    });
  }

  it('says in Model Deployed which version it is and who approved it', async () => {
    withVersion({ CustomerMetadataProperties: { runId, trainingJob: job, registeredAs: 'Approved', gateDecision: 'deploy' } });
    await handleEndpointStateChange(event('endpoint-in-service'), deps);
    expect(publishedEvents(eventBridge)[0]).toMatchObject({
      DetailType: 'Model Deployed',
      Detail: {
        modelPackage: { arn: packageArn, group: config.modelPackageGroup, version: 1, approvalStatus: 'Approved' },
        approval: { by: 'gate', overrodeGate: false, approvedAt: '2026-11-25T11:25:00.000Z' },
      },
    });
  });

  it('publishes Model Rolled Back instead for a version npm run rollback put back', async () => {
    withVersion({
      LastModifiedTime: new Date('2026-11-25T11:29:00Z'),
      ApprovalDescription: 'Rolled back from version 2: answers got worse',
      CustomerMetadataProperties: { runId, trainingJob: job, registeredAs: 'Approved', gateDecision: 'deploy', rollbackFrom: '2' },
    });
    await handleEndpointStateChange(event('endpoint-in-service'), deps);
    expect(publishedEvents(eventBridge)).toEqual([
      expect.objectContaining({
        DetailType: 'Model Rolled Back',
        Detail: expect.objectContaining({
          runId,
          modelName: job,
          fromVersion: 2,
          reason: 'Rolled back from version 2: answers got worse',
          approval: expect.objectContaining({ by: 'manual', approvedAt: '2026-11-25T11:29:00.000Z' }),
        }),
      }),
    ]);
  });
});

describe('the endpoint in service', () => {
  it('publishes Model Deployed with metrics, dataset, durations and names, then deletes the oldest versions', async () => {
    inService();

    const result = await handleEndpointStateChange(event('endpoint-in-service'), deps);

    expect(publishedEvents(eventBridge)).toEqual([
      {
        Source: 'ml-pipeline.deployment',
        DetailType: 'Model Deployed',
        Detail: {
          runId,
          stage: 'local',
          at: NOW.toISOString(),
          endpointName: 'ml-pipeline-local',
          endpointConfigName: job,
          modelName: job,
          trainingJobName: job,
          metrics: { validationAccuracy: 0.93, previousAccuracy: 0.91 },
          dataset: { train: 800, validation: 100, test: 100, labels: { Company: 500, Artist: 500 } },
          durations: { preprocessingSeconds: 240, trainingSeconds: 600, deploymentSeconds: 600, totalSeconds: 1560 },
        },
      },
    ]);
    expect(sagemaker).toHaveReceivedCommandWith(DescribeEndpointCommand, { EndpointName: 'ml-pipeline-local' });
    expect(sagemaker).toHaveReceivedCommandWith(ListEndpointConfigsCommand, {
      NameContains: 'mlp-local-',
      SortBy: 'CreationTime',
      SortOrder: 'Descending',
      MaxResults: 100,
    });
    expect(sagemaker).toHaveReceivedCommandWith(ListModelsCommand, {
      NameContains: 'mlp-local-',
      SortBy: 'CreationTime',
      SortOrder: 'Descending',
      MaxResults: 100,
    });
    // The newest three (the serving one among them) are kept; the two oldest go.
    expect(sagemaker.commandCalls(DeleteEndpointConfigCommand).map((c) => c.args[0].input)).toEqual([
      { EndpointConfigName: olderJobs[2] },
      { EndpointConfigName: olderJobs[3]! },
    ]);
    expect(sagemaker.commandCalls(DeleteModelCommand).map((c) => c.args[0].input)).toEqual([
      { ModelName: olderJobs[2] },
      { ModelName: olderJobs[3]! },
    ]);
    // The artifacts of the models no longer kept go, every version of them, and those of a rejected older job;
    // never those of a kept model (the serving one among them) nor of a job newer than the oldest kept one.
    expect(prunedFolders()).toEqual([olderJobs[2], olderJobs[3]!, rejectedJob]);
    expect(s3.commandCalls(DeleteObjectsCommand)[0]!.args[0].input.Delete!.Objects).toEqual([
      { Key: `models/${olderJobs[2]}/output/model.tar.gz`, VersionId: `v-${olderJobs[2]}` },
      { Key: `models/${olderJobs[2]}/output/model.tar.gz`, VersionId: `d-${olderJobs[2]}` },
    ]);
    expect(result).toEqual({
      outcome: 'deployed',
      runId,
      cleanup: { deletedEndpointConfigs: olderJobs.slice(2), deletedModels: olderJobs.slice(2), keptModels: [job, olderJobs[0], olderJobs[1]] },
      artifacts: { deletedArtifactsOf: [olderJobs[2], olderJobs[3]!, rejectedJob], deletedVersions: 6 },
    });
  });

  it('keeps the artifact of the model in service however old it is', async () => {
    // The endpoint serves the oldest model (a rollback): only the rejected job's output is older still.
    inService({ EndpointConfigName: olderJobs[3]! });
    sagemaker.on(DescribeEndpointConfigCommand, { EndpointConfigName: olderJobs[3]! }).resolves({
      EndpointConfigName: olderJobs[3]!,
      EndpointConfigArn: configArn(olderJobs[3]!),
      ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: olderJobs[3]! }],
    });
    sagemaker.on(DescribeTrainingJobCommand, { TrainingJobName: olderJobs[3]! }).resolves({
      TrainingJobName: olderJobs[3]!,
      TrainingJobArn: jobArn(olderJobs[3]!),
      TrainingJobStatus: 'Completed',
      FinalMetricDataList: [{ MetricName: 'validation:accuracy', Value: 0.9 }],
    });
    sagemaker.on(ListTagsCommand).resolves({ Tags: [] });
    await handleEndpointStateChange(event('endpoint-in-service'), deps);
    expect(prunedFolders()).toEqual([rejectedJob]);
  });

  it('publishes without dataset figures when the manifest has another shape', async () => {
    inService();
    s3.on(GetObjectCommand).resolves({ Body: body('{"rows": "many"}') });
    await handleEndpointStateChange(event('endpoint-in-service'), deps);
    expect(publishedEvents(eventBridge)[0]?.Detail).not.toHaveProperty('dataset');
  });

  it('publishes without dataset figures when S3 refuses the manifest', async () => {
    inService();
    s3.on(GetObjectCommand).rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }));
    await handleEndpointStateChange(event('endpoint-in-service'), deps);
    expect(publishedEvents(eventBridge)[0]?.Detail).not.toHaveProperty('dataset');
  });

  it('publishes without dataset figures when the manifest is missing, and without previous accuracy on the first deployment', async () => {
    inService();
    s3.on(ListObjectsV2Command).resolves({ Contents: [] });
    s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } }));
    sagemaker.on(ListTagsCommand, { ResourceArn: configArn(job) }).resolves({ Tags: [] });

    await handleEndpointStateChange(event('endpoint-in-service'), deps);

    const [published] = publishedEvents(eventBridge);
    expect(published?.Detail).not.toHaveProperty('dataset');
    expect(published?.Detail).toMatchObject({ metrics: { validationAccuracy: 0.93 } });
    expect((published?.Detail as { metrics: object }).metrics).not.toHaveProperty('previousAccuracy');
  });

  it('publishes Model Deployed again on a duplicate event (the notification service sends it once) and tolerates versions already deleted', async () => {
    inService();
    sagemaker.on(DeleteEndpointConfigCommand).rejects(validationException(`Could not find endpoint configuration "${olderJobs[2]}".`));
    sagemaker.on(DeleteModelCommand).rejects(validationException(`Could not find model "${olderJobs[2]}".`));

    await handleEndpointStateChange(event('endpoint-in-service'), deps);
    await handleEndpointStateChange(event('endpoint-in-service'), deps);

    expect(publishedEvents(eventBridge).map((e) => e.DetailType)).toEqual(['Model Deployed', 'Model Deployed']);
  });

  it('never deletes the config of a deployment in progress', async () => {
    inService({ EndpointStatus: 'Updating', PendingDeploymentSummary: { EndpointConfigName: olderJobs[3]! } });

    await handleEndpointStateChange(event('endpoint-in-service'), deps);

    expect(sagemaker.commandCalls(DeleteEndpointConfigCommand).map((c) => c.args[0].input)).toEqual([{ EndpointConfigName: olderJobs[2] }]);
    expect(sagemaker.commandCalls(DeleteModelCommand).map((c) => c.args[0].input)).toEqual([{ ModelName: olderJobs[2] }]);
  });

  it('reports Pipeline Failed when the update failed and SageMaker rolled back to the previous model', async () => {
    inService({ EndpointConfigName: olderJobs[0], FailureReason: 'The primary container did not pass the ping health check.' });

    await expect(handleEndpointStateChange(event('endpoint-in-service'), deps)).resolves.toEqual({ outcome: 'update-rolled-back', runId });

    expect(publishedEvents(eventBridge)).toEqual([
      pipelineFailedEntry({
        failedStep: 'deployment',
        resource: 'ml-pipeline-local',
        reason: `the update to ${job} failed and SageMaker rolled back to ${olderJobs[0]}: The primary container did not pass the ping health check.`,
        state: 'IN_SERVICE',
      }),
    ]);
    expect(sagemaker).not.toHaveReceivedCommand(DeleteEndpointConfigCommand);
  });

  it('reports the deployment when the failure reason is left from an earlier update', async () => {
    inService({ FailureReason: 'an old failure' });
    await expect(handleEndpointStateChange(event('endpoint-in-service'), deps)).resolves.toMatchObject({ outcome: 'deployed' });
    expect(publishedEvents(eventBridge).map((e) => e.DetailType)).toEqual(['Model Deployed']);
  });

  it('ignores a model this pipeline did not deploy', async () => {
    inService({ EndpointConfigName: 'hand-made' });
    sagemaker.on(DescribeEndpointConfigCommand, { EndpointConfigName: 'hand-made' }).resolves({ ProductionVariants: [{ VariantName: 'v', ModelName: 'hand-made' }] });

    await expect(handleEndpointStateChange(event('endpoint-in-service'), deps)).resolves.toMatchObject({ outcome: 'ignored' });
    expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
  });

  it('fails (to be retried) when SageMaker cannot be read', async () => {
    sagemaker.on(DescribeEndpointCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    await expect(handleEndpointStateChange(event('endpoint-in-service'), deps)).rejects.toThrow('Rate exceeded');
    expect(eventBridge).not.toHaveReceivedCommand(PutEventsCommand);
  });
});

describe('the endpoint failed', () => {
  it('reports Pipeline Failed with SageMaker’s reason', async () => {
    sagemaker.on(DescribeEndpointCommand).resolves({
      EndpointName: config.endpointName,
      EndpointConfigName: job,
      EndpointStatus: 'Failed',
      FailureReason: 'Image could not be pulled.',
    });

    await expect(handleEndpointStateChange(event('endpoint-failed'), deps)).resolves.toEqual({ outcome: 'failed', runId });
    expect(publishedEvents(eventBridge)).toEqual([
      pipelineFailedEntry({
        failedStep: 'deployment',
        resource: 'ml-pipeline-local',
        reason: 'Image could not be pulled.',
        state: 'FAILED',
      }),
    ]);
  });

  it('gives a failure no pipeline config explains a run id of its own, the same for a duplicate delivery', async () => {
    sagemaker.on(DescribeEndpointCommand).resolves({ EndpointName: config.endpointName, EndpointConfigName: 'hand-made', EndpointStatus: 'Failed' });
    const failed = event('endpoint-failed');
    await handleEndpointStateChange(failed, deps);
    await handleEndpointStateChange(failed, deps);
    await handleEndpointStateChange({ ...failed, id: 'another-event' }, deps);

    const runIds = publishedEvents(eventBridge).map((e) => (e.Detail as { runId: string }).runId);
    expect(runIds[0]).toMatch(/^20261125-113000-[0-9a-f]{6}$/);
    expect(runIds[1]).toBe(runIds[0]);
    expect(runIds[2]).not.toBe(runIds[0]);
  });

  it('falls back on the event when the endpoint is gone', async () => {
    sagemaker.on(DescribeEndpointCommand).rejects(validationException('Could not find endpoint "ml-pipeline-local".'));
    await handleEndpointStateChange(event('endpoint-failed'), deps);
    expect(publishedEvents(eventBridge)[0]?.Detail).toMatchObject({
      runId,
      reason: 'The primary container for production variant AllTraffic did not pass the ping health check.',
    });
  });
});
