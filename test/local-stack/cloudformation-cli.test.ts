/**
 * Issue 10's acceptance test for CloudFormation, through the AWS CLI alone (the one on PATH, or
 * $AWS_CLI), against the local stack with the four services deployed by npm start's path (a
 * temporary state directory, a free port): describe-stacks, describe-stack-events,
 * list-stack-resources and describe-stack-resource show the four stacks complete; a template with a
 * resource the local stack cannot create ends in ROLLBACK_COMPLETE whose events name it; an update
 * that changes nothing, an unknown stack and a bad template answer AWS's errors. Skipped, saying
 * why, without an AWS CLI.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SERVICE_NAMES } from '../../local-stack/src/deploy/templates';
import { AwsCli, describeWithCli } from '../support/aws-cli';
import { ROOT, useDeployedStack } from '../support/stack';
import { waitFor } from '../support/wait';

const STACKS = SERVICE_NAMES.map((service) => `ml-pipeline-${service}-local`);

interface Stack {
  StackName: string;
  StackId: string;
  StackStatus: string;
  StackStatusReason?: string;
  Parameters?: Array<{ ParameterKey: string; ParameterValue: string }>;
  Outputs?: Array<{ OutputKey: string; OutputValue: string }>;
}

interface StackEvent {
  LogicalResourceId: string;
  ResourceType: string;
  ResourceStatus: string;
  ResourceStatusReason?: string;
  PhysicalResourceId?: string;
  Timestamp: string;
}

describeWithCli('CloudFormation through the AWS CLI', () => {
  // The CLI is pointed where stack.json says, as a user of the stack would point it.
  const e2e = useDeployedStack('cloudformation-cli.test.ts');
  let aws: AwsCli;
  beforeAll(() => {
    aws = new AwsCli(() => e2e.info.endpoint, e2e.localDir, 60_000);
  });

  const describeStack = async (name: string) => (await aws.json<{ Stacks: Stack[] }>('cloudformation', 'describe-stacks', '--stack-name', name)).Stacks[0]!;
  const events = async (name: string) => (await aws.json<{ StackEvents: StackEvent[] }>('cloudformation', 'describe-stack-events', '--stack-name', name)).StackEvents;
  const settled = (name: string) => waitFor(`stack ${name} to settle`, async () => {
    const current = await describeStack(name);
    return current.StackStatus.endsWith('_IN_PROGRESS') ? undefined : current;
  }, 30_000, 100);

  // Each CLI call starts Python: seconds apiece on a loaded machine.
  jest.setTimeout(60_000);

  it('describe-stacks lists the four services complete, with their parameters and outputs', async () => {
    const { Stacks } = await aws.json<{ Stacks: Stack[] }>('cloudformation', 'describe-stacks');
    expect(Stacks.map((entry) => entry.StackName).sort()).toEqual([...STACKS].sort());
    for (const entry of Stacks) {
      expect(entry.StackStatus).toMatch(/^(CREATE|UPDATE)_COMPLETE$/);
      expect(entry.StackId).toMatch(new RegExp(`^arn:aws:cloudformation:us-east-1:000000000000:stack/${entry.StackName}/`));
      expect(entry.Outputs?.map((output) => output.OutputKey)).toContain('ServerlessDeploymentBucketName');
    }
    const deployment = Stacks.find((entry) => entry.StackName === 'ml-pipeline-deployment-local')!;
    expect(deployment.Parameters).toEqual(expect.arrayContaining([{ ParameterKey: 'minAccuracy', ParameterValue: '0.8' }, { ParameterKey: 'logLevel', ParameterValue: 'DEBUG' }]));
  });

  it('describe-stack-events tells the stack’s life cycle, newest first, each resource with its status', async () => {
    const list = await events('ml-pipeline-training-local');
    const own = list.filter((event) => event.ResourceType === 'AWS::CloudFormation::Stack').map((event) => event.ResourceStatus);
    // npm start does what serverless deploy does: create with the deployment bucket, then update.
    expect(own).toEqual(['UPDATE_COMPLETE', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'UPDATE_IN_PROGRESS', 'CREATE_COMPLETE', 'CREATE_IN_PROGRESS']);
    // By time, not by text: AWS CLI v2 prints a whole second without a fraction (10:16:30+00:00 beside
    // 10:16:30.012000+00:00), which a string comparison puts out of order.
    expect([...list].sort((a, b) => Date.parse(b.Timestamp) - Date.parse(a.Timestamp))).toEqual(list);
    const fn = list.filter((event) => event.LogicalResourceId === 'StartTrainingLambdaFunction');
    expect(fn.map((event) => event.ResourceStatus)).toEqual(['CREATE_COMPLETE', 'CREATE_IN_PROGRESS']);
    expect(fn[0]).toMatchObject({ ResourceType: 'AWS::Lambda::Function', PhysicalResourceId: 'ml-pipeline-training-local-startTraining' });
  });

  it('list-stack-resources and describe-stack-resource name what each stack created', async () => {
    const { StackResourceSummaries } = await aws.json<{ StackResourceSummaries: Array<{ LogicalResourceId: string; PhysicalResourceId: string; ResourceType: string; ResourceStatus: string }> }>(
      'cloudformation',
      'list-stack-resources',
      '--stack-name',
      'ml-pipeline-notification-local',
    );
    expect(StackResourceSummaries).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ LogicalResourceId: 'NotificationsQueue', ResourceType: 'AWS::SQS::Queue', PhysicalResourceId: `${e2e.info.endpoint}/000000000000/ml-pipeline-local-notifications`, ResourceStatus: 'CREATE_COMPLETE' }),
        expect.objectContaining({ LogicalResourceId: 'SendNotificationsLambdaFunction', PhysicalResourceId: 'ml-pipeline-notification-local-sendNotifications' }),
        expect.objectContaining({ LogicalResourceId: 'PipelineEventsRule', ResourceType: 'AWS::Events::Rule', PhysicalResourceId: 'ml-pipeline-local-notify' }),
      ]),
    );
    const { StackResourceDetail } = await aws.json<{ StackResourceDetail: { PhysicalResourceId: string; ResourceStatus: string } }>(
      'cloudformation',
      'describe-stack-resource',
      '--stack-name',
      'ml-pipeline-ingestion-local',
      '--logical-resource-id',
      'DataBucket',
    );
    expect(StackResourceDetail).toMatchObject({ PhysicalResourceId: e2e.info.dataBucket, ResourceStatus: 'CREATE_COMPLETE' });
    const missing = await aws.fails('cloudformation', 'describe-stack-resource', '--stack-name', 'ml-pipeline-ingestion-local', '--logical-resource-id', 'Nope');
    expect(missing.stderr).toContain('(ValidationError) when calling the DescribeStackResource operation: Resource Nope does not exist for stack ml-pipeline-ingestion-local');
  });

  it('a template with a resource the local stack cannot create rolls back, and the events name it', async () => {
    const template = path.join(e2e.localDir, 'unsupported.json');
    await writeFile(
      template,
      JSON.stringify({
        Resources: {
          Jobs: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'cli-rollback-jobs' } },
          Table: { Type: 'AWS::DynamoDB::Table', DependsOn: 'Jobs', Properties: { AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }], KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }], BillingMode: 'PAY_PER_REQUEST' } },
        },
      }),
    );
    const { StackId } = await aws.json<{ StackId: string }>('cloudformation', 'create-stack', '--stack-name', 'cli-rollback', '--template-body', `file://${template}`);
    expect(StackId).toMatch(/^arn:aws:cloudformation:us-east-1:000000000000:stack\/cli-rollback\//);
    expect((await settled('cli-rollback')).StackStatus).toBe('ROLLBACK_COMPLETE');
    const list = await events('cli-rollback');
    expect(list.find((event) => event.ResourceStatus === 'ROLLBACK_IN_PROGRESS')!.ResourceStatusReason).toBe('The following resource(s) failed to create: [Table]. Rollback requested by user.');
    const failed = list.find((event) => event.ResourceStatus === 'CREATE_FAILED')!;
    expect(failed).toMatchObject({ LogicalResourceId: 'Table', ResourceType: 'AWS::DynamoDB::Table' });
    expect(failed.ResourceStatusReason).toMatch(/^Resource type AWS::DynamoDB::Table is not supported by the local stack/);
    expect(list.filter((event) => event.LogicalResourceId === 'Jobs').map((event) => event.ResourceStatus)).toEqual(['DELETE_COMPLETE', 'DELETE_IN_PROGRESS', 'CREATE_COMPLETE', 'CREATE_IN_PROGRESS']);
    // The CLI prints nothing for no queues.
    expect(await aws.ok('sqs', 'list-queues', '--queue-name-prefix', 'cli-rollback-jobs')).not.toContain('cli-rollback-jobs');
    // A rolled back stack can only be deleted.
    const update = await aws.fails('cloudformation', 'update-stack', '--stack-name', 'cli-rollback', '--template-body', `file://${template}`);
    expect(update.stderr).toContain('is in ROLLBACK_COMPLETE state and can not be updated.');
    await aws.ok('cloudformation', 'delete-stack', '--stack-name', 'cli-rollback');
    await waitFor('cli-rollback to be deleted', async () => (await aws.run('cloudformation', 'describe-stacks', '--stack-name', 'cli-rollback')).code !== 0, 30_000, 100);
    expect((await describeStack(StackId)).StackStatus).toBe('DELETE_COMPLETE');
  });

  it('a rule EventBridge refuses fails the deploy with EventBridge’s reason (the rule goes through PutRule and PutTargets’ validation)', async () => {
    // The reasons are EventBridge's words (real answers recorded in LocalStack's snapshot tests
    // test_events_inputs and test_events_patterns); CloudFormation reports the service's message.
    const target = { Id: 'queue', Arn: 'arn:aws:sqs:us-east-1:000000000000:cli-rule-queue' };
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['cli-rule-inputs', { EventPattern: { source: ['x'] }, Targets: [{ ...target, Input: '{}', InputPath: '$.detail' }] }, 'Only one of Input, InputPath, or InputTransformer must be provided for target queue.'],
      [
        'cli-rule-template',
        { EventPattern: { source: ['x'] }, Targets: [{ ...target, InputTransformer: { InputPathsMap: { id: '$.id' }, InputTemplate: '{"id": <id>, "who": <user>}' } }] },
        'InputTemplate for target queue contains invalid placeholder user.',
      ],
      ['cli-rule-pattern', { EventPattern: { detail: { key: [{ 'anything-but': { prefix: '' } }] } }, Targets: [target] }, 'Event pattern is not valid. Reason: Null prefix/suffix not allowed'],
    ];
    for (const [name, properties, reason] of cases) {
      const template = JSON.stringify({ Resources: { Rule: { Type: 'AWS::Events::Rule', Properties: { Name: name, ...properties } } } });
      await aws.json('cloudformation', 'create-stack', '--stack-name', name, '--template-body', template);
      expect((await settled(name)).StackStatus).toBe('ROLLBACK_COMPLETE');
      const failed = (await events(name)).find((event) => event.ResourceStatus === 'CREATE_FAILED')!;
      expect(failed).toMatchObject({ LogicalResourceId: 'Rule', ResourceType: 'AWS::Events::Rule' });
      expect(failed.ResourceStatusReason).toContain(reason);
      await aws.ok('cloudformation', 'delete-stack', '--stack-name', name);
    }
  });

  it('answers AWS’s errors: no updates, unknown stacks, malformed templates, missing capabilities', async () => {
    const noChange = await aws.fails('cloudformation', 'update-stack', '--stack-name', 'ml-pipeline-training-local', '--use-previous-template', '--capabilities', 'CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM');
    expect(noChange.stderr).toContain('An error occurred (ValidationError) when calling the UpdateStack operation: No updates are to be performed.');
    const unknown = await aws.fails('cloudformation', 'describe-stacks', '--stack-name', 'no-such-stack');
    expect(unknown.stderr).toContain('An error occurred (ValidationError) when calling the DescribeStacks operation: Stack with id no-such-stack does not exist');
    const malformed = await aws.fails('cloudformation', 'validate-template', '--template-body', '{"Resources": {}}');
    expect(malformed.stderr).toContain('Template format error: At least one Resources member must be defined.');
    const role = JSON.stringify({ Resources: { Role: { Type: 'AWS::IAM::Role', Properties: { RoleName: 'named', AssumeRolePolicyDocument: {} } } } });
    const capabilities = await aws.fails('cloudformation', 'create-stack', '--stack-name', 'cli-iam', '--template-body', role);
    expect(capabilities.stderr).toContain('(InsufficientCapabilitiesException) when calling the CreateStack operation: Requires capabilities : [CAPABILITY_NAMED_IAM]');
    const validated = await aws.json<{ Parameters: Array<{ ParameterKey: string; DefaultValue: string }> }>(
      'cloudformation',
      'validate-template',
      '--template-body',
      `file://${path.join(ROOT, 'services', 'deployment', '.serverless', 'cloudformation-template-create-stack.json')}`,
    );
    expect(validated.Parameters).toEqual([]);
  });
});
