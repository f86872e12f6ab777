/** Helpers for this service's unit tests. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { SQSRecord } from 'aws-lambda';
import { detailTypeSlug, pipelineEventEnvelope, type PipelineDetailType, type PipelineEventEnvelope } from '@pipeline/shared';

/** The sample event of each pipeline event: test/fixtures/aws-events/pipeline-<slug>.json (`pipeline-model-deployed.json`). */
export const sampleFile = (detailType: PipelineDetailType): string =>
  path.resolve(__dirname, '../../../test/fixtures/aws-events', `pipeline-${detailTypeSlug(detailType)}.json`);

/** A sample pipeline event from test/fixtures/aws-events, as raw JSON. */
export function sampleJson(detailType: PipelineDetailType): Record<string, unknown> {
  return JSON.parse(readFileSync(sampleFile(detailType), 'utf8')) as Record<string, unknown>;
}

export const sample = (detailType: PipelineDetailType): PipelineEventEnvelope => pipelineEventEnvelope.parse(sampleJson(detailType));

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
