/**
 * npm run redrive -- [--stage <stage>] [--max <n>]
 * Moves the notification dead-letter queue's messages back to the notification queue, so the emails
 * that failed are tried again (after the cause, e.g. an unverified SES sender, is fixed).
 */
import '../local-stack/src/cli/warnings';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { SQSClient } from '@aws-sdk/client-sqs';
import { redrive, resolveTarget, type LocalStack } from '../services/notification/src/redrive';
import { notificationDeadLetterQueueName, notificationQueueName } from '../services/notification/src/queues';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { stage: { type: 'string' }, max: { type: 'string' }, help: { type: 'boolean' } } });
  if (values.help) {
    console.log('usage: npm run redrive -- [--stage <stage>] [--max <n>]');
    return;
  }
  const stackFile = path.resolve(process.cwd(), '.local', 'stack.json');
  const localStack = existsSync(stackFile) ? (JSON.parse(readFileSync(stackFile, 'utf8')) as LocalStack) : undefined;
  const target = resolveTarget(values, process.env, localStack);
  const sqs = new SQSClient({
    ...(target.endpoint ? { endpoint: target.endpoint } : {}),
    ...(target.region ? { region: target.region } : {}),
    // The local stack takes any credentials; AWS needs the caller's own.
    ...(target.endpoint && !process.env.AWS_ACCESS_KEY_ID ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
  });
  const from = notificationDeadLetterQueueName(target.stage);
  const to = notificationQueueName(target.stage);
  console.log(`moving messages from ${from} to ${to}${target.endpoint ? ` at ${target.endpoint}` : ''}`);
  const moved = await redrive(sqs, target.stage, target.max, ({ messageId, summary }) => console.log(`  moved ${messageId}: ${summary}`));
  console.log(`${moved.length} message${moved.length === 1 ? '' : 's'} moved`);
}

main().catch((error: unknown) => {
  console.error(`redrive failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
