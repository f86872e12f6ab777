/**
 * SageMaker's Model Registry through the SDK: groups, versions 1, 2, ... with versioned ARNs, approval
 * status, customer metadata, filters, sorting and paging, ClientToken idempotency, SageMaker's errors,
 * the `SageMaker Model Package State Change` events (on creation and on every approval status set),
 * and the state after a restart.
 */
import {
  CreateModelCommand,
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  DeleteModelPackageCommand,
  DeleteModelPackageGroupCommand,
  DescribeModelCommand,
  DescribeModelPackageCommand,
  DescribeModelPackageGroupCommand,
  ListModelPackageGroupsCommand,
  ListModelPackagesCommand,
  ListTagsCommand,
  UpdateModelPackageCommand,
  type CreateModelPackageCommandInput,
} from '@aws-sdk/client-sagemaker';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ACCOUNT_ID } from '../../local-stack/src/core/types';
import { BLAZINGTEXT_IMAGE, ROLE_ARN, useSageMakerRole } from './sagemaker-harness';
import { REGION, ROOT, useProviderStack } from '../support/stack';

const STATE_CHANGE = 'SageMaker Model Package State Change';

function version(group: string, modelDataUrl: string, extra: Partial<CreateModelPackageCommandInput> = {}): CreateModelPackageCommandInput {
  return {
    ModelPackageGroupName: group,
    InferenceSpecification: { Containers: [{ Image: BLAZINGTEXT_IMAGE, ModelDataUrl: modelDataUrl }], SupportedContentTypes: ['application/json'], SupportedResponseMIMETypes: ['application/json'] },
    ModelMetrics: { ModelQuality: { Statistics: { ContentType: 'application/json', S3Uri: 's3://bucket/evaluations/run-1/report.json' } } },
    ...extra,
  };
}

describe('SageMaker Model Registry', () => {
  const stack = useProviderStack();
  useSageMakerRole(stack);
  const sagemaker = () => stack.client.sagemaker;

  it('versions a group 1, 2, ... with versioned ARNs, describes them by ARN or name/version, and publishes their state changes', async () => {
    const { ModelPackageGroupArn } = await sagemaker().send(
      new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'Classifier-dev', ModelPackageGroupDescription: 'the dev classifier', Tags: [{ Key: 'stage', Value: 'dev' }] }),
    );
    expect(ModelPackageGroupArn).toBe(`arn:aws:sagemaker:${REGION}:${ACCOUNT_ID}:model-package-group/Classifier-dev`);
    const group = await sagemaker().send(new DescribeModelPackageGroupCommand({ ModelPackageGroupName: ModelPackageGroupArn }));
    expect(group).toMatchObject({ ModelPackageGroupName: 'Classifier-dev', ModelPackageGroupDescription: 'the dev classifier', ModelPackageGroupStatus: 'Completed' });
    expect(group.CreationTime).toBeInstanceOf(Date);
    expect((await sagemaker().send(new ListTagsCommand({ ResourceArn: ModelPackageGroupArn }))).Tags).toEqual([{ Key: 'stage', Value: 'dev' }]);

    const first = await sagemaker().send(new CreateModelPackageCommand(version('Classifier-dev', 's3://bucket/models/run-1/model.tar.gz', { CustomerMetadataProperties: { runId: 'run-1' } })));
    const second = await sagemaker().send(new CreateModelPackageCommand(version(ModelPackageGroupArn!, 's3://bucket/models/run-2/model.tar.gz', { ModelApprovalStatus: 'Approved' })));
    expect(first.ModelPackageArn).toBe(`arn:aws:sagemaker:${REGION}:${ACCOUNT_ID}:model-package/classifier-dev/1`);
    expect(second.ModelPackageArn).toBe(`arn:aws:sagemaker:${REGION}:${ACCOUNT_ID}:model-package/classifier-dev/2`);

    const described = await sagemaker().send(new DescribeModelPackageCommand({ ModelPackageName: first.ModelPackageArn }));
    expect(described).toMatchObject({
      ModelPackageName: 'Classifier-dev',
      ModelPackageGroupName: 'Classifier-dev',
      ModelPackageVersion: 1,
      ModelPackageStatus: 'Completed',
      ModelApprovalStatus: 'PendingManualApproval',
      CustomerMetadataProperties: { runId: 'run-1' },
      InferenceSpecification: { Containers: [{ Image: BLAZINGTEXT_IMAGE, ModelDataUrl: 's3://bucket/models/run-1/model.tar.gz' }] },
      ModelMetrics: { ModelQuality: { Statistics: { S3Uri: 's3://bucket/evaluations/run-1/report.json' } } },
      CertifyForMarketplace: false,
    });
    expect(described.CreatedBy?.IamIdentity?.Arn).toBe(`arn:aws:iam::${ACCOUNT_ID}:root`);
    expect((await sagemaker().send(new DescribeModelPackageCommand({ ModelPackageName: 'Classifier-dev/2' }))).ModelApprovalStatus).toBe('Approved');

    await sagemaker().send(
      new UpdateModelPackageCommand({ ModelPackageArn: first.ModelPackageArn, ModelApprovalStatus: 'Approved', ApprovalDescription: 'looked good', CustomerMetadataProperties: { approver: 'me' } }),
    );
    await sagemaker().send(new UpdateModelPackageCommand({ ModelPackageArn: first.ModelPackageArn, CustomerMetadataPropertiesToRemove: ['runId'] }));
    const updated = await sagemaker().send(new DescribeModelPackageCommand({ ModelPackageName: first.ModelPackageArn }));
    expect(updated).toMatchObject({ ModelApprovalStatus: 'Approved', ApprovalDescription: 'looked good', CustomerMetadataProperties: { approver: 'me' } });
    expect(updated.LastModifiedTime!.getTime()).toBeGreaterThanOrEqual(updated.CreationTime!.getTime());

    // Two creations and one approval published; the metadata-only update did not.
    const events = stack.publisher.ofType(STATE_CHANGE);
    expect(events.map((event) => [event.detail.ModelPackageVersion, event.detail.ModelApprovalStatus])).toEqual([
      [1, 'PendingManualApproval'],
      [2, 'Approved'],
      [1, 'Approved'],
    ]);
    const approval = events[2]!;
    expect(approval).toMatchObject({ source: 'aws.sagemaker', resources: [first.ModelPackageArn] });
    expect(approval.detail).toMatchObject({
      ModelPackageGroupName: 'Classifier-dev',
      ModelPackageVersion: 1,
      ModelPackageArn: first.ModelPackageArn,
      ModelPackageStatus: 'Completed',
      ModelPackageStatusDetails: { ValidationStatuses: [], ImageScanStatuses: [] },
      ApprovalDescription: 'looked good',
      ModelMetrics: { ModelQuality: { Statistics: { ContentType: 'application/json', S3Uri: 's3://bucket/evaluations/run-1/report.json' } } },
    });
    expect(approval.detail.CreationTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(approval.detail.LastModifiedTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('publishes the members of the event SageMaker documents (test/fixtures/aws-events/model-package-state-change.json)', async () => {
    const documented = JSON.parse(readFileSync(path.join(ROOT, 'test/fixtures/aws-events/model-package-state-change.json'), 'utf8')) as {
      source: string;
      'detail-type': string;
      detail: Record<string, unknown>;
    };
    await sagemaker().send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'documented' }));
    const { ModelPackageArn } = await sagemaker().send(
      new CreateModelPackageCommand(version('documented', 's3://bucket/doc/model.tar.gz', { MetadataProperties: { GeneratedBy: 'run-1' }, ModelApprovalStatus: 'Rejected' })),
    );
    const published = stack.publisher.ofType(STATE_CHANGE).find((event) => event.detail.ModelPackageArn === ModelPackageArn)!;
    expect([published.source, published['detail-type']]).toEqual([documented.source, documented['detail-type']]);
    expect(Object.keys(published.detail).sort()).toEqual(expect.arrayContaining(Object.keys(documented.detail).sort()));
    for (const [member, value] of Object.entries(documented.detail)) expect([member, typeof published.detail[member]]).toEqual([member, typeof value]);
  });

  it('lists versions with filters, sorting and paging', async () => {
    await sagemaker().send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'paged' }));
    for (let i = 1; i <= 5; i++) {
      await sagemaker().send(new CreateModelPackageCommand(version('paged', `s3://bucket/m${i}/model.tar.gz`, { ModelApprovalStatus: i % 2 === 0 ? 'Approved' : 'Rejected' })));
    }
    const versionsOf = (list: { ModelPackageSummaryList?: Array<{ ModelPackageVersion?: number }> }) => list.ModelPackageSummaryList!.map((item) => item.ModelPackageVersion);
    const ascending = await sagemaker().send(new ListModelPackagesCommand({ ModelPackageGroupName: 'paged' }));
    expect(versionsOf(ascending)).toEqual([1, 2, 3, 4, 5]);
    expect(ascending.ModelPackageSummaryList![0]).toEqual({
      ModelPackageGroupName: 'paged',
      ModelPackageVersion: 1,
      ModelPackageArn: `arn:aws:sagemaker:${REGION}:${ACCOUNT_ID}:model-package/paged/1`,
      CreationTime: expect.any(Date),
      ModelPackageStatus: 'Completed',
      ModelApprovalStatus: 'Rejected',
    });
    const approved = await sagemaker().send(new ListModelPackagesCommand({ ModelPackageGroupName: 'paged', ModelApprovalStatus: 'Approved', SortOrder: 'Descending' }));
    expect(versionsOf(approved)).toEqual([4, 2]);

    const pages: Array<number | undefined> = [];
    let NextToken: string | undefined;
    do {
      const page = await sagemaker().send(new ListModelPackagesCommand({ ModelPackageGroupName: 'paged', SortBy: 'CreationTime', SortOrder: 'Descending', MaxResults: 2, NextToken }));
      expect(page.ModelPackageSummaryList!.length).toBeLessThanOrEqual(2);
      pages.push(...versionsOf(page));
      NextToken = page.NextToken;
    } while (NextToken);
    expect(pages).toEqual([5, 4, 3, 2, 1]);

    const created = (await sagemaker().send(new DescribeModelPackageCommand({ ModelPackageName: 'paged/3' }))).CreationTime!;
    const after = await sagemaker().send(new ListModelPackagesCommand({ ModelPackageGroupName: 'paged', CreationTimeAfter: new Date(created.getTime() - 1) }));
    expect(versionsOf(after)[0]).toBe(3);

    // Without a group, ModelPackageType chooses (Unversioned by default, as documented).
    await sagemaker().send(new CreateModelPackageCommand({ ModelPackageName: 'standalone', InferenceSpecification: version('x', 's3://bucket/s/model.tar.gz').InferenceSpecification }));
    const unversioned = await sagemaker().send(new ListModelPackagesCommand({}));
    expect(unversioned.ModelPackageSummaryList!.map((item) => item.ModelPackageName)).toEqual(['standalone']);
    const both = await sagemaker().send(new ListModelPackagesCommand({ ModelPackageType: 'Both', NameContains: 'PAGED', MaxResults: 100 }));
    expect(both.ModelPackageSummaryList!.length).toBe(5);

    const groups = await sagemaker().send(new ListModelPackageGroupsCommand({ SortBy: 'Name', SortOrder: 'Descending', NameContains: 'paged' }));
    expect(groups.ModelPackageGroupSummaryList!.map((item) => [item.ModelPackageGroupName, item.ModelPackageGroupStatus])).toEqual([['paged', 'Completed']]);
    const firstPage = await sagemaker().send(new ListModelPackageGroupsCommand({ SortBy: 'Name', MaxResults: 1 }));
    const secondPage = await sagemaker().send(new ListModelPackageGroupsCommand({ SortBy: 'Name', MaxResults: 1, NextToken: firstPage.NextToken }));
    expect([firstPage.ModelPackageGroupSummaryList![0]!.ModelPackageGroupName, secondPage.ModelPackageGroupSummaryList![0]!.ModelPackageGroupName]).toEqual(['Classifier-dev', 'documented']);
  });

  it('gives the same version to a repeated ClientToken, and never reuses a deleted version number', async () => {
    await sagemaker().send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'idempotent' }));
    const once = await sagemaker().send(new CreateModelPackageCommand(version('idempotent', 's3://bucket/a/model.tar.gz', { ClientToken: 'run-20261207-1' })));
    const again = await sagemaker().send(new CreateModelPackageCommand(version('idempotent', 's3://bucket/a/model.tar.gz', { ClientToken: 'run-20261207-1' })));
    expect(again.ModelPackageArn).toBe(once.ModelPackageArn);
    const concurrent = await Promise.all([1, 2, 3].map(() => sagemaker().send(new CreateModelPackageCommand(version('idempotent', 's3://bucket/b/model.tar.gz')))));
    expect(concurrent.map((created) => Number(created.ModelPackageArn!.split('/').pop())).sort()).toEqual([2, 3, 4]);
    await sagemaker().send(new DeleteModelPackageCommand({ ModelPackageName: 'idempotent/4' }));
    const next = await sagemaker().send(new CreateModelPackageCommand(version('idempotent', 's3://bucket/c/model.tar.gz')));
    expect(next.ModelPackageArn).toMatch(/\/idempotent\/5$/);
  });

  it('answers SageMaker errors', async () => {
    const missingGroup = `arn:aws:sagemaker:${REGION}:${ACCOUNT_ID}:model-package-group/nope`;
    await expect(sagemaker().send(new DescribeModelPackageGroupCommand({ ModelPackageGroupName: 'nope' }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: `ModelPackageGroup ${missingGroup} does not exist.`,
    });
    await expect(sagemaker().send(new CreateModelPackageCommand(version('nope', 's3://bucket/x/model.tar.gz')))).rejects.toMatchObject({
      name: 'ValidationException',
      message: `ModelPackageGroup ${missingGroup} does not exist.`,
    });
    await sagemaker().send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'errors' }));
    await expect(sagemaker().send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'errors' }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: `Model Package Group already exists: arn:aws:sagemaker:${REGION}:${ACCOUNT_ID}:model-package-group/errors`,
    });
    await expect(sagemaker().send(new DescribeModelPackageCommand({ ModelPackageName: 'errors/9' }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: `ModelPackage arn:aws:sagemaker:${REGION}:${ACCOUNT_ID}:model-package/errors/9 does not exist.`,
    });
    await expect(sagemaker().send(new CreateModelPackageCommand({ ModelPackageName: 'a', ModelPackageGroupName: 'errors' }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: 'Both ModelPackageName and ModelPackageGroupName are provided in the input. Cannot determine which one to use.',
    });
    await expect(sagemaker().send(new CreateModelPackageCommand(version('errors', 's3://b/model.tar.gz', { Tags: [{ Key: 'k', Value: 'v' }] })))).rejects.toMatchObject({
      name: 'ValidationException',
    });
    await expect(sagemaker().send(new CreateModelPackageCommand(version('errors', 's3://b/model.tar.gz', { ModelApprovalStatus: 'Maybe' as 'Approved' })))).rejects.toMatchObject({
      name: 'ValidationException',
      message: "1 validation error detected: Value 'Maybe' at 'modelApprovalStatus' failed to satisfy constraint: Member must satisfy enum value set: [Approved, Rejected, PendingManualApproval]",
    });
    await expect(sagemaker().send(new UpdateModelPackageCommand({ ModelPackageArn: 'errors/1' }))).rejects.toMatchObject({ name: 'ValidationException' });

    const { ModelPackageArn } = await sagemaker().send(new CreateModelPackageCommand(version('errors', 's3://b/model.tar.gz')));
    await expect(sagemaker().send(new DeleteModelPackageGroupCommand({ ModelPackageGroupName: 'errors' }))).rejects.toMatchObject({ name: 'ConflictException' });
    await sagemaker().send(new DeleteModelPackageCommand({ ModelPackageName: ModelPackageArn }));
    await sagemaker().send(new DeleteModelPackageGroupCommand({ ModelPackageGroupName: 'errors' }));
    await expect(sagemaker().send(new DescribeModelPackageGroupCommand({ ModelPackageGroupName: 'errors' }))).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('makes a model of an approved version (CreateModel with PrimaryContainer.ModelPackageName), and refuses one not approved', async () => {
    await sagemaker().send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'deployable' }));
    const { ModelPackageArn } = await sagemaker().send(new CreateModelPackageCommand(version('deployable', 's3://bucket/deployable/model.tar.gz')));
    const fromPackage = (name: string) =>
      sagemaker().send(new CreateModelCommand({ ModelName: name, ExecutionRoleArn: ROLE_ARN, PrimaryContainer: { ModelPackageName: ModelPackageArn } }));
    await expect(fromPackage('too-early')).rejects.toMatchObject({
      name: 'ValidationException',
      message: `Model package ${ModelPackageArn} cannot be deployed: its ModelApprovalStatus is PendingManualApproval, not Approved.`,
    });
    await sagemaker().send(new UpdateModelPackageCommand({ ModelPackageArn, ModelApprovalStatus: 'Approved' }));
    await fromPackage('from-registry');
    const model = await sagemaker().send(new DescribeModelCommand({ ModelName: 'from-registry' }));
    expect(model.PrimaryContainer).toMatchObject({ ModelPackageName: ModelPackageArn, Image: BLAZINGTEXT_IMAGE, ModelDataUrl: 's3://bucket/deployable/model.tar.gz' });
    await expect(
      sagemaker().send(new CreateModelCommand({ ModelName: 'missing', ExecutionRoleArn: ROLE_ARN, PrimaryContainer: { ModelPackageName: `${ModelPackageArn!.slice(0, -1)}7` } })),
    ).rejects.toMatchObject({ name: 'ValidationException', message: expect.stringMatching(/^ModelPackage .*\/deployable\/7 does not exist\.$/) });
  });

  it('keeps groups, versions and the next version number across a restart', async () => {
    await sagemaker().send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'durable' }));
    await sagemaker().send(new CreateModelPackageCommand(version('durable', 's3://bucket/d1/model.tar.gz')));
    const { ModelPackageArn } = await sagemaker().send(new CreateModelPackageCommand(version('durable', 's3://bucket/d2/model.tar.gz')));
    await sagemaker().send(new UpdateModelPackageCommand({ ModelPackageArn, ModelApprovalStatus: 'Approved' }));
    await stack.restart();
    expect((await sagemaker().send(new DescribeModelPackageCommand({ ModelPackageName: ModelPackageArn }))).ModelApprovalStatus).toBe('Approved');
    const next = await sagemaker().send(new CreateModelPackageCommand(version('durable', 's3://bucket/d3/model.tar.gz')));
    expect(next.ModelPackageArn).toMatch(/\/durable\/3$/);
  });

  it('creates AWS::SageMaker::ModelPackageGroup with its stack (Ref and GetAtt: the ARN), and refuses to delete it while it holds versions', async () => {
    const engine = stack.providers.cloudformation.engine;
    const template = JSON.stringify({
      Resources: {
        Registry: { Type: 'AWS::SageMaker::ModelPackageGroup', Properties: { ModelPackageGroupName: 'cfn-models', ModelPackageGroupDescription: 'from a template', Tags: [{ Key: 'stage', Value: 'dev' }] } },
      },
      Outputs: { GroupRef: { Value: { Ref: 'Registry' } }, GroupArn: { Value: { 'Fn::GetAtt': ['Registry', 'ModelPackageGroupArn'] } } },
    });
    const { StackId } = await engine.createStack({ StackName: 'registry', TemplateBody: template });
    const created = await engine.settled(StackId);
    expect(created.StackStatus).toBe('CREATE_COMPLETE');
    const arn = `arn:aws:sagemaker:${REGION}:${ACCOUNT_ID}:model-package-group/cfn-models`;
    expect(created.outputs).toEqual(
      expect.arrayContaining([expect.objectContaining({ OutputKey: 'GroupRef', OutputValue: arn }), expect.objectContaining({ OutputKey: 'GroupArn', OutputValue: arn })]),
    );
    expect(await sagemaker().send(new DescribeModelPackageGroupCommand({ ModelPackageGroupName: 'cfn-models' }))).toMatchObject({ ModelPackageGroupDescription: 'from a template' });
    expect((await sagemaker().send(new ListTagsCommand({ ResourceArn: arn }))).Tags).toEqual([{ Key: 'stage', Value: 'dev' }]);

    // New tags update the group in place; its versions stay.
    const { ModelPackageArn } = await sagemaker().send(new CreateModelPackageCommand(version('cfn-models', 's3://bucket/cfn/model.tar.gz')));
    await engine.updateStack({ StackName: 'registry', TemplateBody: template.replace('"Value":"dev"', '"Value":"prod"') });
    expect((await engine.settled(StackId)).StackStatus).toBe('UPDATE_COMPLETE');
    expect((await sagemaker().send(new ListTagsCommand({ ResourceArn: arn }))).Tags).toEqual([{ Key: 'stage', Value: 'prod' }]);
    expect((await sagemaker().send(new DescribeModelPackageCommand({ ModelPackageName: ModelPackageArn }))).ModelPackageVersion).toBe(1);

    await engine.deleteStack({ StackName: 'registry' });
    const refused = await engine.settled(StackId);
    expect(refused.StackStatus).toBe('DELETE_FAILED');
    expect(refused.events.find((event) => event.LogicalResourceId === 'Registry' && event.ResourceStatus === 'DELETE_FAILED')?.ResourceStatusReason).toMatch(/holds 1 model package version/);
    expect((await sagemaker().send(new DescribeModelPackageCommand({ ModelPackageName: ModelPackageArn }))).ModelPackageVersion).toBe(1);

    await sagemaker().send(new DeleteModelPackageCommand({ ModelPackageName: ModelPackageArn }));
    await engine.deleteStack({ StackName: StackId });
    expect((await engine.settled(StackId)).StackStatus).toBe('DELETE_COMPLETE');
    await expect(sagemaker().send(new DescribeModelPackageGroupCommand({ ModelPackageGroupName: 'cfn-models' }))).rejects.toMatchObject({ name: 'ValidationException' });

    // A template's name is checked as the API checks it (it would otherwise name a file of the state).
    const hostile = await engine.settled(
      (await engine.createStack({ StackName: 'hostile', TemplateBody: template.replace('"cfn-models"', '"../../escaped"') })).StackId,
    );
    expect(hostile.StackStatus).toBe('ROLLBACK_COMPLETE');
    expect(hostile.events.find((event) => event.ResourceStatus === 'CREATE_FAILED')?.ResourceStatusReason).toMatch(/Value '..\/..\/escaped' at 'modelPackageGroupName' failed to satisfy constraint/);
  });
});
