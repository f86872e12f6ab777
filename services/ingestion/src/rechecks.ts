import type { SQSBatchResponse, SQSRecord } from 'aws-lambda';
import { findObject } from '@pipeline/shared';
import { parseDropKey } from './drop-keys';
import { judgeDrop, type IngestionDeps, type IngestOutcome } from './ingest-drop';
import { recheckMessage, type RecheckMessage } from './recheck-queue';

/** Drops judged again (recheck-queue.ts): the consumer of the recheck queue. */
export type RecheckOutcome = IngestOutcome | { outcome: 'gone'; key: string };

/** Judges the drop a message names again, if it is still in incoming/. */
export async function recheckDrop(deps: IngestionDeps, message: RecheckMessage): Promise<RecheckOutcome> {
  const drop = parseDropKey(message.key);
  const object = drop && (await findObject(deps.s3, deps.config.dataBucket, drop.key));
  if (!drop || !object) {
    deps.logger.info('recheck: the drop was handled already', { key: message.key });
    return { outcome: 'gone', key: message.key };
  }
  return judgeDrop(deps, drop, object, message.runId);
}

/** A batch of recheck messages; one that fails is reported alone, so SQS delivers only it again. */
export async function recheckBatch(records: readonly SQSRecord[], deps: IngestionDeps): Promise<SQSBatchResponse> {
  const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
  for (const record of records) {
    try {
      const parsed = recheckMessage.safeParse(JSON.parse(record.body));
      if (!parsed.success) throw new Error(`not a recheck message: ${parsed.error.message}`);
      const outcome = await recheckDrop(deps, parsed.data);
      deps.logger.info('drop judged again', { messageId: record.messageId, outcome });
    } catch (error) {
      deps.logger.error('could not judge the drop again', { messageId: record.messageId, error: error as Error });
      batchItemFailures.push({ itemIdentifier: record.messageId });
    }
  }
  return { batchItemFailures };
}
