/**
 * `npm run retrain -- --stage <stage> [--reason "..."]`: asks the pipeline to retrain on the corpus as it is, by
 * sending `Retrain Requested` (source ml-pipeline.operator) on the default event bus; any tool may send the same
 * (`aws events put-events`). The ingestion service starts the run as a drop would.
 */
import '../local-stack/src/cli/warnings';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { retrainRequestedDetail } from '../shared/src/events';
import { OPERATOR_SOURCE } from '../shared/src/names';
import { defineCommand, parseCommandLine } from './lib/cli';
import { OperatorError, resolveStageTarget, runOperatorCommand, STAGE_OPTIONS } from './lib/operate/stage-target';

const COMMAND = defineCommand({
  usage: 'npm run retrain -- --stage <stage> [--reason "<why>"]',
  summary:
    'Retrains on the corpus as it is (labeled/), through the same path as a drop: sends Retrain Requested on EventBridge, and the ' +
    "run's emails say it was requested, and why.",
  options: {
    ...STAGE_OPTIONS,
    reason: { type: 'string', value: 'text', description: 'why (a hyperparameter changed, say); in the run and its emails' },
  },
});

runOperatorCommand('retrain', async () => {
  const { values } = parseCommandLine(COMMAND);
  const target = await resolveStageTarget(values.stage, values.region);
  const detail = retrainRequestedDetail.parse({ stage: target.stage, ...(values.reason ? { reason: values.reason } : {}) });
  const result = await new EventBridgeClient(target.clientConfig).send(
    new PutEventsCommand({ Entries: [{ Source: OPERATOR_SOURCE, DetailType: 'Retrain Requested', Detail: JSON.stringify(detail) }] }),
  );
  const entry = result.Entries?.[0];
  if ((result.FailedEntryCount ?? 0) > 0 || !entry?.EventId) throw new OperatorError(`EventBridge refused the event: ${entry?.ErrorCode} ${entry?.ErrorMessage}`);
  console.log(`Retrain Requested sent to ${target.where} (event ${entry.EventId}); the run's emails will follow`);
});
