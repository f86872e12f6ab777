import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { PipelineEvent } from './events';
import { pipelineEventDetails } from './events';

/**
 * Every client is built with the SDK's defaults: region and endpoint come from the standard
 * environment (AWS_REGION, AWS_ENDPOINT_URL), which is how the local stack is reached.
 */
export const clientConfig = { maxAttempts: 5 } as const;

/** Publishes one pipeline event on the default bus, validating it first; fails if EventBridge refused it. */
export async function publishPipelineEvent(
  client: EventBridgeClient,
  source: string,
  event: PipelineEvent,
): Promise<void> {
  const detail = pipelineEventDetails[event.detailType].parse(event.detail);
  const result = await client.send(
    new PutEventsCommand({
      Entries: [{ Source: source, DetailType: event.detailType, Detail: JSON.stringify(detail) }],
    }),
  );
  if ((result.FailedEntryCount ?? 0) > 0) {
    const entry = result.Entries?.[0];
    throw new Error(`EventBridge refused ${event.detailType}: ${entry?.ErrorCode} ${entry?.ErrorMessage}`);
  }
}

/** True for the error an SDK client throws when a resource is missing (S3 NoSuchKey / NotFound, etc.). */
export function isNotFound(error: unknown): boolean {
  const name = (error as { name?: string } | undefined)?.name;
  const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  return name === 'NoSuchKey' || name === 'NotFound' || name === 'EntityNotFoundException' || status === 404;
}
