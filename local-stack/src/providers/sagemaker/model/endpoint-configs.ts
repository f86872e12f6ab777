/** Endpoint configurations: production variants of models, one record per config under `<root>/endpoint-configs/`. */
import { join } from 'node:path';
import { validationException } from '../errors';
import type { Models } from './models';
import { arnFor } from './names';
import { RecordStore, type Tag } from './record-store';

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
  Tags: Tag[];
  /** Epoch milliseconds. */
  CreationTime: number;
}

/** What CreateEndpointConfig asks for: variants whose weight defaults to 1. */
export interface NewEndpointConfig {
  EndpointConfigName: string;
  ProductionVariants: Array<{ VariantName: string; ModelName: string; InitialVariantWeight?: number; [member: string]: unknown }>;
  Tags?: Tag[];
}

export class EndpointConfigs {
  readonly records: RecordStore<EndpointConfigRecord>;

  constructor(
    root: string,
    private readonly models: Models,
  ) {
    this.records = new RecordStore(join(root, 'endpoint-configs'), (config) => config.EndpointConfigName, (name, region, accountId) =>
      validationException(`Could not find endpoint configuration "${arnFor(region, accountId, 'endpoint-config', name)}".`),
    );
  }

  load(): Promise<void> {
    return this.records.load();
  }

  /** Returns the config's ARN; `definition` holds the request's members that DescribeEndpointConfig echoes. */
  async create(request: NewEndpointConfig, definition: Record<string, unknown>, region: string, accountId: string): Promise<string> {
    const arn = arnFor(region, accountId, 'endpoint-config', request.EndpointConfigName);
    if (this.records.has(request.EndpointConfigName)) {
      throw validationException(`Cannot create already existing endpoint configuration "${arn}".`);
    }
    const names = new Set<string>();
    for (const variant of request.ProductionVariants) {
      if (names.has(variant.VariantName.toLowerCase())) {
        throw validationException(`The production variant name ${variant.VariantName} is used more than once.`);
      }
      names.add(variant.VariantName.toLowerCase());
      this.models.records.require(variant.ModelName, region, accountId);
    }
    await this.records.put({
      EndpointConfigName: request.EndpointConfigName,
      EndpointConfigArn: arn,
      ProductionVariants: request.ProductionVariants.map((variant) => ({ ...variant, InitialVariantWeight: variant.InitialVariantWeight ?? 1 })),
      Definition: definition,
      Tags: request.Tags ?? [],
      CreationTime: Date.now(),
    });
    return arn;
  }
}
