import type { Context } from 'aws-lambda';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { GetJobRunCommand, GetJobRunsCommand, GlueClient } from '@aws-sdk/client-glue';
import { mockClient } from 'aws-sdk-client-mock';
import { InvalidEventError } from '@pipeline/shared';
import { handlerEnvironment } from '@pipeline/shared/testing';
import objectCreated from '../../../../test/fixtures/aws-events/s3-object-created.json';
import succeeded from '../../../../test/fixtures/aws-events/glue-job-succeeded.json';

type Handler = (event: unknown, context: Context) => Promise<unknown>;
let ingestDrop: Handler;
let startFollowUpRun: Handler;
let recheckDrops: Handler;

const context = handlerEnvironment({ STAGE: 'test', DATA_BUCKET: 'example-bucket', RECHECK_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/rechecks' });
const s3 = mockClient(S3Client);
const glue = mockClient(GlueClient);

beforeAll(async () => {
  // imported once the environment is set: the handlers read it when they load
  ({ handler: ingestDrop } = (await import('./ingest-drop')) as unknown as { handler: Handler });
  ({ handler: startFollowUpRun } = (await import('./start-follow-up-run')) as unknown as { handler: Handler });
  ({ handler: recheckDrops } = (await import('./recheck-drops')) as unknown as { handler: Handler });
});
beforeEach(() => {
  s3.reset();
  glue.reset();
});

describe('ingestDrop handler', () => {
  it('handles the documented event for the data bucket', async () => {
    s3.on(ListObjectsV2Command).resolves({ Contents: [] });
    const event = structuredClone(objectCreated);
    event.detail.object.key = 'incoming/IMG_m7fzo3.jpg';
    await expect(ingestDrop(event, context)).resolves.toMatchObject({ outcome: 'vanished' });
  });

  it('fails a malformed event before touching AWS', async () => {
    const event = { ...structuredClone(objectCreated), 'detail-type': 'Object Deleted' };
    await expect(ingestDrop(event, context)).rejects.toBeInstanceOf(InvalidEventError);
    await expect(ingestDrop({ detail: {} }, context)).rejects.toThrow(/malformed event/);
    expect(s3).not.toHaveReceivedAnyCommand();
  });
});

describe('startFollowUpRun handler', () => {
  it('handles the documented event for the preprocessing job', async () => {
    const event = structuredClone(succeeded);
    event.detail.jobName = 'ml-pipeline-test-preprocess';
    glue.on(GetJobRunCommand).resolves({ JobRun: { Id: event.detail.jobRunId, StartedOn: new Date() } });
    glue.on(GetJobRunsCommand).resolves({ JobRuns: [] });
    s3.on(ListObjectsV2Command).resolves({ Contents: [] });
    await expect(startFollowUpRun(event, context)).resolves.toEqual({ outcome: 'up-to-date' });
  });

  it('fails a malformed event before touching AWS', async () => {
    const event = structuredClone(succeeded) as { detail: Partial<typeof succeeded.detail> };
    delete event.detail.jobRunId;
    await expect(startFollowUpRun(event, context)).rejects.toBeInstanceOf(InvalidEventError);
    expect(glue).not.toHaveReceivedAnyCommand();
  });
});

describe('recheckDrops handler', () => {
  it('judges the drop a message names again, and finds it handled already when it is gone', async () => {
    s3.on(ListObjectsV2Command).resolves({ Contents: [] });
    const batch = { Records: [{ messageId: 'm1', body: JSON.stringify({ key: 'incoming/a.csv', runId: '20261125-110500-abcdef' }) }] };
    await expect(recheckDrops(batch, context)).resolves.toEqual({ batchItemFailures: [] });
  });

  it('fails a malformed batch before touching AWS', async () => {
    await expect(recheckDrops({ Records: [] }, context)).rejects.toBeInstanceOf(InvalidEventError);
    expect(s3).not.toHaveReceivedAnyCommand();
  });
});
