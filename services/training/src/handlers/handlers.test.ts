import type { Context } from 'aws-lambda';
import { GetJobRunCommand, GlueClient } from '@aws-sdk/client-glue';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { InvalidEventError } from '@pipeline/shared';
import { handlerEnvironment } from '@pipeline/shared/testing';
import failed from '../../../../test/fixtures/aws-events/glue-job-failed.json';

type Handler = (event: unknown, context: Context) => Promise<unknown>;
let handler: Handler;
const glue = mockClient(GlueClient);
const s3 = mockClient(S3Client);
const eventBridge = mockClient(EventBridgeClient);

const context = handlerEnvironment({
  STAGE: 'test',
  DATA_BUCKET: 'bucket',
  AWS_REGION: 'us-west-2',
  TRAINING_ROLE_ARN: 'arn:aws:iam::123456789012:role/training',
  HYPERPARAMETER_MODE: 'supervised',
});

beforeAll(async () => {
  // imported once the environment is set: the handler reads it when it loads
  ({ handler } = (await import('./start-training')) as unknown as { handler: Handler });
});

describe('startTraining handler', () => {
  it('handles the documented FAILED event of the preprocessing job', async () => {
    const event = structuredClone(failed);
    event.detail.jobName = 'ml-pipeline-test-preprocess';
    glue.on(GetJobRunCommand).resolves({ JobRun: { Id: event.detail.jobRunId, Arguments: { '--run_id': 'r-1' }, ErrorMessage: 'boom' } });
    s3.on(ListObjectsV2Command).resolves({ Contents: [] });
    s3.on(PutObjectCommand).resolves({});
    eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e' }] });

    await expect(handler(event, context)).resolves.toMatchObject({ outcome: 'failure-reported', runId: 'r-1', reason: 'boom' });
  });

  it('fails a malformed event before touching AWS', async () => {
    glue.reset();
    await expect(handler({ ...structuredClone(failed), detail: { state: 'FAILED' } }, context)).rejects.toBeInstanceOf(InvalidEventError);
    expect(glue).not.toHaveReceivedAnyCommand();
  });
});
