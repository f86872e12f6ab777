/**
 * The notification dead-letter queue: a message that cannot be rendered (a malformed pipeline
 * event sent straight to the notification queue) fails alone, reaches the DLQ after the queue's
 * three receives, and `npm run redrive` moves it back to the notification queue.
 *
 * The queue's visibility timeout (180 s, six times the function timeout) spaces the receives of a
 * failed message; the test lowers it with SetQueueAttributes, as an operator could, so that three
 * receives take seconds instead of nine minutes. Nothing else about the queue changes. A batch that
 * outlived that second would be received again while still running (as on AWS): its deletes would carry
 * stale receipt handles, and the valid message would reach the DLQ too. So the function is warmed first,
 * with a message of its own, and the batch under test takes milliseconds, not a cold start.
 */
import { spawn } from 'node:child_process';
import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SetQueueAttributesCommand,
  type Message,
} from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import { ROOT, useDeployedStack } from '../support/stack';
import { waitFor } from '../support/wait';
import { SUBJECT } from './support';

const e2e = useDeployedStack('dlq.test.ts');

const VISIBILITY_TIMEOUT_SECONDS = 1;

async function queueUrl(name: string): Promise<string> {
  return (await e2e.sqs.send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl!;
}

async function counts(url: string): Promise<{ visible: number; inFlight: number }> {
  const { Attributes } = await e2e.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return { visible: Number(Attributes?.ApproximateNumberOfMessages), inFlight: Number(Attributes?.ApproximateNumberOfMessagesNotVisible) };
}

/** Looks at the DLQ's messages without taking them (they are visible again at once). */
async function peek(url: string): Promise<Message[]> {
  const { Messages } = await e2e.sqs.send(
    new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, VisibilityTimeout: 0, WaitTimeSeconds: 0, MessageSystemAttributeNames: ['All'] }),
  );
  return Messages ?? [];
}

function envelope(detailType: string, detail: Record<string, unknown>): string {
  return JSON.stringify({
    version: '0',
    id: randomUUID(),
    'detail-type': detailType,
    source: 'ml-pipeline.ingestion',
    account: '000000000000',
    time: new Date().toISOString(),
    region: e2e.info.region,
    resources: [],
    detail,
  });
}

/** A well-formed Dataset Rejected event for a drop at `key`. */
function datasetRejected(key: string): string {
  return envelope('Dataset Rejected', {
    runId: '20261125-120000-123456',
    stage: e2e.info.stage,
    at: new Date().toISOString(),
    bucket: e2e.info.dataBucket,
    key,
    rejectedKey: key.replace(/^incoming\//, 'rejected/'),
    reason: 'The file is empty.',
    size: 0,
  });
}

function runRedrive(): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', '--silent', 'redrive', '--', '--stage', e2e.info.stage], {
      cwd: ROOT,
      env: {
        ...process.env,
        AWS_ENDPOINT_URL: e2e.info.endpoint,
        AWS_REGION: e2e.info.region,
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

describe('notification dead-letter queue', () => {
  it('a message that cannot be rendered fails alone, lands in the DLQ after the retries, and npm run redrive moves it back', async () => {
    const queue = await queueUrl(`ml-pipeline-${e2e.info.stage}-notifications`);
    const deadLetters = await queueUrl(`ml-pipeline-${e2e.info.stage}-notifications-dlq`);
    const { Attributes } = await e2e.sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue, AttributeNames: ['RedrivePolicy', 'QueueArn'] }));
    expect(JSON.parse(Attributes!.RedrivePolicy!)).toMatchObject({ maxReceiveCount: 3 });
    const warming = e2e.mail.mark();
    await e2e.sqs.send(new SendMessageBatchCommand({ QueueUrl: queue, Entries: [{ Id: 'warm-up', MessageBody: datasetRejected('incoming/dlq-warm-up.csv') }] }));
    await e2e.mail.next(SUBJECT['Dataset Rejected'], warming, 30_000, (candidate) => candidate.subject.includes('incoming/dlq-warm-up.csv'));
    await waitFor('the warm-up message to be deleted', async () => JSON.stringify(await counts(queue)) === JSON.stringify({ visible: 0, inFlight: 0 }), 30_000, 100);
    await e2e.sqs.send(new SetQueueAttributesCommand({ QueueUrl: queue, Attributes: { VisibilityTimeout: String(VISIBILITY_TIMEOUT_SECONDS) } }));

    // A Pipeline Failed event with a step the pipeline does not have and no reason: it cannot be rendered.
    const malformed = envelope('Pipeline Failed', { runId: '20261125-120000-abcdef', stage: e2e.info.stage, at: new Date().toISOString(), failedStep: 'teleportation' });
    // A well-formed event in the same batch still gets its email.
    const key = 'incoming/dlq-neighbour.csv';
    const valid = datasetRejected(key);
    const seen = e2e.mail.mark();
    const sentAt = Date.now();
    const sent = await e2e.sqs.send(
      new SendMessageBatchCommand({ QueueUrl: queue, Entries: [{ Id: 'malformed', MessageBody: malformed }, { Id: 'valid', MessageBody: valid }] }),
    );
    expect(sent.Failed ?? []).toEqual([]);
    const malformedId = sent.Successful!.find((entry) => entry.Id === 'malformed')!.MessageId!;

    const mail = await e2e.mail.next(SUBJECT['Dataset Rejected'], seen, 30_000);
    expect(mail.subject).toContain(key);

    // three receives, each failing, then the DLQ
    const [dead] = await waitFor('the malformed message in the DLQ', async () => {
      const messages = await peek(deadLetters);
      return messages.length > 0 && messages;
    }, 30_000, 200);
    const deadAfterMs = Date.now() - sentAt;
    expect(dead!.MessageId).toBe(malformedId);
    expect(dead!.Body).toBe(malformed);
    expect(dead!.Attributes?.DeadLetterQueueSourceArn).toBe(Attributes!.QueueArn);
    // three receives, each hidden for the visibility timeout after failing
    expect(deadAfterMs).toBeGreaterThanOrEqual(2 * VISIBILITY_TIMEOUT_SECONDS * 1000);
    expect(await counts(deadLetters)).toEqual({ visible: 1, inFlight: 0 });
    expect(await counts(queue)).toEqual({ visible: 0, inFlight: 0 });
    // only the valid message was emailed
    expect(e2e.mail.all().filter((other) => !seen.has(other.file)).map((other) => other.subject)).toEqual([mail.subject]);

    const redrive = await runRedrive();
    expect(redrive.code).toBe(0);
    expect(redrive.output).toContain(`moving messages from ml-pipeline-${e2e.info.stage}-notifications-dlq to ml-pipeline-${e2e.info.stage}-notifications`);
    expect(redrive.output).toContain(`moved ${malformedId}: Pipeline Failed 20261125-120000-abcdef`);
    expect(redrive.output).toContain('1 message moved');

    // It went back through the notification queue (a new message there, with the same body), failed its
    // three receives again and was dead-lettered anew: a DLQ message with the same body and a new id.
    const [back] = await waitFor('the redriven message to come back through the notification queue', async () => {
      const messages = await peek(deadLetters);
      return messages.length > 0 && messages;
    }, 30_000, 200);
    expect(back!.Body).toBe(malformed);
    expect(back!.MessageId).not.toBe(malformedId);
    expect(back!.Attributes?.DeadLetterQueueSourceArn).toBe(Attributes!.QueueArn);
    expect(await counts(deadLetters)).toEqual({ visible: 1, inFlight: 0 });
    expect(e2e.mail.all().filter((other) => !seen.has(other.file))).toHaveLength(1);
  }, 90_000);
});
