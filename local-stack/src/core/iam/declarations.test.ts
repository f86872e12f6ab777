/**
 * The providers' IAM declarations name the actions and resource ARNs of AWS's service authorization
 * reference (the examples of issue 11: glue:StartJobRun on job/<name>, events:PutEvents on the bus,
 * SQS actions on the queue ARN, the batch forms as their single actions, sagemaker:CreateTrainingJob
 * on training-job/<name> with iam:PassRole, ses:SendEmail on the identity), for every operation of
 * every provider.
 */
import { CLOUDFORMATION_OPERATIONS } from '../../providers/cloudformation/operations';
import { CLOUDFORMATION_PERMISSIONS } from '../../providers/cloudformation/permissions';
import { ECR_OPERATIONS } from '../../providers/ecr/operations';
import { ECR_PERMISSIONS } from '../../providers/ecr/permissions';
import { EVENTS_OPERATIONS } from '../../providers/events/operations';
import { EVENTS_PERMISSIONS } from '../../providers/events/permissions';
import { GLUE_OPERATIONS } from '../../providers/glue/operations';
import { GLUE_PERMISSIONS } from '../../providers/glue/permissions';
import { LAMBDA_ROUTES } from '../../providers/lambda/operations';
import { LAMBDA_PERMISSIONS } from '../../providers/lambda/permissions';
import { LOGS_OPERATIONS } from '../../providers/logs/operations';
import { LOGS_PERMISSIONS } from '../../providers/logs/permissions';
import { S3_PERMISSIONS } from '../../providers/s3/permissions';
import { SAGEMAKER_OPERATIONS } from '../../providers/sagemaker/provider';
import { INVOKE_ENDPOINT_PERMISSIONS, SAGEMAKER_PERMISSIONS } from '../../providers/sagemaker/permissions';
import { SES_ROUTES } from '../../providers/ses/operations';
import { SES_PERMISSIONS } from '../../providers/ses/permissions';
import { SQS_OPERATIONS } from '../../providers/sqs/operations';
import { SQS_PERMISSIONS } from '../../providers/sqs/permissions';
import { WireInput } from '../../providers/sqs/wire-input';
import { STS_OPERATIONS } from '../../providers/sts/operations';
import { STS_PERMISSIONS } from '../../providers/sts/permissions';
import { routesByOperation, type RestInput } from '../rest-routes';
import type { AwsRequest, AwsRequestHead } from '../types';

const request = { region: 'us-east-1', accountId: '000000000000' } as AwsRequestHead;
const ARN = 'arn:aws:sagemaker:us-east-1:000000000000';

function restInput(parameter: string, body: unknown = undefined): RestInput {
  return { parameter, request: { ...request, body: Buffer.from(body === undefined ? '' : JSON.stringify(body)) } as AwsRequest };
}

describe('IAM declarations', () => {
  it('every operation of every provider declares its permissions', () => {
    const names = (table: object) => Object.keys(table).sort();
    expect(names(SQS_PERMISSIONS)).toEqual(names(SQS_OPERATIONS));
    expect(names(GLUE_PERMISSIONS)).toEqual(names(GLUE_OPERATIONS));
    expect(names(EVENTS_PERMISSIONS)).toEqual(names(EVENTS_OPERATIONS));
    expect(names(SAGEMAKER_PERMISSIONS)).toEqual(names(SAGEMAKER_OPERATIONS));
    expect(names(SES_PERMISSIONS)).toEqual(names(routesByOperation(SES_ROUTES)));
    expect(names(LAMBDA_PERMISSIONS)).toEqual(names(routesByOperation(LAMBDA_ROUTES)));
    expect(names(LOGS_PERMISSIONS)).toEqual(names(LOGS_OPERATIONS));
    expect(names(STS_PERMISSIONS)).toEqual(names(STS_OPERATIONS));
    expect(names(CLOUDFORMATION_PERMISSIONS)).toEqual(names(CLOUDFORMATION_OPERATIONS));
    expect(names(ECR_PERMISSIONS)).toEqual(names(ECR_OPERATIONS));
    // S3_PERMISSIONS is typed by the S3Operation union its routes resolve to: the compiler checks it is complete.
    expect(S3_PERMISSIONS.ListObjectsV2({ bucket: 'b', key: '' }, { ...request, query: new URLSearchParams({ prefix: 'prepared/' }) } as AwsRequest)).toEqual([expect.objectContaining({ action: 's3:ListBucket', resource: 'arn:aws:s3:::b' })]);
  });

  it('SageMaker: training jobs on training-job/<name> (lower case), with AddTags for tags and PassRole for the role', () => {
    const role = 'arn:aws:iam::000000000000:role/TrainingExecutionRole';
    expect(SAGEMAKER_PERMISSIONS.CreateTrainingJob!({ TrainingJobName: 'mlp-local-ABC', RoleArn: role, Tags: [{ Key: 'k', Value: 'v' }] }, request)).toEqual([
      { action: 'sagemaker:CreateTrainingJob', resource: `${ARN}:training-job/mlp-local-abc` },
      { action: 'sagemaker:AddTags', resource: `${ARN}:training-job/mlp-local-abc` },
      { action: 'iam:PassRole', resource: role, context: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
    ]);
    expect(SAGEMAKER_PERMISSIONS.CreateModel!({ ModelName: 'm', ExecutionRoleArn: role }, request)).toEqual([
      { action: 'sagemaker:CreateModel', resource: `${ARN}:model/m` },
      { action: 'iam:PassRole', resource: role, context: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
    ]);
    expect(SAGEMAKER_PERMISSIONS.CreateEndpoint!({ EndpointName: 'e', EndpointConfigName: 'c' }, request)).toEqual([
      { action: 'sagemaker:CreateEndpoint', resource: `${ARN}:endpoint/e` },
      { action: 'sagemaker:CreateEndpoint', resource: `${ARN}:endpoint-config/c` },
    ]);
    expect(INVOKE_ENDPOINT_PERMISSIONS({ EndpointName: 'ml-pipeline-local' }, request)).toEqual([{ action: 'sagemaker:InvokeEndpoint', resource: `${ARN}:endpoint/ml-pipeline-local` }]);
    expect(SAGEMAKER_PERMISSIONS.ListTags!({ ResourceArn: `${ARN}:model/m` }, request)).toEqual([{ action: 'sagemaker:ListTags', resource: `${ARN}:model/m` }]);
    expect(SAGEMAKER_PERMISSIONS.ListModels!({}, request)).toEqual([{ action: 'sagemaker:ListModels', resource: '*' }]);
    expect(SAGEMAKER_PERMISSIONS.CreateModelPackage!({ ModelPackageGroupName: 'ml-pipeline-local-models' }, request)).toEqual([
      { action: 'sagemaker:CreateModelPackage', resource: `${ARN}:model-package-group/ml-pipeline-local-models` },
    ]);
    expect(SAGEMAKER_PERMISSIONS.DescribeModelPackage!({ ModelPackageName: `${ARN}:model-package/ml-pipeline-local-models/3` }, request)).toEqual([
      { action: 'sagemaker:DescribeModelPackage', resource: `${ARN}:model-package/ml-pipeline-local-models/3` },
    ]);
    expect(SAGEMAKER_PERMISSIONS.CreateTransformJob!({ TransformJobName: 'mlp-local-Eval', ModelName: 'mlp-local-m', Tags: [{ Key: 'k', Value: 'v' }] }, request)).toEqual([
      { action: 'sagemaker:CreateTransformJob', resource: `${ARN}:transform-job/mlp-local-eval`, context: { 'sagemaker:ModelArn': `${ARN}:model/mlp-local-m` } },
      { action: 'sagemaker:AddTags', resource: `${ARN}:transform-job/mlp-local-eval` },
    ]);
  });

  it('SES: SendEmail on the From address domain identity, simple or raw', () => {
    const identity = 'arn:aws:ses:us-east-1:000000000000:identity/example.com';
    expect(SES_PERMISSIONS.SendEmail!(restInput('', { FromEmailAddress: 'ML pipeline <ml-pipeline@example.com>', Content: {} }), request)).toEqual([{ action: 'ses:SendEmail', resource: identity }]);
    const raw = Buffer.from('From: a@example.com\r\nSubject: x\r\n\r\nbody').toString('base64');
    expect(SES_PERMISSIONS.SendEmail!(restInput('', { Content: { Raw: { Data: raw } } }), request)).toEqual([{ action: 'ses:SendEmail', resource: identity }]);
    expect(SES_PERMISSIONS.GetEmailIdentity!(restInput('example.com'), request)).toEqual([{ action: 'ses:GetEmailIdentity', resource: identity }]);
  });

  it('Lambda: Invoke is lambda:InvokeFunction on the function, by name or ARN', () => {
    const fn = 'arn:aws:lambda:us-east-1:000000000000:function:ml-pipeline-notification-local-sendNotifications';
    expect(LAMBDA_PERMISSIONS.Invoke!(restInput('ml-pipeline-notification-local-sendNotifications'), request)).toEqual([{ action: 'lambda:InvokeFunction', resource: fn }]);
    expect(LAMBDA_PERMISSIONS.Invoke!(restInput(fn), request)).toEqual([{ action: 'lambda:InvokeFunction', resource: fn }]);
    expect(LAMBDA_PERMISSIONS.GetEventSourceMapping!(restInput('1234'), request)).toEqual([{ action: 'lambda:GetEventSourceMapping', resource: 'arn:aws:lambda:us-east-1:000000000000:event-source-mapping:1234' }]);
  });

  it('CloudWatch Logs: groups as log-group:<group>:log-stream:, streams by name', () => {
    expect(LOGS_PERMISSIONS.PutLogEvents({ logGroupName: '/aws/lambda/f', logStreamName: 's' }, request)).toEqual([
      { action: 'logs:PutLogEvents', resource: 'arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/f:log-stream:s' },
    ]);
    expect(LOGS_PERMISSIONS.CreateLogGroup({ logGroupName: '/aws/lambda/f' }, request)).toEqual([{ action: 'logs:CreateLogGroup', resource: 'arn:aws:logs:us-east-1:000000000000:log-group:/aws/lambda/f:log-stream:' }]);
  });

  it('STS and CloudFormation: GetCallerIdentity needs nothing; stacks on stack/<name>/*', () => {
    expect(STS_PERMISSIONS.GetCallerIdentity!(new URLSearchParams(), request)).toEqual([]);
    expect(STS_PERMISSIONS.GetFederationToken!({ Name: 'bob' }, request)).toEqual([{ action: 'sts:GetFederationToken', resource: 'arn:aws:sts::000000000000:federated-user/bob' }]);
    expect(CLOUDFORMATION_PERMISSIONS.UpdateStack!(new URLSearchParams({ StackName: 'ml-pipeline-training-local' }), request)).toEqual([
      { action: 'cloudformation:UpdateStack', resource: 'arn:aws:cloudformation:us-east-1:000000000000:stack/ml-pipeline-training-local/*' },
    ]);
  });

  it('Glue: job actions on job/<name>', () => {
    expect(GLUE_PERMISSIONS.StartJobRun!({ JobName: 'ml-pipeline-local-preprocess' }, request)).toEqual([{ action: 'glue:StartJobRun', resource: 'arn:aws:glue:us-east-1:000000000000:job/ml-pipeline-local-preprocess' }]);
    expect(GLUE_PERMISSIONS.GetJobs!({}, request)).toEqual([{ action: 'glue:GetJobs', resource: '*' }]);
  });

  it('EventBridge: PutEvents on each bus its entries name, rules under their bus', () => {
    expect(EVENTS_PERMISSIONS.PutEvents!({ Entries: [{ Source: 'a' }, { EventBusName: 'default' }, { EventBusName: 'arn:aws:events:us-east-1:000000000000:event-bus/ml' }] }, request)).toEqual([
      { action: 'events:PutEvents', resource: 'arn:aws:events:us-east-1:000000000000:event-bus/default' },
      { action: 'events:PutEvents', resource: 'arn:aws:events:us-east-1:000000000000:event-bus/ml' },
    ]);
    expect(EVENTS_PERMISSIONS.PutTargets!({ Rule: 'r' }, request)).toEqual([{ action: 'events:PutTargets', resource: 'arn:aws:events:us-east-1:000000000000:rule/r' }]);
    expect(EVENTS_PERMISSIONS.PutRule!({ Name: 'r', EventBusName: 'ml' }, request)).toEqual([{ action: 'events:PutRule', resource: 'arn:aws:events:us-east-1:000000000000:rule/ml/r' }]);
  });

  it('SQS: the queue ARN from the queue URL; SendMessageBatch is sqs:SendMessage', () => {
    const input = new WireInput({ QueueUrl: 'http://127.0.0.1:4566/000000000000/ml-pipeline-local-notifications' }, {});
    expect(SQS_PERMISSIONS.SendMessageBatch!(input, request)).toEqual([{ action: 'sqs:SendMessage', resource: 'arn:aws:sqs:us-east-1:000000000000:ml-pipeline-local-notifications' }]);
    expect(SQS_PERMISSIONS.ListQueues!(new WireInput({}, {}), request)).toEqual([{ action: 'sqs:ListQueues', resource: '*' }]);
  });
});
