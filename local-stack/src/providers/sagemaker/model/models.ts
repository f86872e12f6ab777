/** CreateModel / DescribeModel / ListModels / DeleteModel: BlazingText models (an image and a ModelDataUrl). */
import { join } from 'node:path';
import { z } from 'zod';
import { listPage } from '../operations/listing';
import { RecordStore } from './record-store';
import { isBlazingTextImage } from './training-jobs';
import type { Taggable } from '../operations/tags';
import { arnFor, parseInput, resourceName, ROLE_ARN_PATTERN, S3_URI_PATTERN, tagList, validationException } from '../operations/validation';

export interface ContainerDefinition {
  Image?: string;
  ModelDataUrl?: string;
  Environment?: Record<string, string>;
  [member: string]: unknown;
}

export interface ModelRecord {
  ModelName: string;
  ModelArn: string;
  PrimaryContainer: ContainerDefinition;
  ExecutionRoleArn?: string;
  Definition: Record<string, unknown>;
  Tags: Array<{ Key: string; Value?: string }>;
  /** Epoch milliseconds. */
  CreationTime: number;
}

const containerSchema = z.looseObject({
  Image: z.string().max(255).optional(),
  ModelDataUrl: z.string().max(1024).regex(S3_URI_PATTERN).optional(),
  Environment: z.record(z.string(), z.string()).optional(),
});

const createModelInput = z.looseObject({
  ModelName: resourceName,
  PrimaryContainer: containerSchema.optional(),
  Containers: z.array(containerSchema).max(15).optional(),
  ExecutionRoleArn: z.string().min(20).max(2048).regex(ROLE_ARN_PATTERN).optional(),
  Tags: tagList,
});

const nameInput = z.looseObject({ ModelName: resourceName });

const listInput = z.looseObject({
  NameContains: z.string().max(63).optional(),
  CreationTimeAfter: z.number().optional(),
  CreationTimeBefore: z.number().optional(),
  SortBy: z.enum(['Name', 'CreationTime']).optional(),
  SortOrder: z.enum(['Ascending', 'Descending']).optional(),
  MaxResults: z.number().int().min(1).max(100).optional(),
  NextToken: z.string().max(8192).optional(),
});

const ECHOED_MEMBERS = ['VpcConfig', 'EnableNetworkIsolation', 'InferenceExecutionConfig'] as const;

export class Models {
  private readonly models: RecordStore<ModelRecord>;

  constructor(root: string) {
    this.models = new RecordStore(join(root, 'models'), (model) => model.ModelName);
  }

  load(): Promise<void> {
    return this.models.load();
  }

  get(name: string): ModelRecord | undefined {
    return this.models.get(name);
  }

  async create(input: unknown, region: string, accountId: string): Promise<{ ModelArn: string }> {
    const request = parseInput(createModelInput, input);
    const arn = arnFor(region, accountId, 'model', request.ModelName);
    if (this.models.has(request.ModelName)) throw validationException(`Cannot create already existing model "${arn}".`);
    const containers = request.Containers ?? [];
    if (containers.length > 1) throw validationException('The local stack serves single-container models only (one BlazingText container)');
    const container = request.PrimaryContainer ?? containers[0];
    if (container === undefined) throw validationException('Either PrimaryContainer or Containers must be specified.');
    if (container.Image === undefined || !isBlazingTextImage(container.Image)) {
      throw validationException(
        `Image ${container.Image ?? '(none)'} is not supported by the local stack: only BlazingText images (repository "blazingtext") can be served locally`,
      );
    }
    if (container.ModelDataUrl === undefined || !container.ModelDataUrl.startsWith('s3://')) {
      throw validationException('A BlazingText model needs PrimaryContainer.ModelDataUrl: the s3:// URI of its model.tar.gz');
    }
    const definition: Record<string, unknown> = {};
    for (const member of ECHOED_MEMBERS) {
      const value = (request as Record<string, unknown>)[member];
      if (value !== undefined) definition[member] = value;
    }
    await this.models.put({
      ModelName: request.ModelName,
      ModelArn: arn,
      PrimaryContainer: container,
      ...(request.ExecutionRoleArn !== undefined ? { ExecutionRoleArn: request.ExecutionRoleArn } : {}),
      Definition: definition,
      Tags: request.Tags ?? [],
      CreationTime: Date.now(),
    });
    return { ModelArn: arn };
  }

  describe(input: unknown, region: string, accountId: string): Record<string, unknown> {
    const { ModelName } = parseInput(nameInput, input);
    const model = this.require(ModelName, region, accountId);
    return {
      ModelName: model.ModelName,
      PrimaryContainer: model.PrimaryContainer,
      ...(model.ExecutionRoleArn !== undefined ? { ExecutionRoleArn: model.ExecutionRoleArn } : {}),
      EnableNetworkIsolation: false,
      ...model.Definition,
      CreationTime: model.CreationTime / 1000,
      ModelArn: model.ModelArn,
    };
  }

  list(input: unknown): Record<string, unknown> {
    const request = parseInput(listInput, input);
    const items = this.models.all().map((model) => ({ model, name: model.ModelName, creationTime: model.CreationTime }));
    const byName = request.SortBy === 'Name' ? (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name) : undefined;
    const { page, nextToken } = listPage(items, request, byName);
    return {
      Models: page.map(({ model }) => ({ ModelName: model.ModelName, ModelArn: model.ModelArn, CreationTime: model.CreationTime / 1000 })),
      ...(nextToken !== undefined ? { NextToken: nextToken } : {}),
    };
  }

  /** Endpoints already running the model keep serving it, as on SageMaker. */
  async delete(input: unknown, region: string, accountId: string): Promise<Record<string, never>> {
    const { ModelName } = parseInput(nameInput, input);
    this.require(ModelName, region, accountId);
    await this.models.delete(ModelName);
    return {};
  }

  /** The record's tags, for AddTags / ListTags / DeleteTags. */
  taggable(name: string): Taggable | undefined {
    const record = this.models.get(name);
    return record && { tags: record.Tags, save: () => this.models.put(record) };
  }

  require(name: string, region: string, accountId: string): ModelRecord {
    const model = this.models.get(name);
    if (!model) throw validationException(`Could not find model "${arnFor(region, accountId, 'model', name)}".`);
    return model;
  }
}
