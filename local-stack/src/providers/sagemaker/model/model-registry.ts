/**
 * SageMaker's Model Registry: model package groups and their model packages, versioned (a group's
 * versions 1, 2, ..., ARN `model-package/<group>/<version>`) or not (ARN `model-package/<name>`).
 * Groups live under `<root>/model-package-groups/`, packages under `<root>/model-packages/`, one
 * record each. A version's number is never given twice, even after a deletion (the group keeps the
 * last one it gave). Creating a package and changing its approval status publish
 * `SageMaker Model Package State Change` in the shape SageMaker documents.
 */
import { join } from 'node:path';
import type { LocalStackLogger } from '../../../core/logger';
import type { EventPublisher } from '../../../core/types';
import { conflictException, validationException } from '../errors';
import { MODEL_PACKAGE_STATE_CHANGE, publishStateChange } from './events';
import { arnFor, NAME_PATTERN } from './names';
import { RecordStore, type Tag } from './record-store';

export type ModelApprovalStatus = 'Approved' | 'Rejected' | 'PendingManualApproval';

/** Who made or changed a resource (SageMaker's UserContext): the verified caller's IAM identity. */
export interface UserContext {
  IamIdentity?: { Arn: string };
}

export interface ModelPackageGroupRecord {
  ModelPackageGroupName: string;
  ModelPackageGroupArn: string;
  ModelPackageGroupDescription?: string;
  CreatedBy: UserContext;
  /** The last version number given (0: none yet). */
  LastVersion: number;
  Tags: Tag[];
  /** Epoch milliseconds. */
  CreationTime: number;
}

export interface ModelPackageRecord {
  /** A versioned package's name is its group's, as DescribeModelPackage answers it. */
  ModelPackageName: string;
  ModelPackageGroupName?: string;
  ModelPackageVersion?: number;
  ModelPackageArn: string;
  ModelPackageDescription?: string;
  /** Versioned packages only. */
  ModelApprovalStatus?: ModelApprovalStatus;
  ApprovalDescription?: string;
  CustomerMetadataProperties?: Record<string, string>;
  /** The request's other members DescribeModelPackage returns as given (InferenceSpecification, ModelMetrics, ...). */
  Definition: Record<string, unknown>;
  ClientToken?: string;
  CreatedBy: UserContext;
  LastModifiedBy?: UserContext;
  /** Unversioned packages only (a version uses its group's). */
  Tags: Tag[];
  /** Epoch milliseconds. */
  CreationTime: number;
  LastModifiedTime?: number;
}

/** Where a request runs and who sends it. */
export interface RequestScope {
  region: string;
  accountId: string;
  caller?: UserContext;
}

export interface NewModelPackageGroup {
  ModelPackageGroupName: string;
  ModelPackageGroupDescription?: string;
  Tags?: Tag[];
}

export interface NewModelPackage {
  ModelPackageName?: string;
  ModelPackageGroupName?: string;
  ModelPackageDescription?: string;
  ModelApprovalStatus?: ModelApprovalStatus;
  CustomerMetadataProperties?: Record<string, string>;
  ClientToken?: string;
  Tags?: Tag[];
}

export interface ModelPackageUpdate {
  ModelPackageArn: string;
  ModelApprovalStatus?: ModelApprovalStatus;
  ApprovalDescription?: string;
  CustomerMetadataProperties?: Record<string, string>;
  CustomerMetadataPropertiesToRemove?: string[];
}

const ARN_PREFIX = /^arn:aws[a-z-]*:sagemaker:([a-z0-9-]*):(\d{12}):([a-z-]*)\//;

/** A name, or an ARN of the given resource type: the name, and the ARN when one was given. */
export function parseArnOrName(value: string, resourceType: string): { name: string; arn?: string; version?: number } | undefined {
  const prefix = ARN_PREFIX.exec(value);
  if (prefix && prefix[3] !== resourceType) return undefined;
  const rest = prefix ? value.slice(prefix[0].length) : value;
  const [name, version, ...extra] = rest.split('/');
  if (extra.length > 0 || name === undefined || name === '') return undefined;
  return { name, ...(prefix ? { arn: value } : {}), ...(version !== undefined ? { version: Number(version) } : {}) };
}

/** The versioned package key: group names hold no `.`, so no unversioned package has such a name. */
function packageKey(record: Pick<ModelPackageRecord, 'ModelPackageName' | 'ModelPackageGroupName' | 'ModelPackageVersion'>): string {
  return record.ModelPackageVersion === undefined ? record.ModelPackageName : `${record.ModelPackageGroupName}.${record.ModelPackageVersion}`;
}

export class ModelRegistry {
  readonly groups: RecordStore<ModelPackageGroupRecord>;
  readonly packages: RecordStore<ModelPackageRecord>;

  constructor(
    root: string,
    private readonly services: { events: EventPublisher; logger: LocalStackLogger },
  ) {
    this.groups = new RecordStore(join(root, 'model-package-groups'), (group) => group.ModelPackageGroupName, (name, region, accountId) =>
      groupNotFound(groupArn(region, accountId, name)),
    );
    this.packages = new RecordStore<ModelPackageRecord>(join(root, 'model-packages'), packageKey, (name, region, accountId) =>
      packageNotFound(arnFor(region, accountId, 'model-package', name)),
    );
  }

  async load(): Promise<void> {
    await Promise.all([this.groups.load(), this.packages.load()]);
    // A stop between a version's write and its group's leaves the group's counter behind: never give a number twice.
    for (const group of this.groups.all()) {
      const highest = Math.max(0, ...this.versionsOf(group.ModelPackageGroupName).map((version) => version.ModelPackageVersion!));
      if (highest > group.LastVersion) {
        group.LastVersion = highest;
        await this.groups.put(group);
      }
    }
  }

  // --- groups --------------------------------------------------------------------------------

  async createGroup(request: NewModelPackageGroup, scope: RequestScope): Promise<string> {
    // The wire checks names; CloudFormation's properties reach here unchecked, and a name becomes a file name.
    if (!NAME_PATTERN.test(request.ModelPackageGroupName)) {
      throw validationException(
        `1 validation error detected: Value '${request.ModelPackageGroupName}' at 'modelPackageGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: ${NAME_PATTERN.source}`,
      );
    }
    const arn = groupArn(scope.region, scope.accountId, request.ModelPackageGroupName);
    if (this.groups.has(request.ModelPackageGroupName)) throw validationException(`Model Package Group already exists: ${arn}`);
    await this.groups.put({
      ModelPackageGroupName: request.ModelPackageGroupName,
      ModelPackageGroupArn: arn,
      ...(request.ModelPackageGroupDescription !== undefined ? { ModelPackageGroupDescription: request.ModelPackageGroupDescription } : {}),
      CreatedBy: scope.caller ?? {},
      LastVersion: 0,
      Tags: request.Tags ?? [],
      CreationTime: Date.now(),
    });
    return arn;
  }

  /** The group named (by name or ARN), or SageMaker's ValidationException naming its ARN. */
  group(nameOrArn: string, scope: RequestScope): ModelPackageGroupRecord {
    const parsed = parseArnOrName(nameOrArn, 'model-package-group');
    const arn = parsed?.arn ?? groupArn(scope.region, scope.accountId, parsed?.name ?? nameOrArn);
    const group = parsed && parsed.version === undefined ? this.groups.get(parsed.name) : undefined;
    if (group === undefined || group.ModelPackageGroupArn.toLowerCase() !== arn.toLowerCase()) throw groupNotFound(arn);
    return group;
  }

  /** CloudFormation's update of a group's Tags: they become exactly these. */
  async setGroupTags(name: string, tags: Tag[]): Promise<void> {
    const group = this.groups.get(name);
    if (group === undefined) return;
    group.Tags = tags;
    await this.groups.put(group);
  }

  versionsOf(groupName: string): ModelPackageRecord[] {
    const key = groupName.toLowerCase();
    return this.packages.all().filter((record) => record.ModelPackageGroupName?.toLowerCase() === key);
  }

  /** Refused while the group holds versions, as SageMaker refuses it. */
  async deleteGroup(nameOrArn: string, scope: RequestScope): Promise<void> {
    const group = this.group(nameOrArn, scope);
    const versions = this.versionsOf(group.ModelPackageGroupName);
    if (versions.length > 0) {
      throw conflictException(
        `Model Package Group ${group.ModelPackageGroupArn} cannot be deleted: it holds ${versions.length} model package version(s) (${versions
          .map((version) => version.ModelPackageVersion)
          .sort((a, b) => a! - b!)
          .join(', ')}). Delete them first.`,
      );
    }
    await this.groups.delete(group.ModelPackageGroupName);
  }

  // --- packages ------------------------------------------------------------------------------

  /** Returns the package's ARN; `definition` holds the request's members DescribeModelPackage echoes. */
  async createPackage(request: NewModelPackage, definition: Record<string, unknown>, scope: RequestScope): Promise<string> {
    if (request.ModelPackageName !== undefined && request.ModelPackageGroupName !== undefined) {
      throw validationException('Both ModelPackageName and ModelPackageGroupName are provided in the input. Cannot determine which one to use.');
    }
    if (request.ModelPackageName === undefined && request.ModelPackageGroupName === undefined) throw validationException('Missing ARN.');
    const now = Date.now();
    const common = {
      ...(request.ModelPackageDescription !== undefined ? { ModelPackageDescription: request.ModelPackageDescription } : {}),
      ...(request.CustomerMetadataProperties !== undefined ? { CustomerMetadataProperties: request.CustomerMetadataProperties } : {}),
      ...(request.ClientToken !== undefined ? { ClientToken: request.ClientToken } : {}),
      Definition: definition,
      CreatedBy: scope.caller ?? {},
      CreationTime: now,
      LastModifiedTime: now,
    };
    let record: ModelPackageRecord;
    if (request.ModelPackageGroupName !== undefined) {
      const group = this.group(request.ModelPackageGroupName, scope);
      if (request.Tags !== undefined && request.Tags.length > 0) {
        throw validationException('Tags cannot be specified for a versioned model package: it uses the tags of its model package group.');
      }
      const repeated = request.ClientToken === undefined ? undefined : this.versionsOf(group.ModelPackageGroupName).find((version) => version.ClientToken === request.ClientToken);
      if (repeated) return repeated.ModelPackageArn;
      // The number is taken before anything is awaited: concurrent creations get distinct versions.
      const version = ++group.LastVersion;
      record = {
        ModelPackageName: group.ModelPackageGroupName,
        ModelPackageGroupName: group.ModelPackageGroupName,
        ModelPackageVersion: version,
        ModelPackageArn: `${arnFor(scope.region, scope.accountId, 'model-package', group.ModelPackageGroupName)}/${version}`,
        ModelApprovalStatus: request.ModelApprovalStatus ?? 'PendingManualApproval',
        Tags: [],
        ...common,
      };
      await Promise.all([this.groups.put(group), this.packages.put(record)]);
    } else {
      const name = request.ModelPackageName!;
      const existing = this.packages.get(name);
      if (existing) {
        if (request.ClientToken !== undefined && existing.ClientToken === request.ClientToken) return existing.ModelPackageArn;
        throw validationException(`Cannot create already existing model package "${existing.ModelPackageArn}".`);
      }
      record = { ModelPackageName: name, ModelPackageArn: arnFor(scope.region, scope.accountId, 'model-package', name), Tags: request.Tags ?? [], ...common };
      await this.packages.put(record);
    }
    await this.publish(record, scope);
    return record.ModelPackageArn;
  }

  /** The package named by `<name>`, `<group>/<version>` or either's ARN, or SageMaker's ValidationException. */
  package(nameOrArn: string, scope: RequestScope): ModelPackageRecord {
    const parsed = parseArnOrName(nameOrArn, 'model-package');
    const named = parsed && (parsed.version === undefined ? parsed.name : `${parsed.name}/${parsed.version}`);
    const arn = parsed?.arn ?? arnFor(scope.region, scope.accountId, 'model-package', named ?? nameOrArn);
    const record = parsed && this.packages.get(parsed.version === undefined ? parsed.name : `${parsed.name}.${parsed.version}`);
    if (record === undefined || record.ModelPackageArn.toLowerCase() !== arn.toLowerCase()) throw packageNotFound(arn);
    return record;
  }

  /**
   * The first container of a package's InferenceSpecification, for CreateModel's `ModelPackageName`:
   * a versioned package only once Approved, as SageMaker documents ("must be set to Approved to deploy").
   */
  deployableContainer(nameOrArn: string, scope: RequestScope): Record<string, unknown> {
    const record = this.package(nameOrArn, scope);
    if (record.ModelPackageVersion !== undefined && record.ModelApprovalStatus !== 'Approved') {
      throw validationException(`Model package ${record.ModelPackageArn} cannot be deployed: its ModelApprovalStatus is ${record.ModelApprovalStatus}, not Approved.`);
    }
    const containers = (record.Definition.InferenceSpecification as { Containers?: Array<Record<string, unknown>> } | undefined)?.Containers ?? [];
    if (containers.length === 0) throw validationException(`Model package ${record.ModelPackageArn} has no InferenceSpecification containers to deploy.`);
    return { ...containers[0] };
  }

  async updatePackage(update: ModelPackageUpdate, scope: RequestScope): Promise<string> {
    const record = this.package(update.ModelPackageArn, scope);
    if (record.ModelPackageVersion === undefined) {
      throw validationException(`UpdateModelPackage updates versioned model packages only: ${record.ModelPackageArn} belongs to no model package group.`);
    }
    if (update.ModelApprovalStatus !== undefined) record.ModelApprovalStatus = update.ModelApprovalStatus;
    if (update.ApprovalDescription !== undefined) record.ApprovalDescription = update.ApprovalDescription;
    if (update.CustomerMetadataProperties !== undefined || update.CustomerMetadataPropertiesToRemove !== undefined) {
      const properties = { ...record.CustomerMetadataProperties, ...update.CustomerMetadataProperties };
      for (const key of update.CustomerMetadataPropertiesToRemove ?? []) delete properties[key];
      if (Object.keys(properties).length > 0) record.CustomerMetadataProperties = properties;
      else delete record.CustomerMetadataProperties;
    }
    record.LastModifiedTime = Date.now();
    if (scope.caller !== undefined) record.LastModifiedBy = scope.caller;
    await this.packages.put(record);
    // An approval status set (even to the one it had: a rollback re-approves an older version) is a
    // state change; a change of metadata alone publishes nothing, so a consumer that records
    // metadata on the version it deploys does not hear its own write.
    if (update.ModelApprovalStatus !== undefined) await this.publish(record, scope);
    return record.ModelPackageArn;
  }

  async deletePackage(nameOrArn: string, scope: RequestScope): Promise<void> {
    await this.packages.delete(packageKey(this.package(nameOrArn, scope)));
  }

  private publish(record: ModelPackageRecord, scope: RequestScope): Promise<void> {
    return publishStateChange(
      this.services,
      { detailType: MODEL_PACKAGE_STATE_CHANGE, arn: record.ModelPackageArn, region: scope.region, accountId: scope.accountId, detail: modelPackageEventDetail(record) },
      { kind: 'model package', logContext: { modelPackage: record.ModelPackageArn } },
    );
  }
}

/** A model package group's ARN keeps the name's case (a package's ARN is lower case, as SageMaker's ARNs are). */
export function groupArn(region: string, accountId: string, name: string): string {
  return `arn:aws:sagemaker:${region}:${accountId}:model-package-group/${name}`;
}

function groupNotFound(arn: string): Error {
  return validationException(`ModelPackageGroup ${arn} does not exist.`);
}

function packageNotFound(arn: string): Error {
  return validationException(`ModelPackage ${arn} does not exist.`);
}

/** Event times are ISO 8601 to the second, as in SageMaker's sample event. */
function eventTime(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** What a package's Describe* and its state-change event share. */
export function modelPackageState(record: ModelPackageRecord): Record<string, unknown> {
  return {
    ModelPackageName: record.ModelPackageName,
    ...(record.ModelPackageGroupName !== undefined ? { ModelPackageGroupName: record.ModelPackageGroupName, ModelPackageVersion: record.ModelPackageVersion } : {}),
    ModelPackageArn: record.ModelPackageArn,
    ...(record.ModelPackageDescription !== undefined ? { ModelPackageDescription: record.ModelPackageDescription } : {}),
    ...record.Definition,
    ModelPackageStatus: 'Completed',
    ModelPackageStatusDetails: { ValidationStatuses: [], ImageScanStatuses: [] },
    CertifyForMarketplace: record.Definition.CertifyForMarketplace ?? false,
    ...(record.ModelApprovalStatus !== undefined ? { ModelApprovalStatus: record.ModelApprovalStatus } : {}),
    ...(record.ApprovalDescription !== undefined ? { ApprovalDescription: record.ApprovalDescription } : {}),
    ...(record.CustomerMetadataProperties !== undefined ? { CustomerMetadataProperties: record.CustomerMetadataProperties } : {}),
  };
}

/** `SageMaker Model Package State Change`'s detail, as SageMaker's documented sample has it (times in ISO 8601). */
export function modelPackageEventDetail(record: ModelPackageRecord): Record<string, unknown> {
  return {
    ...modelPackageState(record),
    CreationTime: eventTime(record.CreationTime),
    LastModifiedTime: eventTime(record.LastModifiedTime ?? record.CreationTime),
  };
}
