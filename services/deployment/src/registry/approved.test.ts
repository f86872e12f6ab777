import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DeleteEndpointCommand,
  DescribeModelPackageCommand,
  DescribeTrainingJobCommand,
  ListTagsCommand,
  UpdateEndpointCommand,
  type DescribeEndpointCommandOutput,
  type DescribeModelPackageCommandOutput,
} from '@aws-sdk/client-sagemaker';
import 'aws-sdk-client-mock-jest';
import { modelPackageStateChangeEvent, type ModelPackageStateChangeEvent } from '@pipeline/shared';
import { EndpointBusyError } from '../rollout';
import { config, configArn, JOB as job, jobArn, mockedDeployment, mockServingEndpoint, NOW, publishedEvents, RUN_ID as runId, validationException } from '../testing';
import { approvalOf, handleModelPackageStateChange, isRollback } from './approved';

const { sagemaker, s3, eventBridge, deps } = mockedDeployment();
const group = config.modelPackageGroup;
const arnOf = (version: number) => `arn:aws:sagemaker:us-east-1:123456789012:model-package/${group}/${version}`;
const artifactOf = (name: string) => `s3://${config.dataBucket}/models/${name}/output/model.tar.gz`;
const previousJob = 'mlp-local-20261120-080000-0f0f0f';
const missing = () => Object.assign(new Error('Not Found'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } });

function event(version: number, status = 'Approved'): ModelPackageStateChangeEvent {
  return modelPackageStateChangeEvent.parse({
    version: '0',
    id: `e-${version}`,
    'detail-type': 'SageMaker Model Package State Change',
    source: 'aws.sagemaker',
    account: '123456789012',
    time: '2026-11-25T12:00:00Z',
    region: 'us-east-1',
    resources: [arnOf(version)],
    detail: { ModelPackageGroupName: group, ModelPackageArn: arnOf(version), ModelPackageVersion: version, ModelApprovalStatus: status, ModelPackageStatus: 'Completed' },
  });
}

/** A version of the group for a run's training job, approved (last modified) at `approvedAt`. */
function version(number: number, trainingJob: string, extra: Partial<DescribeModelPackageCommandOutput> = {}) {
  const description = {
    $metadata: {},
    ModelPackageArn: arnOf(number),
    ModelPackageGroupName: group,
    ModelPackageVersion: number,
    ModelPackageName: group,
    ModelPackageStatus: 'Completed',
    ModelApprovalStatus: 'Approved',
    CreationTime: new Date(NOW.getTime() - 60_000 * number),
    InferenceSpecification: { Containers: [{ Image: 'blazingtext', ModelDataUrl: artifactOf(trainingJob) }], SupportedContentTypes: [], SupportedResponseMIMETypes: [] },
    CustomerMetadataProperties: { runId: trainingJob.replace('mlp-local-', ''), trainingJob, gateDecision: 'deploy', registeredAs: 'Approved' },
    ...extra,
  } as DescribeModelPackageCommandOutput;
  sagemaker.on(DescribeModelPackageCommand, { ModelPackageName: arnOf(number) }).resolves(description);
  sagemaker.on(DescribeTrainingJobCommand, { TrainingJobName: trainingJob }).resolves({
    TrainingJobName: trainingJob,
    TrainingJobArn: jobArn(trainingJob),
    TrainingJobStatus: 'Completed',
    ModelArtifacts: { S3ModelArtifacts: artifactOf(trainingJob) },
  });
  return description;
}

/** The endpoint serving `model`'s config, which records registry version `number`. */
function serving(model: string | undefined, number?: number, extra: Partial<DescribeEndpointCommandOutput> = {}) {
  mockServingEndpoint(sagemaker, model, extra);
  if (model !== undefined) {
    sagemaker.on(ListTagsCommand, { ResourceArn: configArn(model) }).resolves({ Tags: number ? [{ Key: 'ml-pipeline:model-package', Value: arnOf(number) }] : [] });
  }
}

beforeEach(() => {
  sagemaker.on(ListTagsCommand).resolves({ Tags: [] });
  s3.on(HeadObjectCommand).resolves({});
  s3.on(GetObjectCommand).rejects(Object.assign(new Error('no such key'), { name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } }));
});

describe('deploying an approved registry version', () => {
  it('creates the model, its config (naming the version) and the endpoint when nothing is in service', async () => {
    version(1, job);
    serving(undefined);

    await expect(handleModelPackageStateChange(event(1), deps)).resolves.toEqual({ outcome: 'deploying', modelPackage: arnOf(1), action: 'created' });
    expect(sagemaker).toHaveReceivedCommandWith(CreateModelCommand, { ModelName: job, PrimaryContainer: expect.objectContaining({ ModelDataUrl: artifactOf(job) }) });
    expect(sagemaker.commandCalls(CreateEndpointConfigCommand)[0]!.args[0].input).toMatchObject({
      EndpointConfigName: job,
      Tags: expect.arrayContaining([{ Key: 'ml-pipeline:model-package', Value: arnOf(1) }]),
    });
    expect(sagemaker).toHaveReceivedCommandWith(CreateEndpointCommand, { EndpointName: config.endpointName, EndpointConfigName: job });
  });

  it("takes the normalisation version from the version's metadata, without reading the training job's tags", async () => {
    version(1, job, { CustomerMetadataProperties: { runId, trainingJob: job, registeredAs: 'Approved', normalizationVersion: '2' } });
    serving(undefined);
    await handleModelPackageStateChange(event(1), deps);
    expect(sagemaker.commandCalls(CreateEndpointConfigCommand)[0]!.args[0].input.Tags).toContainEqual({ Key: 'ml-pipeline:normalization-version', Value: '2' });
    expect(sagemaker).not.toHaveReceivedCommandWith(ListTagsCommand, { ResourceArn: jobArn(job) });
  });

  it('updates the endpoint to a version approved after the one in service (a manual approval, a rollback)', async () => {
    version(1, previousJob, { LastModifiedTime: new Date(NOW.getTime() - 3_600_000) });
    version(2, job, { LastModifiedTime: NOW });
    serving(previousJob, 1);

    await expect(handleModelPackageStateChange(event(2), deps)).resolves.toMatchObject({ outcome: 'deploying', action: 'updated' });
    expect(sagemaker).toHaveReceivedCommandWith(UpdateEndpointCommand, { EndpointName: config.endpointName, EndpointConfigName: job });
  });

  it('gives way to a version approved later that the endpoint serves already (retries arriving out of order)', async () => {
    version(1, previousJob, { LastModifiedTime: NOW });
    version(2, job, { LastModifiedTime: new Date(NOW.getTime() - 1000) });
    serving(previousJob, 1);

    await expect(handleModelPackageStateChange(event(2), deps)).resolves.toEqual({ outcome: 'superseded', modelPackage: arnOf(2), by: arnOf(1) });
    expect(sagemaker).not.toHaveReceivedCommand(UpdateEndpointCommand);
    expect(sagemaker).not.toHaveReceivedCommand(CreateEndpointConfigCommand);
  });

  it('does nothing for a duplicate event of the version the endpoint serves', async () => {
    version(1, job);
    serving(job, 1);
    await expect(handleModelPackageStateChange(event(1), deps)).resolves.toEqual({ outcome: 'already-deployed', modelPackage: arnOf(1) });
    expect(sagemaker).not.toHaveReceivedCommand(UpdateEndpointCommand);
  });

  it('ignores a version that is no longer Approved (a stale event), and events of other statuses', async () => {
    version(1, job, { ModelApprovalStatus: 'Rejected' });
    await expect(handleModelPackageStateChange(event(1), deps)).resolves.toEqual({ outcome: 'ignored', why: 'version is Rejected now' });
    await expect(handleModelPackageStateChange(event(1, 'PendingManualApproval'), deps)).resolves.toEqual({ outcome: 'ignored', why: 'status PendingManualApproval' });
    expect(sagemaker).not.toHaveReceivedCommand(CreateEndpointConfigCommand);
  });

  it('ignores a version without the pipeline lineage (registered by hand)', async () => {
    version(1, job, { CustomerMetadataProperties: {} });
    await expect(handleModelPackageStateChange(event(1), deps)).resolves.toMatchObject({ outcome: 'ignored' });
  });

  it('reports Pipeline Failed and deploys nothing when the version artifact was deleted', async () => {
    version(1, job);
    serving(previousJob);
    s3.on(HeadObjectCommand).rejects(missing());

    await expect(handleModelPackageStateChange(event(1), deps)).resolves.toEqual({ outcome: 'artifact-missing', modelPackage: arnOf(1), artifact: artifactOf(job) });
    expect(publishedEvents(eventBridge)).toEqual([
      expect.objectContaining({ DetailType: 'Pipeline Failed', Detail: expect.objectContaining({ failedStep: 'deployment', runId, resource: arnOf(1) }) }),
    ]);
    expect(sagemaker).not.toHaveReceivedCommand(UpdateEndpointCommand);
  });

  it.each(['Creating', 'Updating', 'SystemUpdating', 'RollingBack'] as const)('fails with a retryable error while the endpoint is %s (one deployment at a time)', async (status) => {
    version(2, job, { LastModifiedTime: NOW });
    version(1, previousJob, { LastModifiedTime: new Date(NOW.getTime() - 1000) });
    serving(previousJob, 1, { EndpointStatus: status });
    await expect(handleModelPackageStateChange(event(2), deps)).rejects.toThrow(EndpointBusyError);
    expect(sagemaker).not.toHaveReceivedCommand(UpdateEndpointCommand);
  });

  it('fails with a retryable error when another update started between its look and its UpdateEndpoint', async () => {
    version(2, job, { LastModifiedTime: NOW });
    serving(previousJob);
    sagemaker.on(UpdateEndpointCommand).rejects(validationException('Cannot update in-progress endpoint "arn:aws:sagemaker:us-east-1:123456789012:endpoint/ml-pipeline-local".'));
    await expect(handleModelPackageStateChange(event(2), deps)).rejects.toThrow(EndpointBusyError);
  });

  it('deletes a Failed endpoint (nothing else is allowed on it) and fails so that the retry creates it', async () => {
    version(1, job);
    serving(previousJob, undefined, { EndpointStatus: 'Failed', FailureReason: 'ping failed' });
    await expect(handleModelPackageStateChange(event(1), deps)).rejects.toThrow(/was Failed \(ping failed\); deleted it/);
    expect(sagemaker).toHaveReceivedCommandWith(DeleteEndpointCommand, { EndpointName: config.endpointName });
  });

  it('ignores another group', async () => {
    const other = { ...event(1), detail: { ...event(1).detail, ModelPackageGroupName: 'someone-else' } };
    await expect(handleModelPackageStateChange(other, deps)).resolves.toMatchObject({ outcome: 'ignored' });
    expect(sagemaker.calls()).toHaveLength(0);
  });
});

describe('approvalOf', () => {
  const report = (deploy: boolean) => ({
    runId,
    testRows: 10,
    labels: ['a'],
    challenger: { trainingJob: job, modelArtifact: '', accuracy: 0.5, macroF1: 0.5, perClass: {}, confusion: [] },
    champion: null,
    decision: { deploy, reasons: deploy ? ['fine'] : ['test accuracy 50.00% is below the minimum 80.00%'] },
  });

  it('tells the gate (registered Approved, never changed) from a person', () => {
    const byGate = version(1, job);
    expect(approvalOf(byGate, report(true))).toEqual({ approvedAt: byGate.CreationTime!.toISOString(), by: 'gate', overrodeGate: false });
    const byHand = version(2, job, {
      LastModifiedTime: NOW,
      ApprovalDescription: 'looks fine to me',
      LastModifiedBy: { IamIdentity: { Arn: 'arn:aws:iam::123456789012:user/ana' } },
      CustomerMetadataProperties: { runId, trainingJob: job, registeredAs: 'PendingManualApproval', gateDecision: 'deploy' },
    });
    expect(approvalOf(byHand, report(true))).toEqual({
      approvedAt: NOW.toISOString(),
      by: 'manual',
      description: 'looks fine to me',
      approver: 'arn:aws:iam::123456789012:user/ana',
      overrodeGate: false,
    });
  });

  it('says an approval overrode the gate, and why the gate refused', () => {
    const overridden = version(3, job, { LastModifiedTime: NOW, CustomerMetadataProperties: { runId, trainingJob: job, registeredAs: 'Rejected', gateDecision: 'reject' } });
    expect(approvalOf(overridden, report(false))).toMatchObject({ by: 'manual', overrodeGate: true, gateReasons: ['test accuracy 50.00% is below the minimum 80.00%'] });
  });

  it('knows a rollback by its metadata and description', () => {
    expect(isRollback(version(1, job, { ApprovalDescription: 'Rolled back from version 2: bad answers', CustomerMetadataProperties: { rollbackFrom: '2' } }))).toBe(true);
    expect(isRollback(version(1, job, { ApprovalDescription: 'approved again', CustomerMetadataProperties: { rollbackFrom: '2' } }))).toBe(false);
  });
});
