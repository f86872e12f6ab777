/**
 * Endpoints: CreateEndpoint / UpdateEndpoint / DescribeEndpoint / ListEndpoints / DeleteEndpoint,
 * the statuses (Creating, InService, Updating, Failed, Deleting), the `SageMaker Endpoint State
 * Change` events, and the models each endpoint serves (in-process, see FastTextModel).
 *
 * Deployments are blue/green: the models of the new configuration are loaded while the current ones
 * keep answering, then the endpoint switches to them in one step (no request fails). If a model
 * cannot be loaded, an update leaves the current models serving and the endpoint back InService
 * with a FailureReason (SageMaker's rollback); a creation ends Failed.
 *
 * An endpoint keeps a snapshot of what it deploys (images, model data URLs, weights), so deleting
 * its models or endpoint configs does not affect it, as on SageMaker.
 */
import { join } from 'node:path';
import type { LocalStackLogger } from '../../../core/logger';
import type { EventPublisher } from '../../../core/types';
import { validationException } from '../errors';
import type { EndpointConfigs } from './endpoint-configs';
import { ENDPOINT_STATE_CHANGE, endpointEventStatus, publishStateChange, tagMap } from './events';
import type { FastTextModel } from './fasttext/model';
import type { ModelCache } from './model-cache';
import type { Models } from './models';
import { arnFor } from './names';
import { RecordStore, type Tag } from './record-store';

export type EndpointStatus = 'Creating' | 'InService' | 'Updating' | 'Failed' | 'Deleting';

export interface DeployedVariant {
  VariantName: string;
  ModelName: string;
  Image: string;
  ModelDataUrl: string;
  Weight: number;
  InstanceCount: number;
  InstanceType?: string;
}

export interface Deployment {
  EndpointConfigName: string;
  Variants: DeployedVariant[];
  /** Epoch milliseconds. */
  StartTime: number;
}

export interface EndpointRecord {
  EndpointName: string;
  EndpointArn: string;
  Region: string;
  AccountId: string;
  EndpointStatus: EndpointStatus;
  /** What serves requests; absent until the first deployment succeeds. */
  Current?: Deployment;
  /** The deployment in progress (creation or update). */
  Pending?: Deployment;
  FailureReason?: string;
  Tags: Tag[];
  CreationTime: number;
  LastModifiedTime: number;
}

export interface ServingVariant {
  name: string;
  weight: number;
  /** Unique per loaded model: what the prediction pool knows it by. */
  modelId: number;
  model: FastTextModel;
  /** Gives the model back to the cache when the variant stops serving. */
  release(): void;
}

export interface EndpointsOptions {
  root: string;
  events: EventPublisher;
  models: Models;
  configs: EndpointConfigs;
  logger: LocalStackLogger;
  /** Where the models come from (shared with transform jobs). */
  modelCache: ModelCache;
  /** Told when models start serving (the prediction pool). */
  hosting?: { warm(): void };
}

type TimeUnit = 'seconds' | 'milliseconds';

function variantSummary(variant: DeployedVariant, since: number, time: (ms: number) => number): Record<string, unknown> {
  return {
    VariantName: variant.VariantName,
    DeployedImages: [{ SpecifiedImage: variant.Image, ResolvedImage: variant.Image, ResolutionTime: time(since) }],
    CurrentWeight: variant.Weight,
    DesiredWeight: variant.Weight,
    CurrentInstanceCount: variant.InstanceCount,
    DesiredInstanceCount: variant.InstanceCount,
  };
}

export function describeEndpoint(endpoint: EndpointRecord, unit: TimeUnit): Record<string, unknown> {
  const time = unit === 'seconds' ? (ms: number) => ms / 1000 : (ms: number) => ms;
  const { Current: current, Pending: pending } = endpoint;
  return {
    EndpointName: endpoint.EndpointName,
    EndpointArn: endpoint.EndpointArn,
    EndpointConfigName: (current ?? pending)?.EndpointConfigName,
    ...(current ? { ProductionVariants: current.Variants.map((variant) => variantSummary(variant, current.StartTime, time)) } : {}),
    EndpointStatus: endpoint.EndpointStatus,
    ...(endpoint.FailureReason !== undefined ? { FailureReason: endpoint.FailureReason } : {}),
    CreationTime: time(endpoint.CreationTime),
    LastModifiedTime: time(endpoint.LastModifiedTime),
    ...(current && pending
      ? {
          PendingDeploymentSummary: {
            EndpointConfigName: pending.EndpointConfigName,
            ProductionVariants: pending.Variants.map((variant) => ({
              ...variantSummary(variant, pending.StartTime, time),
              CurrentWeight: 0,
              CurrentInstanceCount: 0,
              ...(variant.InstanceType !== undefined ? { InstanceType: variant.InstanceType } : {}),
              VariantStatus: [{ Status: 'Creating', StatusMessage: 'Loading the model', StartTime: time(pending.StartTime) }],
            })),
            StartTime: time(pending.StartTime),
          },
        }
      : {}),
  };
}

export class Endpoints {
  readonly records: RecordStore<EndpointRecord>;
  private readonly serving = new Map<string, ServingVariant[]>();
  /** Bumped by every deployment and deletion: a deployment commits only if it is still the latest. */
  private readonly generations = new Map<string, number>();
  private readonly deployments = new Set<Promise<void>>();

  constructor(private readonly options: EndpointsOptions) {
    this.records = new RecordStore(join(options.root, 'endpoints'), (endpoint) => endpoint.EndpointName, (name, region, accountId) =>
      validationException(`Could not find endpoint "${arnFor(region, accountId, 'endpoint', name)}".`),
    );
  }

  /** Reloads what was serving before the restart and resumes deployments that were under way. */
  async start(): Promise<void> {
    await this.records.load();
    for (const endpoint of this.records.all()) {
      if (endpoint.EndpointStatus === 'Deleting') {
        await this.records.delete(endpoint.EndpointName);
        continue;
      }
      if (endpoint.Current && endpoint.EndpointStatus !== 'Failed') {
        try {
          this.serve(this.key(endpoint), await this.loadVariants(endpoint.Current));
        } catch (error) {
          endpoint.EndpointStatus = 'Failed';
          endpoint.FailureReason = `The models could not be reloaded after the local stack restarted: ${(error as Error).message}`;
          delete endpoint.Pending;
          await this.save(endpoint);
          continue;
        }
      }
      if (endpoint.Pending && (endpoint.EndpointStatus === 'Creating' || endpoint.EndpointStatus === 'Updating')) {
        this.track(this.deploy(endpoint, endpoint.Pending));
      }
    }
  }

  /** Waits for deployments under way to settle (their results are discarded if the stack stops). */
  async stop(): Promise<void> {
    for (const key of this.generations.keys()) this.generations.set(key, (this.generations.get(key) ?? 0) + 1);
    await Promise.allSettled([...this.deployments]);
  }

  /** Returns the endpoint's ARN; the deployment goes on in the background. */
  async create(request: { EndpointName: string; EndpointConfigName: string; Tags?: Tag[] }, region: string, accountId: string): Promise<string> {
    const arn = arnFor(region, accountId, 'endpoint', request.EndpointName);
    if (this.records.has(request.EndpointName)) throw validationException(`Cannot create already existing endpoint "${arn}".`);
    const deployment = this.snapshot(request.EndpointConfigName, region, accountId);
    const now = Date.now();
    const endpoint: EndpointRecord = {
      EndpointName: request.EndpointName,
      EndpointArn: arn,
      Region: region,
      AccountId: accountId,
      EndpointStatus: 'Creating',
      Pending: deployment,
      Tags: request.Tags ?? [],
      CreationTime: now,
      LastModifiedTime: now,
    };
    await this.save(endpoint);
    this.track(this.deploy(endpoint, deployment));
    return arn;
  }

  /** Deploys another config (blue/green); returns the endpoint's ARN. */
  async update(request: { EndpointName: string; EndpointConfigName: string }, region: string, accountId: string): Promise<string> {
    const endpoint = this.records.require(request.EndpointName, region, accountId);
    if (endpoint.EndpointStatus === 'Failed') throw validationException(`Cannot update failed endpoint "${endpoint.EndpointArn}".`);
    if (endpoint.EndpointStatus !== 'InService') throw validationException(`Cannot update in-progress endpoint "${endpoint.EndpointArn}".`);
    const deployment = this.snapshot(request.EndpointConfigName, region, accountId);
    endpoint.EndpointStatus = 'Updating';
    endpoint.Pending = deployment;
    endpoint.LastModifiedTime = Date.now();
    await this.save(endpoint);
    this.track(this.deploy(endpoint, deployment));
    return endpoint.EndpointArn;
  }

  async delete(name: string, region: string, accountId: string): Promise<void> {
    const endpoint = this.records.require(name, region, accountId);
    const key = this.key(endpoint);
    this.generations.set(key, (this.generations.get(key) ?? 0) + 1);
    endpoint.EndpointStatus = 'Deleting';
    endpoint.LastModifiedTime = Date.now();
    await this.save(endpoint);
    await this.publish(endpoint);
    this.serve(key, undefined);
    await this.records.delete(name);
  }

  /** The endpoint and what it serves, for InvokeEndpoint; undefined if there is no such endpoint. */
  lookup(name: string): { endpoint: EndpointRecord; variants: readonly ServingVariant[] | undefined } | undefined {
    const endpoint = this.records.get(name);
    if (!endpoint) return undefined;
    return { endpoint, variants: this.serving.get(this.key(endpoint)) };
  }

  private key(endpoint: EndpointRecord): string {
    return endpoint.EndpointName.toLowerCase();
  }

  private snapshot(configName: string, region: string, accountId: string): Deployment {
    const config = this.options.configs.records.require(configName, region, accountId);
    return {
      EndpointConfigName: config.EndpointConfigName,
      StartTime: Date.now(),
      Variants: config.ProductionVariants.map((variant) => {
        const model = this.options.models.records.require(variant.ModelName, region, accountId);
        return {
          VariantName: variant.VariantName,
          ModelName: model.ModelName,
          Image: model.PrimaryContainer.Image!,
          ModelDataUrl: model.PrimaryContainer.ModelDataUrl!,
          Weight: variant.InitialVariantWeight,
          InstanceCount: variant.InitialInstanceCount ?? 1,
          ...(variant.InstanceType !== undefined ? { InstanceType: variant.InstanceType } : {}),
        };
      }),
    };
  }

  /** Switches what an endpoint serves in one step; the models it served stop being held. */
  private serve(key: string, variants: ServingVariant[] | undefined): void {
    const previous = this.serving.get(key);
    if (variants === undefined) this.serving.delete(key);
    else {
      this.serving.set(key, variants);
      this.options.hosting?.warm();
    }
    for (const variant of previous ?? []) variant.release();
  }

  private track(deployment: Promise<void>): void {
    this.deployments.add(deployment);
    void deployment.finally(() => this.deployments.delete(deployment));
  }

  private async loadVariants(deployment: Deployment): Promise<ServingVariant[]> {
    const loads = await Promise.allSettled(
      deployment.Variants.map(async (variant): Promise<ServingVariant> => {
        try {
          const { modelId, model, release } = await this.options.modelCache.acquire(variant.ModelDataUrl);
          return { name: variant.VariantName, weight: variant.Weight, modelId, model, release };
        } catch (error) {
          throw new Error(
            `The primary container for production variant ${variant.VariantName} (model ${variant.ModelName}) failed to load: ${(error as Error).message}`,
          );
        }
      }),
    );
    const loaded = loads.flatMap((load) => (load.status === 'fulfilled' ? [load.value] : []));
    const failed = loads.find((load) => load.status === 'rejected');
    if (failed !== undefined) {
      for (const variant of loaded) variant.release();
      throw failed.reason;
    }
    return loaded;
  }

  private async deploy(endpoint: EndpointRecord, deployment: Deployment): Promise<void> {
    const key = this.key(endpoint);
    const generation = (this.generations.get(key) ?? 0) + 1;
    this.generations.set(key, generation);
    await this.publish(endpoint);
    let variants: ServingVariant[] | undefined;
    let failure: string | undefined;
    try {
      variants = await this.loadVariants(deployment);
    } catch (error) {
      failure = (error as Error).message;
    }
    if (this.generations.get(key) !== generation) {
      for (const variant of variants ?? []) variant.release();
      return;
    }
    const now = Date.now();
    if (variants !== undefined) {
      this.serve(key, variants);
      endpoint.Current = deployment;
      endpoint.EndpointStatus = 'InService';
      delete endpoint.FailureReason;
    } else if (endpoint.Current) {
      endpoint.EndpointStatus = 'InService';
      endpoint.FailureReason = `Update to endpoint configuration ${deployment.EndpointConfigName} failed and was rolled back: ${failure}`;
    } else {
      endpoint.EndpointStatus = 'Failed';
      endpoint.FailureReason = failure;
    }
    delete endpoint.Pending;
    endpoint.LastModifiedTime = now;
    await this.save(endpoint);
    await this.publish(endpoint);
  }

  private save(endpoint: EndpointRecord): Promise<void> {
    return this.records.put(endpoint);
  }

  private async publish(endpoint: EndpointRecord): Promise<void> {
    const detail: Record<string, unknown> = {
      ...describeEndpoint(endpoint, 'milliseconds'),
      EndpointStatus: endpointEventStatus(endpoint.EndpointStatus),
      Tags: tagMap(endpoint.Tags),
    };
    delete detail.PendingDeploymentSummary;
    await publishStateChange(
      this.options,
      { detailType: ENDPOINT_STATE_CHANGE, arn: endpoint.EndpointArn, region: endpoint.Region, accountId: endpoint.AccountId, detail },
      { kind: 'endpoint', logContext: { endpoint: endpoint.EndpointName } },
    );
  }
}
