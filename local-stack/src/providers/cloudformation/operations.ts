/**
 * CloudFormation's operations over the query protocol (`Action=CreateStack&...`, XML answers): the
 * operations `serverless deploy`, `info` and `remove`, the AWS CLI and the SDKs call, each read from
 * its form parameters, run by the engine (the model) and rendered as CloudFormation's result.
 */
import { queryList, structureToXml } from '../../core/query-protocol';
import type { XmlContent } from '../../core/xml';
import type { CloudFormationEngine, CreateChangeSetInput, CreateStackInput, UpdateStackInput } from './model/engine';
import type { ChangeSetRecord, ResourceRecord, StackEvent, StackRecord, Tag } from './model/types';
import { isNoEcho, validationError, type ParameterInput } from './model/template';

export const CLOUDFORMATION_XMLNS = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';
const PAGE_SIZE = 100;

/** `Prefix.member.N.Field=value` lists of structures, in index order. */
function structureList(params: URLSearchParams, prefix: string): Array<Record<string, string>> {
  const pattern = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.member\\.(\\d+)\\.(.+)$`);
  const items = new Map<number, Record<string, string>>();
  for (const [name, value] of params) {
    const match = pattern.exec(name);
    if (!match) continue;
    const index = Number(match[1]);
    items.set(index, { ...items.get(index), [match[2]!]: value });
  }
  return [...items.entries()].sort((a, b) => a[0] - b[0]).map(([, item]) => item);
}

function required(params: URLSearchParams, name: string): string {
  const value = params.get(name);
  if (value === null || value === '') {
    throw validationError(`1 validation error detected: Value null at '${name[0]!.toLowerCase()}${name.slice(1)}' failed to satisfy constraint: Member must not be null`);
  }
  return value;
}

function optional(params: URLSearchParams, name: string): string | undefined {
  return params.get(name) ?? undefined;
}

function flag(params: URLSearchParams, name: string): boolean | undefined {
  const value = params.get(name);
  return value === null ? undefined : value === 'true';
}

/** A list parameter that is absent stays undefined (an update then keeps the stack's own). */
function optionalList(params: URLSearchParams, prefix: string): string[] | undefined {
  const items = queryList(params, prefix);
  return items.length > 0 || params.has(prefix) ? items : undefined;
}

function parameterInputs(params: URLSearchParams): ParameterInput[] {
  return structureList(params, 'Parameters').map((item) => ({
    ParameterKey: item.ParameterKey ?? '',
    ...(item.ParameterValue !== undefined && { ParameterValue: item.ParameterValue }),
    ...(item.UsePreviousValue !== undefined && { UsePreviousValue: item.UsePreviousValue === 'true' }),
  }));
}

function tagsOf(params: URLSearchParams): Tag[] | undefined {
  const tags = structureList(params, 'Tags').map((item) => ({ Key: item.Key ?? '', Value: item.Value ?? '' }));
  return tags.length > 0 || params.has('Tags') ? tags : undefined;
}

function stackInput(params: URLSearchParams): UpdateStackInput {
  return {
    StackName: required(params, 'StackName'),
    TemplateBody: optional(params, 'TemplateBody'),
    TemplateURL: optional(params, 'TemplateURL'),
    UsePreviousTemplate: flag(params, 'UsePreviousTemplate'),
    Parameters: parameterInputs(params),
    Capabilities: queryList(params, 'Capabilities'),
    Tags: tagsOf(params),
    NotificationARNs: optionalList(params, 'NotificationARNs'),
    RoleARN: optional(params, 'RoleARN'),
    DisableRollback: flag(params, 'DisableRollback'),
  };
}

function page<T>(items: T[], params: URLSearchParams): { items: T[]; NextToken?: string } {
  const start = Number(params.get('NextToken') ?? '0') || 0;
  const slice = items.slice(start, start + PAGE_SIZE);
  return { items: slice, ...(start + PAGE_SIZE < items.length && { NextToken: String(start + PAGE_SIZE) }) };
}

function parametersOf(stack: Pick<StackRecord, 'template'>, values: Record<string, string>): Array<Record<string, unknown>> {
  return Object.entries(values).map(([key, value]) => ({ ParameterKey: key, ParameterValue: isNoEcho(stack.template.Parameters?.[key]) ? '****' : value }));
}

function stackXml(stack: StackRecord): Record<string, unknown> {
  return {
    StackId: stack.StackId,
    StackName: stack.StackName,
    Description: stack.Description,
    Parameters: parametersOf(stack, stack.parameters),
    CreationTime: stack.CreationTime,
    DeletionTime: stack.DeletionTime,
    LastUpdatedTime: stack.LastUpdatedTime,
    RollbackConfiguration: {},
    StackStatus: stack.StackStatus,
    StackStatusReason: stack.StackStatusReason,
    DisableRollback: stack.disableRollback,
    NotificationARNs: stack.notificationArns,
    Capabilities: stack.capabilities,
    Outputs: stack.outputs,
    RoleARN: stack.roleArn,
    Tags: stack.tags,
    EnableTerminationProtection: stack.enableTerminationProtection,
    DriftInformation: { StackDriftStatus: 'NOT_CHECKED' },
  };
}

function eventXml(event: StackEvent): Record<string, unknown> {
  return event as unknown as Record<string, unknown>;
}

function resourceXml(stack: StackRecord, resource: ResourceRecord, timestampName: 'Timestamp' | 'LastUpdatedTimestamp'): Record<string, unknown> {
  return {
    StackName: stack.StackName,
    StackId: stack.StackId,
    LogicalResourceId: resource.logicalId,
    PhysicalResourceId: resource.physicalId || undefined,
    ResourceType: resource.type,
    [timestampName]: resource.lastUpdated,
    ResourceStatus: resource.status,
    ResourceStatusReason: resource.statusReason,
    DriftInformation: { StackResourceDriftStatus: 'NOT_CHECKED' },
  };
}

function changeSetSummary(stack: StackRecord, changeSet: ChangeSetRecord): Record<string, unknown> {
  return {
    StackId: stack.StackId,
    StackName: stack.StackName,
    ChangeSetId: changeSet.ChangeSetId,
    ChangeSetName: changeSet.ChangeSetName,
    ExecutionStatus: changeSet.ExecutionStatus,
    Status: changeSet.Status,
    StatusReason: changeSet.StatusReason,
    CreationTime: changeSet.CreationTime,
    Description: changeSet.Description,
    IncludeNestedStacks: false,
  };
}

export type CloudFormationOperation = (engine: CloudFormationEngine, params: URLSearchParams) => XmlContent | Promise<XmlContent>;

export const CLOUDFORMATION_OPERATIONS: Record<string, CloudFormationOperation> = {
  CreateStack: async (engine, params) => {
    const input: CreateStackInput = {
      ...stackInput(params),
      OnFailure: optional(params, 'OnFailure') as CreateStackInput['OnFailure'],
      EnableTerminationProtection: flag(params, 'EnableTerminationProtection'),
    };
    return structureToXml(await engine.createStack(input));
  },
  UpdateStack: async (engine, params) => structureToXml(await engine.updateStack(stackInput(params))),
  DeleteStack: async (engine, params) => {
    await engine.deleteStack({ StackName: required(params, 'StackName'), RetainResources: queryList(params, 'RetainResources') });
    return undefined;
  },
  DescribeStacks: (engine, params) => {
    const { items, NextToken } = page(engine.describeStacks(optional(params, 'StackName')), params);
    return structureToXml({ Stacks: items.map(stackXml), NextToken });
  },
  ListStacks: (engine, params) => {
    const { items, NextToken } = page(engine.listStacks(queryList(params, 'StackStatusFilter')), params);
    return structureToXml({
      StackSummaries: items.map((stack) => ({
        StackId: stack.StackId,
        StackName: stack.StackName,
        TemplateDescription: stack.Description,
        CreationTime: stack.CreationTime,
        LastUpdatedTime: stack.LastUpdatedTime,
        DeletionTime: stack.DeletionTime,
        StackStatus: stack.StackStatus,
        StackStatusReason: stack.StackStatusReason,
        DriftInformation: { StackDriftStatus: 'NOT_CHECKED' },
      })),
      NextToken,
    });
  },
  DescribeStackEvents: (engine, params) => {
    const { items, NextToken } = page(engine.stackEvents(required(params, 'StackName')), params);
    return structureToXml({ StackEvents: items.map(eventXml), NextToken });
  },
  DescribeStackResource: (engine, params) => {
    const { stack, resource } = engine.stackResource(required(params, 'StackName'), required(params, 'LogicalResourceId'));
    return structureToXml({
      StackResourceDetail: {
        ...resourceXml(stack, resource, 'LastUpdatedTimestamp'),
        ...(resource.metadata && { Metadata: JSON.stringify(resource.metadata) }),
      },
    });
  },
  DescribeStackResources: (engine, params) => {
    const found = engine.stackResources({ StackName: optional(params, 'StackName'), LogicalResourceId: optional(params, 'LogicalResourceId'), PhysicalResourceId: optional(params, 'PhysicalResourceId') });
    return structureToXml({ StackResources: found.map(({ stack, resource }) => resourceXml(stack, resource, 'Timestamp')) });
  },
  ListStackResources: (engine, params) => {
    const found = engine.stackResources({ StackName: required(params, 'StackName') });
    const { items, NextToken } = page(found, params);
    return structureToXml({
      StackResourceSummaries: items.map(({ stack, resource }) => {
        const { StackName: _name, StackId: _id, ...summary } = resourceXml(stack, resource, 'LastUpdatedTimestamp');
        return summary;
      }),
      NextToken,
    });
  },
  GetTemplate: (engine, params) => {
    const { body, stages } = engine.getTemplate({ StackName: optional(params, 'StackName'), ChangeSetName: optional(params, 'ChangeSetName') });
    return structureToXml({ TemplateBody: body, StagesAvailable: stages });
  },
  ValidateTemplate: async (engine, params) => {
    const { template, capabilities, capabilitiesReason } = await engine.validateTemplate({ TemplateBody: optional(params, 'TemplateBody'), TemplateURL: optional(params, 'TemplateURL') });
    return structureToXml({
      Parameters: Object.entries(template.Parameters ?? {}).map(([key, declaration]) => ({
        ParameterKey: key,
        DefaultValue: declaration.Default === undefined ? undefined : String(declaration.Default),
        NoEcho: isNoEcho(declaration),
        Description: declaration.Description,
      })),
      Description: template.Description,
      Capabilities: capabilities,
      CapabilitiesReason: capabilitiesReason,
      DeclaredTransforms: [],
    });
  },
  GetTemplateSummary: async (engine, params) => {
    let body: { TemplateBody?: string; TemplateURL?: string } = { TemplateBody: optional(params, 'TemplateBody'), TemplateURL: optional(params, 'TemplateURL') };
    const stackName = optional(params, 'StackName');
    if (stackName !== undefined) body = { TemplateBody: engine.getTemplate({ StackName: stackName }).body };
    const { template, capabilities, capabilitiesReason } = await engine.validateTemplate(body);
    return structureToXml({
      Parameters: Object.entries(template.Parameters ?? {}).map(([key, declaration]) => ({
        ParameterKey: key,
        DefaultValue: declaration.Default === undefined ? undefined : String(declaration.Default),
        ParameterType: declaration.Type,
        NoEcho: isNoEcho(declaration),
        Description: declaration.Description,
        ParameterConstraints: { AllowedValues: declaration.AllowedValues?.map(String) ?? [] },
      })),
      Description: template.Description,
      Capabilities: capabilities,
      CapabilitiesReason: capabilitiesReason,
      ResourceTypes: [...new Set(Object.values(template.Resources).map((resource) => resource.Type))],
      Version: template.AWSTemplateFormatVersion,
      DeclaredTransforms: [],
    });
  },
  ListExports: (engine, params) => {
    const { items, NextToken } = page(engine.listExports(), params);
    return structureToXml({ Exports: items, NextToken });
  },
  UpdateTerminationProtection: (engine, params) => {
    const stack = engine.setTerminationProtection(required(params, 'StackName'), required(params, 'EnableTerminationProtection') === 'true');
    return structureToXml({ StackId: stack.StackId });
  },
  CreateChangeSet: async (engine, params) => {
    const input: CreateChangeSetInput = {
      ...stackInput(params),
      ChangeSetName: required(params, 'ChangeSetName'),
      ChangeSetType: (optional(params, 'ChangeSetType') ?? 'UPDATE') as CreateChangeSetInput['ChangeSetType'],
      Description: optional(params, 'Description'),
      OnStackFailure: optional(params, 'OnStackFailure') as CreateChangeSetInput['OnStackFailure'],
    };
    if (input.ChangeSetType !== 'CREATE' && input.ChangeSetType !== 'UPDATE') throw validationError(`ChangeSetType ${input.ChangeSetType} is not supported by the local stack (CREATE and UPDATE are)`);
    return structureToXml(await engine.createChangeSet(input));
  },
  DescribeChangeSet: (engine, params) => {
    const { stack, changeSet } = engine.describeChangeSet(required(params, 'ChangeSetName'), optional(params, 'StackName'));
    return structureToXml({
      ...changeSetSummary(stack, changeSet),
      Parameters: parametersOf(stack.StackStatus === 'REVIEW_IN_PROGRESS' ? { template: JSON.parse(changeSet.templateBody) } : stack, changeSet.parameters),
      NotificationARNs: changeSet.notificationArns,
      RollbackConfiguration: {},
      Capabilities: changeSet.capabilities,
      Tags: changeSet.tags,
      Changes: changeSet.changes.map((change) => ({ Type: 'Resource', ResourceChange: { ...change, Scope: [], Details: [] } })),
      ...(changeSet.onStackFailure && { OnStackFailure: changeSet.onStackFailure }),
    });
  },
  ListChangeSets: (engine, params) => {
    const { stack, changeSets } = engine.listChangeSets(required(params, 'StackName'));
    return structureToXml({ Summaries: changeSets.map((changeSet) => changeSetSummary(stack, changeSet)) });
  },
  ExecuteChangeSet: async (engine, params) => {
    await engine.executeChangeSet({ ChangeSetName: required(params, 'ChangeSetName'), StackName: optional(params, 'StackName'), DisableRollback: flag(params, 'DisableRollback') });
    return [];
  },
  DeleteChangeSet: (engine, params) => {
    engine.deleteChangeSet(required(params, 'ChangeSetName'), optional(params, 'StackName'));
    return [];
  },
};
