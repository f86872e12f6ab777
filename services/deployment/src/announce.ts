import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  PIPELINE_SOURCES,
  publishPipelineEvent,
  type HandlerDeps,
  type PipelineDetailType,
  type PipelineEventDetails,
} from '@pipeline/shared';
import type { DeploymentConfig } from './config';

/** What a detail says beyond the run, the stage and the time, which `announce` fills in. */
export type Announcement<T extends PipelineDetailType> = Omit<PipelineEventDetails[T], 'runId' | 'stage' | 'at'>;

/** Publishes a pipeline event of a run from the deployment service. */
export async function announce<T extends PipelineDetailType>(
  deps: Pick<HandlerDeps<DeploymentConfig>, 'config' | 'now'> & { eventBridge: EventBridgeClient },
  detailType: T,
  runId: string,
  detail: Announcement<T>,
): Promise<void> {
  const full = { runId, stage: deps.config.stage, at: deps.now().toISOString(), ...detail } as unknown as PipelineEventDetails[T];
  await publishPipelineEvent(deps.eventBridge, PIPELINE_SOURCES.deployment, { detailType, detail: full });
}
