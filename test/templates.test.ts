/**
 * Tests on the packaged templates (`npm run package` output): the resources the design needs exist,
 * no IAM statement uses a wildcard action, and the rules route the events AWS documents to the
 * right function, matched with the local stack's own event-pattern matcher.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { dataBucketName, endpointName, glueJobName, modelPackageGroupName, PIPELINE_DETAIL_TYPES, trainingJobName, transformJobName } from '@pipeline/shared';
import { resolveIntrinsics } from '../local-stack/src/deploy/intrinsics';
import { loadPackagedService, SERVICE_NAMES, type CfnResource, type PackagedService } from '../local-stack/src/deploy/templates';
import { matchesPattern } from '../local-stack/src/providers/events/model/pattern';

const root = path.resolve(__dirname, '..');
const stage = 'local';
const accountId = '123456789012';
const region = 'us-east-1';
const services = Object.fromEntries(SERVICE_NAMES.map((name) => [name, loadPackagedService(root, name)]));

function resolved(service: PackagedService, value: unknown): unknown {
  return resolveIntrinsics(value, {
    accountId,
    region,
    stackName: service.stackName,
    refResource: (id) => id,
    getAtt: (id, attribute) => `${id}.${attribute}`,
  });
}

function resourcesOf(type: string): Array<{ service: PackagedService; id: string; resource: CfnResource }> {
  return Object.values(services).flatMap((service) =>
    Object.entries(service.template.Resources)
      .filter(([, resource]) => resource.Type === type)
      .map(([id, resource]) => ({ service, id, resource })),
  );
}

interface Route {
  service: string;
  target: string;
}

/** Every (service, target logical id) whose rule matches the event. */
function routesOf(event: Record<string, unknown>): Route[] {
  return resourcesOf('AWS::Events::Rule').flatMap(({ service, resource }) => {
    const properties = resolved(service, resource.Properties) as {
      EventPattern?: Record<string, unknown> | string;
      State?: string;
      Targets: Array<{ Arn: string }>;
    };
    // A schedule rule (retrainSchedule) matches no event: EventBridge sends it its Scheduled Event.
    if (properties.EventPattern === undefined) return [];
    const pattern = typeof properties.EventPattern === 'string' ? JSON.parse(properties.EventPattern) : properties.EventPattern;
    if (properties.State === 'DISABLED' || !matchesPattern(pattern, event)) return [];
    return properties.Targets.map((target) => ({ service: service.name, target: target.Arn.split('.')[0]! }));
  });
}

function fixture(name: string, adapt: (event: { detail: Record<string, unknown> } & Record<string, unknown>) => void) {
  const event = JSON.parse(readFileSync(path.join(root, 'test/fixtures/aws-events', `${name}.json`), 'utf8'));
  event.account = accountId;
  event.region = region;
  adapt(event);
  return event as Record<string, unknown>;
}

const bucket = dataBucketName(stage, accountId, region);
const runId = '20261125-110409-a1b2c3';

describe('packaged templates', () => {
  it('have no IAM statement with a wildcard action', () => {
    const statements = [...resourcesOf('AWS::IAM::Role'), ...resourcesOf('AWS::IAM::Policy'), ...resourcesOf('AWS::IAM::ManagedPolicy')].flatMap(({ id, resource }) => {
      const properties = resource.Properties as {
        Policies?: Array<{ PolicyDocument: { Statement: unknown[] } }>;
        PolicyDocument?: { Statement: unknown[] };
      };
      const documents = [...(properties.Policies ?? []).map((p) => p.PolicyDocument), ...(properties.PolicyDocument ? [properties.PolicyDocument] : [])];
      return documents.flatMap((document) => document.Statement.map((statement) => ({ id, statement: statement as { Action: string | string[] } })));
    });
    expect(statements.length).toBeGreaterThan(0);
    const wildcards = statements.filter(({ statement }) => [statement.Action].flat().some((action) => action.includes('*')));
    expect(wildcards).toEqual([]);
  });

  it('give every function a role of its own and an artifact of at most 1 MiB', () => {
    const functions = resourcesOf('AWS::Lambda::Function');
    expect(functions.map(({ id }) => id).sort()).toEqual(
      [
        'DeployApprovedModelLambdaFunction',
        'EvaluateModelLambdaFunction',
        'IngestDropLambdaFunction',
        'RecheckDropsLambdaFunction',
        'ReportEndpointStateLambdaFunction',
        'SendNotificationsLambdaFunction',
        'StartEvaluationLambdaFunction',
        'StartFollowUpRunLambdaFunction',
        'StartRequestedRunLambdaFunction',
        'StartTrainingLambdaFunction',
      ],
    );
    const roles = functions.map(({ service, resource }) => `${service.name}/${JSON.stringify(resource.Properties?.Role)}`);
    expect(new Set(roles).size).toBe(functions.length);
    for (const { service, id } of functions) {
      const artifact = service.artifacts[id];
      expect(artifact).toBeDefined();
      expect(statSync(artifact!).size).toBeLessThanOrEqual(1024 * 1024);
    }
  });

  it('give the data bucket EventBridge notifications, versioning, encryption and no public access', () => {
    const buckets = resourcesOf('AWS::S3::Bucket').filter(({ service }) => service.name === 'ingestion');
    const data = buckets.find(({ service, resource }) => resolved(service, resource.Properties?.BucketName) === bucket);
    expect(data).toBeDefined();
    const properties = data!.resource.Properties as Record<string, Record<string, unknown>>;
    expect(properties.NotificationConfiguration).toMatchObject({ EventBridgeConfiguration: { EventBridgeEnabled: true } });
    expect(properties.VersioningConfiguration).toMatchObject({ Status: 'Enabled' });
    expect(properties.BucketEncryption).toBeDefined();
    expect(properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    const policies = resourcesOf('AWS::S3::BucketPolicy').map(({ service, resource }) => JSON.stringify(resolved(service, resource.Properties)));
    expect(policies.some((policy) => policy.includes('aws:SecureTransport') && policy.includes('"Deny"'))).toBe(true);
  });

  it('ship every module of the Glue script beside it and name each in --extra-py-files', () => {
    const [job] = resourcesOf('AWS::Glue::Job');
    const metadata = job!.resource.Metadata as Record<string, string | string[]>;
    const modules = metadata['ml-pipeline:extra-py-files-source'] as string[];
    const shipped = readdirSync(path.join(root, 'glue_scripts')).filter((file) => /^preprocess_\w+\.py$/.test(file));
    expect(modules.map((module) => path.basename(module)).sort()).toEqual(shipped.sort());
    for (const file of [metadata['ml-pipeline:script-source'] as string, ...modules]) expect(existsSync(path.join(root, file))).toBe(true);
    const properties = resolved(job!.service, job!.resource.Properties) as { Command: { ScriptLocation: string }; DefaultArguments: Record<string, string> };
    const folder = properties.Command.ScriptLocation.replace(/[^/]*$/, '');
    expect(properties.Command.ScriptLocation).toBe(`s3://${bucket}/glue-scripts/preprocess.py`);
    expect(properties.DefaultArguments['--extra-py-files']).toBe(modules.map((module) => `${folder}${path.basename(module)}`).join(','));
  });

  it('define the Glue job with one concurrent run and the notification queue with a dead-letter queue', () => {
    const jobs = resourcesOf('AWS::Glue::Job').map(({ service, resource }) => resolved(service, resource.Properties) as Record<string, unknown>);
    expect(jobs).toEqual([expect.objectContaining({ Name: glueJobName(stage), ExecutionProperty: { MaxConcurrentRuns: 1 } })]);
    const queues = resourcesOf('AWS::SQS::Queue').filter(({ service }) => service.name === 'notification');
    expect(queues.some(({ resource }) => resource.Properties?.RedrivePolicy !== undefined)).toBe(true);
  });

  it('route the S3 Object Created event for incoming/ to ingestion only', () => {
    const event = fixture('s3-object-created', (e) => {
      e.resources = [`arn:aws:s3:::${bucket}`];
      (e.detail.bucket as { name: string }).name = bucket;
      (e.detail.object as { key: string }).key = 'incoming/batch-1.csv';
    });
    expect(routesOf(event)).toEqual([{ service: 'ingestion', target: expect.stringMatching(/^IngestDrop/) }]);
    (event.detail as { object: { key: string } }).object.key = 'labeled/batch-1.csv';
    expect(routesOf(event)).toEqual([]);
  });

  it.each(['glue-job-succeeded', 'glue-job-failed', 'glue-job-timeout'])('route %s to training and to the follow-up run of ingestion', (name) => {
    const event = fixture(name, (e) => {
      e.detail.jobName = glueJobName(stage);
    });
    const routes = routesOf(event);
    expect(routes).toEqual(
      expect.arrayContaining([
        { service: 'training', target: expect.stringMatching(/^StartTraining/) },
        { service: 'ingestion', target: expect.stringMatching(/^StartFollowUpRun/) },
      ]),
    );
    expect(routes).toHaveLength(2);
    (event.detail as { jobName: string }).jobName = 'someone-elses-job';
    expect(routesOf(event)).toEqual([]);
  });

  it.each(['training-job-completed', 'training-job-failed', 'training-job-stopped'])('route %s of a pipeline job to deployment', (name) => {
    const event = fixture(name, (e) => {
      e.detail.TrainingJobName = trainingJobName(stage, runId);
    });
    expect(routesOf(event)).toEqual([{ service: 'deployment', target: expect.stringMatching(/^StartEvaluation/) }]);
    (event.detail as { TrainingJobName: string }).TrainingJobName = 'unrelated-job';
    expect(routesOf(event)).toEqual([]);
  });

  it.each(['Completed', 'Failed', 'Stopped', 'InProgress'])('routes a %s transform job of a run evaluation to deployment, when it has ended', (status) => {
    const event = fixture('transform-job-completed', (e) => {
      e.detail.TransformJobName = transformJobName(stage, runId, 'challenger');
      e.detail.TransformJobStatus = status;
    });
    expect(routesOf(event)).toEqual(status === 'InProgress' ? [] : [{ service: 'deployment', target: expect.stringMatching(/^EvaluateModel/) }]);
    (event.detail as { TransformJobName: string }).TransformJobName = 'someone-elses-transform';
    expect(routesOf(event)).toEqual([]);
  });

  it.each(['endpoint-in-service', 'endpoint-failed'])('routes %s of the pipeline endpoint to deployment', (name) => {
    const event = fixture(name, (e) => {
      e.detail.EndpointName = endpointName(stage);
    });
    expect(routesOf(event)).toEqual([{ service: 'deployment', target: expect.stringMatching(/^ReportEndpointState/) }]);
  });

  it.each(['Approved', 'PendingManualApproval', 'Rejected'])("routes a version of the stage's registry group becoming %s to deployment when Approved", (status) => {
    const event = fixture('model-package-state-change', (e) => {
      e.detail.ModelPackageGroupName = modelPackageGroupName(stage);
      e.detail.ModelApprovalStatus = status;
    });
    expect(routesOf(event)).toEqual(status === 'Approved' ? [{ service: 'deployment', target: expect.stringMatching(/^DeployApprovedModel/) }] : []);
    (event.detail as { ModelPackageGroupName: string }).ModelPackageGroupName = 'someone-elses-models';
    expect(routesOf(event)).toEqual([]);
  });

  it('route Retrain Requested of the stage to ingestion, and give the retrainSchedule rule its condition (none: no rule)', () => {
    const event = { version: '0', id: 'e1', 'detail-type': 'Retrain Requested', source: 'ml-pipeline.operator', account: accountId, time: '2026-12-07T03:00:00Z', region, resources: [], detail: { stage } };
    expect(routesOf(event)).toEqual([{ service: 'ingestion', target: expect.stringMatching(/^StartRequestedRun/) }]);
    expect(routesOf({ ...event, detail: { stage: 'prod' } })).toEqual([]);
    expect(routesOf({ ...event, source: 'someone.else' })).toEqual([]);
    const [schedule] = resourcesOf('AWS::Events::Rule').filter(({ id }) => id === 'RetrainScheduleRule');
    expect(schedule?.resource).toMatchObject({ Condition: 'HasRetrainSchedule', Properties: { ScheduleExpression: { Ref: 'retrainSchedule' } } });
  });

  it('list exactly the pipeline events of shared/src/events.ts in the notification rule', () => {
    const rules = resourcesOf('AWS::Events::Rule').filter(({ id }) => id === 'PipelineEventsRule');
    expect(rules).toHaveLength(1);
    const { EventPattern } = rules[0]!.resource.Properties as { EventPattern: { 'detail-type': string[] } };
    // A pipeline event added to PIPELINE_EVENTS must be added to services/notification/serverless.yml too (and vice versa).
    expect([...EventPattern['detail-type']].sort()).toEqual([...PIPELINE_DETAIL_TYPES].sort());
  });

  it.each(PIPELINE_DETAIL_TYPES)('routes %s to the notification queue', (detailType) => {
    const event = {
      version: '0',
      id: 'e1',
      'detail-type': detailType,
      source: 'ml-pipeline.deployment',
      account: accountId,
      time: '2026-11-25T11:04:09Z',
      region,
      resources: [],
      detail: { runId, stage },
    };
    expect(routesOf(event)).toEqual([{ service: 'notification', target: expect.any(String) }]);
  });
});
