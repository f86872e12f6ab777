/** Helpers for this service's unit tests. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { SQSRecord } from 'aws-lambda';
import { pipelineEventEnvelope, type PipelineEventEnvelope } from '@pipeline/shared';

export type PipelineSample = 'model-deployed' | 'model-rejected' | 'pipeline-failed' | 'dataset-rejected';

/** A sample pipeline event from test/fixtures/aws-events, as raw JSON. */
export function sampleJson(name: PipelineSample): Record<string, unknown> {
  const file = path.resolve(__dirname, '../../../test/fixtures/aws-events', `pipeline-${name}.json`);
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
}

export const sample = (name: PipelineSample): PipelineEventEnvelope => pipelineEventEnvelope.parse(sampleJson(name));

/** An SQS record the way the EventBridge -> SQS -> Lambda path delivers it. */
export function sqsRecord(messageId: string, body: unknown): SQSRecord {
  return {
    messageId,
    receiptHandle: `handle-${messageId}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '1795605000000',
      SenderId: 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: '1795605000001',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:ml-pipeline-local-notifications',
    awsRegion: 'us-east-1',
  };
}
