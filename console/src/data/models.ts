/**
 * Models: every model version the pipeline trained, with its accuracies; which model each version of the
 * endpoint served, and when; the model in service now.
 *
 * Versions come from `ModelSource`s. Today there is one, the training jobs (a model is named after its
 * job, `mlp-<stage>-<runId>`); a SageMaker model package group of the stage is the next one
 * (ListModelPackages / DescribeModelPackage: approval status, metrics in ModelMetrics): a second source
 * whose versions are merged by run id, the registry's fields winning.
 */
import type { EndpointRecord, Run } from './model';
import type { Snapshot } from './store';

export type ModelDecision = 'deployed' | 'rejected' | 'failed' | 'training' | 'awaiting-approval' | 'candidate';

export interface ModelVersion {
  /** The model's name (the training job's), or a model package ARN. */
  id: string;
  runId: string;
  trainingJob?: string;
  createdAt?: Date;
  validationAccuracy?: number;
  testAccuracy?: number;
  decision: ModelDecision;
  /** Which source said so (`training-jobs`, later `model-registry`). */
  source: string;
  /** e.g. the registry's approval status. */
  status?: string;
}

export interface EndpointVersion {
  configName: string;
  modelName: string;
  runId?: string;
  from?: Date;
  /** Undefined while it serves. */
  to?: Date;
  validationAccuracy?: number;
}

export interface ModelsView {
  /** Oldest first (the chart's order). */
  versions: ModelVersion[];
  /** Newest first. */
  endpointHistory: EndpointVersion[];
  inService?: { endpoint: EndpointRecord; version?: EndpointVersion; model?: ModelVersion };
}

export interface ModelSource {
  readonly name: string;
  versions(snapshot: Snapshot): Promise<ModelVersion[]>;
}

function decisionOf(run: Run): ModelDecision {
  // A rolled-back run is the one npm run rollback put back in service (Model Rolled Back names it).
  if (run.outcome.status === 'deployed' || run.outcome.status === 'rolled-back') return 'deployed';
  if (run.stages.deploy.status === 'rejected') return 'rejected';
  if (run.stages.train.status === 'running' || run.stages.train.status === 'pending') return 'training';
  if (run.stages.deploy.detail === 'awaiting approval') return 'awaiting-approval';
  if (run.outcome.status === 'failed') return 'failed';
  return 'candidate';
}

/** A model per training job of the stage: its validation accuracy (DescribeTrainingJob) and test accuracy (the evaluation report). */
export const trainingJobModels: ModelSource = {
  name: 'training-jobs',
  versions: async (snapshot) =>
    snapshot.runs
      .filter((run) => run.refs.trainingJobName)
      .map((run) => ({
        id: run.refs.trainingJobName!,
        runId: run.runId,
        trainingJob: run.refs.trainingJobName,
        createdAt: run.stages.train.startedAt ?? run.startedAt,
        ...(run.validationAccuracy !== undefined ? { validationAccuracy: run.validationAccuracy } : {}),
        ...(run.testAccuracy !== undefined ? { testAccuracy: run.testAccuracy } : {}),
        decision: decisionOf(run),
        source: 'training-jobs',
      })),
};

/** Versions of all sources, one per run; a later source's fields override an earlier one's. */
export async function modelVersions(snapshot: Snapshot, sources: readonly ModelSource[] = [trainingJobModels]): Promise<ModelVersion[]> {
  const byRun = new Map<string, ModelVersion>();
  for (const source of sources) {
    for (const version of await source.versions(snapshot)) byRun.set(version.runId, { ...byRun.get(version.runId), ...version });
  }
  return [...byRun.values()].sort((a, b) => (a.createdAt?.getTime() ?? 0) - (b.createdAt?.getTime() ?? 0) || a.runId.localeCompare(b.runId));
}

/**
 * The endpoint's versions, from the `Model Deployed` emails (endpoint configs are deleted after a few
 * deployments; the emails stay): each served from its deployment until the next one. The config the
 * endpoint names now is added when no email announced it.
 */
export function endpointHistory(snapshot: Snapshot): EndpointVersion[] {
  const prefix = snapshot.config.trainingJobPrefix;
  const accuracy = new Map(snapshot.runs.map((run) => [run.runId, run.validationAccuracy]));
  const deployments = snapshot.runs
    .filter((run) => run.stages.deploy.status === 'succeeded')
    .map((run) => ({ configName: `${prefix}${run.runId}`, modelName: `${prefix}${run.runId}`, runId: run.runId, from: run.stages.deploy.endedAt, validationAccuracy: accuracy.get(run.runId) }));
  const current = snapshot.endpoint?.configName;
  if (current && !deployments.some((version) => version.configName === current)) {
    const runId = current.startsWith(prefix) ? current.slice(prefix.length) : undefined;
    deployments.push({ configName: current, modelName: current, runId: runId ?? '', from: snapshot.endpoint?.lastModifiedAt, validationAccuracy: runId ? accuracy.get(runId) : undefined });
  }
  // Newest first; deployments announced within the same second (listing times) in the order of their run ids.
  deployments.sort((a, b) => (b.from?.getTime() ?? 0) - (a.from?.getTime() ?? 0) || b.runId.localeCompare(a.runId));
  return deployments.map((version, index) => ({
    ...version,
    runId: version.runId || undefined,
    ...(index > 0 ? { to: deployments[index - 1]!.from } : {}),
  }));
}

export async function modelsView(snapshot: Snapshot, sources?: readonly ModelSource[]): Promise<ModelsView> {
  const versions = await modelVersions(snapshot, sources);
  const history = endpointHistory(snapshot);
  const endpoint = snapshot.endpoint;
  let inService: ModelsView['inService'];
  if (endpoint) {
    const version = history.find((candidate) => candidate.configName === endpoint.configName);
    inService = { endpoint, version, model: versions.find((model) => model.runId === version?.runId) };
  }
  return { versions, endpointHistory: history, ...(inService ? { inService } : {}) };
}
