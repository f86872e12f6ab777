import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DescribeEndpointCommand, DescribeTrainingJobCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { InvalidEventError } from '@pipeline/shared';
import { handlerEnvironment } from '@pipeline/shared/testing';
import { config, fixture } from '../testing';

const context = handlerEnvironment({
  STAGE: config.stage,
  AWS_REGION: config.region,
  DATA_BUCKET: config.dataBucket,
  MODEL_EXECUTION_ROLE_ARN: config.modelExecutionRoleArn,
});
const sagemaker = mockClient(SageMakerClient);
const eventBridge = mockClient(EventBridgeClient);
const job = 'mlp-local-20261125-110409-a1b2c3';

beforeEach(() => {
  sagemaker.reset();
  eventBridge.reset();
  eventBridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e' }] });
});

describe('startEvaluation handler', () => {
  it('takes the documented Failed event and reports it', async () => {
    const { handler } = await import('./start-evaluation');
    const event = fixture<{ detail: Record<string, unknown> }>('training-job-failed');
    event.detail.TrainingJobName = job;
    sagemaker.on(DescribeTrainingJobCommand).resolves({ TrainingJobName: job, TrainingJobStatus: 'Failed', FailureReason: 'boom' });

    await expect(handler(event as never, context)).resolves.toEqual({ outcome: 'training-failed' });
    expect(eventBridge).toHaveReceivedCommandTimes(PutEventsCommand, 1);
  });

  it('refuses a malformed event before calling AWS', async () => {
    const { handler } = await import('./start-evaluation');
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

describe('deployApprovedModel handler', () => {
  it('ignores an approval of another group without deploying', async () => {
    const { handler } = await import('./deploy-approved-model');
    const event = {
      version: '0',
      id: 'e-1',
      'detail-type': 'SageMaker Model Package State Change',
      source: 'aws.sagemaker',
      account: '123456789012',
      time: '2026-11-25T12:00:00Z',
      region: 'us-east-1',
      resources: [],
      detail: { ModelPackageGroupName: 'other', ModelPackageArn: 'arn:aws:sagemaker:us-east-1:123456789012:model-package/other/1', ModelApprovalStatus: 'Approved' },
    };
    await expect(handler(event as never, context)).resolves.toMatchObject({ outcome: 'ignored' });
    expect(sagemaker.calls()).toHaveLength(0);
  });

  it('refuses a malformed event before calling AWS', async () => {
    const { handler } = await import('./deploy-approved-model');
    await expect(handler({ 'detail-type': 'SageMaker Model Package State Change', detail: {} } as never, context)).rejects.toThrow(InvalidEventError);
    expect(sagemaker.calls()).toHaveLength(0);
  });
});
