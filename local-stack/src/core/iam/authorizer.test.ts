/** The authorization step over roles as the CloudFormation engine reports them (DeployedRole's shape). */
import { accountRoot, type Principal } from '../credentials';
import { AwsError } from '../types';
import { Authorizer, DeployedRolePolicies, enforcementFromEnvironment, parsePolicyDocument, servicePrincipal, trustAllows, type DeployedRoleDocuments } from './index';

const ACCOUNT = '000000000000';
const QUEUE = `arn:aws:sqs:us-east-1:${ACCOUNT}:ml-pipeline-local-notifications`;

function notifierRole(statements: unknown[]): DeployedRoleDocuments {
  return {
    roleName: 'ml-pipeline-local-notifier',
    arn: `arn:aws:iam::${ACCOUNT}:role/ml-pipeline-local-notifier`,
    assumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: ['lambda.amazonaws.com'] }, Action: 'sts:AssumeRole' }] },
    policies: [{ policyDocument: { Version: '2012-10-17', Statement: statements } }],
    managedPolicyArns: [],
  };
}

const session: Principal = {
  type: 'assumed-role',
  arn: `arn:aws:sts::${ACCOUNT}:assumed-role/ml-pipeline-local-notifier/notify`,
  accountId: ACCOUNT,
  roleArn: `arn:aws:iam::${ACCOUNT}:role/ml-pipeline-local-notifier`,
  roleName: 'ml-pipeline-local-notifier',
  sessionName: 'notify',
};

function refusal(run: () => void): AwsError {
  try {
    run();
  } catch (error) {
    if (error instanceof AwsError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('Authorizer', () => {
  const roles = [notifierRole([{ Effect: 'Allow', Action: ['sqs:ReceiveMessage', 'sqs:DeleteMessage'], Resource: QUEUE }])];
  const authorizer = new Authorizer(new DeployedRolePolicies(() => roles), true);

  it('lets the account root and in-process calls (no caller) do everything', () => {
    expect(() => authorizer.authorize('sqs', accountRoot(ACCOUNT), [{ action: 'sqs:DeleteQueue', resource: QUEUE }])).not.toThrow();
    expect(() => authorizer.authorize('sqs', undefined, [{ action: 'sqs:DeleteQueue', resource: QUEUE }])).not.toThrow();
  });

  it("evaluates a role session against its role's deployed policies", () => {
    expect(() => authorizer.authorize('sqs', session, [{ action: 'sqs:ReceiveMessage', resource: QUEUE }])).not.toThrow();
    const error = refusal(() => authorizer.authorize('sqs', session, [{ action: 'sqs:ReceiveMessage', resource: QUEUE }, { action: 'sqs:SendMessage', resource: QUEUE }]));
    expect(error).toMatchObject({ code: 'AccessDenied', status: 403 });
    expect(error.message).toBe(`User: ${session.arn} is not authorized to perform: sqs:SendMessage on resource: ${QUEUE} because no identity-based policy allows the sqs:SendMessage action`);
  });

  it("answers each service's AccessDenied code and status", () => {
    expect(refusal(() => authorizer.authorize('glue', session, [{ action: 'glue:StartJobRun', resource: `arn:aws:glue:us-east-1:${ACCOUNT}:job/j` }]))).toMatchObject({ code: 'AccessDeniedException', status: 400 });
    expect(refusal(() => authorizer.authorize('lambda', session, [{ action: 'lambda:InvokeFunction', resource: 'arn:aws:lambda:us-east-1:0:function:f' }]))).toMatchObject({ code: 'AccessDeniedException', status: 403 });
    expect(refusal(() => authorizer.authorize('s3', session, [{ action: 's3:GetObject', resource: 'arn:aws:s3:::b/k' }]))).toMatchObject({ code: 'AccessDenied', status: 403 });
  });

  it('a session of a role no stack deploys (deleted since) is denied everything', () => {
    const orphan: Principal = { ...session, arn: `arn:aws:sts::${ACCOUNT}:assumed-role/gone/s`, roleName: 'gone', roleArn: `arn:aws:iam::${ACCOUNT}:role/gone` };
    expect(refusal(() => authorizer.authorize('sqs', orphan, [{ action: 'sqs:ReceiveMessage', resource: QUEUE }])).code).toBe('AccessDenied');
  });

  it('sees a redeployed policy at once (a permission taken away)', () => {
    const changing = [notifierRole([{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: QUEUE }])];
    const live = new Authorizer(new DeployedRolePolicies(() => changing), true);
    expect(() => live.authorize('sqs', session, [{ action: 'sqs:SendMessage', resource: QUEUE }])).not.toThrow();
    changing[0] = notifierRole([{ Effect: 'Allow', Action: 'sqs:ReceiveMessage', Resource: QUEUE }]);
    expect(refusal(() => live.authorize('sqs', session, [{ action: 'sqs:SendMessage', resource: QUEUE }])).code).toBe('AccessDenied');
  });

  it('counts loopback traffic as secure transport: a TLS-only bucket policy refuses only what is marked insecure', () => {
    const bucketRoles = [notifierRole([{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*' }])];
    const tlsOnly = parsePolicyDocument({ Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: 'arn:aws:s3:::b/*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }] });
    const s3 = new Authorizer(new DeployedRolePolicies(() => bucketRoles), true);
    expect(() => s3.authorize('s3', session, [{ action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', resourcePolicy: tlsOnly }])).not.toThrow();
    const insecure = refusal(() => s3.authorize('s3', session, [{ action: 's3:GetObject', resource: 'arn:aws:s3:::b/k', resourcePolicy: tlsOnly, context: { 'aws:SecureTransport': 'false' } }]));
    expect(insecure.message).toBe(`User: ${session.arn} is not authorized to perform: s3:GetObject on resource: "arn:aws:s3:::b/k" with an explicit deny in a resource-based policy`);
  });

  it('refuses nothing when enforcement is off', () => {
    const off = new Authorizer(new DeployedRolePolicies(() => roles), false);
    expect(() => off.authorize('sqs', session, [{ action: 'sqs:DeleteQueue', resource: QUEUE }])).not.toThrow();
  });

  it('LOCAL_STACK_ENFORCE_IAM: on by default, 0 turns it off, anything else is refused', () => {
    expect(enforcementFromEnvironment(undefined)).toBe(true);
    expect(enforcementFromEnvironment('')).toBe(true);
    expect(enforcementFromEnvironment('1')).toBe(true);
    expect(enforcementFromEnvironment('true')).toBe(true);
    expect(enforcementFromEnvironment('0')).toBe(false);
    expect(enforcementFromEnvironment('FALSE')).toBe(false);
    expect(() => enforcementFromEnvironment('yes please')).toThrow('LOCAL_STACK_ENFORCE_IAM=yes please: use 1 (enforce IAM, the default) or 0 (off)');
  });
});

describe('trust policies', () => {
  const policies = new DeployedRolePolicies(() => [notifierRole([])]);
  const role = policies.rolePolicies('ml-pipeline-local-notifier')!;
  const root = { arn: `arn:aws:iam::${ACCOUNT}:root`, accountId: ACCOUNT };

  it('a trust naming only lambda.amazonaws.com admits Lambda, not SageMaker, not the account root', () => {
    expect(trustAllows(role, servicePrincipal('lambda.amazonaws.com', ACCOUNT), [])).toBe(true);
    expect(trustAllows(role, servicePrincipal('sagemaker.amazonaws.com', ACCOUNT), [])).toBe(false);
    expect(trustAllows(role, root, 'administrator')).toBe(false);
  });

  it('a trust naming the account admits its root; a role session also needs its own sts:AssumeRole', () => {
    const open = new DeployedRolePolicies(() => [{ ...notifierRole([]), assumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { AWS: ACCOUNT }, Action: 'sts:AssumeRole' }] } }]).rolePolicies('ml-pipeline-local-notifier')!;
    expect(trustAllows(open, root, 'administrator')).toBe(true);
    const other = { arn: `arn:aws:sts::${ACCOUNT}:assumed-role/other/s`, accountId: ACCOUNT, roleArn: `arn:aws:iam::${ACCOUNT}:role/other` };
    expect(trustAllows(open, other, [])).toBe(false);
    expect(trustAllows(open, other, [parsePolicyDocument({ Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: open.roleArn }] })])).toBe(true);
  });
});
