/**
 * The Model Registry's operations: CreateModelPackageGroup / DescribeModelPackageGroup /
 * ListModelPackageGroups / DeleteModelPackageGroup and CreateModelPackage / DescribeModelPackage /
 * ListModelPackages / UpdateModelPackage / DeleteModelPackage, with botocore's constraints.
 */
import { z } from 'zod';
import type { AwsRequest } from '../../../core/types';
import { validationException } from '../errors';
import { modelPackageState, type ModelPackageGroupRecord, type ModelPackageRecord, type RequestScope } from '../model/model-registry';
import type { SageMakerOperation } from './context';
import { listByNameInput, listPage, type ListRequest } from './listing';
import { echoedMembers, parseInput, resourceName, S3_URI_PATTERN, tagList } from './validation';

const ARN_OR_NAME = /^(arn:aws[a-z-]*:sagemaker:[a-z0-9-]*:[0-9]{12}:[a-z-]*\/)?([a-zA-Z0-9]([a-zA-Z0-9-]){0,62})(?<!-)$/;
const VERSIONED_ARN_OR_NAME = /^(arn:aws[a-z-]*:sagemaker:[a-z0-9-]*:[0-9]{12}:[a-z-]*\/)?([a-zA-Z0-9]([a-zA-Z0-9-]){0,62})(?<!-)(\/[0-9]{1,9})?$/;
const MODEL_PACKAGE_ARN = /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]{9,16}:[0-9]{12}:model-package\/[\S]{1,2048}$/;
const DESCRIPTION = /^[\p{L}\p{M}\p{Z}\p{S}\p{N}\p{P}]*$/u;
const METADATA_KEY = /^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$/u;

const arnOrName = z.string().min(1).max(170).regex(ARN_OR_NAME);
const versionedArnOrName = z.string().min(1).max(176).regex(VERSIONED_ARN_OR_NAME);
const description = z.string().max(1024).regex(DESCRIPTION).optional();
const approvalStatus = z.enum(['Approved', 'Rejected', 'PendingManualApproval']);
const metadataMap = z.record(z.string().min(1).max(128).regex(METADATA_KEY), z.string().min(1).max(256).regex(METADATA_KEY));

const metricsSource = z.looseObject({ ContentType: z.string().max(256), S3Uri: z.string().max(1024).regex(S3_URI_PATTERN) });
const container = z.looseObject({
  Image: z.string().max(255).regex(/^[\S]+$/).optional(),
  ModelDataUrl: z.string().max(1024).regex(S3_URI_PATTERN).optional(),
  Environment: z.record(z.string(), z.string()).optional(),
});

const createGroupInput = z.looseObject({ ModelPackageGroupName: resourceName, ModelPackageGroupDescription: description, Tags: tagList });
const groupNameInput = z.looseObject({ ModelPackageGroupName: arnOrName });
const listGroupsInput = listByNameInput.extend({ CrossAccountFilterOption: z.enum(['SameAccount', 'CrossAccount']).optional() });

const createPackageInput = z.looseObject({
  ModelPackageName: resourceName.optional(),
  ModelPackageGroupName: arnOrName.optional(),
  ModelPackageDescription: description,
  InferenceSpecification: z.looseObject({ Containers: z.array(container).min(1).max(15) }).optional(),
  ModelMetrics: z.record(z.string(), z.record(z.string(), metricsSource)).optional(),
  ModelApprovalStatus: approvalStatus.optional(),
  CustomerMetadataProperties: metadataMap.optional(),
  ClientToken: z.string().min(1).max(36).regex(/^[a-zA-Z0-9-]+$/).optional(),
  SamplePayloadUrl: z.string().max(1024).regex(S3_URI_PATTERN).optional(),
  Tags: tagList,
});
const packageNameInput = z.looseObject({ ModelPackageName: versionedArnOrName });
const listPackagesInput = listByNameInput.extend({
  ModelApprovalStatus: approvalStatus.optional(),
  ModelPackageGroupName: arnOrName.optional(),
  ModelPackageType: z.enum(['Versioned', 'Unversioned', 'Both']).optional(),
});
const updatePackageInput = z.looseObject({
  ModelPackageArn: z.string().min(1).max(2048).regex(MODEL_PACKAGE_ARN),
  ModelApprovalStatus: approvalStatus.optional(),
  ApprovalDescription: z.string().max(1024).optional(),
  CustomerMetadataProperties: metadataMap.optional(),
  CustomerMetadataPropertiesToRemove: z.array(z.string().min(1).max(128).regex(METADATA_KEY)).optional(),
});

/** Members of CreateModelPackage that DescribeModelPackage returns as they were given. */
const ECHOED_PACKAGE_MEMBERS = [
  'InferenceSpecification',
  'ModelMetrics',
  'MetadataProperties',
  'SourceAlgorithmSpecification',
  'ValidationSpecification',
  'CertifyForMarketplace',
  'ModelPackageRegistrationType',
  'Domain',
  'Task',
  'SamplePayloadUrl',
  'DriftCheckBaselines',
  'AdditionalInferenceSpecifications',
  'SkipModelValidation',
  'SourceUri',
  'SecurityConfig',
  'ModelCard',
  'ModelLifeCycle',
  'ManagedStorageType',
] as const;

const MAX_METADATA_PROPERTIES = 50;

function scopeOf(request: AwsRequest): RequestScope {
  return { region: request.region, accountId: request.accountId, ...(request.caller ? { caller: { IamIdentity: { Arn: request.caller.arn } } } : {}) };
}

function checkMetadataCount(properties: Record<string, string> | undefined, member: string): void {
  const count = properties === undefined ? 0 : Object.keys(properties).length;
  if (properties !== undefined && (count < 1 || count > MAX_METADATA_PROPERTIES)) {
    throw validationException(
      `1 validation error detected: Value '${JSON.stringify(properties)}' at '${member}' failed to satisfy constraint: Member must have length between 1 and ${MAX_METADATA_PROPERTIES}`,
    );
  }
}

const seconds = (epochMs: number): number => epochMs / 1000;

function groupSummary(group: ModelPackageGroupRecord): Record<string, unknown> {
  return {
    ModelPackageGroupName: group.ModelPackageGroupName,
    ModelPackageGroupArn: group.ModelPackageGroupArn,
    ...(group.ModelPackageGroupDescription !== undefined ? { ModelPackageGroupDescription: group.ModelPackageGroupDescription } : {}),
    CreationTime: seconds(group.CreationTime),
    ModelPackageGroupStatus: 'Completed',
  };
}

/** A summary names a versioned package by its group and version only, as ListModelPackages does. */
function packageSummary(record: ModelPackageRecord): Record<string, unknown> {
  return {
    ...(record.ModelPackageVersion === undefined
      ? { ModelPackageName: record.ModelPackageName }
      : { ModelPackageGroupName: record.ModelPackageGroupName, ModelPackageVersion: record.ModelPackageVersion }),
    ModelPackageArn: record.ModelPackageArn,
    ...(record.ModelPackageDescription !== undefined ? { ModelPackageDescription: record.ModelPackageDescription } : {}),
    CreationTime: seconds(record.CreationTime),
    ModelPackageStatus: 'Completed',
    ...(record.ModelApprovalStatus !== undefined ? { ModelApprovalStatus: record.ModelApprovalStatus } : {}),
  };
}

/** The List* page of `records`: SortOrder defaults to Ascending here, as both registry lists document. */
function registryPage<T>(
  records: readonly T[],
  request: ListRequest & { SortBy?: 'Name' | 'CreationTime' },
  describe: (record: T) => { name: string; creationTime: number; version: number },
): { page: T[]; nextToken?: string } {
  const items = records.map((record) => ({ record, ...describe(record) }));
  type Item = (typeof items)[number];
  const byName = (a: Item, b: Item) => a.name.localeCompare(b.name) || a.creationTime - b.creationTime;
  const byTime = (a: Item, b: Item) => a.creationTime - b.creationTime;
  const compare = request.SortBy === 'Name' ? byName : byTime;
  const { page, nextToken } = listPage(items, { ...request, SortOrder: request.SortOrder ?? 'Ascending' }, (a, b) => compare(a, b) || a.version - b.version);
  return { page: page.map((item) => item.record), ...(nextToken !== undefined ? { nextToken } : {}) };
}

export const MODEL_REGISTRY_OPERATIONS: Record<string, SageMakerOperation> = {
  CreateModelPackageGroup: async ({ registry }, input, request) => ({
    ModelPackageGroupArn: await registry.createGroup(parseInput(createGroupInput, input), scopeOf(request)),
  }),

  DescribeModelPackageGroup: ({ registry }, input, request) => {
    const group = registry.group(parseInput(groupNameInput, input).ModelPackageGroupName, scopeOf(request));
    const { ModelPackageGroupStatus, ...summary } = groupSummary(group);
    return { ...summary, CreatedBy: group.CreatedBy, ModelPackageGroupStatus };
  },

  ListModelPackageGroups: ({ registry }, input) => {
    const request = parseInput(listGroupsInput, input);
    const { page, nextToken } = registryPage(registry.groups.all(), request, (group) => ({ name: group.ModelPackageGroupName, creationTime: group.CreationTime, version: 0 }));
    return { ModelPackageGroupSummaryList: page.map(groupSummary), ...(nextToken !== undefined ? { NextToken: nextToken } : {}) };
  },

  DeleteModelPackageGroup: async ({ registry }, input, request) => {
    await registry.deleteGroup(parseInput(groupNameInput, input).ModelPackageGroupName, scopeOf(request));
    return {};
  },

  CreateModelPackage: async ({ registry }, input, request) => {
    const parsed = parseInput(createPackageInput, input);
    checkMetadataCount(parsed.CustomerMetadataProperties, 'customerMetadataProperties');
    return { ModelPackageArn: await registry.createPackage(parsed, echoedMembers(parsed, ECHOED_PACKAGE_MEMBERS), scopeOf(request)) };
  },

  DescribeModelPackage: ({ registry }, input, request) => {
    const record = registry.package(parseInput(packageNameInput, input).ModelPackageName, scopeOf(request));
    return {
      ...modelPackageState(record),
      CreationTime: seconds(record.CreationTime),
      CreatedBy: record.CreatedBy,
      ...(record.LastModifiedTime !== undefined ? { LastModifiedTime: seconds(record.LastModifiedTime) } : {}),
      ...(record.LastModifiedBy !== undefined ? { LastModifiedBy: record.LastModifiedBy } : {}),
    };
  },

  ListModelPackages: ({ registry }, input, request) => {
    const parsed = parseInput(listPackagesInput, input);
    const scope = scopeOf(request);
    // A group named lists its versions; otherwise ModelPackageType chooses, Unversioned by default.
    const group = parsed.ModelPackageGroupName === undefined ? undefined : registry.group(parsed.ModelPackageGroupName, scope);
    const type = group ? 'Versioned' : (parsed.ModelPackageType ?? 'Unversioned');
    const candidates = (group ? registry.versionsOf(group.ModelPackageGroupName) : registry.packages.all()).filter(
      (record) =>
        (type === 'Both' || (type === 'Versioned') === (record.ModelPackageVersion !== undefined)) &&
        (parsed.ModelApprovalStatus === undefined || record.ModelApprovalStatus === parsed.ModelApprovalStatus),
    );
    const { page, nextToken } = registryPage(candidates, parsed, (record) => ({
      name: record.ModelPackageName,
      creationTime: record.CreationTime,
      version: record.ModelPackageVersion ?? 0,
    }));
    return { ModelPackageSummaryList: page.map(packageSummary), ...(nextToken !== undefined ? { NextToken: nextToken } : {}) };
  },

  UpdateModelPackage: async ({ registry }, input, request) => {
    const parsed = parseInput(updatePackageInput, input);
    checkMetadataCount(parsed.CustomerMetadataProperties, 'customerMetadataProperties');
    return { ModelPackageArn: await registry.updatePackage(parsed, scopeOf(request)) };
  },

  DeleteModelPackage: async ({ registry }, input, request) => {
    await registry.deletePackage(parseInput(packageNameInput, input).ModelPackageName, scopeOf(request));
    return {};
  },
};
