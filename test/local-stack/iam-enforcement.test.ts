/**
 * IAM enforced from a deployed template (`enforceIam`, LOCAL_STACK_ENFORCE_IAM=1): a role's session may do what
 * the role's policy allows and is refused the rest with AWS's AccessDenied and message, in both of
 * SQS's protocols; the account root (the documented local keys) may do everything.
 */
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { CreateEndpointCommand, CreateEndpointConfigCommand, CreateModelCommand, CreateTrainingJobCommand, CreateTransformJobCommand, DescribeTransformJobCommand, type CreateTrainingJobCommandInput, type DescribeEndpointCommandOutput, DescribeEndpointCommand } from '@aws-sdk/client-sagemaker';
import { CopyObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetQueueUrlCommand, PurgeQueueCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { AwsCli, itWithCli } from '../support/aws-cli';
import { rawRequest } from '../support/http';
import { clientsOf, useProviderStack } from '../support/stack';
import { temporaryDirectory } from '../support/temporary-directory';
import { waitFor } from '../support/wait';
import { BLAZINGTEXT_IMAGE, waitForTrainingJob } from './sagemaker-harness';

const ACCOUNT = '000000000000';
const ROLE = 'iam-test-sender';
const QUEUE = 'iam-test-queue';
const BUCKET = 'iam-test-data';

const TEMPLATE = {
  AWSTemplateFormatVersion: '2010-09-09',
  Resources: {
    Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: QUEUE } },
    // Two rules deliver to the queue; its policy lets EventBridge send for the first only.
    Allowed: {
      Type: 'AWS::Events::Rule',
      Properties: { Name: 'iam-test-allowed', EventPattern: { source: ['iam.test'], 'detail-type': ['allowed'] }, Targets: [{ Id: 'queue', Arn: { 'Fn::GetAtt': ['Queue', 'Arn'] } }] },
    },
    NotInPolicy: {
      Type: 'AWS::Events::Rule',
      Properties: { Name: 'iam-test-not-in-policy', EventPattern: { source: ['iam.test'], 'detail-type': ['refused'] }, Targets: [{ Id: 'queue', Arn: { 'Fn::GetAtt': ['Queue', 'Arn'] } }] },
    },
    QueuePolicy: {
      Type: 'AWS::SQS::QueuePolicy',
      Properties: {
        Queues: [{ Ref: 'Queue' }],
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: { 'Fn::GetAtt': ['Queue', 'Arn'] }, Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': ['Allowed', 'Arn'] } } } },
          ],
        },
      },
    },
    Data: { Type: 'AWS::S3::Bucket', Properties: { BucketName: BUCKET } },
    Reader: {
      Type: 'AWS::IAM::Role',
      Properties: {
        RoleName: 'iam-test-reader',
        AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: { 'Fn::Sub': '${AWS::AccountId}' } }, Action: 'sts:AssumeRole' }] },
        Policies: [
          {
            PolicyName: 'read-prepared',
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: [
                { Effect: 'Allow', Action: 's3:ListBucket', Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${Data}' }, Condition: { StringLike: { 's3:prefix': ['prepared/*'] } } },
                { Effect: 'Allow', Action: 's3:GetObject', Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${Data}/prepared/*' } },
                { Effect: 'Allow', Action: 's3:PutObject', Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${Data}/models/*' } },
              ],
            },
          },
        ],
      },
    },
    LambdaOnly: {
      Type: 'AWS::IAM::Role',
      Properties: {
        RoleName: 'iam-test-function',
        AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: ['lambda.amazonaws.com'] }, Action: 'sts:AssumeRole' }] },
        Policies: [{ PolicyName: 'receive', PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sqs:ReceiveMessage', Resource: { 'Fn::GetAtt': ['Queue', 'Arn'] } }] } }],
      },
    },
    // Answers with the credentials Lambda gave it: the test signs with them as the function would.
    WhoAmI: {
      Type: 'AWS::Lambda::Function',
      Properties: {
        FunctionName: 'iam-test-whoami',
        Runtime: 'nodejs20.x',
        Handler: 'index.handler',
        Role: { 'Fn::GetAtt': ['LambdaOnly', 'Arn'] },
        Code: {
          ZipFile:
            'exports.handler = async () => ({ accessKeyId: process.env.AWS_ACCESS_KEY_ID, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY, sessionToken: process.env.AWS_SESSION_TOKEN });',
        },
      },
    },
    // SageMaker's role for training: reads prepared/allowed/ only, writes models/.
    Trainer: {
      Type: 'AWS::IAM::Role',
      Properties: {
        RoleName: 'iam-test-trainer',
        AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'sagemaker.amazonaws.com' }, Action: 'sts:AssumeRole' }] },
        Policies: [
          {
            PolicyName: 'train',
            PolicyDocument: {
              Version: '2012-10-17',
              Statement: [
                { Effect: 'Allow', Action: 's3:ListBucket', Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${Data}' }, Condition: { StringLike: { 's3:prefix': ['prepared/*'] } } },
                { Effect: 'Allow', Action: 's3:GetObject', Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${Data}/prepared/allowed/*' } },
                { Effect: 'Allow', Action: 's3:PutObject', Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${Data}/models/*' } },
              ],
            },
          },
        ],
      },
    },
    Sender: {
      Type: 'AWS::IAM::Role',
      Properties: {
        RoleName: ROLE,
        AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: { 'Fn::Sub': 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root' } }, Action: 'sts:AssumeRole' }] },
        Policies: [
          {
            PolicyName: 'send-only',
            PolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['sqs:SendMessage', 'sqs:GetQueueUrl'], Resource: { 'Fn::GetAtt': ['Queue', 'Arn'] } }] },
          },
        ],
      },
    },
  },
};

describe('IAM enforced from the templates', () => {
  const stack = useProviderStack({ enforceIam: true });
  const { events, lambda, sqs, sts } = clientsOf(stack);
  let asRole: SQSClient;
  let roleCredentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string };

  beforeAll(async () => {
    const engine = stack.providers.cloudformation.engine;
    await engine.createStack({ StackName: 'iam-test', TemplateBody: JSON.stringify(TEMPLATE), Capabilities: ['CAPABILITY_NAMED_IAM'] });
    const settled = await engine.settled('iam-test');
    expect(settled.StackStatus).toBe('CREATE_COMPLETE');
    const assumed = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/${ROLE}`, RoleSessionName: 'try-it' }));
    roleCredentials = { accessKeyId: assumed.Credentials!.AccessKeyId!, secretAccessKey: assumed.Credentials!.SecretAccessKey!, sessionToken: assumed.Credentials!.SessionToken! };
    asRole = new SQSClient({ ...stack.clientConfig, credentials: roleCredentials });
  });

  afterAll(() => asRole?.destroy());

  it('lets the role session do what its policy allows', async () => {
    const { QueueUrl } = await asRole.send(new GetQueueUrlCommand({ QueueName: QUEUE }));
    await expect(asRole.send(new SendMessageCommand({ QueueUrl, MessageBody: 'allowed' }))).resolves.toMatchObject({ MessageId: expect.any(String) });
  });

  it("refuses what the role's policy does not allow, with AWS's code and message (JSON protocol)", async () => {
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: QUEUE }));
    const refused = asRole.send(new ReceiveMessageCommand({ QueueUrl }));
    await expect(refused).rejects.toMatchObject({
      name: 'AccessDenied',
      $metadata: { httpStatusCode: 403 },
      message: `User: arn:aws:sts::${ACCOUNT}:assumed-role/${ROLE}/try-it is not authorized to perform: sqs:ReceiveMessage on resource: arn:aws:sqs:us-east-1:${ACCOUNT}:${QUEUE} because no identity-based policy allows the sqs:ReceiveMessage action`,
    });
  });

  it('refuses in the query protocol too', async () => {
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: QUEUE }));
    const body = `Action=ReceiveMessage&Version=2012-11-05&QueueUrl=${encodeURIComponent(QueueUrl!)}`;
    const response = await rawRequest(stack.url, {
      method: 'POST',
      path: '/',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body,
      sign: { service: 'sqs', credentials: roleCredentials },
    });
    expect(response.status).toBe(403);
    expect(response.body.toString()).toContain('<Code>AccessDenied</Code>');
    expect(response.body.toString()).toContain('is not authorized to perform: sqs:ReceiveMessage on resource');
  });

  it("checks the trust policy: the account root may assume a role that trusts the account, not one that trusts only Lambda, nor one no stack deploys", async () => {
    await expect(sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/iam-test-function`, RoleSessionName: 'nope' }))).rejects.toMatchObject({
      name: 'AccessDenied',
      $metadata: { httpStatusCode: 403 },
      message: `User: arn:aws:iam::${ACCOUNT}:root is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${ACCOUNT}:role/iam-test-function`,
    });
    await expect(sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/not-deployed`, RoleSessionName: 'nope' }))).rejects.toMatchObject({ name: 'AccessDenied' });
    // A role session needs its own role's permission to assume another.
    const roleSts = new STSClient({ ...stack.clientConfig, credentials: roleCredentials });
    try {
      await expect(roleSts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/${ROLE}`, RoleSessionName: 'again' }))).rejects.toMatchObject({ name: 'AccessDenied' });
    } finally {
      roleSts.destroy();
    }
  });

  itWithCli('`aws sts assume-role` gives credentials that do what the role may and are refused the rest', async () => {
    const home = temporaryDirectory('iam-cli');
    try {
      const aws = new AwsCli(() => stack.url, home.dir);
      const assumed = await aws.json<{ Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string } }>(
        'sts', 'assume-role', '--role-arn', `arn:aws:iam::${ACCOUNT}:role/${ROLE}`, '--role-session-name', 'cli',
      );
      const role = { accessKeyId: assumed.Credentials.AccessKeyId, secretAccessKey: assumed.Credentials.SecretAccessKey, sessionToken: assumed.Credentials.SessionToken };
      const identity = await aws.runAs(role, 'sts', 'get-caller-identity');
      expect(JSON.parse(identity.stdout)).toMatchObject({ Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${ROLE}/cli` });
      const url = JSON.parse((await aws.runAs(role, 'sqs', 'get-queue-url', '--queue-name', QUEUE)).stdout) as { QueueUrl: string };
      const sent = await aws.runAs(role, 'sqs', 'send-message', '--queue-url', url.QueueUrl, '--message-body', 'from the CLI');
      expect(sent.code).toBe(0);
      const refused = await aws.runAs(role, 'sqs', 'receive-message', '--queue-url', url.QueueUrl);
      expect(refused.code).toBe(aws.serviceErrorStatus);
      expect(refused.stderr).toContain('AccessDenied');
      expect(refused.stderr).toContain(`User: arn:aws:sts::${ACCOUNT}:assumed-role/${ROLE}/cli is not authorized to perform: sqs:ReceiveMessage on resource: arn:aws:sqs:us-east-1:${ACCOUNT}:${QUEUE} because no identity-based policy allows the sqs:ReceiveMessage action`);
    } finally {
      home.remove();
    }
    // Five AWS CLI processes (each a python3 importing botocore: about a second each, more under load).
  }, 30_000);

  it("runs a function with its execution role's temporary credentials: allowed what the role allows, refused the rest", async () => {
    const invoked = await lambda.send(new InvokeCommand({ FunctionName: 'iam-test-whoami' }));
    expect(invoked.FunctionError).toBeUndefined();
    const given = JSON.parse(Buffer.from(invoked.Payload!).toString()) as { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
    expect(given.accessKeyId).toMatch(/^ASIA/);
    expect(given.sessionToken).toEqual(expect.any(String));
    const asFunction = { accessKeyId: given.accessKeyId, secretAccessKey: given.secretAccessKey, sessionToken: given.sessionToken! };
    const functionSts = new STSClient({ ...stack.clientConfig, credentials: asFunction });
    const functionSqs = new SQSClient({ ...stack.clientConfig, credentials: asFunction });
    try {
      await expect(functionSts.send(new GetCallerIdentityCommand({}))).resolves.toMatchObject({ Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/iam-test-function/iam-test-whoami` });
      const QueueUrl = `${stack.url}/${ACCOUNT}/${QUEUE}`;
      await expect(functionSqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 0 }))).resolves.toBeDefined();
      await expect(functionSqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' }))).rejects.toMatchObject({
        name: 'AccessDenied',
        message: `User: arn:aws:sts::${ACCOUNT}:assumed-role/iam-test-function/iam-test-whoami is not authorized to perform: sqs:SendMessage on resource: arn:aws:sqs:us-east-1:${ACCOUNT}:${QUEUE} because no identity-based policy allows the sqs:SendMessage action`,
      });
    } finally {
      functionSts.destroy();
      functionSqs.destroy();
    }
  });

  it("S3: the role reads and lists prepared/ only, writes models/ only; CopyObject needs both; refusals in S3's XML with S3's quoted resource", async () => {
    const s3 = stack.client.s3;
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'prepared/train.txt', Body: 'a' }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'labeled/new.csv', Body: 'b' }));
    const assumed = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${ACCOUNT}:role/iam-test-reader`, RoleSessionName: 'reader' }));
    const reader = new S3Client({ ...stack.clientConfig, forcePathStyle: true, credentials: { accessKeyId: assumed.Credentials!.AccessKeyId!, secretAccessKey: assumed.Credentials!.SecretAccessKey!, sessionToken: assumed.Credentials!.SessionToken! } });
    const session = `arn:aws:sts::${ACCOUNT}:assumed-role/iam-test-reader/reader`;
    try {
      const read = await reader.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'prepared/train.txt' }));
      expect(await read.Body!.transformToString()).toBe('a');
      await expect(reader.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'prepared/' }))).resolves.toMatchObject({ KeyCount: 1 });
      await expect(reader.send(new ListObjectsV2Command({ Bucket: BUCKET }))).rejects.toMatchObject({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
      await expect(reader.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'labeled/new.csv' }))).rejects.toMatchObject({
        name: 'AccessDenied',
        $metadata: { httpStatusCode: 403 },
        message: `User: ${session} is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::${BUCKET}/labeled/new.csv" because no identity-based policy allows the s3:GetObject action`,
      });
      await expect(reader.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'models/copy.txt', CopySource: `${BUCKET}/prepared/train.txt` }))).resolves.toBeDefined();
      await expect(reader.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'models/copy2.txt', CopySource: `${BUCKET}/labeled/new.csv` }))).rejects.toMatchObject({ name: 'AccessDenied', message: expect.stringContaining('s3:GetObject') });
      await expect(reader.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'prepared/copy.txt', CopySource: `${BUCKET}/prepared/train.txt` }))).rejects.toMatchObject({ name: 'AccessDenied', message: expect.stringContaining('s3:PutObject') });
    } finally {
      reader.destroy();
    }
  });

  it("delivers a rule's events to a queue only where the queue's policy lets EventBridge send for that rule", async () => {
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: QUEUE }));
    await sqs.send(new PurgeQueueCommand({ QueueUrl }));
    await events.send(new PutEventsCommand({ Entries: [{ Source: 'iam.test', DetailType: 'refused', Detail: '{}' }, { Source: 'iam.test', DetailType: 'allowed', Detail: '{}' }] }));
    const received = await waitFor('the allowed delivery', async () => {
      const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1, MaxNumberOfMessages: 10 }));
      return Messages?.length ? Messages : undefined;
    }, 10_000);
    expect(received.map((message) => (JSON.parse(message.Body!) as { 'detail-type': string })['detail-type'])).toEqual(['allowed']);
    // The refused delivery is settled (not retried) and logged: nothing else arrives.
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1, MaxNumberOfMessages: 10 }));
    expect(Messages ?? []).toEqual([]);
  });

  it('lets the account root do everything', async () => {
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: QUEUE }));
    await expect(sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 0 }))).resolves.toBeDefined();
  });

  it('sees the role lose a permission when its stack is updated', async () => {
    const engine = stack.providers.cloudformation.engine;
    const narrowed = structuredClone(TEMPLATE);
    narrowed.Resources.Sender.Properties.Policies[0]!.PolicyDocument.Statement[0]!.Action = ['sqs:GetQueueUrl'];
    await engine.updateStack({ StackName: 'iam-test', TemplateBody: JSON.stringify(narrowed), Capabilities: ['CAPABILITY_NAMED_IAM'] });
    expect((await engine.settled('iam-test')).StackStatus).toBe('UPDATE_COMPLETE');
    const { QueueUrl } = await asRole.send(new GetQueueUrlCommand({ QueueName: QUEUE }));
    await expect(asRole.send(new SendMessageCommand({ QueueUrl, MessageBody: 'no longer' }))).rejects.toMatchObject({ name: 'AccessDenied', message: expect.stringContaining('sqs:SendMessage') });
  });

  describe('SageMaker acts as the roles it is given', () => {
    const trainer = `arn:aws:iam::${ACCOUNT}:role/iam-test-trainer`;
    const lines = Array.from({ length: 40 }, (_, index) => (index % 2 === 0 ? `__label__a alpha apple ${index}` : `__label__b beta banana ${index}`)).join('\n');
    const job = (name: string, prefix: string, roleArn = trainer): CreateTrainingJobCommandInput => ({
      TrainingJobName: name,
      AlgorithmSpecification: { TrainingImage: BLAZINGTEXT_IMAGE, TrainingInputMode: 'File' },
      RoleArn: roleArn,
      HyperParameters: { mode: 'supervised', epochs: '2', vector_dim: '5', min_count: '1' },
      InputDataConfig: [{ ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://${BUCKET}/${prefix}` } } }],
      OutputDataConfig: { S3OutputPath: `s3://${BUCKET}/models/` },
      ResourceConfig: { InstanceType: 'ml.c5.xlarge', InstanceCount: 1, VolumeSizeInGB: 5 },
      StoppingCondition: { MaxRuntimeInSeconds: 300 },
    });

    beforeAll(async () => {
      await stack.client.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'prepared/allowed/train.txt', Body: lines }));
      await stack.client.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'prepared/denied/train.txt', Body: lines }));
    });

    it("trains as the job's role: its channels read and its artifact written with the role's permissions", async () => {
      await stack.client.sagemaker.send(new CreateTrainingJobCommand(job('iam-allowed', 'prepared/allowed/')));
      const done = await waitForTrainingJob(stack.client.sagemaker, 'iam-allowed');
      expect(done.FailureReason).toBeUndefined();
      expect(done.TrainingJobStatus).toBe('Completed');
    });

    it("fails a job whose role may not read its channel, with S3's refusal naming the role's SageMaker session and the action", async () => {
      await stack.client.sagemaker.send(new CreateTrainingJobCommand(job('iam-denied', 'prepared/denied/')));
      const failed = await waitForTrainingJob(stack.client.sagemaker, 'iam-denied');
      expect(failed.TrainingJobStatus).toBe('Failed');
      expect(failed.FailureReason).toBe(
        `ClientError: Channel 'train': cannot read s3://${BUCKET}/prepared/denied/: User: arn:aws:sts::${ACCOUNT}:assumed-role/iam-test-trainer/SageMaker is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::${BUCKET}/prepared/denied/train.txt" because no identity-based policy allows the s3:GetObject action`,
      );
    });

    it('refuses a role that does not trust sagemaker.amazonaws.com, as SageMaker words it', async () => {
      const lambdaOnly = `arn:aws:iam::${ACCOUNT}:role/iam-test-function`;
      await expect(stack.client.sagemaker.send(new CreateTrainingJobCommand(job('iam-untrusted', 'prepared/allowed/', lambdaOnly)))).rejects.toMatchObject({
        name: 'ValidationException',
        message: `Could not assume role ${lambdaOnly}. Please ensure that the role exists and allows principal 'sagemaker.amazonaws.com' to assume the role.`,
      });
    });

    it("hosts as the model's execution role: a role that may not read the model data fails the endpoint, naming the action", async () => {
      const sagemaker = stack.client.sagemaker;
      // The trainer role writes models/ but may not read it.
      await sagemaker.send(new CreateModelCommand({ ModelName: 'iam-model', ExecutionRoleArn: trainer, PrimaryContainer: { Image: BLAZINGTEXT_IMAGE, ModelDataUrl: `s3://${BUCKET}/models/iam-allowed/output/model.tar.gz` } }));
      await sagemaker.send(new CreateEndpointConfigCommand({ EndpointConfigName: 'iam-config', ProductionVariants: [{ VariantName: 'main', ModelName: 'iam-model', InitialInstanceCount: 1, InstanceType: 'ml.m5.large' }] }));
      await sagemaker.send(new CreateEndpointCommand({ EndpointName: 'iam-endpoint', EndpointConfigName: 'iam-config' }));
      const endpoint = await waitFor('iam-endpoint to settle', async () => {
        const described: DescribeEndpointCommandOutput = await sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'iam-endpoint' }));
        return described.EndpointStatus === 'Creating' ? undefined : described;
      }, 60_000);
      expect(endpoint.EndpointStatus).toBe('Failed');
      expect(endpoint.FailureReason).toContain(`User: arn:aws:sts::${ACCOUNT}:assumed-role/iam-test-trainer/SageMaker is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::${BUCKET}/models/iam-allowed/output/model.tar.gz"`);
    });

    it("runs a transform job as its model's execution role: the same refused read fails the job", async () => {
      const sagemaker = stack.client.sagemaker;
      await sagemaker.send(
        new CreateTransformJobCommand({
          TransformJobName: 'iam-transform',
          ModelName: 'iam-model',
          TransformInput: { DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://${BUCKET}/prepared/allowed/` } }, ContentType: 'application/jsonlines', SplitType: 'Line' },
          TransformOutput: { S3OutputPath: `s3://${BUCKET}/models/transform/`, Accept: 'application/jsonlines', AssembleWith: 'Line' },
          TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 1 },
        }),
      );
      const job = await waitFor('iam-transform to end', async () => {
        const described = await sagemaker.send(new DescribeTransformJobCommand({ TransformJobName: 'iam-transform' }));
        return described.TransformJobStatus === 'InProgress' ? undefined : described;
      }, 60_000);
      expect(job.TransformJobStatus).toBe('Failed');
      expect(job.FailureReason).toContain(`Failed to load model iam-model: User: arn:aws:sts::${ACCOUNT}:assumed-role/iam-test-trainer/SageMaker is not authorized to perform: s3:GetObject`);
    });
  });
});
