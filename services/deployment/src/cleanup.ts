import {
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  ListEndpointConfigsCommand,
  ListModelsCommand,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { isSageMakerMissing } from '@pipeline/shared';

/**
 * Of the names listed newest first, the ones to delete: all but the newest `keep` and the protected
 * ones (what the endpoint serves or is deploying).
 */
export function namesToDelete(newestFirst: readonly string[], keep: number, protectedNames: ReadonlySet<string>): string[] {
  return newestFirst.filter((name, index) => index >= keep && !protectedNames.has(name));
}

async function listNewestFirst(
  fetchPage: (nextToken: string | undefined) => Promise<{ names: string[]; nextToken?: string | undefined }>,
  prefix: string,
): Promise<string[]> {
  const names: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await fetchPage(nextToken);
    names.push(...page.names);
    nextToken = page.nextToken;
  } while (nextToken);
  // NameContains also matches the prefix in the middle of a name.
  return names.filter((name) => name.startsWith(prefix));
}

export interface CleanupResult {
  deletedEndpointConfigs: string[];
  deletedModels: string[];
  /** The models left: the newest `keep` and those in use. */
  keptModels: string[];
}

/**
 * Deletes the pipeline's old endpoint configs and models (they share the training job's name),
 * keeping the newest `keep` of each for rollback and whatever the endpoint uses.
 */
export async function cleanUpOldVersions(
  sagemaker: SageMakerClient,
  options: { prefix: string; keep: number; inUse: ReadonlySet<string> },
): Promise<CleanupResult> {
  const { prefix, keep, inUse } = options;
  const listing = { NameContains: prefix, SortBy: 'CreationTime', SortOrder: 'Descending', MaxResults: 100 } as const;
  const configs = await listNewestFirst(async (NextToken) => {
    const page = await sagemaker.send(new ListEndpointConfigsCommand({ ...listing, NextToken }));
    return { names: (page.EndpointConfigs ?? []).map((c) => c.EndpointConfigName ?? ''), nextToken: page.NextToken };
  }, prefix);
  const models = await listNewestFirst(async (NextToken) => {
    const page = await sagemaker.send(new ListModelsCommand({ ...listing, NextToken }));
    return { names: (page.Models ?? []).map((m) => m.ModelName ?? ''), nextToken: page.NextToken };
  }, prefix);

  const deletedEndpointConfigs = namesToDelete(configs, keep, inUse);
  for (const name of deletedEndpointConfigs) {
    await ignoreMissing(sagemaker.send(new DeleteEndpointConfigCommand({ EndpointConfigName: name })));
  }
  const deletedModels = namesToDelete(models, keep, inUse);
  for (const name of deletedModels) {
    await ignoreMissing(sagemaker.send(new DeleteModelCommand({ ModelName: name })));
  }
  const keptModels = models.filter((name) => !deletedModels.includes(name));
  return { deletedEndpointConfigs, deletedModels, keptModels };
}

// A duplicate event may clean up at the same time.
async function ignoreMissing(request: Promise<unknown>): Promise<void> {
  try {
    await request;
  } catch (error) {
    if (!isSageMakerMissing(error)) throw error;
  }
}
