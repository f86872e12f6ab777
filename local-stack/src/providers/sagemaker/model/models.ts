/**
 * Models: BlazingText models (an image and a ModelDataUrl, or a model package of the registry that has
 * them), one record per model under `<root>/models/`.
 */
import { join } from 'node:path';
import { validationException } from '../errors';
import { arnFor, isBlazingTextImage } from './names';
import { RecordStore, type Tag } from './record-store';

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
  Tags: Tag[];
  /** Epoch milliseconds. */
  CreationTime: number;
}

/** What CreateModel asks for. */
export interface NewModel {
  ModelName: string;
  PrimaryContainer?: ContainerDefinition;
  Containers?: ContainerDefinition[];
  ExecutionRoleArn?: string;
  Tags?: Tag[];
}

/** Where a container naming `ModelPackageName` gets its image and model data (the Model Registry). */
export interface ModelPackageContainers {
  deployableContainer(nameOrArn: string, scope: { region: string; accountId: string }): ContainerDefinition;
}

export class Models {
  readonly records: RecordStore<ModelRecord>;

  constructor(
    root: string,
    private readonly packages?: ModelPackageContainers,
  ) {
    this.records = new RecordStore(join(root, 'models'), (model) => model.ModelName, (name, region, accountId) =>
      validationException(`Could not find model "${arnFor(region, accountId, 'model', name)}".`),
    );
  }

  load(): Promise<void> {
    return this.records.load();
  }

  /** Returns the model's ARN; `definition` holds the request's members that DescribeModel echoes. */
  async create(request: NewModel, definition: Record<string, unknown>, region: string, accountId: string): Promise<string> {
    const arn = arnFor(region, accountId, 'model', request.ModelName);
    if (this.records.has(request.ModelName)) throw validationException(`Cannot create already existing model "${arn}".`);
    const containers = request.Containers ?? [];
    if (containers.length > 1) throw validationException('The local stack serves single-container models only (one BlazingText container)');
    const given = request.PrimaryContainer ?? containers[0];
    if (given === undefined) throw validationException('Either PrimaryContainer or Containers must be specified.');
    // A container may name a model package (a registry version) instead of an image and model data.
    const modelPackage = typeof given.ModelPackageName === 'string' && this.packages ? this.packages.deployableContainer(given.ModelPackageName, { region, accountId }) : undefined;
    const container = modelPackage ? { ...modelPackage, ...given } : given;
    if (container.Image === undefined || !isBlazingTextImage(container.Image)) {
      throw validationException(
        `Image ${container.Image ?? '(none)'} is not supported by the local stack: only BlazingText images (repository "blazingtext") can be served locally`,
      );
    }
    if (container.ModelDataUrl === undefined || !container.ModelDataUrl.startsWith('s3://')) {
      throw validationException('A BlazingText model needs PrimaryContainer.ModelDataUrl: the s3:// URI of its model.tar.gz');
    }
    await this.records.put({
      ModelName: request.ModelName,
      ModelArn: arn,
      PrimaryContainer: container,
      ...(request.ExecutionRoleArn !== undefined ? { ExecutionRoleArn: request.ExecutionRoleArn } : {}),
      Definition: definition,
      Tags: request.Tags ?? [],
      CreationTime: Date.now(),
    });
    return arn;
  }
}
