import {
  DeleteMessageCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { notificationDeadLetterQueueName, notificationQueueName } from './queues';

export interface RedriveTarget {
  stage: string;
  /** Undefined: the SDK's default endpoint (AWS, or AWS_ENDPOINT_URL). */
  endpoint: string | undefined;
  region: string | undefined;
  max: number;
}

/** The parts of `.local/stack.json` the redrive reads. */
export interface LocalStack {
  endpoint?: string;
  region?: string;
  stage?: string;
}

/**
 * Where to redrive: `--stage` (default the local stack's stage when `.local/stack.json` exists, else
 * dev); the endpoint from AWS_ENDPOINT_URL, else the local stack's when the stage is its stage.
 */
export function resolveTarget(
  options: { stage?: string | undefined; max?: string | undefined },
  env: NodeJS.ProcessEnv,
  localStack: LocalStack | undefined,
): RedriveTarget {
  const stage = options.stage ?? localStack?.stage ?? 'dev';
  const max = options.max === undefined ? Number.POSITIVE_INFINITY : Number(options.max);
  if (!(max > 0) || (Number.isFinite(max) && !Number.isInteger(max))) throw new Error(`--max must be a positive whole number, not ${options.max}`);
  const useLocal = !env.AWS_ENDPOINT_URL && localStack?.endpoint !== undefined && localStack.stage === stage;
  return {
    stage,
    endpoint: useLocal ? localStack.endpoint : undefined,
    region: env.AWS_REGION ?? (useLocal ? localStack.region : undefined),
    max,
  };
}

export interface MovedMessage {
  messageId: string;
  /** What the message is, e.g. `Model Deployed 20261125-110409-a1b2c3`. */
  summary: string;
}

function summarize(body: string | undefined): string {
  try {
    const event = JSON.parse(body ?? '') as { 'detail-type'?: unknown; detail?: { runId?: unknown } };
    if (typeof event['detail-type'] === 'string') return `${event['detail-type']} ${String(event.detail?.runId ?? '')}`.trim();
  } catch {
    // not JSON: described below
  }
  return `(not a pipeline event: ${(body ?? '').slice(0, 60)})`;
}

/**
 * Moves messages from the dead-letter queue back to the queue it serves: receive, send a copy,
 * then delete the original, so a crash midway can duplicate a message but never lose one (the
 * notification service sends each email once anyway).
 */
export async function redrive(
  sqs: SQSClient,
  stage: string,
  max: number,
  onMoved: (message: MovedMessage) => void = () => {},
): Promise<MovedMessage[]> {
  const [queue, deadLetterQueue] = await Promise.all(
    [notificationQueueName(stage), notificationDeadLetterQueueName(stage)].map(async (QueueName) => {
      const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName }));
      if (!QueueUrl) throw new Error(`queue ${QueueName} has no URL`);
      return QueueUrl;
    }),
  );
  const moved: MovedMessage[] = [];
  while (moved.length < max) {
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: deadLetterQueue,
        MaxNumberOfMessages: Math.min(10, max - moved.length),
        WaitTimeSeconds: 1,
        VisibilityTimeout: 60,
        MessageAttributeNames: ['All'],
      }),
    );
    if (!Messages || Messages.length === 0) break;
    for (const message of Messages) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: queue,
          MessageBody: message.Body ?? '',
          ...(message.MessageAttributes && Object.keys(message.MessageAttributes).length > 0
            ? { MessageAttributes: message.MessageAttributes }
            : {}),
        }),
      );
      await sqs.send(new DeleteMessageCommand({ QueueUrl: deadLetterQueue, ReceiptHandle: message.ReceiptHandle }));
      const entry = { messageId: message.MessageId ?? '', summary: summarize(message.Body) };
      moved.push(entry);
      onMoved(entry);
    }
  }
  return moved;
}
