/**
 * IAM enforced from a deployed template (`enforceIam`, LOCAL_STACK_ENFORCE_IAM=1): a role's session may do what
 * the role's policy allows and is refused the rest with AWS's AccessDenied and message, in both of
 * SQS's protocols; the account root (the documented local keys) may do everything.
 */
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { CopyObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { GetQueueUrlCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { AwsCli, itWithCli } from '../support/aws-cli';
import { rawRequest } from '../support/http';
import { clientsOf, useProviderStack } from '../support/stack';
import { temporaryDirectory } from '../support/temporary-directory';

const ACCOUNT = '000000000000';
const ROLE = 'iam-test-sender';
const QUEUE = 'iam-test-queue';
const BUCKET = 'iam-test-data';

const TEMPLATE = {
  AWSTemplateFormatVersion: '2010-09-09',
  Resources: {
    Queue: { Type: 'AWS::SQS::Queue', Properties: { QueueName: QUEUE } },
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

describe('IAM enforced from the templates (SQS)', () => {
  const stack = useProviderStack({ enforceIam: true });
  const { lambda, sqs, sts } = clientsOf(stack);
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
  });

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
});
