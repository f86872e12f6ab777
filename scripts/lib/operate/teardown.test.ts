import { CloudFormationClient, DeleteStackCommand, DescribeStacksCommand, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { DeleteBucketCommand, DeleteObjectsCommand, HeadBucketCommand, ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DeleteEndpointCommand,
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  DeleteModelPackageCommand,
  DeleteModelPackageGroupCommand,
  DescribeEndpointCommand,
  DescribeModelPackageGroupCommand,
  ListEndpointConfigsCommand,
  ListModelPackagesCommand,
  ListModelsCommand,
  SageMakerClient,
  SageMakerServiceException,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { describePlan, executeTeardown, planTeardown } from './teardown';

const sagemaker = mockClient(SageMakerClient);
const s3 = mockClient(S3Client);
const cloudformation = mockClient(CloudFormationClient);
const clients = { sagemaker: new SageMakerClient({ region: 'us-east-1' }), s3: new S3Client({ region: 'us-east-1' }), cloudformation: new CloudFormationClient({ region: 'us-east-1' }) };
const target = { stage: 'dev', dataBucket: 'ml-pipeline-dev-data-123456789012-us-east-1' };
const missing = (message: string) => new SageMakerServiceException({ name: 'ValidationException', $fault: 'client', $metadata: {}, message });
const noStack = (name: string) => Object.assign(new Error(`Stack with id ${name} does not exist`), { name: 'ValidationError' });

beforeEach(() => {
  sagemaker.reset();
  s3.reset();
  cloudformation.reset();
  sagemaker.on(DescribeEndpointCommand).resolvesOnce({ EndpointName: 'ml-pipeline-dev' } as never).rejects(missing('Could not find endpoint "ml-pipeline-dev".'));
  sagemaker.on(ListEndpointConfigsCommand).resolves({ EndpointConfigs: [{ EndpointConfigName: 'mlp-dev-a' }, { EndpointConfigName: 'other-mlp-dev-b' }] as never });
  sagemaker.on(ListModelsCommand).resolves({ Models: [{ ModelName: 'mlp-dev-a' }] as never });
  sagemaker.on(DescribeModelPackageGroupCommand).resolves({ ModelPackageGroupName: 'ml-pipeline-dev-models' } as never);
  sagemaker.on(ListModelPackagesCommand).resolves({ ModelPackageSummaryList: [{ ModelPackageArn: 'arn:v1' }] as never });
  s3.on(HeadBucketCommand).resolves({});
  s3.on(ListObjectVersionsCommand).resolvesOnce({ Versions: [{ Key: 'k', VersionId: 'v' }] }).resolves({});
  s3.on(DeleteObjectsCommand).resolves({});
  // notification and ingestion exist; the first look at a stack finds it, after its deletion it is gone.
  const gone = new Set<string>();
  cloudformation.on(DescribeStacksCommand).callsFake(({ StackName }: { StackName: string }) => {
    if (gone.has(StackName) || !['ml-pipeline-notification-dev', 'ml-pipeline-ingestion-dev'].includes(StackName)) throw noStack(StackName);
    return { Stacks: [{ StackName, StackStatus: 'CREATE_COMPLETE' }] };
  });
  cloudformation.on(DeleteStackCommand).callsFake(({ StackName }: { StackName: string }) => gone.add(StackName) && {});
  cloudformation.on(ListStackResourcesCommand, { StackName: 'ml-pipeline-notification-dev' }).resolves({
    StackResourceSummaries: [{ ResourceType: 'AWS::S3::Bucket', PhysicalResourceId: 'markers', LogicalResourceId: 'SentMarkersBucket' }] as never,
  });
  cloudformation.on(ListStackResourcesCommand, { StackName: 'ml-pipeline-ingestion-dev' }).resolves({
    StackResourceSummaries: [{ ResourceType: 'AWS::S3::Bucket', PhysicalResourceId: target.dataBucket, LogicalResourceId: 'DataBucket' }] as never,
  });
});

describe('npm run teardown', () => {
  it('says what it deletes and what it keeps', async () => {
    const plan = await planTeardown(clients, target, false);
    expect(describePlan(plan)).toEqual([
      'Stage dev: this deletes',
      '  - endpoint ml-pipeline-dev',
      '  - 1 endpoint config(s) and 1 model(s) named mlp-dev-*',
      '  - stack ml-pipeline-notification-dev (emptying markers first)',
      '  - stack ml-pipeline-ingestion-dev',
      'It keeps',
      `  - the data bucket ${target.dataBucket} (the corpus): --delete-data deletes it`,
      '  - the registry ml-pipeline-dev-models (1 version(s)): --delete-data deletes it; a later deploy of the stage uses it again',
    ]);
  });

  it('deletes the endpoint, then its configs and models, then the stacks in order, keeping the bucket and the registry', async () => {
    const plan = await planTeardown(clients, target, false);
    const lines: string[] = [];
    await executeTeardown(clients, plan, (line) => lines.push(line), { pollMs: 1 });
    expect(sagemaker).toHaveReceivedCommandWith(DeleteEndpointCommand, { EndpointName: 'ml-pipeline-dev' });
    expect(sagemaker).toHaveReceivedCommandWith(DeleteEndpointConfigCommand, { EndpointConfigName: 'mlp-dev-a' });
    expect(sagemaker).toHaveReceivedCommandTimes(DeleteEndpointConfigCommand, 1);
    expect(sagemaker).toHaveReceivedCommandWith(DeleteModelCommand, { ModelName: 'mlp-dev-a' });
    expect(cloudformation.commandCalls(DeleteStackCommand).map((call) => call.args[0].input.StackName)).toEqual(['ml-pipeline-notification-dev', 'ml-pipeline-ingestion-dev']);
    expect(s3).toHaveReceivedCommandWith(DeleteObjectsCommand, { Bucket: 'markers' });
    expect(s3).not.toHaveReceivedCommand(DeleteBucketCommand);
    expect(sagemaker).not.toHaveReceivedCommand(DeleteModelPackageGroupCommand);
    expect(lines).toEqual([
      'deleted endpoint ml-pipeline-dev',
      'deleted 1 endpoint config(s) and 1 model(s)',
      'deleted stack ml-pipeline-notification-dev',
      'deleted stack ml-pipeline-ingestion-dev',
    ]);
  });

  it('with --delete-data deletes the registry and every version of the bucket too', async () => {
    const plan = await planTeardown(clients, target, true);
    expect(describePlan(plan).slice(-2)).toEqual([`  - the data bucket ${target.dataBucket} with every version of every object (the corpus)`, '  - the registry ml-pipeline-dev-models and its 1 version(s)']);
    await executeTeardown(clients, plan, () => {}, { pollMs: 1 });
    expect(sagemaker).toHaveReceivedCommandWith(DeleteModelPackageCommand, { ModelPackageName: 'arn:v1' });
    expect(sagemaker).toHaveReceivedCommandWith(DeleteModelPackageGroupCommand, { ModelPackageGroupName: 'ml-pipeline-dev-models' });
    expect(s3).toHaveReceivedCommandWith(DeleteBucketCommand, { Bucket: target.dataBucket });
  });
});
