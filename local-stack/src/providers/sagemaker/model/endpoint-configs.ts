/** CreateEndpointConfig / DescribeEndpointConfig / ListEndpointConfigs / DeleteEndpointConfig. */
import { join } from 'node:path';
import { z } from 'zod';
import { listPage } from '../operations/listing';
import { RecordStore } from './record-store';
import type { Taggable } from '../operations/tags';
import { arnFor, NAME_PATTERN, parseInput, resourceName, tagList, validationException } from '../operations/validation';
import type { Models } from './models';

export interface ProductionVariant {
  VariantName: string;
  ModelName: string;
  InitialInstanceCount?: number;
  InstanceType?: string;
  InitialVariantWeight: number;
  [member: string]: unknown;
}

export interface EndpointConfigRecord {
  EndpointConfigName: string;
  EndpointConfigArn: string;
  ProductionVariants: ProductionVariant[];
  Definition: Record<string, unknown>;
  Tags: Array<{ Key: string; Value?: string }>;
  /** Epoch milliseconds. */
  CreationTime: number;
}

const variantSchema = z.looseObject({
  VariantName: z.string().max(63).regex(NAME_PATTERN),
  ModelName: resourceName,
  InitialInstanceCount: z.number().int().min(1).optional(),
  InstanceType: z.string().optional(),
  InitialVariantWeight: z.number().min(0).optional(),
  ServerlessConfig: z.looseObject({}).optional(),
});

const createInput = z.looseObject({
  EndpointConfigName: resourceName,
  ProductionVariants: z.array(variantSchema).min(1).max(10),
  Tags: tagList,
});

const nameInput = z.looseObject({ EndpointConfigName: resourceName });

const listInput = z.looseObject({
  NameContains: z.string().max(63).optional(),
  CreationTimeAfter: z.number().optional(),
  CreationTimeBefore: z.number().optional(),
  SortBy: z.enum(['Name', 'CreationTime']).optional(),
  SortOrder: z.enum(['Ascending', 'Descending']).optional(),
  MaxResults: z.number().int().min(1).max(100).optional(),
  NextToken: z.string().max(8192).optional(),
});

const ECHOED_MEMBERS = ['DataCaptureConfig', 'KmsKeyId', 'AsyncInferenceConfig', 'ExplainerConfig'] as const;

export class EndpointConfigs {
  private readonly configs: RecordStore<EndpointConfigRecord>;

  constructor(
    root: string,
    private readonly models: Models,
  ) {
    this.configs = new RecordStore(join(root, 'endpoint-configs'), (config) => config.EndpointConfigName);
  }

  load(): Promise<void> {
    return this.configs.load();
  }

  async create(input: unknown, region: string, accountId: string): Promise<{ EndpointConfigArn: string }> {
    const request = parseInput(createInput, input);
    const arn = arnFor(region, accountId, 'endpoint-config', request.EndpointConfigName);
    if (this.configs.has(request.EndpointConfigName)) {
      throw validationException(`Cannot create already existing endpoint configuration "${arn}".`);
    }
    const names = new Set<string>();
    for (const variant of request.ProductionVariants) {
      if (names.has(variant.VariantName.toLowerCase())) {
        throw validationException(`The production variant name ${variant.VariantName} is used more than once.`);
      }
      names.add(variant.VariantName.toLowerCase());
      this.models.require(variant.ModelName, region, accountId);
    }
    const definition: Record<string, unknown> = {};
    for (const member of ECHOED_MEMBERS) {
      const value = (request as Record<string, unknown>)[member];
      if (value !== undefined) definition[member] = value;
    }
    await this.configs.put({
      EndpointConfigName: request.EndpointConfigName,
      EndpointConfigArn: arn,
      ProductionVariants: request.ProductionVariants.map((variant) => ({ ...variant, InitialVariantWeight: variant.InitialVariantWeight ?? 1 })),
      Definition: definition,
      Tags: request.Tags ?? [],
      CreationTime: Date.now(),
    });
    return { EndpointConfigArn: arn };
  }

  describe(input: unknown, region: string, accountId: string): Record<string, unknown> {
    const { EndpointConfigName } = parseInput(nameInput, input);
    const config = this.require(EndpointConfigName, region, accountId);
    return {
      EndpointConfigName: config.EndpointConfigName,
      EndpointConfigArn: config.EndpointConfigArn,
      ProductionVariants: config.ProductionVariants,
      ...config.Definition,
      CreationTime: config.CreationTime / 1000,
    };
  }

  list(input: unknown): Record<string, unknown> {
    const request = parseInput(listInput, input);
    const items = this.configs.all().map((config) => ({ config, name: config.EndpointConfigName, creationTime: config.CreationTime }));
    const byName = request.SortBy === 'Name' ? (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name) : undefined;
    const { page, nextToken } = listPage(items, request, byName);
    return {
      EndpointConfigs: page.map(({ config }) => ({
        EndpointConfigName: config.EndpointConfigName,
        EndpointConfigArn: config.EndpointConfigArn,
        CreationTime: config.CreationTime / 1000,
      })),
      ...(nextToken !== undefined ? { NextToken: nextToken } : {}),
    };
  }

  /** Endpoints deployed from the config keep running, as on SageMaker. */
  async delete(input: unknown, region: string, accountId: string): Promise<Record<string, never>> {
    const { EndpointConfigName } = parseInput(nameInput, input);
    this.require(EndpointConfigName, region, accountId);
    await this.configs.delete(EndpointConfigName);
    return {};
  }

  /** The record's tags, for AddTags / ListTags / DeleteTags. */
  taggable(name: string): Taggable | undefined {
    const record = this.configs.get(name);
    return record && { tags: record.Tags, save: () => this.configs.put(record) };
  }

  require(name: string, region: string, accountId: string): EndpointConfigRecord {
    const config = this.configs.get(name);
    if (!config) throw validationException(`Could not find endpoint configuration "${arnFor(region, accountId, 'endpoint-config', name)}".`);
    return config;
  }
}
