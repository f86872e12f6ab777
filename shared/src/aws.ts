import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { PIPELINE_EVENTS, type PipelineDetailType, type PipelineEventDetails } from './events';

/**
 * Every client is built with the SDK's defaults: region and endpoint come from the standard
 * environment (AWS_REGION, AWS_ENDPOINT_URL), which is how the local stack is reached.
 */
export const clientConfig = { maxAttempts: 5 } as const;

/** Publishes one pipeline event on the default bus, validating it first; fails if EventBridge refused it. */
export async function publishPipelineEvent<T extends PipelineDetailType>(
  eventBridge: EventBridgeClient,
  source: string,
  event: { detailType: T; detail: PipelineEventDetails[T] },
): Promise<void> {
  const detail = PIPELINE_EVENTS[event.detailType].detail.parse(event.detail);
  const result = await eventBridge.send(
    new PutEventsCommand({
      Entries: [{ Source: source, DetailType: event.detailType, Detail: JSON.stringify(detail) }],
    }),
  );
  if ((result.FailedEntryCount ?? 0) > 0) {
    const entry = result.Entries?.[0];
    throw new Error(`EventBridge refused ${event.detailType}: ${entry?.ErrorCode} ${entry?.ErrorMessage}`);
  }
}
