/**
 * The CloudFormation engine and its resource layer over in-memory providers: the status life cycle
 * and its events, dependency order and intrinsics, updates in place, replacements and cleanup,
 * rollbacks (a failed update returns the stack to its previous state; a failed create rolls back),
 * "No updates are to be performed", parameters, capabilities, change sets, deletes with Retain, and
 * state across a restart.
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AwsError } from '../../../core/types';
import { ResourceLayer } from '../../../deploy/resources';
import type { DeployTargets, FunctionSpec, RuleSpec } from '../../../deploy/targets';
import { CloudFormationEngine } from './engine';
import type { StackRecord } from './types';
import { deploymentOrder } from './template';

/** Providers as maps, with a log of what was done to them. */
function memoryProviders() {
  const buckets = new Map<string, { objects: Map<string, Buffer>; versioning: boolean }>();
  const queues = new Map<string, Record<string, string>>();
  const functions = new Map<string, FunctionSpec>();
  const rules = new Map<string, RuleSpec>();
  const jobs = new Map<string, unknown>();
  const mappings = new Map<string, string>();
  const logGroups = new Map<string, number | undefined>();
  const packageGroups = new Map<string, unknown>();
  const calls: string[] = [];
  const files = mkdtempSync(path.join(os.tmpdir(), 'cfn-objects-'));
  const targets: DeployTargets = {
    s3: {
      bucketExists: async (name) => buckets.has(name),
      ensureBucket: async (spec) => {
        calls.push(`ensureBucket ${spec.name}`);
        const existing = buckets.get(spec.name);
        buckets.set(spec.name, { objects: existing?.objects ?? new Map(), versioning: spec.versioning });
      },
      deleteBucket: async (name) => {
        calls.push(`deleteBucket ${name}`);
        if ((buckets.get(name)?.objects.size ?? 0) > 0) throw new AwsError('BucketNotEmpty', 'The bucket you tried to delete is not empty', 409);
        buckets.delete(name);
      },
      objectFile: async (bucket, key) => {
        const body = buckets.get(bucket)?.objects.get(key);
        if (!body) throw new AwsError('NoSuchKey', 'The specified key does not exist.', 404);
        const file = path.join(files, `${bucket}-${key.replace(/\//g, '_')}`);
        writeFileSync(file, body);
        return file;
      },
    },
    sqs: {
      queueExists: async (name) => queues.has(name),
      ensureQueue: async (spec) => {
        calls.push(`ensureQueue ${spec.name}`);
        queues.set(spec.name, spec.attributes);
        return { url: `http://local/000000000000/${spec.name}`, arn: `arn:aws:sqs:us-east-1:000000000000:${spec.name}` };
      },
      deleteQueue: async (name) => {
        calls.push(`deleteQueue ${name}`);
        queues.delete(name);
      },
    },
    events: {
      putRule: async (spec) => {
        calls.push(`putRule ${spec.name}`);
        rules.set(spec.name, spec);
      },
      deleteRule: async (name) => {
        calls.push(`deleteRule ${name}`);
        rules.delete(name);
      },
    },
    lambda: {
      functionExists: async (name) => functions.has(name),
      putFunction: async (spec) => {
        calls.push(`putFunction ${spec.name}`);
        functions.set(spec.name, spec);
      },
      deleteFunction: async (name) => {
        calls.push(`deleteFunction ${name}`);
        functions.delete(name);
      },
      putEventInvokeConfig: async (spec) => void calls.push(`putEventInvokeConfig ${spec.functionName}`),
      deleteEventInvokeConfig: async (name) => void calls.push(`deleteEventInvokeConfig ${name}`),
      createEventSourceMapping: async (spec) => {
        const uuid = `uuid-${mappings.size + 1}`;
        mappings.set(uuid, spec.queueArn);
        return uuid;
      },
      deleteEventSourceMapping: async (uuid) => void mappings.delete(uuid),
    },
    logs: {
      logGroupExists: async (name) => logGroups.has(name),
      putLogGroup: async (spec) => {
        calls.push(`putLogGroup ${spec.name} ${spec.retentionInDays ?? 'never expire'}`);
        logGroups.set(spec.name, spec.retentionInDays);
      },
      deleteLogGroup: async (name) => {
        calls.push(`deleteLogGroup ${name}`);
        logGroups.delete(name);
      },
    },
    glue: {
      putJob: async (spec) => {
        calls.push(`putJob ${spec.name}`);
        jobs.set(spec.name, spec);
      },
      deleteJob: async (name) => {
        calls.push(`deleteJob ${name}`);
        jobs.delete(name);
      },
    },
    sagemaker: {
      modelPackageGroupExists: async (name) => packageGroups.has(name),
      putModelPackageGroup: async (spec) => {
        calls.push(`putModelPackageGroup ${spec.name}`);
        packageGroups.set(spec.name, spec.tags);
        return { arn: `arn:aws:sagemaker:us-east-1:000000000000:model-package-group/${spec.name}`, creationTime: 0 };
      },
      deleteModelPackageGroup: async (name) => {
        calls.push(`deleteModelPackageGroup ${name}`);
        packageGroups.delete(name);
      },
    },
  };
  return { targets, buckets, queues, functions, rules, jobs, mappings, logGroups, calls, files };
}

const CAPABILITIES = ['CAPABILITY_IAM'];

/** A small stack in the shape of the services': a bucket, a queue, a role, a function reading them, a rule targeting it. */
function template(overrides: { functionTimeout?: number; queueName?: string; extra?: Record<string, unknown>; withoutRule?: boolean; description?: string } = {}) {
  const resources: Record<string, unknown> = {
    Data: { Type: 'AWS::S3::Bucket', DeletionPolicy: 'Retain', Properties: { BucketName: { 'Fn::Sub': 'data-${AWS::AccountId}-${Stage}' }, VersioningConfiguration: { Status: 'Enabled' } } },
    Work: { Type: 'AWS::SQS::Queue', Properties: { ...(overrides.queueName && { QueueName: overrides.queueName }), VisibilityTimeout: 60 } },
    WorkerRole: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] }, Policies: [{ PolicyName: 'read', PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: { 'Fn::Sub': '${Data.Arn}/*' } }] } }] } },
    Worker: {
      Type: 'AWS::Lambda::Function',
      Properties: {
        FunctionName: { 'Fn::Sub': '${AWS::StackName}-worker' },
        Handler: 'index.handler',
        Runtime: 'nodejs24.x',
        Role: { 'Fn::GetAtt': ['WorkerRole', 'Arn'] },
        Timeout: overrides.functionTimeout ?? 30,
        Code: { ZipFile: 'exports.handler = async () => "ok";' },
        Environment: { Variables: { QUEUE_URL: { Ref: 'Work' }, BUCKET: { Ref: 'Data' }, FLOOR: { Ref: 'Floor' } } },
      },
    },
    ...(!overrides.withoutRule && {
      Trigger: {
        Type: 'AWS::Events::Rule',
        Properties: { Name: 'trigger', EventPattern: { source: ['aws.s3'], detail: { bucket: { name: [{ Ref: 'Data' }] } } }, Targets: [{ Id: 'worker', Arn: { 'Fn::GetAtt': ['Worker', 'Arn'] } }] },
      },
    }),
    ...overrides.extra,
  };
  return JSON.stringify({
    Description: overrides.description ?? 'engine test',
    Parameters: { Stage: { Type: 'String', Default: 'local', AllowedValues: ['local', 'prod'] }, Floor: { Type: 'Number', Default: '0.8', MinValue: 0, MaxValue: 1 } },
    Resources: resources,
    Outputs: { QueueUrl: { Value: { Ref: 'Work' }, Export: { Name: 'work-queue-url' } }, WorkerArn: { Value: { 'Fn::GetAtt': ['Worker', 'Arn'] } } },
  });
}

describe('CloudFormation engine', () => {
  let dir: string;
  let memory: ReturnType<typeof memoryProviders>;
  let engine: CloudFormationEngine;

  const newEngine = () => {
    const resources = new ResourceLayer({ targets: memory.targets, accountId: '000000000000', region: 'us-east-1', inlineCodeDir: path.join(dir, 'inline') });
    const created = new CloudFormationEngine({
      stateDir: dir,
      accountId: '000000000000',
      region: 'us-east-1',
      resources,
      readObject: async (bucket, key) => {
        const body = memory.buckets.get(bucket)?.objects.get(key);
        if (!body) throw new AwsError('NoSuchKey', 'The specified key does not exist.', 404);
        return body;
      },
    });
    created.start();
    return created;
  };

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'cfn-engine-'));
    memory = memoryProviders();
    engine = newEngine();
  });
  afterEach(async () => {
    await engine.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(memory.files, { recursive: true, force: true });
  });

  const statuses = (stack: StackRecord, logicalId = stack.StackName) => stack.events.filter((event) => event.LogicalResourceId === logicalId).map((event) => event.ResourceStatus);
  const create = async (body = template(), parameters: Array<{ ParameterKey: string; ParameterValue?: string }> = []) => {
    const { StackId } = await engine.createStack({ StackName: 'demo', TemplateBody: body, Capabilities: CAPABILITIES, Parameters: parameters });
    return engine.settled(StackId);
  };

  it('creates resources after what they reference, with intrinsics resolved, and answers CREATE_COMPLETE with outputs', async () => {
    const { StackId } = await engine.createStack({ StackName: 'demo', TemplateBody: template(), Capabilities: CAPABILITIES });
    // The call answers at once; the operation runs behind it.
    expect(StackId).toMatch(/^arn:aws:cloudformation:us-east-1:000000000000:stack\/demo\/[0-9a-f-]{36}$/);
    const stack = await engine.settled(StackId);
    expect(stack.StackStatus).toBe('CREATE_COMPLETE');
    expect(statuses(stack)).toEqual(['CREATE_IN_PROGRESS', 'CREATE_COMPLETE']);
    expect(statuses(stack, 'Worker')).toEqual(['CREATE_IN_PROGRESS', 'CREATE_COMPLETE']);
    expect(memory.calls.indexOf('ensureBucket data-000000000000-local')).toBeLessThan(memory.calls.indexOf('putFunction demo-worker'));
    expect(memory.calls.indexOf('putFunction demo-worker')).toBeLessThan(memory.calls.indexOf('putRule trigger'));
    const queueName = stack.resources.Work!.attributes.QueueName!;
    expect(queueName).toMatch(/^demo-Work-[A-Z0-9]{12}$/);
    expect(memory.functions.get('demo-worker')).toMatchObject({
      role: expect.stringMatching(/^arn:aws:iam::000000000000:role\/demo-WorkerRole-[A-Z0-9]{12}$/),
      timeoutSeconds: 30,
      environment: { QUEUE_URL: `http://local/000000000000/${queueName}`, BUCKET: 'data-000000000000-local', FLOOR: '0.8' },
    });
    expect(memory.rules.get('trigger')).toMatchObject({ pattern: { detail: { bucket: { name: ['data-000000000000-local'] } } }, targets: [{ id: 'worker', arn: 'arn:aws:lambda:us-east-1:000000000000:function:demo-worker' }] });
    expect(stack.outputs).toEqual([
      { OutputKey: 'QueueUrl', OutputValue: `http://local/000000000000/${queueName}`, ExportName: 'work-queue-url' },
      { OutputKey: 'WorkerArn', OutputValue: 'arn:aws:lambda:us-east-1:000000000000:function:demo-worker' },
    ]);
    expect(stack.parameters).toEqual({ Stage: 'local', Floor: '0.8' });
    // The roles, their documents resolved, for the IAM enforcement.
    expect(engine.deployedRoles()).toEqual([
      expect.objectContaining({
        stackName: 'demo',
        logicalId: 'WorkerRole',
        policies: [{ policyName: 'read', policyDocument: { Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::data-000000000000-local/*' }] } }],
      }),
    ]);
  });

  it('updates in place what changed, leaves the rest alone, removes what the template dropped, then UPDATE_COMPLETE', async () => {
    const before = structuredClone(await create());
    memory.calls.length = 0;
    await engine.updateStack({ StackName: 'demo', TemplateBody: template({ functionTimeout: 60, withoutRule: true }), Capabilities: CAPABILITIES });
    const stack = await engine.settled('demo');
    expect(stack.StackStatus).toBe('UPDATE_COMPLETE');
    const since = stack.events.slice(before.events.length);
    expect(since.filter((event) => event.ResourceType === 'AWS::CloudFormation::Stack').map((event) => event.ResourceStatus)).toEqual(['UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', 'UPDATE_COMPLETE']);
    expect(since.filter((event) => event.LogicalResourceId === 'Worker').map((event) => event.ResourceStatus)).toEqual(['UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE']);
    expect(since.filter((event) => event.LogicalResourceId === 'Trigger').map((event) => event.ResourceStatus)).toEqual(['DELETE_IN_PROGRESS', 'DELETE_COMPLETE']);
    expect(since.some((event) => ['Data', 'Work', 'WorkerRole'].includes(event.LogicalResourceId))).toBe(false);
    expect(memory.calls).toEqual(['putFunction demo-worker', 'deleteRule trigger']);
    expect(memory.functions.get('demo-worker')!.timeoutSeconds).toBe(60);
    expect(stack.resources.Trigger).toBeUndefined();
  });

  it('creates log groups with their retention, updates it, refuses a group that exists, and deletes them with the stack', async () => {
    const logGroup = (retention?: number) => ({ WorkerLogs: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: { 'Fn::Sub': '/aws/lambda/${AWS::StackName}-worker' }, ...(retention && { RetentionInDays: retention }) } } });
    const created = await create(template({ extra: logGroup(14) }));
    expect(created.StackStatus).toBe('CREATE_COMPLETE');
    expect(memory.logGroups).toEqual(new Map([['/aws/lambda/demo-worker', 14]]));
    expect(created.resources.WorkerLogs!.attributes.Arn).toBe('arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/demo-worker:*');

    await engine.updateStack({ StackName: 'demo', TemplateBody: template({ extra: logGroup() }), Capabilities: CAPABILITIES });
    expect((await engine.settled('demo')).StackStatus).toBe('UPDATE_COMPLETE');
    expect(memory.logGroups.get('/aws/lambda/demo-worker')).toBeUndefined();
    expect(memory.calls).toContain('putLogGroup /aws/lambda/demo-worker never expire');

    memory.logGroups.set('/taken', undefined);
    const { StackId } = await engine.createStack({ StackName: 'other', TemplateBody: JSON.stringify({ Resources: { Taken: { Type: 'AWS::Logs::LogGroup', Properties: { LogGroupName: '/taken' } } } }) });
    const refused = await engine.settled(StackId);
    expect(refused.StackStatus).toBe('ROLLBACK_COMPLETE');
    expect(refused.events.find((event) => event.LogicalResourceId === 'Taken' && event.ResourceStatus === 'CREATE_FAILED')?.ResourceStatusReason).toBe(
      "Resource of type 'AWS::Logs::LogGroup' with identifier '/taken' already exists.",
    );

    await engine.deleteStack({ StackName: 'demo' });
    expect((await engine.settled(created.StackId)).StackStatus).toBe('DELETE_COMPLETE');
    expect(memory.logGroups.has('/aws/lambda/demo-worker')).toBe(false);
  });

  it('answers "No updates are to be performed." for an update that changes nothing', async () => {
    await create();
    await expect(engine.updateStack({ StackName: 'demo', TemplateBody: template(), Capabilities: CAPABILITIES })).rejects.toMatchObject({ code: 'ValidationError', message: 'No updates are to be performed.' });
    // A parameter value is a change, even one no resource reads differently.
    await engine.updateStack({ StackName: 'demo', TemplateBody: template(), Capabilities: CAPABILITIES, Parameters: [{ ParameterKey: 'Floor', ParameterValue: '0.5' }] });
    expect((await engine.settled('demo')).StackStatus).toBe('UPDATE_COMPLETE');
    expect(memory.functions.get('demo-worker')!.environment.FLOOR).toBe('0.5');
  });

  it('replaces a resource whose name changes: the new one first, the old one deleted at cleanup', async () => {
    const before = structuredClone(await create(template({ queueName: 'work-a' })));
    await engine.updateStack({ StackName: 'demo', TemplateBody: template({ queueName: 'work-b' }), Capabilities: CAPABILITIES });
    const stack = await engine.settled('demo');
    expect(stack.StackStatus).toBe('UPDATE_COMPLETE');
    const work = stack.events.slice(before.events.length).filter((event) => event.LogicalResourceId === 'Work');
    expect(work.map((event) => [event.ResourceStatus, event.PhysicalResourceId.split('/').pop()])).toEqual([
      ['UPDATE_IN_PROGRESS', 'work-a'],
      ['UPDATE_COMPLETE', 'work-b'],
      ['DELETE_IN_PROGRESS', 'work-a'],
      ['DELETE_COMPLETE', 'work-a'],
    ]);
    expect(work[0]!.ResourceStatusReason).toBe('Requested update requires the creation of a new physical resource; hence creating one.');
    expect([...memory.queues.keys()]).toEqual(['work-b']);
    // What referenced it follows the new queue.
    expect(memory.functions.get('demo-worker')!.environment.QUEUE_URL).toBe('http://local/000000000000/work-b');
  });

  it('rolls a failed update back to the previous state, naming the resource and the reason in the events', async () => {
    const before = structuredClone(await create());
    await engine.updateStack({
      StackName: 'demo',
      TemplateBody: template({ functionTimeout: 90, extra: { Added: { Type: 'AWS::SQS::Queue', Properties: { QueueName: 'added' } }, ZTable: { Type: 'AWS::DynamoDB::Table', DependsOn: ['Worker', 'Added'], Properties: {} } } }),
      Capabilities: CAPABILITIES,
    });
    const stack = await engine.settled('demo');
    expect(stack.StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
    const since = stack.events.slice(before.events.length);
    expect(since.filter((event) => event.ResourceType === 'AWS::CloudFormation::Stack').map((event) => event.ResourceStatus)).toEqual([
      'UPDATE_IN_PROGRESS',
      'UPDATE_ROLLBACK_IN_PROGRESS',
      'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS',
      'UPDATE_ROLLBACK_COMPLETE',
    ]);
    const failed = since.find((event) => event.ResourceStatus === 'CREATE_FAILED')!;
    expect(failed).toMatchObject({ LogicalResourceId: 'ZTable', ResourceType: 'AWS::DynamoDB::Table', ResourceStatusReason: expect.stringMatching(/^Resource type AWS::DynamoDB::Table is not supported by the local stack \(it creates .*AWS::Lambda::Function/) });
    expect(since.find((event) => event.ResourceStatus === 'UPDATE_ROLLBACK_IN_PROGRESS')!.ResourceStatusReason).toBe('The following resource(s) failed to create: [ZTable]. ');
    // The function's update is undone, the queue the update added is deleted, the template and outputs are the previous ones.
    expect(since.filter((event) => event.LogicalResourceId === 'Worker').map((event) => event.ResourceStatus)).toEqual(['UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE', 'UPDATE_IN_PROGRESS', 'UPDATE_COMPLETE']);
    expect(memory.functions.get('demo-worker')!.timeoutSeconds).toBe(30);
    expect(memory.queues.has('added')).toBe(false);
    expect(Object.keys(stack.resources).sort()).toEqual(Object.keys(before.resources).sort());
    expect(stack.templateBody).toBe(before.templateBody);
    // It can be updated again.
    await engine.updateStack({ StackName: 'demo', TemplateBody: template({ functionTimeout: 45 }), Capabilities: CAPABILITIES });
    expect((await engine.settled('demo')).StackStatus).toBe('UPDATE_COMPLETE');
  });

  it('rolls a failed create back (ROLLBACK_COMPLETE), which can then only be deleted', async () => {
    const stack = await create(template({ extra: { Topic: { Type: 'AWS::SNS::Topic', DependsOn: 'Worker' } } }));
    expect(stack.StackStatus).toBe('ROLLBACK_COMPLETE');
    expect(statuses(stack)).toEqual(['CREATE_IN_PROGRESS', 'ROLLBACK_IN_PROGRESS', 'ROLLBACK_COMPLETE']);
    expect(stack.events.find((event) => event.ResourceStatus === 'ROLLBACK_IN_PROGRESS')!.ResourceStatusReason).toBe('The following resource(s) failed to create: [Topic]. Rollback requested by user.');
    expect(statuses(stack, 'Worker')).toEqual(['CREATE_IN_PROGRESS', 'CREATE_COMPLETE', 'DELETE_IN_PROGRESS', 'DELETE_COMPLETE']);
    // The retained bucket stays; the rest is gone.
    expect(statuses(stack, 'Data')).toEqual(['CREATE_IN_PROGRESS', 'CREATE_COMPLETE', 'DELETE_SKIPPED']);
    expect(memory.functions.size + memory.queues.size + memory.rules.size).toBe(0);
    await expect(engine.updateStack({ StackName: 'demo', TemplateBody: template(), Capabilities: CAPABILITIES })).rejects.toMatchObject({ message: `Stack:${stack.StackId} is in ROLLBACK_COMPLETE state and can not be updated.` });
    await engine.deleteStack({ StackName: 'demo' });
    expect((await engine.settled(stack.StackId)).StackStatus).toBe('DELETE_COMPLETE');
  });

  it('checks parameters and capabilities before it starts, with AWS error codes', async () => {
    const body = template();
    await expect(engine.createStack({ StackName: 'demo', TemplateBody: body })).rejects.toMatchObject({ code: 'InsufficientCapabilitiesException', message: 'Requires capabilities : [CAPABILITY_IAM]' });
    await expect(engine.createStack({ StackName: 'demo', TemplateBody: body, Capabilities: CAPABILITIES, Parameters: [{ ParameterKey: 'Nope', ParameterValue: 'x' }] })).rejects.toMatchObject({ code: 'ValidationError', message: 'Parameters: [Nope] do not exist in the template' });
    await expect(engine.createStack({ StackName: 'demo', TemplateBody: body, Capabilities: CAPABILITIES, Parameters: [{ ParameterKey: 'Stage', ParameterValue: 'dev' }] })).rejects.toMatchObject({ message: "Parameter 'Stage' must be one of AllowedValues" });
    await expect(engine.createStack({ StackName: 'demo', TemplateBody: body, Capabilities: CAPABILITIES, Parameters: [{ ParameterKey: 'Floor', ParameterValue: '2' }] })).rejects.toMatchObject({ message: "Parameter 'Floor' must be a number not greater than 1" });
    const required = JSON.stringify({ Parameters: { Name: { Type: 'String' } }, Resources: { Q: { Type: 'AWS::SQS::Queue', Properties: { QueueName: { Ref: 'Name' } } } } });
    await expect(engine.createStack({ StackName: 'demo', TemplateBody: required })).rejects.toMatchObject({ message: 'Parameters: [Name] must have values' });
    await expect(engine.createStack({ StackName: 'demo', TemplateBody: '{"Resources": {"Q": {"Type": "AWS::SQS::Queue", "Properties": {"X": {"Ref": "Missing"}}}}}' })).rejects.toMatchObject({
      message: 'Template format error: Unresolved resource dependencies [Missing] in the Resources block of the template',
    });
    await expect(engine.createStack({ StackName: 'demo', TemplateBody: 'Resources:\n  Q:\n    Type: AWS::SQS::Queue\n' })).rejects.toMatchObject({ message: expect.stringMatching(/^Template format error: the local stack reads JSON templates only/) });
    expect(engine.describeStacks()).toEqual([]);
    await create();
    await expect(engine.createStack({ StackName: 'demo', TemplateBody: body, Capabilities: CAPABILITIES })).rejects.toMatchObject({ code: 'AlreadyExistsException', message: 'Stack [demo] already exists' });
    expect(() => engine.describeStacks('other')).toThrow(expect.objectContaining({ code: 'ValidationError', message: 'Stack with id other does not exist' }));
  });

  it('lets one of two simultaneous creates, and one of two simultaneous updates, of a stack through', async () => {
    const creates = await Promise.allSettled([0, 1].map(() => engine.createStack({ StackName: 'demo', TemplateBody: template(), Capabilities: CAPABILITIES })));
    expect(creates.map((result) => result.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(creates.find((result) => result.status === 'rejected')).toMatchObject({ reason: { code: 'AlreadyExistsException' } });
    await engine.settled('demo');
    const updates = await Promise.allSettled([45, 50].map((timeout) => engine.updateStack({ StackName: 'demo', TemplateBody: template({ functionTimeout: timeout }), Capabilities: CAPABILITIES })));
    expect(updates.map((result) => result.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(updates.find((result) => result.status === 'rejected')).toMatchObject({ reason: { code: 'ValidationError', message: expect.stringMatching(/is in UPDATE_IN_PROGRESS state and can not be updated/) } });
    expect((await engine.settled('demo')).StackStatus).toBe('UPDATE_COMPLETE');
  });

  it('keeps a parameter with UsePreviousValue, and a later update without it takes the default again', async () => {
    await create(template(), [{ ParameterKey: 'Floor', ParameterValue: '0.5' }]);
    await engine.updateStack({ StackName: 'demo', TemplateBody: template({ functionTimeout: 40 }), Capabilities: CAPABILITIES, Parameters: [{ ParameterKey: 'Floor', UsePreviousValue: true }] });
    expect((await engine.settled('demo')).parameters.Floor).toBe('0.5');
    await engine.updateStack({ StackName: 'demo', TemplateBody: template({ functionTimeout: 40 }), Capabilities: CAPABILITIES });
    expect((await engine.settled('demo')).parameters.Floor).toBe('0.8');
    expect(memory.functions.get('demo-worker')!.environment.FLOOR).toBe('0.8');
  });

  it('runs change sets: CREATE from REVIEW_IN_PROGRESS, an empty UPDATE fails with the reason serverless looks for', async () => {
    const created = await engine.createChangeSet({ StackName: 'demo', ChangeSetName: 'first', ChangeSetType: 'CREATE', TemplateBody: template(), Capabilities: CAPABILITIES });
    expect(engine.describeStacks('demo')[0]!.StackStatus).toBe('REVIEW_IN_PROGRESS');
    const { changeSet } = engine.describeChangeSet('first', 'demo');
    expect(changeSet).toMatchObject({ Status: 'CREATE_COMPLETE', ExecutionStatus: 'AVAILABLE' });
    expect(changeSet.changes.map((change) => `${change.Action} ${change.LogicalResourceId}`).sort()).toEqual(['Add Data', 'Add Trigger', 'Add Work', 'Add Worker', 'Add WorkerRole']);
    await engine.executeChangeSet({ ChangeSetName: created.Id });
    expect((await engine.settled('demo')).StackStatus).toBe('CREATE_COMPLETE');
    expect(() => engine.describeChangeSet('first', 'demo')).toThrow(expect.objectContaining({ code: 'ChangeSetNotFound' }));

    engine.deleteChangeSet('never-created', 'demo');
    await engine.createChangeSet({ StackName: 'demo', ChangeSetName: 'same', TemplateBody: template(), Capabilities: CAPABILITIES });
    expect(engine.describeChangeSet('same', 'demo').changeSet).toMatchObject({ Status: 'FAILED', ExecutionStatus: 'UNAVAILABLE', StatusReason: "The submitted information didn't contain changes. Submit different information to create a change set." });
    await expect(engine.executeChangeSet({ ChangeSetName: 'same', StackName: 'demo' })).rejects.toMatchObject({ code: 'InvalidChangeSetStatus' });

    await engine.createChangeSet({ StackName: 'demo', ChangeSetName: 'longer', TemplateBody: template({ functionTimeout: 120, queueName: 'renamed' }), Capabilities: CAPABILITIES });
    expect(engine.describeChangeSet('longer', 'demo').changeSet.changes).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Action: 'Modify', LogicalResourceId: 'Worker', Replacement: 'False' }),
        expect.objectContaining({ Action: 'Modify', LogicalResourceId: 'Work', Replacement: 'True' }),
      ]),
    );
    await engine.executeChangeSet({ ChangeSetName: 'longer', StackName: 'demo' });
    expect((await engine.settled('demo')).StackStatus).toBe('UPDATE_COMPLETE');
    expect(memory.functions.get('demo-worker')!.timeoutSeconds).toBe(120);
  });

  it('reads TemplateURL from S3 and Lambda code from an S3 object; a missing object fails the function with S3’s error', async () => {
    memory.buckets.set('deploys', { objects: new Map([['t/template.json', Buffer.from(template())]]), versioning: false });
    const withS3Code = JSON.parse(template()) as { Resources: { Worker: { Properties: { Code: unknown } } } };
    withS3Code.Resources.Worker.Properties.Code = { S3Bucket: 'deploys', S3Key: 't/worker.zip' };
    memory.buckets.get('deploys')!.objects.set('t/with-s3-code.json', Buffer.from(JSON.stringify(withS3Code)));
    await engine.createStack({ StackName: 'demo', TemplateURL: 'https://s3.amazonaws.com/deploys/t/template.json', Capabilities: CAPABILITIES });
    expect((await engine.settled('demo')).StackStatus).toBe('CREATE_COMPLETE');
    await engine.updateStack({ StackName: 'demo', TemplateURL: 'https://deploys.s3.us-east-1.amazonaws.com/t/with-s3-code.json', Capabilities: CAPABILITIES });
    const failed = await engine.settled('demo');
    expect(failed.StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(failed.events.find((event) => event.ResourceStatus === 'UPDATE_FAILED')).toMatchObject({
      LogicalResourceId: 'Worker',
      ResourceStatusReason: 'Error occurred while GetObject. S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not exist. (s3://deploys/t/worker.zip)',
    });
    memory.buckets.get('deploys')!.objects.set('t/worker.zip', Buffer.from('PK zip bytes'));
    await engine.updateStack({ StackName: 'demo', TemplateURL: 'https://s3.amazonaws.com/deploys/t/with-s3-code.json', Capabilities: CAPABILITIES });
    expect((await engine.settled('demo')).StackStatus).toBe('UPDATE_COMPLETE');
    expect(memory.functions.get('demo-worker')!.zipFile).toMatch(/deploys-t_worker\.zip$/);
    await expect(engine.validateTemplate({ TemplateURL: 'https://s3.amazonaws.com/deploys/missing.json' })).rejects.toMatchObject({ code: 'ValidationError', message: expect.stringMatching(/^TemplateURL must reference a valid S3 object/) });
  });

  it('deletes in reverse order, skips retained resources, and a deleted stack is known by id only', async () => {
    const stack = await create();
    memory.calls.length = 0;
    await engine.deleteStack({ StackName: 'demo' });
    const deleted = await engine.settled(stack.StackId);
    expect(deleted.StackStatus).toBe('DELETE_COMPLETE');
    expect(memory.calls).toEqual(['deleteRule trigger', 'deleteFunction demo-worker', `deleteQueue ${stack.resources.Work!.attributes.QueueName}`]);
    expect(statuses(deleted, 'Data').slice(-1)).toEqual(['DELETE_SKIPPED']);
    expect(memory.buckets.has('data-000000000000-local')).toBe(true);
    expect(() => engine.describeStacks('demo')).toThrow(/Stack with id demo does not exist/);
    expect(() => engine.stackEvents('demo')).toThrow(/does not exist/);
    expect(engine.describeStacks(stack.StackId)[0]!.StackStatus).toBe('DELETE_COMPLETE');
    await engine.deleteStack({ StackName: 'demo' });
    // The retained bucket exists, so creating the stack again fails on it, as on AWS, and rolls back.
    const again = await create();
    expect(again.StackStatus).toBe('ROLLBACK_COMPLETE');
    expect(again.events.find((event) => event.ResourceStatus === 'CREATE_FAILED')).toMatchObject({ LogicalResourceId: 'Data', ResourceStatusReason: expect.stringMatching(/^data-000000000000-local already exists/) });
  });

  it('keeps its stacks across a restart; an operation a stop interrupted ends failed', async () => {
    const stack = await create();
    await engine.stop();
    engine = newEngine();
    expect(engine.describeStacks('demo')[0]).toMatchObject({ StackId: stack.StackId, StackStatus: 'CREATE_COMPLETE', outputs: stack.outputs });
    // A stack file as a stop in the middle of an update leaves it.
    const interrupted = { ...stack, StackName: 'cut', StackId: stack.StackId.replace('/demo/', '/cut/'), StackStatus: 'UPDATE_IN_PROGRESS' };
    writeFileSync(path.join(dir, 'cloudformation', 'stacks', 'cut.json'), JSON.stringify(interrupted));
    await engine.stop();
    engine = newEngine();
    expect(engine.describeStacks('cut')[0]).toMatchObject({ StackStatus: 'UPDATE_FAILED', StackStatusReason: 'The local stack stopped while this operation ran' });
  });

  it("adopts the stacks of the local stack's earlier deployer and updates their resources in place", async () => {
    mkdirSync(path.join(dir, 'cloudformation'), { recursive: true });
    writeFileSync(
      path.join(dir, 'cloudformation', 'stacks.json'),
      JSON.stringify({ old: { stackName: 'old', service: 'x', deployedAt: '2026-01-01T00:00:00.000Z', resources: { Data: { type: 'AWS::S3::Bucket', physicalId: 'data-000000000000-local', attributes: { Arn: 'arn:aws:s3:::data-000000000000-local' } } }, exports: {} } }),
    );
    memory.buckets.set('data-000000000000-local', { objects: new Map([['kept.csv', Buffer.from('a')]]), versioning: true });
    await engine.stop();
    engine = newEngine();
    expect(engine.describeStacks('old')[0]!.StackStatus).toBe('CREATE_COMPLETE');
    await engine.updateStack({ StackName: 'old', TemplateBody: template(), Capabilities: CAPABILITIES });
    expect((await engine.settled('old')).StackStatus).toBe('UPDATE_COMPLETE');
    expect(memory.buckets.get('data-000000000000-local')!.objects.get('kept.csv')!.toString()).toBe('a');
  });

  it('detects circular references', () => {
    expect(() => deploymentOrder({ A: { Type: 'x', Properties: { v: { Ref: 'B' } } }, B: { Type: 'x', DependsOn: 'A' } })).toThrow('Circular dependency between resources: [A, B]');
  });
});
