/**
 * `npm run teardown`: removes what a stage created, in the order that works: the endpoint (the cost: about $83 a month
 * on ml.m5.large), the pipeline's endpoint configs and models (the pipeline creates them, not CloudFormation), then
 * the four stacks, notification first and ingestion last, each after emptying the buckets CloudFormation would
 * delete (the deployment bucket serverless made, the sent-email markers: CloudFormation deletes only an empty bucket).
 * Kept: the data bucket (the corpus; the ingestion stack retains it) and the registry group (the deployment stack
 * retains it), unless --delete-data, which deletes every version of every object of the bucket, the bucket, every
 * registry version and the group.
 */
import { DeleteStackCommand, DescribeStacksCommand, ListStackResourcesCommand, type CloudFormationClient, type StackResourceSummary } from '@aws-sdk/client-cloudformation';
import { DeleteBucketCommand, DeleteObjectsCommand, HeadBucketCommand, ListObjectVersionsCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  DeleteEndpointCommand,
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  DeleteModelPackageCommand,
  DeleteModelPackageGroupCommand,
  DescribeEndpointCommand,
  DescribeModelPackageGroupCommand,
  ListEndpointConfigsCommand,
  ListModelsCommand,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { isNotFound, isSageMakerMissing } from '../../../shared/src/aws-errors';
import { APP, endpointName, modelPackageGroupName, trainingJobPrefix } from '../../../shared/src/names';
import { listVersions } from '../../../services/deployment/src/registry/registry';
import { OperatorError } from './stage-target';

/** The stacks, in the order they are deleted (nothing reacts to events once notification... ingestion are gone). */
export const TEARDOWN_ORDER = ['notification', 'deployment', 'training', 'ingestion'] as const;
export const stackName = (service: string, stage: string): string => `${APP}-${service}-${stage}`;

export interface TeardownClients {
  sagemaker: SageMakerClient;
  s3: S3Client;
  cloudformation: CloudFormationClient;
}

export interface TeardownPlan {
  stage: string;
  endpoint: string | undefined;
  endpointConfigs: string[];
  models: string[];
  stacks: Array<{ name: string; bucketsToEmpty: string[] }>;
  dataBucket: { name: string; exists: boolean };
  registry: { group: string; exists: boolean; versions: string[] };
  deleteData: boolean;
}

async function listAll<T>(page: (token: string | undefined) => Promise<{ items: T[]; next?: string | undefined }>): Promise<T[]> {
  const all: T[] = [];
  let token: string | undefined;
  do {
    const result = await page(token);
    all.push(...result.items);
    token = result.next;
  } while (token);
  return all;
}

async function stackResources(cloudformation: CloudFormationClient, name: string): Promise<StackResourceSummary[] | undefined> {
  try {
    await cloudformation.send(new DescribeStacksCommand({ StackName: name }));
  } catch (error) {
    if (/does not exist/.test((error as Error).message)) return undefined;
    throw error;
  }
  return listAll(async (NextToken) => {
    const page = await cloudformation.send(new ListStackResourcesCommand({ StackName: name, NextToken }));
    return { items: page.StackResourceSummaries ?? [], next: page.NextToken };
  });
}

async function bucketExists(s3: S3Client, bucket: string): Promise<boolean> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return true;
  } catch (error) {
    if (isNotFound(error) || (error as { name?: string }).name === 'NoSuchBucket') return false;
    throw error;
  }
}

export async function planTeardown(clients: TeardownClients, target: { stage: string; dataBucket: string }, deleteData: boolean): Promise<TeardownPlan> {
  const { sagemaker, s3, cloudformation } = clients;
  const { stage } = target;
  const prefix = trainingJobPrefix(stage);
  let endpoint: string | undefined;
  try {
    endpoint = (await sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpointName(stage) }))).EndpointName;
  } catch (error) {
    if (!isSageMakerMissing(error)) throw error;
  }
  const endpointConfigs = await listAll(async (NextToken) => {
    const page = await sagemaker.send(new ListEndpointConfigsCommand({ NameContains: prefix, MaxResults: 100, NextToken }));
    return { items: (page.EndpointConfigs ?? []).map((c) => c.EndpointConfigName ?? '').filter((name) => name.startsWith(prefix)), next: page.NextToken };
  });
  const models = await listAll(async (NextToken) => {
    const page = await sagemaker.send(new ListModelsCommand({ NameContains: prefix, MaxResults: 100, NextToken }));
    return { items: (page.Models ?? []).map((m) => m.ModelName ?? '').filter((name) => name.startsWith(prefix)), next: page.NextToken };
  });
  const stacks: TeardownPlan['stacks'] = [];
  for (const service of TEARDOWN_ORDER) {
    const name = stackName(service, stage);
    const resources = await stackResources(cloudformation, name);
    if (!resources) continue;
    const buckets = resources
      .filter((resource) => resource.ResourceType === 'AWS::S3::Bucket' && resource.PhysicalResourceId && resource.PhysicalResourceId !== target.dataBucket)
      .map((resource) => resource.PhysicalResourceId!);
    stacks.push({ name, bucketsToEmpty: buckets });
  }
  const group = modelPackageGroupName(stage);
  let groupExists = true;
  try {
    await sagemaker.send(new DescribeModelPackageGroupCommand({ ModelPackageGroupName: group }));
  } catch (error) {
    if (!isSageMakerMissing(error)) throw error;
    groupExists = false;
  }
  const versions = groupExists ? (await listVersions(sagemaker, group)).map((v) => v.ModelPackageArn ?? '') : [];
  return {
    stage,
    endpoint,
    endpointConfigs,
    models,
    stacks,
    dataBucket: { name: target.dataBucket, exists: await bucketExists(s3, target.dataBucket) },
    registry: { group, exists: groupExists, versions },
    deleteData,
  };
}

/** What the plan deletes and keeps, for the user to confirm. */
export function describePlan(plan: TeardownPlan): string[] {
  const lines = [`Stage ${plan.stage}: this deletes`];
  const item = (text: string) => lines.push(`  - ${text}`);
  item(plan.endpoint ? `endpoint ${plan.endpoint}` : 'no endpoint (none exists)');
  item(`${plan.endpointConfigs.length} endpoint config(s) and ${plan.models.length} model(s) named ${trainingJobPrefix(plan.stage)}*`);
  for (const stack of plan.stacks) item(`stack ${stack.name}${stack.bucketsToEmpty.length ? ` (emptying ${stack.bucketsToEmpty.join(', ')} first)` : ''}`);
  if (plan.stacks.length === 0) item('no stacks (none exists)');
  if (plan.deleteData) {
    if (plan.dataBucket.exists) item(`the data bucket ${plan.dataBucket.name} with every version of every object (the corpus)`);
    if (plan.registry.exists) item(`the registry ${plan.registry.group} and its ${plan.registry.versions.length} version(s)`);
    return lines;
  }
  lines.push('It keeps');
  if (plan.dataBucket.exists) item(`the data bucket ${plan.dataBucket.name} (the corpus): --delete-data deletes it`);
  if (plan.registry.exists) {
    item(
      `the registry ${plan.registry.group} (${plan.registry.versions.length} version(s)): --delete-data deletes it; ` +
        'a later deploy of the stage uses it again',
    );
  }
  return lines;
}

async function emptyBucket(s3: S3Client, bucket: string): Promise<number> {
  let deleted = 0;
  for (;;) {
    let page;
    try {
      page = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, MaxKeys: 1000 }));
    } catch (error) {
      if ((error as { name?: string }).name === 'NoSuchBucket' || isNotFound(error)) return deleted;
      throw error;
    }
    const targets = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((entry) => ({ Key: entry.Key!, VersionId: entry.VersionId }));
    if (targets.length === 0) return deleted;
    const result = await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: targets, Quiet: true } }));
    if ((result.Errors ?? []).length > 0) throw new OperatorError(`could not empty ${bucket}: ${result.Errors![0]!.Code} ${result.Errors![0]!.Message}`);
    deleted += targets.length;
  }
}

async function ignoreMissing(request: Promise<unknown>): Promise<void> {
  try {
    await request;
  } catch (error) {
    if (!isSageMakerMissing(error)) throw error;
  }
}

async function waitUntil<T>(what: string, look: () => Promise<T | undefined>, timeoutMs: number, pollMs: number): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await look();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new OperatorError(`${what} did not happen within ${Math.round(timeoutMs / 1000)} s`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

/** Carries the plan out in order, reporting each step; fails at the first step that fails (the rest is left). */
export async function executeTeardown(
  clients: TeardownClients,
  plan: TeardownPlan,
  report: (line: string) => void,
  options: { timeoutMs?: number; pollMs?: number } = {},
): Promise<void> {
  const { sagemaker, s3, cloudformation } = clients;
  const timeoutMs = options.timeoutMs ?? 1_800_000;
  const pollMs = options.pollMs ?? 2000;
  if (plan.endpoint) {
    await ignoreMissing(sagemaker.send(new DeleteEndpointCommand({ EndpointName: plan.endpoint })));
    await waitUntil(
      `deleting endpoint ${plan.endpoint}`,
      async () => {
        try {
          await sagemaker.send(new DescribeEndpointCommand({ EndpointName: plan.endpoint }));
          return undefined;
        } catch (error) {
          if (isSageMakerMissing(error)) return true;
          throw error;
        }
      },
      timeoutMs,
      pollMs,
    );
    report(`deleted endpoint ${plan.endpoint}`);
  }
  for (const name of plan.endpointConfigs) await ignoreMissing(sagemaker.send(new DeleteEndpointConfigCommand({ EndpointConfigName: name })));
  for (const name of plan.models) await ignoreMissing(sagemaker.send(new DeleteModelCommand({ ModelName: name })));
  report(`deleted ${plan.endpointConfigs.length} endpoint config(s) and ${plan.models.length} model(s)`);
  for (const stack of plan.stacks) {
    for (const bucket of stack.bucketsToEmpty) await emptyBucket(s3, bucket);
    await cloudformation.send(new DeleteStackCommand({ StackName: stack.name }));
    await waitUntil(
      `deleting stack ${stack.name}`,
      async () => {
        try {
          const status = (await cloudformation.send(new DescribeStacksCommand({ StackName: stack.name }))).Stacks?.[0]?.StackStatus;
          if (status === 'DELETE_FAILED') throw new OperatorError(`stack ${stack.name} is DELETE_FAILED: see aws cloudformation describe-stack-events --stack-name ${stack.name}`);
          return status === 'DELETE_COMPLETE' ? true : undefined;
        } catch (error) {
          if (/does not exist/.test((error as Error).message)) return true;
          throw error;
        }
      },
      timeoutMs,
      pollMs,
    );
    report(`deleted stack ${stack.name}`);
  }
  if (!plan.deleteData) return;
  if (plan.registry.exists) {
    for (const arn of plan.registry.versions) await ignoreMissing(sagemaker.send(new DeleteModelPackageCommand({ ModelPackageName: arn })));
    await ignoreMissing(sagemaker.send(new DeleteModelPackageGroupCommand({ ModelPackageGroupName: plan.registry.group })));
    report(`deleted the registry ${plan.registry.group} and its ${plan.registry.versions.length} version(s)`);
  }
  if (plan.dataBucket.exists) {
    const objects = await emptyBucket(s3, plan.dataBucket.name);
    await s3.send(new DeleteBucketCommand({ Bucket: plan.dataBucket.name }));
    report(`deleted the data bucket ${plan.dataBucket.name} (${objects} object version(s))`);
  }
}
