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
  const prefix = trainingJobPrefix(config.stage);
  // Independent reads and writes, at once: they are most of the time between training's end and the jobs' start.
  const [testRows, , champion] = await Promise.all([
    writeBatchInput(deps.s3, config.dataBucket, run.runId),
    tagsOf(sagemaker, run.job.TrainingJobArn).then((tags) => createModel(sagemaker, modelOf(deps, run.jobName, run.modelDataUrl, tags[NORMALIZATION_VERSION_TAG]))),
    run.endpoint ? servingModel(sagemaker, run.endpoint, (name) => name.startsWith(prefix)) : undefined,
  ]);
  if (testRows === 0) throw new Error(`run ${run.runId} has no test rows under prepared/${run.runId}/test/: nothing to evaluate the model on`);

  const challengerJob = transformJobName(config.stage, run.runId, 'challenger');
  const championJob = champion && transformJobName(config.stage, run.runId, 'champion', champion.modelName);
  const common = { bucket: config.dataBucket, runId: run.runId, instanceType: config.transformInstanceType };
  await Promise.all([
    startTransformJob(sagemaker, { ...common, jobName: challengerJob, modelName: run.jobName, tags: { [CHAMPION_MODEL_TAG]: champion?.modelName ?? '' } }),
    championJob && startTransformJob(sagemaker, { ...common, jobName: championJob, modelName: champion.modelName }),
  ]);
  if (!championJob) return { testRows, challengerJob };
  return { testRows, challengerJob, championJob };
}
