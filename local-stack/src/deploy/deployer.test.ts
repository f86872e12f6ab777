import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deploymentOrder, StackDeployer, UnsupportedResourceError } from './deployer';
import type { DeployTargets } from './targets';
import type { PackagedService } from './templates';

function recordingTargets() {
  const calls: Array<[string, unknown]> = [];
  const record = (name: string) => async (spec: unknown) => void calls.push([name, spec]);
  const targets: DeployTargets = {
    s3: { ensureBucket: record('ensureBucket'), putObject: async (bucket, key, body) => void calls.push(['putObject', { bucket, key, body: body.toString() }]) },
    sqs: {
      ensureQueue: async (spec) => {
        calls.push(['ensureQueue', spec]);
        return { url: `http://q/${spec.name}`, arn: `arn:aws:sqs:us-east-1:000000000000:${spec.name}` };
      },
    },
    events: { putRule: record('putRule'), deleteRule: async (name) => void calls.push(['deleteRule', name]) },
    lambda: {
      putFunction: record('putFunction'),
      deleteFunction: async (name) => void calls.push(['deleteFunction', name]),
      putEventInvokeConfig: record('putEventInvokeConfig'),
      putEventSourceMapping: async (spec) => {
        calls.push(['putEventSourceMapping', spec]);
        return 'uuid-1';
      },
      deleteEventSourceMappings: async (name) => void calls.push(['deleteEventSourceMappings', name]),
    },
    glue: { putJob: record('putJob'), deleteJob: async (name) => void calls.push(['deleteJob', name]) },
  };
  return { calls, targets };
}

const service = (resources: PackagedService['template']['Resources']): PackagedService => ({
  name: 'ingestion',
  directory: '/unused',
  stackName: 'ml-pipeline-ingestion-local',
  template: { Resources: resources },
  artifacts: { WorkerLambdaFunction: '/artifacts/worker.zip' },
});

describe('StackDeployer', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'deployer-'));
    writeFileSync(path.join(dir, 'job.py'), 'print("hi")\n');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const resources: PackagedService['template']['Resources'] = {
    Rule: {
      Type: 'AWS::Events::Rule',
      Properties: {
        EventPattern: { source: ['aws.s3'], detail: { bucket: { name: [{ Ref: 'Bucket' }] } } },
        Targets: [{ Id: 'worker', Arn: { 'Fn::GetAtt': ['WorkerLambdaFunction', 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 4 } }],
      },
    },
    WorkerLambdaFunction: {
      Type: 'AWS::Lambda::Function',
      Properties: {
        FunctionName: 'worker',
        Handler: 'index.handler',
        Runtime: 'nodejs24.x',
        Timeout: 30,
        MemorySize: 256,
        Environment: { Variables: { QUEUE_URL: { Ref: 'Queue' }, BUCKET: { Ref: 'Bucket' } } },
      },
    },
    Queue: { Type: 'AWS::SQS::Queue', Properties: { VisibilityTimeout: 60 } },
    Bucket: {
      Type: 'AWS::S3::Bucket',
      Properties: {
        BucketName: { 'Fn::Sub': 'data-${AWS::AccountId}' },
        VersioningConfiguration: { Status: 'Enabled' },
        NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } },
      },
    },
    Job: {
      Type: 'AWS::Glue::Job',
      Metadata: { 'ml-pipeline:script-source': 'job.py' },
      Properties: { Name: 'job', Command: { Name: 'pythonshell', ScriptLocation: { 'Fn::Sub': 's3://${Bucket}/scripts/job.py' } }, ExecutionProperty: { MaxConcurrentRuns: 1 } },
    },
  };

  it('creates resources after what they reference, with intrinsics resolved', async () => {
    const { calls, targets } = recordingTargets();
    const deployer = new StackDeployer({ root: dir, stateDir: dir, accountId: '000000000000', region: 'us-east-1', targets });
    const stack = await deployer.deploy(service(resources));
    const names = calls.map(([name]) => name);
    expect(names.indexOf('ensureBucket')).toBeLessThan(names.indexOf('putRule'));
    expect(names.indexOf('putFunction')).toBeLessThan(names.indexOf('putRule'));
    expect(calls).toContainEqual(['ensureBucket', expect.objectContaining({ name: 'data-000000000000', versioning: true, eventBridge: true })]);
    expect(calls).toContainEqual(['putObject', { bucket: 'data-000000000000', key: 'scripts/job.py', body: 'print("hi")\n' }]);
    const queueName = stack.resources.Queue!.attributes.QueueName!;
    expect(queueName).toMatch(/^ml-pipeline-ingestion-local-Queue-[0-9A-F]{12}$/);
    expect(calls).toContainEqual([
      'putFunction',
      expect.objectContaining({ name: 'worker', zipFile: '/artifacts/worker.zip', environment: { QUEUE_URL: `http://q/${queueName}`, BUCKET: 'data-000000000000' } }),
    ]);
    expect(calls).toContainEqual([
      'putRule',
      expect.objectContaining({
        pattern: { source: ['aws.s3'], detail: { bucket: { name: ['data-000000000000'] } } },
        targets: [expect.objectContaining({ id: 'worker', arn: 'arn:aws:lambda:us-east-1:000000000000:function:worker', retryPolicy: { maximumRetryAttempts: 4, maximumEventAgeInSeconds: undefined } })],
      }),
    ]);
  });

  it('replaces functions, rules and jobs on redeploy, with the same generated names', async () => {
    const { calls, targets } = recordingTargets();
    const deployer = new StackDeployer({ root: dir, stateDir: dir, accountId: '000000000000', region: 'us-east-1', targets });
    const first = await deployer.deploy(service(resources));
    calls.length = 0;
    const second = await new StackDeployer({ root: dir, stateDir: dir, accountId: '000000000000', region: 'us-east-1', targets }).deploy(service(resources));
    const removals = calls.slice(0, 4);
    expect(removals).toEqual(
      expect.arrayContaining([
        ['deleteJob', 'job'],
        ['deleteRule', first.resources.Rule!.physicalId],
        ['deleteEventSourceMappings', 'worker'],
        ['deleteFunction', 'worker'],
      ]),
    );
    expect(calls.slice(4).map(([name]) => name)).not.toContain('deleteFunction');
    expect(second.resources.Queue!.attributes.QueueName).toBe(first.resources.Queue!.attributes.QueueName);
  });

  it('refuses a template with resource types it cannot deploy, naming them, before creating anything', async () => {
    const { calls, targets } = recordingTargets();
    const deployer = new StackDeployer({ root: dir, stateDir: dir, accountId: '000000000000', region: 'us-east-1', targets });
    const deploy = deployer.deploy(service({ ...resources, Table: { Type: 'AWS::DynamoDB::Table' }, Topic: { Type: 'AWS::SNS::Topic' } }));
    await expect(deploy).rejects.toBeInstanceOf(UnsupportedResourceError);
    await expect(deployer.deploy(service({ Topic: { Type: 'AWS::SNS::Topic' } }))).rejects.toThrow(/AWS::SNS::Topic/);
    expect(calls).toEqual([]);
  });

  it('detects circular references', () => {
    expect(() =>
      deploymentOrder({ A: { Type: 'x', Properties: { v: { Ref: 'B' } } }, B: { Type: 'x', DependsOn: 'A' } }),
    ).toThrow(/circular dependency/);
  });
});
