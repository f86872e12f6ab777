/** The `aws.sagemaker` events SageMaker sends to EventBridge, in AWS's format. */
import type { LocalStackLogger } from '../../../core/logger';
import type { EventPublisher } from '../../../core/types';

export const SAGEMAKER_SOURCE = 'aws.sagemaker';
export const TRAINING_JOB_STATE_CHANGE = 'SageMaker Training Job State Change';
export const ENDPOINT_STATE_CHANGE = 'SageMaker Endpoint State Change';
export const MODEL_PACKAGE_STATE_CHANGE = 'SageMaker Model Package State Change';
export const TRANSFORM_JOB_STATE_CHANGE = 'SageMaker Transform Job State Change';

/** `Endpoint State Change` statuses are upper snake case (`IN_SERVICE`), unlike DescribeEndpoint's. */
export function endpointEventStatus(status: string): string {
  return status.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
}

export interface ResourceEvent {
  detailType: string;
  arn: string;
  region: string;
  accountId: string;
  detail: Record<string, unknown>;
}

/**
 * Publishes a resource's state change. A lost event must not break the resource (a training job, an
 * endpoint): a failure is logged, naming the resource, instead of thrown.
 */
export async function publishStateChange(
  services: { events: EventPublisher; logger: LocalStackLogger },
  event: ResourceEvent,
  resource: { kind: string; logContext: Record<string, string> },
): Promise<void> {
  try {
    await services.events.publish({
      source: SAGEMAKER_SOURCE,
      'detail-type': event.detailType,
      resources: [event.arn],
      detail: event.detail,
      region: event.region,
      account: event.accountId,
    });
  } catch (error) {
    services.logger.error(`could not publish the ${resource.kind} state change`, { ...resource.logContext, error: String(error) });
  }
}

/** Tag lists become `{key: value}` maps in event details, as in AWS's examples. */
export function tagMap(tags: ReadonlyArray<{ Key: string; Value?: string }> | undefined): Record<string, string> {
  return Object.fromEntries((tags ?? []).map((tag) => [tag.Key, tag.Value ?? '']));
}
