/**
 * The CloudFormation engine: stacks and change sets with CloudFormation's semantics, independent of
 * the wire protocol (provider.ts speaks it). Calls validate and answer at once, as the API does; the
 * operation itself (create, update, delete, rollback) runs in the background and shows in the stack's
 * status and events. Resources are created, updated and deleted by the resource layer
 * (deploy/resources.ts), in dependency order; a resource that fails rolls the stack back to its
 * previous state. State lives in `<stateDir>/cloudformation/stacks/`, one file per stack.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { removeStaleTempFilesSync, writeJsonAtomicSync } from '../../../core/persistence';
import { silentLogger, type LocalStackLogger } from '../../../core/logger';
import { AwsError } from '../../../core/types';
import { resolveIntrinsics, UnsupportedIntrinsicError, type IntrinsicContext } from '../../../deploy/intrinsics';
import { ResourceFailure, type Provisioned, type ResourceContext, type ResourceHandler, type ResourceLayer } from '../../../deploy/resources';
import {
  UPDATABLE_STATUSES,
  type ChangeRecord,
  type ChangeSetRecord,
  type OutputRecord,
  type ResourceRecord,
  type ResourceStatus,
  type StackEvent,
  type StackRecord,
  type StackStatus,
  type Tag,
} from './types';
import {
  canonicalJson,
  checkCapabilities,
  deploymentOrder,
  evaluateConditions,
  MAX_TEMPLATE_BODY_BYTES,
  MAX_TEMPLATE_URL_BYTES,
  parameterRefValues,
  parseTemplate,
  requiredCapabilities,
  resolveParameters,
  validationError,
  type ParameterInput,
  type ParsedTemplate,
} from './template';

export interface TemplateSource {
  TemplateBody?: string;
  TemplateURL?: string;
}

export interface StackInput extends TemplateSource {
  StackName: string;
  Parameters?: ParameterInput[];
  Capabilities?: string[];
  Tags?: Tag[];
  NotificationARNs?: string[];
  RoleARN?: string;
  DisableRollback?: boolean;
}

export interface CreateStackInput extends StackInput {
  OnFailure?: 'DO_NOTHING' | 'ROLLBACK' | 'DELETE';
  EnableTerminationProtection?: boolean;
}

export interface UpdateStackInput extends StackInput {
  UsePreviousTemplate?: boolean;
}

export interface CreateChangeSetInput extends UpdateStackInput {
  ChangeSetName: string;
  ChangeSetType?: 'CREATE' | 'UPDATE';
  Description?: string;
  OnStackFailure?: 'DO_NOTHING' | 'ROLLBACK' | 'DELETE';
}

export interface EngineOptions {
  stateDir: string;
  accountId: string;
  region: string;
  resources: ResourceLayer;
  /** Reads a TemplateURL's object from the local S3. */
  readObject(bucket: string, key: string): Promise<Buffer>;
  logger?: LocalStackLogger;
}

/** A role the engine deployed, its policy documents resolved (for IAM enforcement). */
export interface DeployedRole {
  stackName: string;
  logicalId: string;
  roleName: string;
  arn: string;
  assumeRolePolicyDocument: unknown;
  /** Inline policies, those of AWS::IAM::Policy resources and customer managed policies (AWS::IAM::ManagedPolicy) attached to it included. */
  policies: Array<{ policyName: string; policyDocument: unknown }>;
  /** Managed policies no stack deploys (AWS managed ones): their content is unknown here. */
  managedPolicyArns: string[];
}

const MAX_EVENTS_PER_STACK = 2000;
const MAX_DELETED_STACKS = 100;
const NO_CHANGES = "The submitted information didn't contain changes. Submit different information to create a change set.";
const INTERRUPTED = 'The local stack stopped while this operation ran';

/** The state a failed update rolls back to. */
interface StackSnapshot {
  template: ParsedTemplate;
  templateBody: string;
  parameters: Record<string, string>;
  resources: Record<string, ResourceRecord>;
  outputs: OutputRecord[];
  tags: Tag[];
  capabilities: string[];
  notificationArns: string[];
}

interface PreparedTemplate {
  template: ParsedTemplate;
  templateBody: string;
  parameters: Record<string, string>;
}

export class CloudFormationEngine {
  private readonly directory: string;
  private readonly stacks: StackRecord[] = [];
  /** Counts changes of the stacks (each save, each stack added or forgotten): what deployedRoles() is cached by. */
  private version = 0;
  private rolesCache: { version: number; roles: DeployedRole[] } | undefined;
  private readonly running = new Map<string, Promise<void>>();
  private readonly logger: LocalStackLogger;

  constructor(private readonly options: EngineOptions) {
    this.directory = path.join(options.stateDir, 'cloudformation', 'stacks');
    this.logger = options.logger ?? silentLogger;
    mkdirSync(this.directory, { recursive: true });
    this.load();
  }

  /** Operations a stop interrupted end as failed, as an operation CloudFormation could not finish. */
  start(): void {
    const interrupted: Partial<Record<StackStatus, StackStatus>> = {
      CREATE_IN_PROGRESS: 'CREATE_FAILED',
      ROLLBACK_IN_PROGRESS: 'ROLLBACK_FAILED',
      DELETE_IN_PROGRESS: 'DELETE_FAILED',
      UPDATE_IN_PROGRESS: 'UPDATE_FAILED',
      UPDATE_COMPLETE_CLEANUP_IN_PROGRESS: 'UPDATE_COMPLETE',
      UPDATE_ROLLBACK_IN_PROGRESS: 'UPDATE_ROLLBACK_FAILED',
      UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS: 'UPDATE_ROLLBACK_COMPLETE',
    };
    for (const stack of this.stacks) {
      const next = interrupted[stack.StackStatus];
      if (!next) continue;
      this.logger.warn(`stack ${stack.StackName} was ${stack.StackStatus} when the local stack stopped: now ${next}`);
      this.setStatus(stack, next, INTERRUPTED);
    }
  }

  /** Waits for the operations in flight (they only call in-process providers, so they end quickly). */
  async stop(): Promise<void> {
    await Promise.allSettled([...this.running.values()]);
  }

  // ---------------------------------------------------------------------------------------------
  // Stacks

  async createStack(input: CreateStackInput): Promise<{ StackId: string }> {
    this.checkNewStackName(input.StackName);
    const prepared = await this.prepare(input, undefined);
    checkCapabilities(prepared.template, input.Capabilities ?? []);
    // Again: another call may have created it while the template was read.
    this.checkNewStackName(input.StackName);
    const stack = this.newStack(input, prepared);
    stack.enableTerminationProtection = input.EnableTerminationProtection === true;
    this.stacks.push(stack);
    this.version++;
    const onFailure = input.DisableRollback ? 'DO_NOTHING' : (input.OnFailure ?? 'ROLLBACK');
    this.launch(stack, () => this.runCreate(stack, onFailure));
    return { StackId: stack.StackId };
  }

  async updateStack(input: UpdateStackInput): Promise<{ StackId: string }> {
    const stack = this.requireStack(input.StackName);
    this.checkUpdatable(stack);
    const prepared = await this.prepare(input, stack);
    checkCapabilities(prepared.template, input.Capabilities ?? []);
    this.checkResourceTypes(stack, prepared.template);
    const tags = input.Tags ?? stack.tags;
    const notificationArns = input.NotificationARNs ?? stack.notificationArns;
    if (!this.hasChanges(stack, prepared, tags, notificationArns)) throw validationError('No updates are to be performed.');
    // Again: another call may have started an operation while the template was read.
    this.checkUpdatable(stack);
    this.launch(stack, () => this.runUpdate(stack, prepared, { tags, notificationArns, capabilities: input.Capabilities ?? [], disableRollback: input.DisableRollback === true }));
    return { StackId: stack.StackId };
  }

  /** As AWS: deleting a stack that does not exist succeeds. */
  async deleteStack(input: { StackName: string; RetainResources?: string[] }): Promise<void> {
    const stack = this.findStack(input.StackName, { includeDeleted: input.StackName.startsWith('arn:') });
    if (!stack || stack.StackStatus === 'DELETE_COMPLETE' || stack.StackStatus === 'DELETE_IN_PROGRESS') return;
    if (stack.enableTerminationProtection) throw validationError(`Stack [${stack.StackName}] cannot be deleted while TerminationProtection is enabled`);
    if (this.running.has(stack.StackId)) throw validationError(`Stack [${stack.StackName}] cannot be deleted while in status ${stack.StackStatus}`);
    const retain = input.RetainResources ?? [];
    if (retain.length > 0 && stack.StackStatus !== 'DELETE_FAILED') {
      throw validationError('Invalid operation on stack: RetainResources can only be specified when the stack is in the DELETE_FAILED state');
    }
    if (stack.StackStatus === 'REVIEW_IN_PROGRESS') {
      this.setStatus(stack, 'DELETE_IN_PROGRESS', 'User Initiated');
      this.finishDeletion(stack);
      return;
    }
    this.launch(stack, () => this.runDelete(stack, retain));
  }

  /** A stack by name (not deleted) or by id (deleted ones too, as AWS answers). */
  findStack(nameOrId: string, options: { includeDeleted?: boolean } = {}): StackRecord | undefined {
    if (nameOrId.startsWith('arn:')) return this.stacks.find((stack) => stack.StackId === nameOrId && (options.includeDeleted !== false || stack.StackStatus !== 'DELETE_COMPLETE'));
    const live = this.stacks.filter((stack) => stack.StackName === nameOrId && stack.StackStatus !== 'DELETE_COMPLETE');
    if (live.length > 0 || !options.includeDeleted) return live[0];
    return undefined;
  }

  describeStacks(nameOrId?: string): StackRecord[] {
    if (nameOrId === undefined) return this.stacks.filter((stack) => stack.StackStatus !== 'DELETE_COMPLETE');
    const stack = this.findStack(nameOrId, { includeDeleted: true });
    if (!stack) throw validationError(`Stack with id ${nameOrId} does not exist`);
    return [stack];
  }

  listStacks(statusFilter: readonly string[] = []): StackRecord[] {
    return this.stacks.filter((stack) => statusFilter.length === 0 || statusFilter.includes(stack.StackStatus)).reverse();
  }

  /** Newest first, as DescribeStackEvents answers. */
  stackEvents(nameOrId: string): StackEvent[] {
    const stack = this.findStack(nameOrId, { includeDeleted: true });
    if (!stack) throw validationError(`Stack [${nameOrId}] does not exist`);
    return [...stack.events].reverse();
  }

  stackResource(nameOrId: string, logicalId: string): { stack: StackRecord; resource: ResourceRecord } {
    const stack = this.findStack(nameOrId, { includeDeleted: true });
    if (!stack) throw validationError(`Stack '${nameOrId}' does not exist`);
    const resource = stack.resources[logicalId];
    if (!resource) throw validationError(`Resource ${logicalId} does not exist for stack ${stack.StackName}`);
    return { stack, resource };
  }

  stackResources(input: { StackName?: string; LogicalResourceId?: string; PhysicalResourceId?: string }): Array<{ stack: StackRecord; resource: ResourceRecord }> {
    let stack: StackRecord | undefined;
    if (input.StackName !== undefined) {
      stack = this.findStack(input.StackName, { includeDeleted: true });
      if (!stack) throw validationError(`Stack with id ${input.StackName} does not exist`);
    } else if (input.PhysicalResourceId !== undefined) {
      stack = this.stacks.find((candidate) => candidate.StackStatus !== 'DELETE_COMPLETE' && Object.values(candidate.resources).some((resource) => resource.physicalId === input.PhysicalResourceId));
      if (!stack) throw validationError(`Stack for ${input.PhysicalResourceId} does not exist`);
    } else {
      throw validationError('Either StackName or PhysicalResourceId must be specified.');
    }
    const found = stack;
    return Object.values(found.resources)
      .filter((resource) => input.LogicalResourceId === undefined || resource.logicalId === input.LogicalResourceId)
      .map((resource) => ({ stack: found, resource }));
  }

  getTemplate(input: { StackName?: string; ChangeSetName?: string }): { body: string; stages: string[] } {
    if (input.ChangeSetName !== undefined) {
      const { changeSet } = this.requireChangeSet(input.ChangeSetName, input.StackName);
      return { body: changeSet.templateBody, stages: ['Original', 'Processed'] };
    }
    if (input.StackName === undefined) throw validationError('Either StackName or ChangeSetName must be specified.');
    const stack = this.findStack(input.StackName, { includeDeleted: true });
    if (!stack) throw validationError(`Stack with id ${input.StackName} does not exist`);
    return { body: stack.templateBody, stages: ['Original', 'Processed'] };
  }

  async validateTemplate(source: TemplateSource): Promise<{ template: ParsedTemplate; capabilities: string[]; capabilitiesReason?: string }> {
    const { template } = await this.readTemplate(source);
    const { capabilities, reason } = requiredCapabilities(template);
    return { template, capabilities, capabilitiesReason: reason };
  }

  setTerminationProtection(nameOrId: string, enabled: boolean): StackRecord {
    const [stack] = this.describeStacks(nameOrId);
    stack!.enableTerminationProtection = enabled;
    this.save(stack!);
    return stack!;
  }

  listExports(): Array<{ ExportingStackId: string; Name: string; Value: string }> {
    return this.stacks
      .filter((stack) => stack.StackStatus !== 'DELETE_COMPLETE')
      .flatMap((stack) => stack.outputs.filter((output) => output.ExportName !== undefined).map((output) => ({ ExportingStackId: stack.StackId, Name: output.ExportName!, Value: output.OutputValue })));
  }

  /** Resolves when the stack's operation in flight (if any) has ended. */
  async settled(nameOrId: string): Promise<StackRecord> {
    const stack = this.findStack(nameOrId, { includeDeleted: true });
    if (!stack) throw validationError(`Stack with id ${nameOrId} does not exist`);
    await this.running.get(stack.StackId);
    return stack;
  }

  /**
   * Every role of every live stack with its policy documents, as deployed (intrinsics resolved). Computed once
   * per version of the stacks (IAM reads it for every request a role session makes): the same objects until a
   * stack changes, so that callers may cache by identity.
   */
  deployedRoles(): DeployedRole[] {
    if (this.rolesCache?.version !== this.version) this.rolesCache = { version: this.version, roles: this.resolveDeployedRoles() };
    return this.rolesCache.roles;
  }

  private resolveDeployedRoles(): DeployedRole[] {
    const live = this.stacks
      .filter((stack) => stack.StackStatus !== 'DELETE_COMPLETE')
      .map((stack) => ({ stack, resources: Object.values(stack.resources).filter((resource) => resource.status !== 'DELETE_COMPLETE' && resource.physicalId !== '') }));
    // Customer managed policies (AWS::IAM::ManagedPolicy, physical id = ARN) of any stack: a role names them in
    // ManagedPolicyArns, or the policy names the role in Roles. AWS managed policies stay unresolved.
    const managed = live.flatMap(({ resources }) => resources.filter((resource) => resource.type === 'AWS::IAM::ManagedPolicy'));
    return live.flatMap(({ stack, resources }) => {
      const attached = resources.filter((resource) => resource.type === 'AWS::IAM::Policy');
      return resources
        .filter((resource) => resource.type === 'AWS::IAM::Role')
        .map((role) => {
          const properties = role.properties as { AssumeRolePolicyDocument?: unknown; Policies?: Array<{ PolicyName: string; PolicyDocument: unknown }>; ManagedPolicyArns?: string[] };
          const namesRole = (policy: ResourceRecord) => ((policy.properties.Roles as string[] | undefined) ?? []).includes(role.physicalId);
          const extra = attached.filter(namesRole).map((policy) => ({ policyName: String(policy.properties.PolicyName), policyDocument: policy.properties.PolicyDocument }));
          const arns = properties.ManagedPolicyArns ?? [];
          const customer = managed.filter((policy) => arns.includes(policy.physicalId) || namesRole(policy));
          return {
            stackName: stack.StackName,
            logicalId: role.logicalId,
            roleName: role.physicalId,
            arn: role.attributes.Arn ?? '',
            assumeRolePolicyDocument: properties.AssumeRolePolicyDocument,
            policies: [
              ...(properties.Policies ?? []).map((policy) => ({ policyName: policy.PolicyName, policyDocument: policy.PolicyDocument })),
              ...extra,
              ...customer.map((policy) => ({ policyName: policy.physicalId, policyDocument: policy.properties.PolicyDocument })),
            ],
            managedPolicyArns: arns.filter((arn) => !customer.some((policy) => policy.physicalId === arn)),
          };
        });
    });
  }

  /** Each deployed AWS::SQS::QueuePolicy, resolved: the queues (URLs) it is set on and its document. */
  deployedQueuePolicies(): Array<{ stackName: string; queueUrls: string[]; policyDocument: unknown }> {
    return this.stacks
      .filter((stack) => stack.StackStatus !== 'DELETE_COMPLETE')
      .flatMap((stack) =>
        Object.values(stack.resources)
          .filter((resource) => resource.type === 'AWS::SQS::QueuePolicy' && resource.status !== 'DELETE_COMPLETE' && resource.physicalId !== '')
          .map((resource) => ({ stackName: stack.StackName, queueUrls: ((resource.properties.Queues as unknown[] | undefined) ?? []).map(String), policyDocument: resource.properties.PolicyDocument })),
      );
  }

  // ---------------------------------------------------------------------------------------------
  // Change sets

  async createChangeSet(input: CreateChangeSetInput): Promise<{ Id: string; StackId: string }> {
    if (!/^[a-zA-Z][-a-zA-Z0-9]{0,127}$/.test(input.ChangeSetName)) {
      throw validationError(`1 validation error detected: Value '${input.ChangeSetName}' at 'changeSetName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*`);
    }
    const type = input.ChangeSetType ?? 'UPDATE';
    let stack = this.findStack(input.StackName);
    if (type === 'CREATE') {
      if (stack && stack.StackStatus !== 'REVIEW_IN_PROGRESS') throw new AwsError('AlreadyExistsException', `Stack [${input.StackName}] already exists and cannot be created again with the changeSet [${input.ChangeSetName}].`, 400);
    } else {
      if (!stack || stack.StackStatus === 'REVIEW_IN_PROGRESS') throw validationError(`Stack [${input.StackName}] does not exist`);
      if (this.running.has(stack.StackId)) throw validationError(`Stack:${stack.StackId} is in ${stack.StackStatus} state and can not be updated.`);
    }
    if (stack?.changeSets[input.ChangeSetName]) throw new AwsError('AlreadyExistsException', `ChangeSet [${input.ChangeSetName}] already exists`, 400);
    const prepared = await this.prepare(input, type === 'UPDATE' ? stack : undefined);
    checkCapabilities(prepared.template, input.Capabilities ?? []);
    if (stack && type === 'UPDATE') this.checkResourceTypes(stack, prepared.template);
    // Another call may have created the stack or this change set while the template was read.
    stack ??= this.findStack(input.StackName);
    if (stack?.changeSets[input.ChangeSetName]) throw new AwsError('AlreadyExistsException', `ChangeSet [${input.ChangeSetName}] already exists`, 400);
    if (!stack) {
      if (type === 'CREATE') this.checkNewStackName(input.StackName);
      stack = this.newStack(input, { template: { Resources: {} }, templateBody: '', parameters: {} });
      this.stacks.push(stack);
      this.version++;
      this.setStatus(stack, 'REVIEW_IN_PROGRESS', 'User Initiated');
    }
    const tags = input.Tags ?? stack.tags;
    const notificationArns = input.NotificationARNs ?? stack.notificationArns;
    const changes = this.changesOf(stack, prepared);
    const empty = type === 'UPDATE' && !this.hasChanges(stack, prepared, tags, notificationArns);
    const changeSet: ChangeSetRecord = {
      ChangeSetId: `arn:aws:cloudformation:${this.options.region}:${this.options.accountId}:changeSet/${input.ChangeSetName}/${randomUUID()}`,
      ChangeSetName: input.ChangeSetName,
      ChangeSetType: type,
      CreationTime: new Date().toISOString(),
      Description: input.Description,
      Status: empty ? 'FAILED' : 'CREATE_COMPLETE',
      ...(empty && { StatusReason: NO_CHANGES }),
      ExecutionStatus: empty ? 'UNAVAILABLE' : 'AVAILABLE',
      templateBody: prepared.templateBody,
      parameters: prepared.parameters,
      capabilities: input.Capabilities ?? [],
      tags,
      notificationArns,
      changes,
      onStackFailure: input.DisableRollback ? 'DO_NOTHING' : input.OnStackFailure,
    };
    stack.changeSets[input.ChangeSetName] = changeSet;
    this.save(stack);
    return { Id: changeSet.ChangeSetId, StackId: stack.StackId };
  }

  describeChangeSet(changeSetName: string, stackName?: string): { stack: StackRecord; changeSet: ChangeSetRecord } {
    return this.requireChangeSet(changeSetName, stackName);
  }

  listChangeSets(stackName: string): { stack: StackRecord; changeSets: ChangeSetRecord[] } {
    const stack = this.findStack(stackName);
    if (!stack) throw validationError(`Stack [${stackName}] does not exist`);
    return { stack, changeSets: Object.values(stack.changeSets) };
  }

  async executeChangeSet(input: { ChangeSetName: string; StackName?: string; DisableRollback?: boolean }): Promise<void> {
    const { stack, changeSet } = this.requireChangeSet(input.ChangeSetName, input.StackName);
    if (changeSet.Status !== 'CREATE_COMPLETE' || changeSet.ExecutionStatus !== 'AVAILABLE') {
      throw new AwsError('InvalidChangeSetStatus', `ChangeSet [${changeSet.ChangeSetId}] cannot be executed in its current status of [${changeSet.Status}]`, 400);
    }
    if (this.running.has(stack.StackId)) throw validationError(`Stack:${stack.StackId} is in ${stack.StackStatus} state and can not be updated.`);
    const prepared: PreparedTemplate = { template: parseTemplate(changeSet.templateBody), templateBody: changeSet.templateBody, parameters: changeSet.parameters };
    // Executing a change set makes the stack's other change sets obsolete: CloudFormation deletes them all.
    stack.changeSets = {};
    if (changeSet.ChangeSetType === 'CREATE') {
      stack.template = prepared.template;
      stack.templateBody = prepared.templateBody;
      stack.parameters = prepared.parameters;
      stack.capabilities = changeSet.capabilities;
      stack.tags = changeSet.tags;
      stack.notificationArns = changeSet.notificationArns;
      const onFailure = input.DisableRollback ? 'DO_NOTHING' : (changeSet.onStackFailure ?? 'ROLLBACK');
      this.launch(stack, () => this.runCreate(stack, onFailure));
    } else {
      this.checkUpdatable(stack);
      this.launch(stack, () =>
        this.runUpdate(stack, prepared, { tags: changeSet.tags, notificationArns: changeSet.notificationArns, capabilities: changeSet.capabilities, disableRollback: input.DisableRollback === true || changeSet.onStackFailure === 'DO_NOTHING' }),
      );
    }
  }

  /** As AWS: deleting a change set the stack does not have succeeds. */
  deleteChangeSet(changeSetName: string, stackName?: string): void {
    if (changeSetName.startsWith('arn:')) {
      const owner = this.stacks.find((stack) => Object.values(stack.changeSets).some((changeSet) => changeSet.ChangeSetId === changeSetName));
      if (!owner) return;
      const entry = Object.values(owner.changeSets).find((changeSet) => changeSet.ChangeSetId === changeSetName)!;
      delete owner.changeSets[entry.ChangeSetName];
      this.save(owner);
      return;
    }
    if (stackName === undefined) throw validationError('StackName must be specified if ChangeSetName is not specified as an ARN.');
    const stack = this.findStack(stackName);
    if (!stack) throw validationError(`Stack [${stackName}] does not exist`);
    if (!stack.changeSets[changeSetName]) return;
    delete stack.changeSets[changeSetName];
    this.save(stack);
  }

  // ---------------------------------------------------------------------------------------------
  // Operations

  private launch(stack: StackRecord, operation: () => Promise<void>): void {
    const run = operation()
      .catch((error: unknown) => {
        // An engine defect, not a resource failure (those are events): the stack must not stay in progress.
        this.logger.error(`stack ${stack.StackName}: operation failed unexpectedly`, { error: String((error as Error)?.stack ?? error) });
        const failed: Partial<Record<StackStatus, StackStatus>> = { CREATE_IN_PROGRESS: 'CREATE_FAILED', UPDATE_IN_PROGRESS: 'UPDATE_FAILED', DELETE_IN_PROGRESS: 'DELETE_FAILED', ROLLBACK_IN_PROGRESS: 'ROLLBACK_FAILED', UPDATE_ROLLBACK_IN_PROGRESS: 'UPDATE_ROLLBACK_FAILED' };
        const next = failed[stack.StackStatus];
        if (next) this.setStatus(stack, next, `Internal failure: ${(error as Error)?.message ?? String(error)}`);
      })
      .finally(() => {
        this.running.delete(stack.StackId);
        this.save(stack);
        this.logger.info(`stack ${stack.StackName} ${stack.StackStatus}`);
      });
    this.running.set(stack.StackId, run);
  }

  private async runCreate(stack: StackRecord, onFailure: 'DO_NOTHING' | 'ROLLBACK' | 'DELETE'): Promise<void> {
    this.setStatus(stack, 'CREATE_IN_PROGRESS', 'User Initiated');
    const conditions = this.conditionsOf(stack, stack.template, stack.parameters);
    const created: string[] = [];
    let failure: { logicalId: string; reason: string } | undefined;
    for (const logicalId of activeResourceIds(stack.template, conditions)) {
      const declared = stack.template.Resources[logicalId]!;
      this.resourceEvent(stack, logicalId, declared.Type, '', 'CREATE_IN_PROGRESS');
      try {
        const handler = this.options.resources.handler(declared.Type);
        const properties = this.resolveProperties(stack, logicalId, conditions);
        const provisioned = await handler.create(properties, this.resourceContext(stack, logicalId));
        stack.resources[logicalId] = this.record(logicalId, declared, provisioned, properties, 'CREATE_COMPLETE');
        this.resourceEvent(stack, logicalId, declared.Type, provisioned.physicalId, 'CREATE_COMPLETE');
        created.push(logicalId);
      } catch (error) {
        failure = { logicalId, reason: reasonOf(error) };
        this.resourceEvent(stack, logicalId, declared.Type, '', 'CREATE_FAILED', failure.reason);
        break;
      }
    }
    if (!failure) {
      const outputs = this.outputsOf(stack, conditions);
      if (typeof outputs === 'string') failure = { logicalId: stack.StackName, reason: outputs };
      else {
        stack.outputs = outputs;
        this.setStatus(stack, 'CREATE_COMPLETE');
        return;
      }
    }
    const reason = `The following resource(s) failed to create: [${failure.logicalId}]. `;
    this.logger.warn(`stack ${stack.StackName}: ${failure.logicalId} failed to create: ${failure.reason}`);
    if (onFailure === 'DO_NOTHING') {
      this.setStatus(stack, 'CREATE_FAILED', reason);
      return;
    }
    this.setStatus(stack, 'ROLLBACK_IN_PROGRESS', `${reason}Rollback requested by user.`);
    const failedDeletes = await this.deleteResources(stack, [...created].reverse().map((logicalId) => stack.resources[logicalId]!), { honourRetain: true });
    for (const logicalId of [...created, failure.logicalId]) delete stack.resources[logicalId];
    if (failedDeletes.length > 0) {
      this.setStatus(stack, 'ROLLBACK_FAILED', `The following resource(s) failed to delete: [${failedDeletes.join(', ')}]. `);
      return;
    }
    this.setStatus(stack, 'ROLLBACK_COMPLETE');
    if (onFailure === 'DELETE') {
      this.setStatus(stack, 'DELETE_IN_PROGRESS', 'User Initiated');
      this.finishDeletion(stack);
    }
  }

  private async runUpdate(
    stack: StackRecord,
    next: PreparedTemplate,
    settings: { tags: Tag[]; notificationArns: string[]; capabilities: string[]; disableRollback: boolean },
  ): Promise<void> {
    const previous: StackSnapshot = structuredClone({
      template: stack.template,
      templateBody: stack.templateBody,
      parameters: stack.parameters,
      resources: stack.resources,
      outputs: stack.outputs,
      tags: stack.tags,
      capabilities: stack.capabilities,
      notificationArns: stack.notificationArns,
    });
    this.setStatus(stack, 'UPDATE_IN_PROGRESS', 'User Initiated');
    Object.assign(stack, { template: next.template, templateBody: next.templateBody, parameters: next.parameters, ...settings });
    const conditions = this.conditionsOf(stack, next.template, next.parameters);
    /** What the update did, in order, to undo it. */
    const done: Array<{ logicalId: string; kind: 'created' | 'updated' | 'replaced'; previous?: ResourceRecord }> = [];
    let failure: { logicalId: string; reason: string; created: boolean } | undefined;
    const activeIds = activeResourceIds(next.template, conditions);
    const active = new Set(activeIds);
    for (const logicalId of activeIds) {
      const declared = next.template.Resources[logicalId]!;
      const old = previous.resources[logicalId];
      const exists = isLive(old);
      let handler: ResourceHandler | undefined;
      let properties: Record<string, unknown> | undefined;
      try {
        handler = this.options.resources.handler(declared.Type);
        properties = this.resolveProperties(stack, logicalId, conditions);
      } catch (error) {
        failure = { logicalId, reason: reasonOf(error), created: !exists };
        this.resourceEvent(stack, logicalId, declared.Type, old?.physicalId ?? '', exists ? 'UPDATE_FAILED' : 'CREATE_FAILED', failure.reason);
        break;
      }
      const context = this.resourceContext(stack, logicalId);
      if (!exists) {
        this.resourceEvent(stack, logicalId, declared.Type, '', 'CREATE_IN_PROGRESS');
        try {
          const provisioned = await handler.create(properties, context);
          stack.resources[logicalId] = this.record(logicalId, declared, provisioned, properties, 'CREATE_COMPLETE');
          this.resourceEvent(stack, logicalId, declared.Type, provisioned.physicalId, 'CREATE_COMPLETE');
          done.push({ logicalId, kind: 'created' });
        } catch (error) {
          failure = { logicalId, reason: reasonOf(error), created: true };
          this.resourceEvent(stack, logicalId, declared.Type, '', 'CREATE_FAILED', failure.reason);
          break;
        }
        continue;
      }
      const change = changeOf(old, properties, declared, handler.replaceOn);
      if (change === 'none') {
        // Unchanged: CloudFormation leaves it alone (no event), keeping the policies it now declares.
        stack.resources[logicalId] = { ...old, deletionPolicy: declared.DeletionPolicy, updateReplacePolicy: declared.UpdateReplacePolicy };
        continue;
      }
      const replace = change === 'replace';
      this.resourceEvent(stack, logicalId, declared.Type, old.physicalId, 'UPDATE_IN_PROGRESS', replace ? 'Requested update requires the creation of a new physical resource; hence creating one.' : undefined);
      try {
        const provisioned = replace ? await handler.create(properties, context) : await updateInPlace(handler, properties, toProvisioned(old), context);
        stack.resources[logicalId] = this.record(logicalId, declared, provisioned, properties, 'UPDATE_COMPLETE');
        this.resourceEvent(stack, logicalId, declared.Type, provisioned.physicalId, 'UPDATE_COMPLETE');
        done.push({ logicalId, kind: replace ? 'replaced' : 'updated', previous: old });
      } catch (error) {
        failure = { logicalId, reason: reasonOf(error), created: false };
        this.resourceEvent(stack, logicalId, declared.Type, old.physicalId, 'UPDATE_FAILED', failure.reason);
        // An update in place may have half-happened: the rollback puts the previous properties back.
        if (!replace) done.push({ logicalId, kind: 'updated', previous: old });
        break;
      }
    }
    let outputs: OutputRecord[] | string = [];
    if (!failure) {
      outputs = this.outputsOf(stack, conditions);
      if (typeof outputs === 'string') failure = { logicalId: stack.StackName, reason: outputs, created: false };
    }

    if (!failure) {
      stack.outputs = outputs as OutputRecord[];
      this.setStatus(stack, 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS');
      // Resources the template no longer has, then the old halves of replacements; a failure here
      // leaves a DELETE_FAILED event but no longer fails the update, as on AWS.
      const removed = deploymentOrder(previous.template.Resources)
        .reverse()
        .filter((logicalId) => !active.has(logicalId))
        .map((logicalId) => previous.resources[logicalId])
        .filter((resource): resource is ResourceRecord => resource !== undefined && resource.physicalId !== '');
      await this.deleteResources(stack, removed, { honourRetain: true });
      for (const resource of removed) delete stack.resources[resource.logicalId];
      const replaced = done.filter((entry) => entry.kind === 'replaced').map((entry) => entry.previous!);
      await this.deleteResources(stack, replaced.reverse(), { honourRetain: true, replaced: true });
      this.setStatus(stack, 'UPDATE_COMPLETE');
      return;
    }

    const reason = `The following resource(s) failed to ${failure.created ? 'create' : 'update'}: [${failure.logicalId}]. `;
    this.logger.warn(`stack ${stack.StackName}: ${failure.logicalId} failed to ${failure.created ? 'create' : 'update'}: ${failure.reason}`);
    if (settings.disableRollback) {
      this.setStatus(stack, 'UPDATE_FAILED', reason);
      return;
    }
    this.setStatus(stack, 'UPDATE_ROLLBACK_IN_PROGRESS', reason);
    const orphans: ResourceRecord[] = [];
    const rollbackFailures: string[] = [];
    for (const entry of [...done].reverse()) {
      const current = stack.resources[entry.logicalId]!;
      if (entry.kind === 'created') {
        orphans.push(current);
        delete stack.resources[entry.logicalId];
        continue;
      }
      const old = entry.previous!;
      if (entry.kind === 'replaced') {
        // The previous resource was never touched: it takes its place again; the new one goes.
        orphans.push(current);
        stack.resources[entry.logicalId] = old;
        this.resourceEvent(stack, old.logicalId, old.type, old.physicalId, 'UPDATE_COMPLETE');
        continue;
      }
      this.resourceEvent(stack, old.logicalId, old.type, old.physicalId, 'UPDATE_IN_PROGRESS');
      try {
        const handler = this.options.resources.handler(old.type);
        await updateInPlace(handler, old.properties, toProvisioned(current), { stackName: stack.StackName, logicalId: old.logicalId, resource: previous.template.Resources[old.logicalId] ?? { Type: old.type } });
        stack.resources[entry.logicalId] = old;
        this.resourceEvent(stack, old.logicalId, old.type, old.physicalId, 'UPDATE_COMPLETE');
      } catch (error) {
        rollbackFailures.push(old.logicalId);
        this.resourceEvent(stack, old.logicalId, old.type, old.physicalId, 'UPDATE_FAILED', reasonOf(error));
      }
    }
    delete stack.resources[failure.logicalId];
    if (previous.resources[failure.logicalId]) stack.resources[failure.logicalId] = previous.resources[failure.logicalId]!;
    Object.assign(stack, {
      template: previous.template,
      templateBody: previous.templateBody,
      parameters: previous.parameters,
      outputs: previous.outputs,
      tags: previous.tags,
      capabilities: previous.capabilities,
      notificationArns: previous.notificationArns,
    });
    if (rollbackFailures.length > 0) {
      this.setStatus(stack, 'UPDATE_ROLLBACK_FAILED', `The following resource(s) failed to update: [${rollbackFailures.join(', ')}]. `);
      return;
    }
    this.setStatus(stack, 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS');
    await this.deleteResources(stack, orphans, { honourRetain: false });
    this.setStatus(stack, 'UPDATE_ROLLBACK_COMPLETE');
  }

  private async runDelete(stack: StackRecord, retain: readonly string[]): Promise<void> {
    this.setStatus(stack, 'DELETE_IN_PROGRESS', 'User Initiated');
    const known = Object.keys(stack.template.Resources);
    const ordered = [...deploymentOrder(stack.template.Resources).reverse(), ...Object.keys(stack.resources).filter((logicalId) => !known.includes(logicalId))];
    const resources = ordered.map((logicalId) => stack.resources[logicalId]).filter((resource): resource is ResourceRecord => resource !== undefined);
    const failed = await this.deleteResources(stack, resources, { honourRetain: true, retain });
    if (failed.length > 0) {
      this.setStatus(stack, 'DELETE_FAILED', `The following resource(s) failed to delete: [${failed.join(', ')}]. `);
      return;
    }
    this.finishDeletion(stack);
  }

  private finishDeletion(stack: StackRecord): void {
    stack.DeletionTime = new Date().toISOString();
    stack.changeSets = {};
    this.setStatus(stack, 'DELETE_COMPLETE');
    // Deleted stacks stay describable by id; the oldest are forgotten.
    const deleted = this.stacks.filter((candidate) => candidate.StackStatus === 'DELETE_COMPLETE');
    for (const old of deleted.slice(0, Math.max(0, deleted.length - MAX_DELETED_STACKS))) {
      this.stacks.splice(this.stacks.indexOf(old), 1);
      this.version++;
      rmSync(this.fileOf(old), { force: true });
    }
  }

  /** Deletes resources in the order given; returns the logical ids that failed. */
  private async deleteResources(stack: StackRecord, resources: readonly ResourceRecord[], options: { honourRetain: boolean; replaced?: boolean; retain?: readonly string[] }): Promise<string[]> {
    const failed: string[] = [];
    for (const resource of resources) {
      if (resource.physicalId === '' || resource.status === 'DELETE_COMPLETE' || resource.status === 'DELETE_SKIPPED') continue;
      const policy = options.replaced ? resource.updateReplacePolicy : resource.deletionPolicy;
      if ((options.honourRetain && policy === 'Retain') || options.retain?.includes(resource.logicalId)) {
        resource.status = 'DELETE_SKIPPED';
        this.resourceEvent(stack, resource.logicalId, resource.type, resource.physicalId, 'DELETE_SKIPPED');
        continue;
      }
      this.resourceEvent(stack, resource.logicalId, resource.type, resource.physicalId, 'DELETE_IN_PROGRESS');
      try {
        const handler = this.options.resources.handler(resource.type);
        await handler.delete({ ...toProvisioned(resource), properties: resource.properties }, { stackName: stack.StackName, logicalId: resource.logicalId, resource: { Type: resource.type } });
        resource.status = 'DELETE_COMPLETE';
        this.resourceEvent(stack, resource.logicalId, resource.type, resource.physicalId, 'DELETE_COMPLETE');
      } catch (error) {
        failed.push(resource.logicalId);
        resource.status = 'DELETE_FAILED';
        resource.statusReason = reasonOf(error);
        this.resourceEvent(stack, resource.logicalId, resource.type, resource.physicalId, 'DELETE_FAILED', resource.statusReason);
      }
    }
    return failed;
  }

  // ---------------------------------------------------------------------------------------------
  // Templates, parameters, intrinsics

  private async prepare(input: StackInput & { UsePreviousTemplate?: boolean }, stack: StackRecord | undefined): Promise<PreparedTemplate> {
    let source: { template: ParsedTemplate; body: string };
    if (input.UsePreviousTemplate) {
      if (!stack) throw validationError('UsePreviousTemplate is only valid when updating a stack');
      if (input.TemplateBody !== undefined || input.TemplateURL !== undefined) throw validationError('Exactly one of TemplateBody, TemplateURL or UsePreviousTemplate must be specified.');
      source = { template: stack.template, body: stack.templateBody };
    } else {
      source = await this.readTemplate(input);
    }
    const parameters = resolveParameters(source.template, input.Parameters ?? [], stack?.parameters);
    return { template: source.template, templateBody: source.body, parameters };
  }

  private async readTemplate(source: TemplateSource): Promise<{ template: ParsedTemplate; body: string }> {
    if ((source.TemplateBody === undefined) === (source.TemplateURL === undefined)) throw validationError('Either Template URL or Template Body must be specified.');
    let body: string;
    if (source.TemplateBody !== undefined) {
      if (Buffer.byteLength(source.TemplateBody) > MAX_TEMPLATE_BODY_BYTES) {
        throw validationError(`1 validation error detected: Value at 'templateBody' failed to satisfy constraint: Member must have length less than or equal to ${MAX_TEMPLATE_BODY_BYTES} (upload it to S3 and pass TemplateURL)`);
      }
      body = source.TemplateBody;
    } else {
      const location = parseTemplateUrl(source.TemplateURL!);
      try {
        body = (await this.options.readObject(location.bucket, location.key)).toString('utf8');
      } catch (error) {
        throw validationError(`TemplateURL must reference a valid S3 object to which you have access. (${source.TemplateURL}: ${(error as Error).message})`);
      }
      if (Buffer.byteLength(body) > MAX_TEMPLATE_URL_BYTES) throw validationError(`Template may not exceed ${MAX_TEMPLATE_URL_BYTES} bytes in size.`);
    }
    return { template: parseTemplate(body), body };
  }

  private intrinsicContext(stack: StackRecord, template: ParsedTemplate, parameters: Record<string, string>, conditions?: Record<string, boolean>): IntrinsicContext {
    return {
      accountId: this.options.accountId,
      region: this.options.region,
      stackName: stack.StackName,
      stackId: stack.StackId,
      notificationArns: stack.notificationArns,
      parameters: parameterRefValues(template, parameters),
      conditions,
      mappings: template.Mappings,
      refResource: (logicalId) => {
        const resource = stack.resources[logicalId];
        if (!resource || resource.physicalId === '') throw new UnsupportedIntrinsicError(`Unresolved resource dependency ${logicalId} (it does not exist, or its Condition is false)`);
        return resource.physicalId;
      },
      getAtt: (logicalId, attribute) => {
        const resource = stack.resources[logicalId];
        if (!resource || resource.physicalId === '') throw new UnsupportedIntrinsicError(`Unresolved resource dependency ${logicalId} in Fn::GetAtt`);
        const value = resource.attributes[attribute];
        if (value === undefined) throw new UnsupportedIntrinsicError(`Template error: resource ${logicalId} does not support attribute type ${attribute} in Fn::GetAtt (locally)`);
        return value;
      },
      importValue: (name) => {
        const exported = this.listExports().find((entry) => entry.Name === name);
        if (!exported) throw new UnsupportedIntrinsicError(`No export named ${name} found.`);
        return exported.Value;
      },
    };
  }

  private conditionsOf(stack: StackRecord, template: ParsedTemplate, parameters: Record<string, string>): Record<string, boolean> {
    return evaluateConditions(template, this.intrinsicContext(stack, template, parameters));
  }

  private resolveProperties(stack: StackRecord, logicalId: string, conditions: Record<string, boolean>): Record<string, unknown> {
    const declared = stack.template.Resources[logicalId]!;
    return (resolveIntrinsics(declared.Properties ?? {}, this.intrinsicContext(stack, stack.template, stack.parameters, conditions)) ?? {}) as Record<string, unknown>;
  }

  /** The stack's outputs, or the reason one cannot be resolved. */
  private outputsOf(stack: StackRecord, conditions: Record<string, boolean>): OutputRecord[] | string {
    const context = this.intrinsicContext(stack, stack.template, stack.parameters, conditions);
    const outputs: OutputRecord[] = [];
    for (const [key, output] of Object.entries(stack.template.Outputs ?? {}) as Array<[string, { Value: unknown; Description?: string; Condition?: string; Export?: { Name: unknown } }]>) {
      if (output.Condition !== undefined && !conditions[output.Condition]) continue;
      try {
        const value = resolveIntrinsics(output.Value, context);
        outputs.push({
          OutputKey: key,
          OutputValue: Array.isArray(value) ? value.join(',') : String(value),
          ...(output.Description !== undefined && { Description: output.Description }),
          ...(output.Export && { ExportName: String(resolveIntrinsics(output.Export.Name, context)) }),
        });
      } catch (error) {
        return `Output ${key}: ${reasonOf(error)}`;
      }
    }
    return outputs;
  }

  /** What an update would change, resource by resource (for change sets and "No updates"). */
  private changesOf(stack: StackRecord, next: PreparedTemplate): ChangeRecord[] {
    const preview: StackRecord = { ...stack, template: next.template, parameters: next.parameters, resources: { ...stack.resources } };
    const pending = (logicalId: string): ResourceRecord => ({
      logicalId,
      type: next.template.Resources[logicalId]?.Type ?? '',
      physicalId: `{pending:${logicalId}}`,
      status: 'CREATE_IN_PROGRESS',
      lastUpdated: '',
      properties: {},
      attributes: new Proxy({}, { get: (_target, attribute) => `{pending:${logicalId}.${String(attribute)}}` }),
    });
    const changes: ChangeRecord[] = [];
    let conditions: Record<string, boolean>;
    try {
      conditions = this.conditionsOf(preview, next.template, next.parameters);
    } catch {
      return [];
    }
    const activeIds = activeResourceIds(next.template, conditions);
    const active = new Set(activeIds);
    for (const logicalId of activeIds) {
      const declared = next.template.Resources[logicalId]!;
      const old = stack.resources[logicalId];
      if (!isLive(old)) {
        preview.resources[logicalId] = pending(logicalId);
        changes.push({ Action: 'Add', LogicalResourceId: logicalId, ResourceType: declared.Type });
        continue;
      }
      let properties: Record<string, unknown>;
      try {
        properties = this.resolveProperties(preview, logicalId, conditions);
      } catch {
        changes.push({ Action: 'Modify', LogicalResourceId: logicalId, PhysicalResourceId: old.physicalId, ResourceType: declared.Type, Replacement: 'False' });
        continue;
      }
      let replaceOn: readonly string[] | 'any' = [];
      try {
        replaceOn = this.options.resources.handler(declared.Type).replaceOn;
      } catch {
        // an unsupported type fails when the change set runs
      }
      const change = changeOf(old, properties, declared, replaceOn);
      if (change === 'none') continue;
      const replace = change === 'replace';
      if (replace) preview.resources[logicalId] = pending(logicalId);
      changes.push({ Action: 'Modify', LogicalResourceId: logicalId, PhysicalResourceId: old.physicalId, ResourceType: declared.Type, Replacement: replace ? 'True' : 'False' });
    }
    for (const [logicalId, old] of Object.entries(stack.resources)) {
      if (!active.has(logicalId) && isLive(old)) changes.push({ Action: 'Remove', LogicalResourceId: logicalId, PhysicalResourceId: old.physicalId, ResourceType: old.type });
    }
    return changes;
  }

  /** CloudFormation's "No updates are to be performed": no resource, output, parameter or tag would change. */
  private hasChanges(stack: StackRecord, next: PreparedTemplate, tags: readonly Tag[], notificationArns: readonly string[]): boolean {
    if (this.changesOf(stack, next).length > 0) return true;
    if (canonicalJson(next.parameters) !== canonicalJson(stack.parameters)) return true;
    if (canonicalJson(tags) !== canonicalJson(stack.tags) || canonicalJson(notificationArns) !== canonicalJson(stack.notificationArns)) return true;
    return canonicalJson(next.template.Outputs ?? {}) !== canonicalJson(stack.template.Outputs ?? {});
  }

  private checkResourceTypes(stack: StackRecord, template: ParsedTemplate): void {
    const changed = Object.entries(template.Resources)
      .filter(([logicalId, resource]) => {
        const old = stack.resources[logicalId];
        return old !== undefined && old.physicalId !== '' && !old.legacy && old.type !== resource.Type;
      })
      .map(([logicalId]) => logicalId);
    if (changed.length > 0) throw validationError(`Update of resource type is not permitted. The new template modifies resource type of the following resources: [${changed.join(', ')}]`);
  }

  // ---------------------------------------------------------------------------------------------
  // Records and events

  private newStack(input: StackInput, prepared: PreparedTemplate): StackRecord {
    return {
      StackId: `arn:aws:cloudformation:${this.options.region}:${this.options.accountId}:stack/${input.StackName}/${randomUUID()}`,
      StackName: input.StackName,
      StackStatus: 'CREATE_IN_PROGRESS',
      CreationTime: new Date().toISOString(),
      Description: prepared.template.Description,
      templateBody: prepared.templateBody,
      template: prepared.template,
      parameters: prepared.parameters,
      capabilities: input.Capabilities ?? [],
      tags: input.Tags ?? [],
      notificationArns: input.NotificationARNs ?? [],
      disableRollback: input.DisableRollback === true,
      enableTerminationProtection: false,
      ...(input.RoleARN && { roleArn: input.RoleARN }),
      outputs: [],
      resources: {},
      events: [],
      changeSets: {},
    };
  }

  private record(logicalId: string, declared: { Type: string; DeletionPolicy?: string; UpdateReplacePolicy?: string; Metadata?: Record<string, unknown> }, provisioned: { physicalId: string; attributes: Record<string, string> }, properties: Record<string, unknown>, status: ResourceStatus): ResourceRecord {
    return {
      logicalId,
      type: declared.Type,
      physicalId: provisioned.physicalId,
      status,
      lastUpdated: new Date().toISOString(),
      properties,
      attributes: provisioned.attributes,
      ...(declared.DeletionPolicy && { deletionPolicy: declared.DeletionPolicy }),
      ...(declared.UpdateReplacePolicy && { updateReplacePolicy: declared.UpdateReplacePolicy }),
      ...(declared.Metadata && { metadata: declared.Metadata }),
    };
  }

  private resourceContext(stack: StackRecord, logicalId: string): ResourceContext {
    return { stackName: stack.StackName, logicalId, resource: stack.template.Resources[logicalId]! };
  }

  private setStatus(stack: StackRecord, status: StackStatus, reason?: string): void {
    stack.StackStatus = status;
    stack.StackStatusReason = reason;
    if (status.startsWith('UPDATE_') || (status.startsWith('ROLLBACK_') && stack.events.length > 0)) stack.LastUpdatedTime = new Date().toISOString();
    this.event(stack, { LogicalResourceId: stack.StackName, PhysicalResourceId: stack.StackId, ResourceType: 'AWS::CloudFormation::Stack', ResourceStatus: status, ResourceStatusReason: reason });
  }

  private resourceEvent(stack: StackRecord, logicalId: string, type: string, physicalId: string, status: ResourceStatus, reason?: string): void {
    const resource = stack.resources[logicalId];
    if (resource && resource.physicalId === physicalId) {
      resource.status = status;
      resource.statusReason = reason;
      resource.lastUpdated = new Date().toISOString();
    }
    this.event(stack, { LogicalResourceId: logicalId, PhysicalResourceId: physicalId, ResourceType: type, ResourceStatus: status, ResourceStatusReason: reason });
  }

  private event(stack: StackRecord, event: Omit<StackEvent, 'EventId' | 'StackId' | 'StackName' | 'Timestamp'>): void {
    stack.events.push({ EventId: randomUUID(), StackId: stack.StackId, StackName: stack.StackName, Timestamp: new Date().toISOString(), ...event, ...(event.ResourceStatusReason === undefined && { ResourceStatusReason: undefined }) });
    if (stack.events.length > MAX_EVENTS_PER_STACK) stack.events.splice(0, stack.events.length - MAX_EVENTS_PER_STACK);
    this.save(stack);
  }

  private requireStack(nameOrId: string): StackRecord {
    const stack = this.findStack(nameOrId);
    if (!stack || stack.StackStatus === 'REVIEW_IN_PROGRESS') throw validationError(`Stack [${nameOrId}] does not exist`);
    return stack;
  }

  private checkUpdatable(stack: StackRecord): void {
    if (this.running.has(stack.StackId) || !UPDATABLE_STATUSES.has(stack.StackStatus)) {
      throw validationError(`Stack:${stack.StackId} is in ${stack.StackStatus} state and can not be updated.`);
    }
  }

  private checkNewStackName(name: string): void {
    if (!/^[a-zA-Z][-a-zA-Z0-9]{0,127}$/.test(name)) {
      throw validationError(`1 validation error detected: Value '${name}' at 'stackName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*`);
    }
    if (this.findStack(name)) throw new AwsError('AlreadyExistsException', `Stack [${name}] already exists`, 400);
  }

  private requireChangeSet(changeSetName: string, stackName?: string): { stack: StackRecord; changeSet: ChangeSetRecord } {
    if (changeSetName.startsWith('arn:')) {
      for (const stack of this.stacks) {
        const changeSet = Object.values(stack.changeSets).find((candidate) => candidate.ChangeSetId === changeSetName);
        if (changeSet) return { stack, changeSet };
      }
      throw new AwsError('ChangeSetNotFound', `ChangeSet [${changeSetName}] does not exist`, 404);
    }
    if (stackName === undefined) throw validationError('StackName must be specified if ChangeSetName is not specified as an ARN.');
    const stack = this.findStack(stackName);
    if (!stack) throw validationError(`Stack [${stackName}] does not exist`);
    const changeSet = stack.changeSets[changeSetName];
    if (!changeSet) throw new AwsError('ChangeSetNotFound', `ChangeSet [${changeSetName}] does not exist`, 404);
    return { stack, changeSet };
  }

  // ---------------------------------------------------------------------------------------------
  // Persistence

  private fileOf(stack: StackRecord): string {
    return path.join(this.directory, `${stack.StackName}-${stack.StackId.split('/').pop()}.json`);
  }

  private save(stack: StackRecord): void {
    this.version++;
    writeJsonAtomicSync(this.fileOf(stack), stack);
  }

  private load(): void {
    removeStaleTempFilesSync(this.directory);
    for (const entry of readdirSync(this.directory)) {
      if (!entry.endsWith('.json')) continue;
      this.stacks.push(JSON.parse(readFileSync(path.join(this.directory, entry), 'utf8')) as StackRecord);
    }
    this.stacks.sort((a, b) => a.CreationTime.localeCompare(b.CreationTime));
    this.adoptLegacyStacks();
  }

  /**
   * Stacks the local stack's earlier deployer (before this engine) recorded in
   * `cloudformation/stacks.json`: adopted as CREATE_COMPLETE stacks whose resources the next update
   * updates in place (their previous properties are unknown), so a `.local/` from then keeps its data.
   */
  private adoptLegacyStacks(): void {
    const legacyFile = path.join(this.options.stateDir, 'cloudformation', 'stacks.json');
    if (!existsSync(legacyFile)) return;
    const legacy = JSON.parse(readFileSync(legacyFile, 'utf8')) as Record<string, { stackName: string; deployedAt: string; resources: Record<string, { type: string; physicalId: string; attributes: Record<string, string> }> }>;
    for (const old of Object.values(legacy)) {
      if (this.findStack(old.stackName)) continue;
      const resources: Record<string, ResourceRecord> = {};
      for (const [logicalId, resource] of Object.entries(old.resources)) {
        resources[logicalId] = { logicalId, type: resource.type, physicalId: resource.physicalId, status: 'CREATE_COMPLETE', lastUpdated: old.deployedAt, properties: {}, attributes: resource.attributes, legacy: true };
      }
      const template: ParsedTemplate = { Resources: Object.fromEntries(Object.entries(old.resources).map(([logicalId, resource]) => [logicalId, { Type: resource.type }])) };
      const stack = this.newStack({ StackName: old.stackName }, { template, templateBody: JSON.stringify(template), parameters: {} });
      Object.assign(stack, { CreationTime: old.deployedAt, resources });
      this.stacks.push(stack);
      this.setStatus(stack, 'CREATE_COMPLETE', 'Adopted from the local stack deployer of an earlier version');
      this.logger.info(`adopted stack ${old.stackName} from ${legacyFile}`);
    }
    renameSync(legacyFile, `${legacyFile}.adopted`);
  }
}

/**
 * What an update does to an existing resource: nothing (same properties and metadata), an update in
 * place, or a replacement (a property that cannot change in place did). Adopted resources, whose
 * previous properties are unknown, are updated in place.
 */
function changeOf(old: ResourceRecord, properties: Record<string, unknown>, declared: { Metadata?: Record<string, unknown> }, replaceOn: readonly string[] | 'any'): 'none' | 'in-place' | 'replace' {
  if (old.legacy) return 'in-place';
  if (canonicalJson(properties) === canonicalJson(old.properties) && canonicalJson(declared.Metadata ?? {}) === canonicalJson(old.metadata ?? {})) return 'none';
  const replace = replaceOn === 'any' || replaceOn.some((key) => canonicalJson(properties[key]) !== canonicalJson(old.properties[key]));
  return replace ? 'replace' : 'in-place';
}

/** The template's resources whose Condition holds, in dependency order. */
function activeResourceIds(template: ParsedTemplate, conditions: Record<string, boolean>): string[] {
  return deploymentOrder(template.Resources).filter((logicalId) => {
    const condition = template.Resources[logicalId]!.Condition;
    return condition === undefined || conditions[condition] === true;
  });
}

/** A resource that exists: created, and not deleted since. */
function isLive(record: ResourceRecord | undefined): record is ResourceRecord {
  return record !== undefined && record.physicalId !== '' && record.status !== 'DELETE_COMPLETE';
}

function updateInPlace(handler: ResourceHandler, properties: Record<string, unknown>, previous: Provisioned, context: ResourceContext): Promise<Provisioned> {
  return handler.update ? handler.update(properties, previous, context) : handler.create(properties, context);
}

function toProvisioned(record: ResourceRecord): { physicalId: string; attributes: Record<string, string> } {
  return { physicalId: record.physicalId, attributes: record.attributes };
}

/** An event's ResourceStatusReason for what a resource operation threw. */
function reasonOf(error: unknown): string {
  if (error instanceof ResourceFailure || error instanceof UnsupportedIntrinsicError) return error.message;
  if (error instanceof AwsError) return `Resource handler returned message: "${error.message}" (HandlerErrorCode: ${error.status === 404 ? 'NotFound' : error.status >= 500 ? 'ServiceInternalError' : 'InvalidRequest'}, AWS error code: ${error.code})`;
  if (error instanceof Error) return `${error.name === 'Error' ? '' : `${error.name}: `}${error.message}`;
  return String(error);
}

/** `https://s3.amazonaws.com/<bucket>/<key>`, `https://<bucket>.s3.<region>.amazonaws.com/<key>`, the local endpoint's path style, or `s3://`. */
export function parseTemplateUrl(url: string): { bucket: string; key: string } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw validationError(`TemplateURL must be a supported URL: ${url}`);
  }
  const key = (value: string) => decodeURIComponent(value);
  if (parsed.protocol === 's3:') return { bucket: parsed.hostname, key: key(parsed.pathname.slice(1)) };
  const virtualHost = /^(.+)\.s3(?:[.-][a-z0-9-]+)?\.amazonaws\.com(?:\.cn)?$/.exec(parsed.hostname);
  if (virtualHost) return { bucket: virtualHost[1]!, key: key(parsed.pathname.slice(1)) };
  const [, bucket, ...rest] = parsed.pathname.split('/');
  if (!bucket || rest.length === 0) throw validationError(`TemplateURL must reference an S3 object: ${url}`);
  return { bucket, key: key(rest.join('/')) };
}
