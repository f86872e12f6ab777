import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import {
  PIPELINE_SOURCES,
  publishPipelineEvent,
  trainingJobName,
  TRIGGER_TAG,
  type HandlerDeps,
  type PipelineDetailType,
  type PipelineEventDetails,
} from '@pipeline/shared';
import type { DeploymentConfig } from './config';
import { describeTrainingJob, tagsOf } from './sagemaker';

/** What a detail says beyond the run, the stage and the time, which `announce` fills in. */
export type Announcement<T extends PipelineDetailType> = Omit<PipelineEventDetails[T], 'runId' | 'stage' | 'at'>;

type AnnounceDeps = Pick<HandlerDeps<DeploymentConfig>, 'config' | 'now' | 'logger'> & { eventBridge: EventBridgeClient; sagemaker: SageMakerClient };

/**
 * Publishes a pipeline event of a run from the deployment service. A `Pipeline Failed` says what started the run
 * (npm run retrain, the schedule) when its training job's tags record it, as the other emails of the run do.
 */
export async function announce<T extends PipelineDetailType>(deps: AnnounceDeps, detailType: T, runId: string, detail: Announcement<T>): Promise<void> {
  const trigger = detailType === 'Pipeline Failed' && !('trigger' in detail) ? await runTrigger(deps, runId) : {};
  const full = { runId, stage: deps.config.stage, at: deps.now().toISOString(), ...trigger, ...detail } as unknown as PipelineEventDetails[T];
  await publishPipelineEvent(deps.eventBridge, PIPELINE_SOURCES.deployment, { detailType, detail: full });
}

/** The run's trigger tag; none for a drop, and none (logged) when the job cannot be read: the failure is still told. */
async function runTrigger(deps: AnnounceDeps, runId: string): Promise<{ trigger?: string }> {
  try {
    const job = await describeTrainingJob(deps.sagemaker, trainingJobName(deps.config.stage, runId));
    const trigger = (await tagsOf(deps.sagemaker, job.TrainingJobArn))[TRIGGER_TAG];
    return trigger ? { trigger } : {};
  } catch (error) {
    deps.logger.warn('cannot read what started the run: the failure is announced without it', { runId, error: String(error) });
    return {};
  }
}
