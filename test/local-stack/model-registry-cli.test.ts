/**
 * Issue 18's local-stack acceptance, through the AWS CLI alone (the machine's, v1 or v2; skipped,
 * saying so in jest's summary, without one): a model package group, two versions, their listing,
 * `update-model-package --model-approval-status Approved` and its `SageMaker Model Package State Change`
 * arriving on an EventBridge rule's SQS target; `put-rule --schedule-expression` refusing bad
 * expressions with EventBridge's message, and a schedule rule firing on its queue once the stack's
 * schedule clock is moved forward (POST /_local/events-clock, as a user would with curl).
 */
import { rm } from 'node:fs/promises';
import { AwsCli, describeWithCli } from '../support/aws-cli';
import { rawRequest } from '../support/http';
import { BLAZINGTEXT_IMAGE } from './sagemaker-harness';
import { eventBridgeQueuePolicy, useProviderStack } from '../support/stack';
import { temporaryDirectory } from '../support/temporary-directory';
import { waitFor } from '../support/wait';

interface Summary {
  ModelPackageGroupName: string;
  ModelPackageVersion: number;
  ModelPackageArn: string;
  ModelApprovalStatus: string;
}

interface Received {
  Messages?: Array<{ Body: string; ReceiptHandle: string }>;
}

/** Each CLI call is a python3 process importing botocore (0.5 to 2 s under load); a test makes up to 20. */
const CLI_TEST_TIMEOUT_MS = 120_000;

describeWithCli('Model Registry and schedule rules through the AWS CLI', () => {
  const stack = useProviderStack();
  let home: string;
  let aws: AwsCli;

  beforeAll(() => {
    home = temporaryDirectory('model-registry-cli').dir;
    aws = new AwsCli(() => stack.url, home);
  });
  afterAll(async () => {
    if (home) await rm(home, { recursive: true, force: true });
  });

  async function queueWithArn(name: string): Promise<{ url: string; arn: string }> {
    const { QueueUrl } = await aws.json<{ QueueUrl: string }>('sqs', 'create-queue', '--queue-name', name);
    const { Attributes } = await aws.json<{ Attributes: { QueueArn: string } }>('sqs', 'get-queue-attributes', '--queue-url', QueueUrl, '--attribute-names', 'QueueArn');
    // As on AWS, a rule's target queue needs a policy that lets EventBridge send to it.
    await aws.ok('sqs', 'set-queue-attributes', '--queue-url', QueueUrl, '--attributes', JSON.stringify({ Policy: eventBridgeQueuePolicy(Attributes.QueueArn) }));
    return { url: QueueUrl, arn: Attributes.QueueArn };
  }

  /** Receives from the queue until `count` messages came (bounded), deleting what it read. */
  async function receive(queueUrl: string, count: number): Promise<Array<Record<string, unknown>>> {
    const bodies: Array<Record<string, unknown>> = [];
    await waitFor(`${count} message(s) on ${queueUrl}`, async () => {
      const received = (await aws.ok('sqs', 'receive-message', '--queue-url', queueUrl, '--max-number-of-messages', '10', '--wait-time-seconds', '1')).trim();
      for (const message of received === '' ? [] : ((JSON.parse(received) as Received).Messages ?? [])) {
        bodies.push(JSON.parse(message.Body) as Record<string, unknown>);
        await aws.ok('sqs', 'delete-message', '--queue-url', queueUrl, '--receipt-handle', message.ReceiptHandle);
      }
      return bodies.length >= count;
    }, 30_000, 100);
    return bodies;
  }

  it('registers versions, lists them, and an approval reaches a rule’s SQS target as SageMaker’s state-change event (AWS CLI)', async () => {
    const approvals = await queueWithArn('model-approvals');
    await aws.ok(
      'events',
      'put-rule',
      '--name',
      'model-approved',
      '--event-pattern',
      JSON.stringify({ source: ['aws.sagemaker'], 'detail-type': ['SageMaker Model Package State Change'], detail: { ModelPackageGroupName: ['classifier-local'], ModelApprovalStatus: ['Approved'] } }),
    );
    await aws.ok('events', 'put-targets', '--rule', 'model-approved', '--targets', JSON.stringify([{ Id: 'approvals', Arn: approvals.arn }]));

    const group = await aws.json<{ ModelPackageGroupArn: string }>('sagemaker', 'create-model-package-group', '--model-package-group-name', 'classifier-local', '--model-package-group-description', 'text classifier, local stage');
    expect(group.ModelPackageGroupArn).toBe('arn:aws:sagemaker:us-east-1:000000000000:model-package-group/classifier-local');
    const register = (run: string) =>
      aws.json<{ ModelPackageArn: string }>(
        'sagemaker',
        'create-model-package',
        '--model-package-group-name',
        'classifier-local',
        '--inference-specification',
        JSON.stringify({ Containers: [{ Image: BLAZINGTEXT_IMAGE, ModelDataUrl: `s3://data/models/${run}/output/model.tar.gz` }], SupportedContentTypes: ['application/json'], SupportedResponseMIMETypes: ['application/json'] }),
        '--model-metrics',
        JSON.stringify({ ModelQuality: { Statistics: { ContentType: 'application/json', S3Uri: `s3://data/evaluations/${run}/report.json` } } }),
        '--customer-metadata-properties',
        JSON.stringify({ runId: run }),
      );
    const first = await register('run-1');
    const second = await register('run-2');
    expect([first.ModelPackageArn, second.ModelPackageArn]).toEqual([
      'arn:aws:sagemaker:us-east-1:000000000000:model-package/classifier-local/1',
      'arn:aws:sagemaker:us-east-1:000000000000:model-package/classifier-local/2',
    ]);

    const listed = await aws.json<{ ModelPackageSummaryList: Summary[] }>('sagemaker', 'list-model-packages', '--model-package-group-name', 'classifier-local', '--sort-order', 'Descending');
    expect(listed.ModelPackageSummaryList.map((summary) => [summary.ModelPackageVersion, summary.ModelApprovalStatus])).toEqual([
      [2, 'PendingManualApproval'],
      [1, 'PendingManualApproval'],
    ]);

    await aws.ok('sagemaker', 'update-model-package', '--model-package-arn', second.ModelPackageArn, '--model-approval-status', 'Approved', '--approval-description', 'approved by hand');
    const [event] = await receive(approvals.url, 1);
    expect(event).toMatchObject({
      source: 'aws.sagemaker',
      'detail-type': 'SageMaker Model Package State Change',
      resources: [second.ModelPackageArn],
      detail: {
        ModelPackageGroupName: 'classifier-local',
        ModelPackageVersion: 2,
        ModelPackageArn: second.ModelPackageArn,
        ModelApprovalStatus: 'Approved',
        ApprovalDescription: 'approved by hand',
        CustomerMetadataProperties: { runId: 'run-2' },
        ModelMetrics: { ModelQuality: { Statistics: { S3Uri: 's3://data/evaluations/run-2/report.json' } } },
      },
    });
    const approved = await aws.json<{ ModelPackageSummaryList: Summary[] }>('sagemaker', 'list-model-packages', '--model-package-group-name', 'classifier-local', '--model-approval-status', 'Approved');
    expect(approved.ModelPackageSummaryList.map((summary) => summary.ModelPackageArn)).toEqual([second.ModelPackageArn]);
    const described = await aws.json<{ ModelApprovalStatus: string; ModelPackageVersion: number }>('sagemaker', 'describe-model-package', '--model-package-name', second.ModelPackageArn);
    expect(described).toMatchObject({ ModelApprovalStatus: 'Approved', ModelPackageVersion: 2 });

    const refused = await aws.fails('sagemaker', 'delete-model-package-group', '--model-package-group-name', 'classifier-local');
    expect(refused.stderr).toMatch(/ConflictException/);
    const missing = await aws.fails('sagemaker', 'describe-model-package-group', '--model-package-group-name', 'no-such-group');
    expect(missing.stderr).toContain('ModelPackageGroup arn:aws:sagemaker:us-east-1:000000000000:model-package-group/no-such-group does not exist.');
  }, CLI_TEST_TIMEOUT_MS);

  it('refuses bad schedule expressions with EventBridge’s message, and fires a schedule rule when the stack’s clock moves (AWS CLI)', async () => {
    for (const expression of ['rate(1 days)', 'rate(5 minute)', 'cron(0 3 * * MON *)', 'cron(0 3 ? * MON)']) {
      const refused = await aws.fails('events', 'put-rule', '--name', 'bad-schedule', '--schedule-expression', expression);
      expect(refused.code).toBe(aws.serviceErrorStatus);
      expect(refused.stderr).toContain('An error occurred (ValidationException) when calling the PutRule operation: Parameter ScheduleExpression is not valid.');
    }

    const retrains = await queueWithArn('weekly-retrain');
    const { RuleArn } = await aws.json<{ RuleArn: string }>('events', 'put-rule', '--name', 'weekly-retrain', '--schedule-expression', 'cron(0 3 ? * MON *)');
    await aws.ok('events', 'put-targets', '--rule', 'weekly-retrain', '--targets', JSON.stringify([{ Id: 'retrain', Arn: retrains.arn }]));
    const rule = await aws.json<{ ScheduleExpression: string; State: string }>('events', 'describe-rule', '--name', 'weekly-retrain');
    expect(rule).toMatchObject({ ScheduleExpression: 'cron(0 3 ? * MON *)', State: 'ENABLED' });

    const moved = await rawRequest(stack.url, { method: 'POST', path: '/_local/events-clock', body: JSON.stringify({ days: 7 }), sign: 'local' });
    expect(moved.status).toBe(200);
    expect(JSON.parse(moved.body.toString())).toMatchObject({ fired: { 'weekly-retrain': 1 } });
    const [event] = await receive(retrains.url, 1);
    expect(event).toMatchObject({ source: 'aws.events', 'detail-type': 'Scheduled Event', resources: [RuleArn], detail: {} });
    const firedAt = new Date(String(event!.time));
    expect([firedAt.getUTCDay(), firedAt.getUTCHours(), firedAt.getUTCMinutes()]).toEqual([1, 3, 0]);
  }, CLI_TEST_TIMEOUT_MS);
});
