/**
 * npm run redrive -- [--stage <stage>] [--max <n>]
 * Moves the notification dead-letter queue's messages back to the notification queue, so the emails
 * that failed are tried again (after the cause, e.g. an unverified SES sender, is fixed).
 */
import '../local-stack/src/cli/warnings';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SQSClient } from '@aws-sdk/client-sqs';
import { redrive, resolveTarget, type LocalStack } from '../services/notification/src/redrive';
import { notificationDeadLetterQueueName, notificationQueueName } from '../services/notification/src/queues';
import { defineCommand, parseCommandLine } from './lib/cli';

const COMMAND = defineCommand({
  usage: 'npm run redrive -- [--stage <stage>] [--max <n>]',
  summary:
    "Moves the notification dead-letter queue's messages back to the notification queue, so that the emails that failed " +
    'are tried again (once the cause, an unverified SES sender say, is fixed).',
  options: {
    stage: { type: 'string', value: 'stage', description: "the stage whose queues to redrive (default: the local stack's when it runs, else dev)" },
    max: { type: 'string', value: 'n', description: 'move at most n messages (default: all)' },
  },
});

async function main(): Promise<void> {
  const { values } = parseCommandLine(COMMAND);
  const stackFile = path.resolve(process.cwd(), '.local', 'stack.json');
  const localStack = existsSync(stackFile) ? (JSON.parse(readFileSync(stackFile, 'utf8')) as LocalStack) : undefined;
  const target = resolveTarget(values, process.env, localStack);
  const sqs = new SQSClient({
    ...(target.endpoint ? { endpoint: target.endpoint } : {}),
    ...(target.region ? { region: target.region } : {}),
    // The local stack: its documented keys unless the environment names others; AWS needs the caller's own.
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
