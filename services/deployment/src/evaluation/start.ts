/**
 * The evaluation stage's start, when a run's training job completes: the run's test split as batch
 * input, the new model (challenger) as a SageMaker model, and a Batch Transform job for it and, when a
 * model is in service (champion), one for that model, over the same rows. Their `SageMaker Transform Job
 * State Change` events continue in evaluate.ts. Everything is named after the run, so a duplicate event
 * finds what the first created and starts nothing twice.
 */
import { CHAMPION_MODEL_TAG, NORMALIZATION_VERSION_TAG, trainingJobPrefix, transformJobName } from '@pipeline/shared';
import type { DeploymentDeps } from '../deploy';
import { modelOf } from '../deploy';
import { createModel } from '../rollout';
import { servingModel, tagsOf, type EndpointDescription, type TrainingJobDescription } from '../sagemaker';
import { writeBatchInput } from './test-split';
import { startTransformJob } from './transform-jobs';

export interface EvaluationStart {
  testRows: number;
  challengerJob: string;
  /** The champion's job, when a model is in service. */
  championJob?: string;
}

export async function startEvaluation(
  deps: DeploymentDeps,
  run: { runId: string; jobName: string; job: TrainingJobDescription; modelDataUrl: string; endpoint: EndpointDescription | undefined },
): Promise<EvaluationStart> {
  const { config, sagemaker } = deps;
  const testRows = await writeBatchInput(deps.s3, config.dataBucket, run.runId);
  if (testRows === 0) throw new Error(`run ${run.runId} has no test rows under prepared/${run.runId}/test/: nothing to evaluate the model on`);
  const normalizationVersion = (await tagsOf(sagemaker, run.job.TrainingJobArn))[NORMALIZATION_VERSION_TAG];
  await createModel(sagemaker, modelOf(deps, run.jobName, run.modelDataUrl, normalizationVersion));

  const prefix = trainingJobPrefix(config.stage);
  const champion = run.endpoint && (await servingModel(sagemaker, run.endpoint, (name) => name.startsWith(prefix)));
  const challengerJob = transformJobName(config.stage, run.runId, 'challenger');
  const common = { bucket: config.dataBucket, runId: run.runId, instanceType: config.transformInstanceType };
  await startTransformJob(sagemaker, { ...common, jobName: challengerJob, modelName: run.jobName, tags: { [CHAMPION_MODEL_TAG]: champion?.modelName ?? '' } });
  if (!champion) return { testRows, challengerJob };
  const championJob = transformJobName(config.stage, run.runId, 'champion', champion.modelName);
  await startTransformJob(sagemaker, { ...common, jobName: championJob, modelName: champion.modelName });
  return { testRows, challengerJob, championJob };
}
