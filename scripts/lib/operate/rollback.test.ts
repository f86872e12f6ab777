import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelPackageCommand,
  ListModelPackagesCommand,
  ListTagsCommand,
  SageMakerClient,
  SageMakerServiceException,
  UpdateModelPackageCommand,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { applyRollback, planRollback, waitForServing } from './rollback';
import { OperatorError } from './stage-target';
import { formatVersions, stageModels } from './versions';

const sagemaker = mockClient(SageMakerClient);
const s3 = mockClient(S3Client);
const deps = { sagemaker: new SageMakerClient({ region: 'us-east-1' }), s3: new S3Client({ region: 'us-east-1' }) };
const GROUP = 'ml-pipeline-local-models';
const arnOf = (version: number) => `arn:aws:sagemaker:us-east-1:123456789012:model-package/${GROUP}/${version}`;
const jobOf = (version: number) => `mlp-local-2026120${version}-100000-abcdef`;
const artifactOf = (version: number) => `s3://data/models/${jobOf(version)}/output/model.tar.gz`;
const configArn = (name: string) => `arn:aws:sagemaker:us-east-1:123456789012:endpoint-config/${name}`;

/** Versions 1..n with these statuses; `serving` the one the endpoint's config names; `deleted` the artifacts gone. */
function registry(statuses: string[], serving: number | undefined, deleted: number[] = []) {
  sagemaker.on(ListModelPackagesCommand).resolves({
    ModelPackageSummaryList: statuses
      .map((status, i) => ({ ModelPackageArn: arnOf(i + 1), ModelPackageVersion: i + 1, ModelApprovalStatus: status as never, CreationTime: new Date(), ModelPackageStatus: 'Completed' as const, ModelPackageName: GROUP }))
      .reverse(),
  });
  statuses.forEach((status, i) => {
    const version = i + 1;
    sagemaker.on(DescribeModelPackageCommand, { ModelPackageName: arnOf(version) }).resolves({
      ModelPackageArn: arnOf(version),
      ModelPackageGroupName: GROUP,
      ModelPackageVersion: version,
      ModelApprovalStatus: status as never,
      CreationTime: new Date(`2026-12-0${version}T10:00:00Z`),
      InferenceSpecification: { Containers: [{ Image: 'blazingtext', ModelDataUrl: artifactOf(version) }], SupportedContentTypes: [], SupportedResponseMIMETypes: [] },
      CustomerMetadataProperties: { runId: jobOf(version).slice('mlp-local-'.length), trainingJob: jobOf(version), testAccuracy: `0.${80 + version}`, macroF1: `0.${70 + version}` },
    } as never);
    s3.on(HeadObjectCommand, { Key: `models/${jobOf(version)}/output/model.tar.gz` }).callsFake(() => {
      if (deleted.includes(version)) throw Object.assign(new Error('Not Found'), { name: 'NotFound', $metadata: { httpStatusCode: 404 } });
      return {};
    });
  });
  if (serving === undefined) {
    sagemaker.on(DescribeEndpointCommand).rejects(new SageMakerServiceException({ name: 'ValidationException', $fault: 'client', $metadata: {}, message: 'Could not find endpoint' }));
    return;
  }
  const config = jobOf(serving);
  sagemaker.on(DescribeEndpointCommand).resolves({ EndpointName: 'ml-pipeline-local', EndpointConfigName: config, EndpointStatus: 'InService' } as never);
  sagemaker.on(DescribeEndpointConfigCommand).resolves({ EndpointConfigName: config, EndpointConfigArn: configArn(config), ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: config }] } as never);
  sagemaker.on(ListTagsCommand).resolves({ Tags: [{ Key: 'ml-pipeline:model-package', Value: arnOf(serving) }] });
}

beforeEach(() => {
  sagemaker.reset();
  s3.reset();
});

describe('npm run models', () => {
  it('lists the versions newest first with their metrics, and marks the one serving', async () => {
    registry(['Approved', 'Rejected', 'Approved'], 3);
    const models = await stageModels(deps.sagemaker, 'local');
    expect(models.versions.map((v) => [v.version, v.status, v.serving, v.testAccuracy])).toEqual([
      [3, 'Approved', true, 0.83],
      [2, 'Rejected', false, 0.82],
      [1, 'Approved', false, 0.81],
    ]);
    const table = formatVersions(models).split('\n');
    expect(table[0]).toMatch(/^ +version +status +test acc\. +macro-F1 +run +created \(UTC\)$/);
    expect(table[1]).toMatch(/^\* +3 +Approved +83\.00% +73\.00% +20261203-100000-abcdef +2026-12-03 10:00:00$/);
  });
});

describe('npm run rollback', () => {
  it('goes back to the previous approved version, skipping a rejected one', async () => {
    registry(['Approved', 'Rejected', 'Approved'], 3);
    const plan = await planRollback(deps, 'local', undefined);
    expect([plan.from?.version, plan.to.version]).toEqual([3, 1]);

    await applyRollback(deps.sagemaker, plan, 'answers got worse');
    expect(sagemaker.commandCalls(UpdateModelPackageCommand).map((call) => call.args[0].input)).toEqual([
      { ModelPackageArn: arnOf(3), ModelApprovalStatus: 'Rejected', ApprovalDescription: 'Rolled back to version 1: answers got worse' },
      {
        ModelPackageArn: arnOf(1),
        ModelApprovalStatus: 'Approved',
        ApprovalDescription: 'Rolled back from version 3: answers got worse',
        CustomerMetadataProperties: { rollbackFrom: '3' },
      },
    ]);
  });

  it('puts back the version --to names, whatever its status', async () => {
    registry(['Approved', 'Rejected', 'Approved'], 3);
    await expect(planRollback(deps, 'local', 2)).resolves.toMatchObject({ to: { version: 2 } });
  });

  it('refuses a version that does not exist, listing the ones one can roll back to', async () => {
    registry(['Approved', 'Rejected', 'Approved'], 3);
    const refusal = planRollback(deps, 'local', 7);
    await expect(refusal).rejects.toThrow(OperatorError);
    await expect(planRollback(deps, 'local', 7)).rejects.toThrow(
      /^version 7 does not exist in ml-pipeline-local-models; versions you can roll back to: version 1 \(Approved, run 20261201-100000-abcdef, test accuracy 81\.00%\)$/,
    );
  });

  it('refuses a version whose artifact was deleted, and leaves it out of the list', async () => {
    registry(['Approved', 'Approved', 'Approved'], 3, [1]);
    await expect(planRollback(deps, 'local', 1)).rejects.toThrow(
      /^version 1's model artifact s3:\/\/data\/models\/mlp-local-20261201-100000-abcdef\/output\/model\.tar\.gz was deleted; versions you can roll back to: version 2 /,
    );
    registry(['Approved', 'Approved'], 2, [1]);
    await expect(planRollback(deps, 'local', undefined)).rejects.toThrow(/no Approved version before version 2 has its artifact; there is no version to roll back to/);
    expect(sagemaker).not.toHaveReceivedCommand(UpdateModelPackageCommand);
  });

  it('refuses the version serving already, and an empty registry', async () => {
    registry(['Approved', 'Approved'], 2);
    await expect(planRollback(deps, 'local', 2)).rejects.toThrow(/version 2 is the one ml-pipeline-local serves already; versions you can roll back to: version 1/);
    registry([], undefined);
    await expect(planRollback(deps, 'local', undefined)).rejects.toThrow(/has no versions: nothing to roll back to/);
  });

  it('waits until the endpoint is InService on the version, and fails clearly if the endpoint failed', async () => {
    sagemaker
      .on(DescribeEndpointCommand)
      .resolvesOnce({ EndpointStatus: 'Updating', EndpointConfigName: jobOf(3) } as never)
      .resolves({ EndpointStatus: 'InService', EndpointConfigName: jobOf(1) } as never);
    const seen: string[] = [];
    await expect(waitForServing(deps.sagemaker, 'ml-pipeline-local', jobOf(1), 5000, (status) => seen.push(status), 1)).resolves.toBeGreaterThanOrEqual(0);
    expect(seen).toEqual([`Updating on ${jobOf(3)}`, `InService on ${jobOf(1)}`]);
    sagemaker.on(DescribeEndpointCommand).resolves({ EndpointStatus: 'Failed', FailureReason: 'no model.bin' } as never);
    await expect(waitForServing(deps.sagemaker, 'ml-pipeline-local', jobOf(1), 5000, undefined, 1)).rejects.toThrow('endpoint ml-pipeline-local failed: no model.bin');
  });
});
