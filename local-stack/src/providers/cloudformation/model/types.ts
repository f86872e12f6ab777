/**
 * The CloudFormation engine's state: stacks, their resources, events and change sets, as persisted in
 * `<stateDir>/cloudformation/stacks.json`. Field names follow the API's where the API has one.
 */
import type { ParsedTemplate } from './template';

export type StackStatus =
  | 'REVIEW_IN_PROGRESS'
  | 'CREATE_IN_PROGRESS'
  | 'CREATE_FAILED'
  | 'CREATE_COMPLETE'
  | 'ROLLBACK_IN_PROGRESS'
  | 'ROLLBACK_FAILED'
  | 'ROLLBACK_COMPLETE'
  | 'DELETE_IN_PROGRESS'
  | 'DELETE_FAILED'
  | 'DELETE_COMPLETE'
  | 'UPDATE_IN_PROGRESS'
  | 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS'
  | 'UPDATE_COMPLETE'
  | 'UPDATE_FAILED'
  | 'UPDATE_ROLLBACK_IN_PROGRESS'
  | 'UPDATE_ROLLBACK_FAILED'
  | 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS'
  | 'UPDATE_ROLLBACK_COMPLETE';

export type ResourceStatus =
  | 'CREATE_IN_PROGRESS'
  | 'CREATE_FAILED'
  | 'CREATE_COMPLETE'
  | 'DELETE_IN_PROGRESS'
  | 'DELETE_FAILED'
  | 'DELETE_COMPLETE'
  | 'DELETE_SKIPPED'
  | 'UPDATE_IN_PROGRESS'
  | 'UPDATE_FAILED'
  | 'UPDATE_COMPLETE';

/** Statuses a stack rests in: no operation runs. */
export const SETTLED_STATUSES: ReadonlySet<StackStatus> = new Set([
  'REVIEW_IN_PROGRESS',
  'CREATE_FAILED',
  'CREATE_COMPLETE',
  'ROLLBACK_FAILED',
  'ROLLBACK_COMPLETE',
  'DELETE_FAILED',
  'DELETE_COMPLETE',
  'UPDATE_COMPLETE',
  'UPDATE_FAILED',
  'UPDATE_ROLLBACK_FAILED',
  'UPDATE_ROLLBACK_COMPLETE',
]);

/** Statuses an update may start from. */
export const UPDATABLE_STATUSES: ReadonlySet<StackStatus> = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE', 'UPDATE_FAILED']);

export interface Tag {
  Key: string;
  Value: string;
}

export interface StackEvent {
  EventId: string;
  StackId: string;
  StackName: string;
  LogicalResourceId: string;
  PhysicalResourceId: string;
  ResourceType: string;
  Timestamp: string;
  ResourceStatus: StackStatus | ResourceStatus;
  ResourceStatusReason?: string;
  ResourceProperties?: string;
}

export interface ResourceRecord {
  logicalId: string;
  type: string;
  physicalId: string;
  status: ResourceStatus;
  statusReason?: string;
  lastUpdated: string;
  /** The properties it was created or last updated with, intrinsics resolved (IAM documents included). */
  properties: Record<string, unknown>;
  /** What Fn::GetAtt reads. */
  attributes: Record<string, string>;
  deletionPolicy?: string;
  updateReplacePolicy?: string;
  metadata?: Record<string, unknown>;
  /** Adopted from the earlier deployer: properties unknown, so the next update updates it in place. */
  legacy?: boolean;
}

export interface OutputRecord {
  OutputKey: string;
  OutputValue: string;
  Description?: string;
  ExportName?: string;
}

export interface ChangeRecord {
  Action: 'Add' | 'Modify' | 'Remove';
  LogicalResourceId: string;
  PhysicalResourceId?: string;
  ResourceType: string;
  Replacement?: 'True' | 'False';
}

export interface ChangeSetRecord {
  ChangeSetId: string;
  ChangeSetName: string;
  ChangeSetType: 'CREATE' | 'UPDATE';
  CreationTime: string;
  Description?: string;
  Status: 'CREATE_COMPLETE' | 'FAILED';
  StatusReason?: string;
  ExecutionStatus: 'AVAILABLE' | 'UNAVAILABLE' | 'EXECUTE_IN_PROGRESS' | 'EXECUTE_COMPLETE' | 'EXECUTE_FAILED' | 'OBSOLETE';
  templateBody: string;
  parameters: Record<string, string>;
  capabilities: string[];
  tags: Tag[];
  notificationArns: string[];
  changes: ChangeRecord[];
  onStackFailure?: 'DO_NOTHING' | 'ROLLBACK' | 'DELETE';
}

export interface StackRecord {
  StackId: string;
  StackName: string;
  StackStatus: StackStatus;
  StackStatusReason?: string;
  CreationTime: string;
  LastUpdatedTime?: string;
  DeletionTime?: string;
  Description?: string;
  templateBody: string;
  template: ParsedTemplate;
  parameters: Record<string, string>;
  capabilities: string[];
  tags: Tag[];
  notificationArns: string[];
  disableRollback: boolean;
  enableTerminationProtection: boolean;
  roleArn?: string;
  outputs: OutputRecord[];
  resources: Record<string, ResourceRecord>;
  /** Oldest first (the API answers newest first). */
  events: StackEvent[];
  changeSets: Record<string, ChangeSetRecord>;
}

export interface PersistedEngineState {
  version: 2;
  stacks: StackRecord[];
}
