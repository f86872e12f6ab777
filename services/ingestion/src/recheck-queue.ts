import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import { MAX_CLASSES_WAIT_SECONDS, type IngestionConfig } from './config';

/**
 * The ingestion service's recheck queue: drops judged again later. A data file with numeric labels waiting for its
 * classes.txt is judged again when the wait ends (a delayed message) and when a classes.txt arrives in its folder
 * (at once). The message names the drop and the run id its acceptance would use; the drop itself stays in incoming/
 * until it is judged, so a message for a drop handled meanwhile finds nothing and does nothing (rechecks.ts).
 */
export const recheckMessage = z.object({ key: z.string().startsWith('incoming/'), runId: z.string().min(1) });
export type RecheckMessage = z.infer<typeof recheckMessage>;

export async function scheduleRecheck(deps: { sqs: SQSClient; config: Pick<IngestionConfig, 'recheckQueueUrl'> }, message: RecheckMessage, delaySeconds: number): Promise<void> {
  await deps.sqs.send(
    new SendMessageCommand({
      QueueUrl: deps.config.recheckQueueUrl,
      MessageBody: JSON.stringify(message),
      DelaySeconds: Math.min(MAX_CLASSES_WAIT_SECONDS, Math.max(0, delaySeconds)),
    }),
  );
}
