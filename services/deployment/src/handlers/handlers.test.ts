import type { Context } from 'aws-lambda';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DescribeEndpointCommand, DescribeTrainingJobCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { InvalidEventError } from '@pipeline/shared';
import { fixture } from '../testing';

Object.assign(process.env, {
  STAGE: 'local',
  AWS_REGION: 'us-east-1',
  DATA_BUCKET: 'ml-pipeline-local-data-123456789012-us-east-1',
  MODEL_EXECUTION_ROLE_ARN: 'arn:aws:iam::123456789012:role/model-execution',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
});

const sagemaker = mockClient(SageMakerClient);
const events = mockClient(EventBridgeClient);
const context = { functionName: 'fn', awsRequestId: 'req-1' } as Context;
const job = 'mlp-local-20261125-110409-a1b2c3';

beforeEach(() => {
  sagemaker.reset();
  events.reset();
  events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e' }] });
});

describe('deployModel handler', () => {
  it('takes the documented Failed event and reports it', async () => {
    const { handler } = await import('./deploy-model');
    const event = fixture<{ detail: Record<string, unknown> }>('training-job-failed');
    event.detail.TrainingJobName = job;
    sagemaker.on(DescribeTrainingJobCommand).resolves({ TrainingJobName: job, TrainingJobStatus: 'Failed', FailureReason: 'boom' });

    await expect(handler(event as never, context)).resolves.toEqual({ outcome: 'training-failed' });
    expect(events).toHaveReceivedCommandTimes(PutEventsCommand, 1);
  });

  it('refuses a malformed event before calling AWS', async () => {
    const { handler } = await import('./deploy-model');
    const event = fixture<{ detail: Record<string, unknown> }>('training-job-completed');
    delete event.detail.TrainingJobName;

    await expect(handler(event as never, context)).rejects.toThrow(InvalidEventError);
    await expect(handler({ hello: 'world' } as never, context)).rejects.toThrow(/malformed event/);
    expect(sagemaker.calls()).toHaveLength(0);
  });
});

describe('reportEndpointState handler', () => {
  it('takes the documented FAILED event and reports it', async () => {
    const { handler } = await import('./report-endpoint-state');
    const event = fixture<{ time: string; detail: Record<string, unknown> }>('endpoint-failed');
    event.detail.EndpointName = 'ml-pipeline-local';
    event.detail.EndpointConfigName = job;
    event.time = '2026-11-25T11:30:00Z'; // the documented sample has epoch milliseconds here
    sagemaker.on(DescribeEndpointCommand).resolves({ EndpointName: 'ml-pipeline-local', EndpointStatus: 'Failed', FailureReason: 'ping failed' });

    await expect(handler(event as never, context)).resolves.toEqual({ outcome: 'failed', runId: '20261125-110409-a1b2c3' });
  });

  it('refuses a malformed event before calling AWS', async () => {
    const { handler } = await import('./report-endpoint-state');
    const event = fixture<{ detail: Record<string, unknown> }>('endpoint-in-service');
    await expect(handler({ ...event, time: '2026-11-25T11:30:00Z', detail: { EndpointName: 'ml-pipeline-local' } } as never, context)).rejects.toThrow(
      InvalidEventError,
    );
    expect(sagemaker.calls()).toHaveLength(0);
  });
});
