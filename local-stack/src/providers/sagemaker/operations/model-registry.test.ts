import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { accountRoot } from '../../../core/credentials';
import { silentLogger } from '../../../core/logger';
import type { AwsRequest } from '../../../core/types';
import { ModelRegistry, parseArnOrName } from '../model/model-registry';
import type { SageMakerModel } from './context';
import { MODEL_REGISTRY_OPERATIONS } from './model-registry';

const request = { region: 'us-east-1', accountId: '000000000000', caller: accountRoot() } as AwsRequest;

describe('Model Registry operations', () => {
  let dir: string;
  let sagemaker: SageMakerModel;
  const call = (operation: string, input: unknown) => MODEL_REGISTRY_OPERATIONS[operation]!(sagemaker, input, request) as Promise<Record<string, unknown>>;
  const versions = async (input: Record<string, unknown>) =>
    ((await call('ListModelPackages', input)).ModelPackageSummaryList as Array<{ ModelPackageVersion: number }>).map((summary) => summary.ModelPackageVersion);

  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'registry-'));
    const registry = new ModelRegistry(dir, { events: { publish: async () => undefined }, logger: silentLogger });
    await registry.load();
    sagemaker = { registry } as SageMakerModel;
    await call('CreateModelPackageGroup', { ModelPackageGroupName: 'g' });
    for (const status of ['Approved', 'Rejected', 'Approved', 'PendingManualApproval', 'Approved']) {
      await call('CreateModelPackage', { ModelPackageGroupName: 'g', ModelApprovalStatus: status });
    }
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('sorts versions by creation time then version (ties in one millisecond included), and pages through a filter without repeats or gaps', async () => {
    expect(await versions({ ModelPackageGroupName: 'g' })).toEqual([1, 2, 3, 4, 5]);
    expect(await versions({ ModelPackageGroupName: 'g', SortOrder: 'Descending' })).toEqual([5, 4, 3, 2, 1]);
    expect(await versions({ ModelPackageGroupName: 'g', SortBy: 'Name', SortOrder: 'Descending' })).toEqual([5, 4, 3, 2, 1]);
    const pages: number[][] = [];
    let NextToken: string | undefined;
    do {
      const page = await call('ListModelPackages', { ModelPackageGroupName: 'g', ModelApprovalStatus: 'Approved', MaxResults: 2, NextToken });
      pages.push((page.ModelPackageSummaryList as Array<{ ModelPackageVersion: number }>).map((summary) => summary.ModelPackageVersion));
      NextToken = page.NextToken as string | undefined;
    } while (NextToken);
    expect(pages).toEqual([[1, 3], [5]]);
  });

  it('filters by creation time (exclusive bounds, epoch seconds) and refuses a forged page token', async () => {
    const day = (n: number) => Date.UTC(2026, 11, n);
    for (let version = 1; version <= 5; version++) sagemaker.registry.packages.get(`g.${version}`)!.CreationTime = day(version);
    expect((await call('DescribeModelPackage', { ModelPackageName: 'g/3' })).CreationTime).toBe(day(3) / 1000);
    expect(await versions({ ModelPackageGroupName: 'g', CreationTimeAfter: day(3) / 1000 })).toEqual([4, 5]);
    expect(await versions({ ModelPackageGroupName: 'g', CreationTimeBefore: day(3) / 1000 })).toEqual([1, 2]);
    expect(await versions({ ModelPackageGroupName: 'g', CreationTimeAfter: day(1) / 1000, CreationTimeBefore: day(5) / 1000, SortOrder: 'Descending' })).toEqual([4, 3, 2]);
    expect(() => call('ListModelPackages', { ModelPackageGroupName: 'g', NextToken: 'bm9wZQ' })).toThrow('Invalid pagination token');
  });

  it('reads names and ARNs of groups and versions', () => {
    expect(parseArnOrName('g', 'model-package')).toEqual({ name: 'g' });
    expect(parseArnOrName('g/12', 'model-package')).toEqual({ name: 'g', version: 12 });
    expect(parseArnOrName('arn:aws:sagemaker:us-east-1:000000000000:model-package/g/2', 'model-package')).toEqual({
      name: 'g',
      version: 2,
      arn: 'arn:aws:sagemaker:us-east-1:000000000000:model-package/g/2',
    });
    expect(parseArnOrName('arn:aws:sagemaker:us-east-1:000000000000:model/g', 'model-package')).toBeUndefined();
    expect(parseArnOrName('g/1/2', 'model-package')).toBeUndefined();
  });
});
