/** The `aws.sagemaker` events SageMaker sends to EventBridge, in AWS's format. */
import type { EventPublisher } from '../../../core/types';

export const SAGEMAKER_SOURCE = 'aws.sagemaker';
export const TRAINING_JOB_STATE_CHANGE = 'SageMaker Training Job State Change';
export const ENDPOINT_STATE_CHANGE = 'SageMaker Endpoint State Change';

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

export async function publishSageMakerEvent(publisher: EventPublisher, event: ResourceEvent): Promise<void> {
  await publisher.publish({
    source: SAGEMAKER_SOURCE,
    'detail-type': event.detailType,
    resources: [event.arn],
    detail: event.detail,
    region: event.region,
    account: event.accountId,
  });
}

/** Tag lists become `{key: value}` maps in event details, as in AWS's examples. */
export function tagMap(tags: ReadonlyArray<{ Key: string; Value?: string }> | undefined): Record<string, string> {
  return Object.fromEntries((tags ?? []).map((tag) => [tag.Key, tag.Value ?? '']));
}
