/**
 * The policy evaluator against IAM's documented evaluation logic
 * (reference_policies_evaluation-logic.html, reference_policies_elements_condition_operators.html,
 * reference_policies_condition-single-vs-multi-valued-context-keys.html, reference_policies_variables.html).
 * The role policies are the training service's TrainingExecutionRole and the ingestion bucket policy as deployed.
 */
import { denialMessage, evaluate, MalformedPolicyError, parsePolicyDocument, requestContext, UnsupportedConditionError, type AuthorizationRequest, type CallerIdentity } from './index';

const ACCOUNT = '000000000000';
const BUCKET = 'ml-pipeline-local-data';
const role: CallerIdentity = {
  arn: `arn:aws:sts::${ACCOUNT}:assumed-role/training-role/job-1`,
  accountId: ACCOUNT,
  roleArn: `arn:aws:iam::${ACCOUNT}:role/training-role`,
};

const trainingPolicy = parsePolicyDocument({
  Version: '2012-10-17',
  Statement: [
    { Sid: 'ListPreparedDataAndCheckpoints', Effect: 'Allow', Action: 's3:ListBucket', Resource: `arn:aws:s3:::${BUCKET}`, Condition: { StringLike: { 's3:prefix': ['prepared/*', 'checkpoints/*'] } } },
    { Sid: 'ReadPreparedData', Effect: 'Allow', Action: 's3:GetObject', Resource: [`arn:aws:s3:::${BUCKET}/prepared/*`, `arn:aws:s3:::${BUCKET}/checkpoints/*`] },
    { Sid: 'WriteModelsAndCheckpoints', Effect: 'Allow', Action: 's3:PutObject', Resource: [`arn:aws:s3:::${BUCKET}/models/*`, `arn:aws:s3:::${BUCKET}/checkpoints/*`] },
    { Sid: 'PullBlazingTextImage', Effect: 'Allow', Action: ['ecr:BatchCheckLayerAvailability', 'ecr:BatchGetImage'], Resource: 'arn:aws:ecr:us-east-1:*:repository/blazingtext' },
    { Sid: 'WriteTrainingLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/aws/sagemaker/TrainingJobs:log-stream:*` },
    { Sid: 'PublishTrainingMetrics', Effect: 'Allow', Action: 'cloudwatch:PutMetricData', Resource: '*', Condition: { StringEquals: { 'cloudwatch:namespace': '/aws/sagemaker/TrainingJobs' } } },
  ],
});

const tlsOnlyBucketPolicy = parsePolicyDocument({
  Version: '2012-10-17',
  Statement: [{ Sid: 'DenyInsecureTransport', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`], Condition: { Bool: { 'aws:SecureTransport': 'false' } } }],
});

function request(action: string, resource: string, context: Record<string, string | string[]> = {}, caller: CallerIdentity = role): AuthorizationRequest {
  return { caller, action, resource, context: requestContext(context) };
}

/** The training role's decision. */
function decide(action: string, resource: string, context: Record<string, string | string[]> = {}) {
  return evaluate(request(action, resource, context), { identity: [trainingPolicy] }).decision;
}

function decideWith(statements: unknown[], action: string, resource: string, context: Record<string, string | string[]> = {}) {
  return evaluate(request(action, resource, context), { identity: [parsePolicyDocument({ Version: '2012-10-17', Statement: statements })] }).decision;
}

describe('policy documents', () => {
  it('accepts a single statement object, single strings, JSON text, and numbers or booleans as condition values', () => {
    const policy = parsePolicyDocument(JSON.stringify({ Version: '2012-10-17', Statement: { Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': false }, NumericLessThan: { 's3:max-keys': 10 } } } }));
    expect(policy.statements).toHaveLength(1);
    expect(policy.statements[0]).toMatchObject({ effect: 'Allow', action: ['s3:GetObject'], resource: ['*'], condition: { Bool: { 'aws:SecureTransport': ['false'] }, NumericLessThan: { 's3:max-keys': ['10'] } } });
  });

  it.each([
    [{ Statement: [{ Effect: 'Permit', Action: '*', Resource: '*' }] }, /Effect must be Allow or Deny/],
    [{ Statement: [{ Effect: 'Allow', Action: '*', NotAction: 's3:*', Resource: '*' }] }, /both Action and NotAction/],
    [{ Statement: [{ Effect: 'Allow', Action: '*', Resource: '*', NotResource: 'x' }] }, /both Resource and NotResource/],
    [{ Statement: [{ Effect: 'Allow', Resource: '*' }] }, /must contain actions/],
    [{ Statement: [{ Effect: 'Allow', Action: { 'Fn::GetAtt': ['Queue', 'Arn'] }, Resource: '*' }] }, /unresolved intrinsic/],
    [{ Version: '2020-01-01', Statement: [] }, /Version/],
    [{}, /Missing required field Statement/],
    ['{not json', /Syntax errors/],
  ])('refuses a malformed document: %j', (document, message) => {
    expect(() => parsePolicyDocument(document)).toThrow(MalformedPolicyError);
    expect(() => parsePolicyDocument(document)).toThrow(message);
  });
});

describe('Allow and implicit deny', () => {
  it('allows what a statement names and implicitly denies everything else', () => {
    expect(decide('s3:GetObject', `arn:aws:s3:::${BUCKET}/prepared/train.txt`)).toBe('Allow');
    expect(decide('s3:GetObject', `arn:aws:s3:::${BUCKET}/labeled/new.csv`)).toBe('ImplicitDeny');
    expect(decide('s3:DeleteObject', `arn:aws:s3:::${BUCKET}/prepared/train.txt`)).toBe('ImplicitDeny');
    expect(decide('s3:PutObject', `arn:aws:s3:::${BUCKET}/models/job-1/model.tar.gz`)).toBe('Allow');
    expect(decide('s3:PutObject', `arn:aws:s3:::other-bucket/models/x`)).toBe('ImplicitDeny');
  });

  it('denies with no policy at all', () => {
    expect(evaluate(request('s3:GetObject', 'arn:aws:s3:::b/k'), { identity: [] }).decision).toBe('ImplicitDeny');
  });

  it('matches actions case-insensitively and resources case-sensitively', () => {
    expect(decide('S3:getobject', `arn:aws:s3:::${BUCKET}/prepared/a`)).toBe('Allow');
    expect(decide('s3:GetObject', `arn:aws:s3:::${BUCKET}/Prepared/a`)).toBe('ImplicitDeny');
  });

  it('names the statement that decided', () => {
    const decision = evaluate(request('s3:GetObject', `arn:aws:s3:::${BUCKET}/checkpoints/c`), { identity: [trainingPolicy] });
    expect(decision).toMatchObject({ decision: 'Allow', by: 'identity-based', statement: { sid: 'ReadPreparedData' } });
  });
});

describe('wildcards', () => {
  it('* and ? in actions', () => {
    const statements = [{ Effect: 'Allow', Action: ['sqs:Send*', 'logs:Put?ogEvents'], Resource: '*' }];
    expect(decideWith(statements, 'sqs:SendMessage', 'arn:aws:sqs:us-east-1:0:q')).toBe('Allow');
    expect(decideWith(statements, 'sqs:SendMessageBatch', 'arn:aws:sqs:us-east-1:0:q')).toBe('Allow');
    expect(decideWith(statements, 'sqs:ReceiveMessage', 'arn:aws:sqs:us-east-1:0:q')).toBe('ImplicitDeny');
    expect(decideWith(statements, 'logs:PutLogEvents', 'x')).toBe('Allow');
    expect(decideWith(statements, 'logs:PutXXLogEvents', 'x')).toBe('ImplicitDeny');
    expect(decideWith([{ Effect: 'Allow', Action: '*', Resource: '*' }], 'glue:StartJobRun', 'arn:aws:glue:us-east-1:0:job/j')).toBe('Allow');
  });

  it('* in an ARN segment stays in its segment; the resource segment may hold colons and slashes', () => {
    expect(decide('ecr:BatchGetImage', 'arn:aws:ecr:us-east-1:811284229777:repository/blazingtext')).toBe('Allow');
    expect(decide('ecr:BatchGetImage', 'arn:aws:ecr:eu-west-1:811284229777:repository/blazingtext')).toBe('ImplicitDeny');
    expect(decide('logs:PutLogEvents', `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/aws/sagemaker/TrainingJobs:log-stream:job-1/algo-1`)).toBe('Allow');
    expect(decide('logs:PutLogEvents', `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:/aws/sagemaker/Endpoints:log-stream:x`)).toBe('ImplicitDeny');
    expect(decide('s3:GetObject', `arn:aws:s3:::${BUCKET}/prepared/a:b/c.txt`)).toBe('Allow');
    // A wildcard account segment does not swallow the region's colon.
    expect(decideWith([{ Effect: 'Allow', Action: 'sqs:*', Resource: 'arn:aws:sqs:*:queue' }], 'sqs:SendMessage', 'arn:aws:sqs:us-east-1:0:queue')).toBe('ImplicitDeny');
    expect(decideWith([{ Effect: 'Allow', Action: 'sqs:*', Resource: 'arn:aws:sqs:*:*:queue' }], 'sqs:SendMessage', 'arn:aws:sqs:us-east-1:0:queue')).toBe('Allow');
  });

  it('a bucket ARN is not an object ARN and the other way round', () => {
    expect(decideWith([{ Effect: 'Allow', Action: 's3:*', Resource: `arn:aws:s3:::${BUCKET}` }], 's3:GetObject', `arn:aws:s3:::${BUCKET}/k`)).toBe('ImplicitDeny');
    expect(decideWith([{ Effect: 'Allow', Action: 's3:*', Resource: `arn:aws:s3:::${BUCKET}/*` }], 's3:ListBucket', `arn:aws:s3:::${BUCKET}`)).toBe('ImplicitDeny');
  });
});

describe('explicit deny first', () => {
  const statements = [
    { Effect: 'Allow', Action: 's3:*', Resource: '*' },
    { Effect: 'Deny', Action: 's3:DeleteObject', Resource: `arn:aws:s3:::${BUCKET}/*` },
  ];

  it('a Deny wins over an Allow in the same policy, whatever the order', () => {
    expect(decideWith(statements, 's3:DeleteObject', `arn:aws:s3:::${BUCKET}/k`)).toBe('ExplicitDeny');
    expect(decideWith([...statements].reverse(), 's3:DeleteObject', `arn:aws:s3:::${BUCKET}/k`)).toBe('ExplicitDeny');
    expect(decideWith(statements, 's3:GetObject', `arn:aws:s3:::${BUCKET}/k`)).toBe('Allow');
  });

  it('a Deny in one policy wins over an Allow in another', () => {
    const allow = parsePolicyDocument({ Statement: [statements[0]] });
    const deny = parsePolicyDocument({ Statement: [statements[1]] });
    expect(evaluate(request('s3:DeleteObject', `arn:aws:s3:::${BUCKET}/k`), { identity: [allow, deny] }).decision).toBe('ExplicitDeny');
  });

  it('a resource policy Deny wins over an identity Allow; the TLS-only deny refuses plain HTTP', () => {
    const identity = [parsePolicyDocument({ Statement: [statements[0]] })];
    const plain = request('s3:GetObject', `arn:aws:s3:::${BUCKET}/prepared/a`, { 'aws:SecureTransport': 'false' });
    expect(evaluate(plain, { identity, resource: tlsOnlyBucketPolicy })).toMatchObject({ decision: 'ExplicitDeny', by: 'resource-based', statement: { sid: 'DenyInsecureTransport' } });
    const tls = request('s3:GetObject', `arn:aws:s3:::${BUCKET}/prepared/a`, { 'aws:SecureTransport': 'true' });
    expect(evaluate(tls, { identity, resource: tlsOnlyBucketPolicy }).decision).toBe('Allow');
  });
});

describe('NotAction and NotResource', () => {
  it('NotAction applies to every action but those listed', () => {
    const statements = [{ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }];
    expect(decideWith(statements, 's3:GetObject', 'arn:aws:s3:::b/k')).toBe('Allow');
    expect(decideWith(statements, 'iam:PassRole', 'arn:aws:iam::0:role/r')).toBe('ImplicitDeny');
  });

  it('a Deny with NotAction refuses everything else (and does not itself allow what it excepts)', () => {
    const statements = [{ Effect: 'Deny', NotAction: ['sqs:SendMessage'], Resource: '*' }, { Effect: 'Allow', Action: 'sqs:*', Resource: '*' }];
    expect(decideWith(statements, 'sqs:DeleteQueue', 'arn:aws:sqs:us-east-1:0:q')).toBe('ExplicitDeny');
    expect(decideWith(statements, 'sqs:SendMessage', 'arn:aws:sqs:us-east-1:0:q')).toBe('Allow');
    expect(decideWith([statements[0]], 'sqs:SendMessage', 'arn:aws:sqs:us-east-1:0:q')).toBe('ImplicitDeny');
  });

  it('NotResource applies to every resource but those listed', () => {
    const statements = [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }, { Effect: 'Deny', Action: 's3:GetObject', NotResource: `arn:aws:s3:::${BUCKET}/prepared/*` }];
    expect(decideWith(statements, 's3:GetObject', `arn:aws:s3:::${BUCKET}/prepared/a`)).toBe('Allow');
    expect(decideWith(statements, 's3:GetObject', `arn:aws:s3:::${BUCKET}/labeled/a`)).toBe('ExplicitDeny');
  });
});

describe('conditions', () => {
  it('StringLike on s3:prefix: the training role lists prepared/ and checkpoints/ only, and not without a prefix', () => {
    expect(decide('s3:ListBucket', `arn:aws:s3:::${BUCKET}`, { 's3:prefix': 'prepared/run-1/' })).toBe('Allow');
    expect(decide('s3:ListBucket', `arn:aws:s3:::${BUCKET}`, { 's3:prefix': 'checkpoints/' })).toBe('Allow');
    expect(decide('s3:ListBucket', `arn:aws:s3:::${BUCKET}`, { 's3:prefix': 'labeled/' })).toBe('ImplicitDeny');
    expect(decide('s3:ListBucket', `arn:aws:s3:::${BUCKET}`)).toBe('ImplicitDeny');
  });

  it('StringEquals is exact and case-sensitive; condition keys are case-insensitive', () => {
    expect(decide('cloudwatch:PutMetricData', '*', { 'cloudwatch:namespace': '/aws/sagemaker/TrainingJobs' })).toBe('Allow');
    expect(decide('cloudwatch:PutMetricData', '*', { 'CloudWatch:Namespace': '/aws/sagemaker/TrainingJobs' })).toBe('Allow');
    expect(decide('cloudwatch:PutMetricData', '*', { 'cloudwatch:namespace': '/aws/sagemaker/trainingjobs' })).toBe('ImplicitDeny');
    expect(decide('cloudwatch:PutMetricData', '*', { 'cloudwatch:namespace': 'Custom' })).toBe('ImplicitDeny');
  });

  it('StringEquals iam:PassedToService: PassRole only to SageMaker', () => {
    const statements = [{ Effect: 'Allow', Action: 'iam:PassRole', Resource: `arn:aws:iam::${ACCOUNT}:role/training-role`, Condition: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } } }];
    expect(decideWith(statements, 'iam:PassRole', `arn:aws:iam::${ACCOUNT}:role/training-role`, { 'iam:PassedToService': 'sagemaker.amazonaws.com' })).toBe('Allow');
    expect(decideWith(statements, 'iam:PassRole', `arn:aws:iam::${ACCOUNT}:role/training-role`, { 'iam:PassedToService': 'lambda.amazonaws.com' })).toBe('ImplicitDeny');
    expect(decideWith(statements, 'iam:PassRole', `arn:aws:iam::${ACCOUNT}:role/training-role`)).toBe('ImplicitDeny');
  });

  it('operators are ANDed, keys ANDed, values ORed', () => {
    const statements = [{ Effect: 'Allow', Action: 's3:ListBucket', Resource: '*', Condition: { StringLike: { 's3:prefix': ['a/*', 'b/*'] }, StringEquals: { 's3:delimiter': '/', 'aws:SecureTransport': 'true' } } }];
    expect(decideWith(statements, 's3:ListBucket', 'arn:aws:s3:::x', { 's3:prefix': 'b/1', 's3:delimiter': '/', 'aws:SecureTransport': 'true' })).toBe('Allow');
    expect(decideWith(statements, 's3:ListBucket', 'arn:aws:s3:::x', { 's3:prefix': 'c/1', 's3:delimiter': '/', 'aws:SecureTransport': 'true' })).toBe('ImplicitDeny');
    expect(decideWith(statements, 's3:ListBucket', 'arn:aws:s3:::x', { 's3:prefix': 'a/1', 's3:delimiter': '/' })).toBe('ImplicitDeny');
  });

  it('negated operators hold when the key is absent or matches none of the values', () => {
    const statements = [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*', Condition: { StringNotEquals: { 's3:ExistingObjectTag/secret': ['yes', 'true'] } } }];
    expect(decideWith(statements, 's3:GetObject', 'arn:aws:s3:::b/k')).toBe('Allow');
    expect(decideWith(statements, 's3:GetObject', 'arn:aws:s3:::b/k', { 's3:ExistingObjectTag/secret': 'no' })).toBe('Allow');
    expect(decideWith(statements, 's3:GetObject', 'arn:aws:s3:::b/k', { 's3:ExistingObjectTag/secret': 'true' })).toBe('ImplicitDeny');
    const notLike = [{ Effect: 'Deny', Action: 's3:*', Resource: '*', Condition: { StringNotLike: { 's3:prefix': 'prepared/*' } } }];
    expect(decideWith(notLike, 's3:ListBucket', 'arn:aws:s3:::b', { 's3:prefix': 'labeled/' })).toBe('ExplicitDeny');
    expect(decideWith(notLike, 's3:ListBucket', 'arn:aws:s3:::b', { 's3:prefix': 'prepared/x' })).toBe('ImplicitDeny');
  });

  it('IfExists holds when the key is absent and tests the value when present', () => {
    const statements = [{ Effect: 'Allow', Action: 'ec2:RunInstances', Resource: '*', Condition: { StringEqualsIfExists: { 'ec2:InstanceType': 't3.micro' } } }];
    expect(decideWith(statements, 'ec2:RunInstances', '*')).toBe('Allow');
    expect(decideWith(statements, 'ec2:RunInstances', '*', { 'ec2:InstanceType': 't3.micro' })).toBe('Allow');
    expect(decideWith(statements, 'ec2:RunInstances', '*', { 'ec2:InstanceType': 'p4d.24xlarge' })).toBe('ImplicitDeny');
  });

  it('ArnEquals / ArnLike on aws:SourceArn (the queue policy for the EventBridge rule)', () => {
    const ruleArn = `arn:aws:events:us-east-1:${ACCOUNT}:rule/ml-pipeline-local-start-training`;
    const equals = [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: '*', Condition: { ArnEquals: { 'aws:SourceArn': ruleArn } } }];
    expect(decideWith(equals, 'sqs:SendMessage', 'arn:aws:sqs:us-east-1:0:q', { 'aws:SourceArn': ruleArn })).toBe('Allow');
    expect(decideWith(equals, 'sqs:SendMessage', 'arn:aws:sqs:us-east-1:0:q', { 'aws:SourceArn': `${ruleArn}-2` })).toBe('ImplicitDeny');
    expect(decideWith(equals, 'sqs:SendMessage', 'arn:aws:sqs:us-east-1:0:q')).toBe('ImplicitDeny');
    const like = [{ Effect: 'Allow', Action: 'sqs:SendMessage', Resource: '*', Condition: { ArnLike: { 'aws:SourceArn': `arn:aws:events:*:${ACCOUNT}:rule/ml-pipeline-*` } } }];
    expect(decideWith(like, 'sqs:SendMessage', 'q', { 'aws:SourceArn': ruleArn })).toBe('Allow');
    expect(decideWith(like, 'sqs:SendMessage', 'q', { 'aws:SourceArn': `arn:aws:events:us-east-1:111111111111:rule/ml-pipeline-x` })).toBe('ImplicitDeny');
    const notLike = [{ Effect: 'Deny', Action: 'sqs:SendMessage', Resource: '*', Condition: { ArnNotLike: { 'aws:SourceArn': 'arn:aws:events:*:*:rule/allowed' } } }];
    expect(decideWith(notLike, 'sqs:SendMessage', 'q', { 'aws:SourceArn': 'arn:aws:events:us-east-1:0:rule/other' })).toBe('ExplicitDeny');
  });

  it('Bool compares true/false case-insensitively', () => {
    const statements = [{ Effect: 'Allow', Action: 's3:*', Resource: '*', Condition: { Bool: { 'aws:SecureTransport': true } } }];
    expect(decideWith(statements, 's3:GetObject', 'arn:aws:s3:::b/k', { 'aws:SecureTransport': 'TRUE' })).toBe('Allow');
    expect(decideWith(statements, 's3:GetObject', 'arn:aws:s3:::b/k', { 'aws:SecureTransport': 'false' })).toBe('ImplicitDeny');
    expect(decideWith(statements, 's3:GetObject', 'arn:aws:s3:::b/k')).toBe('ImplicitDeny');
  });

  it('Numeric and Date operators', () => {
    const numeric = [{ Effect: 'Allow', Action: 's3:ListBucket', Resource: '*', Condition: { NumericLessThanEquals: { 's3:max-keys': '100' } } }];
    expect(decideWith(numeric, 's3:ListBucket', 'b', { 's3:max-keys': '100' })).toBe('Allow');
    expect(decideWith(numeric, 's3:ListBucket', 'b', { 's3:max-keys': '101' })).toBe('ImplicitDeny');
    expect(decideWith(numeric, 's3:ListBucket', 'b', { 's3:max-keys': 'lots' })).toBe('ImplicitDeny');
    const dated = [{ Effect: 'Allow', Action: '*', Resource: '*', Condition: { DateLessThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' }, DateGreaterThan: { 'aws:EpochTime': '1700000000' } } }];
    expect(decideWith(dated, 's3:GetObject', 'b', { 'aws:CurrentTime': '2026-12-07T12:00:00Z', 'aws:EpochTime': '1796000000' })).toBe('Allow');
    expect(decideWith(dated, 's3:GetObject', 'b', { 'aws:CurrentTime': '2031-01-01T00:00:00Z', 'aws:EpochTime': '1796000000' })).toBe('ImplicitDeny');
    expect(decideWith(dated, 's3:GetObject', 'b', { 'aws:CurrentTime': '2026-12-07T12:00:00Z', 'aws:EpochTime': '1600000000' })).toBe('ImplicitDeny');
  });

  it('IpAddress / NotIpAddress with CIDR blocks', () => {
    const statements = [{ Effect: 'Allow', Action: '*', Resource: '*', Condition: { IpAddress: { 'aws:SourceIp': ['127.0.0.0/8', '10.1.2.3'] } } }];
    expect(decideWith(statements, 's3:GetObject', 'b', { 'aws:SourceIp': '127.0.0.1' })).toBe('Allow');
    expect(decideWith(statements, 's3:GetObject', 'b', { 'aws:SourceIp': '10.1.2.3' })).toBe('Allow');
    expect(decideWith(statements, 's3:GetObject', 'b', { 'aws:SourceIp': '10.1.2.4' })).toBe('ImplicitDeny');
    expect(decideWith(statements, 's3:GetObject', 'b', { 'aws:SourceIp': 'not-an-ip' })).toBe('ImplicitDeny');
    const outside = [{ Effect: 'Deny', Action: '*', Resource: '*', Condition: { NotIpAddress: { 'aws:SourceIp': '127.0.0.0/8' } } }];
    expect(decideWith(outside, 's3:GetObject', 'b', { 'aws:SourceIp': '192.168.1.1' })).toBe('ExplicitDeny');
    expect(decideWith(outside, 's3:GetObject', 'b', { 'aws:SourceIp': '127.0.0.1' })).toBe('ImplicitDeny');
  });

  it('Null tests whether the key is present', () => {
    const statements = [{ Effect: 'Deny', Action: '*', Resource: '*', Condition: { Null: { 'aws:TokenIssueTime': 'true' } } }];
    expect(decideWith(statements, 's3:GetObject', 'b')).toBe('ExplicitDeny');
    expect(decideWith(statements, 's3:GetObject', 'b', { 'aws:TokenIssueTime': '2026-12-07T00:00:00Z' })).toBe('ImplicitDeny');
  });

  it('ForAnyValue / ForAllValues on multivalued keys; unqualified, a list matches when any value does', () => {
    const anyValue = [{ Effect: 'Allow', Action: '*', Resource: '*', Condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['team', 'owner'] } } }];
    expect(decideWith(anyValue, 'x:Y', '*', { 'aws:TagKeys': ['cost', 'owner'] })).toBe('Allow');
    expect(decideWith(anyValue, 'x:Y', '*', { 'aws:TagKeys': ['cost'] })).toBe('ImplicitDeny');
    expect(decideWith(anyValue, 'x:Y', '*')).toBe('ImplicitDeny');
    const allValues = [{ Effect: 'Allow', Action: '*', Resource: '*', Condition: { 'ForAllValues:StringLike': { 'aws:TagKeys': ['team*', 'owner'] } } }];
    expect(decideWith(allValues, 'x:Y', '*', { 'aws:TagKeys': ['team-a', 'owner'] })).toBe('Allow');
    expect(decideWith(allValues, 'x:Y', '*', { 'aws:TagKeys': ['team-a', 'cost'] })).toBe('ImplicitDeny');
    expect(decideWith(allValues, 'x:Y', '*')).toBe('Allow');
    const anyNot = [{ Effect: 'Deny', Action: '*', Resource: '*', Condition: { 'ForAnyValue:StringNotEquals': { 'aws:TagKeys': ['team'] } } }];
    expect(decideWith(anyNot, 'x:Y', '*', { 'aws:TagKeys': ['team', 'cost'] })).toBe('ExplicitDeny');
    expect(decideWith(anyNot, 'x:Y', '*', { 'aws:TagKeys': ['team'] })).toBe('ImplicitDeny');
    const plain = [{ Effect: 'Allow', Action: '*', Resource: '*', Condition: { StringEquals: { 'aws:TagKeys': 'owner' } } }];
    expect(decideWith(plain, 'x:Y', '*', { 'aws:TagKeys': ['cost', 'owner'] })).toBe('Allow');
  });

  it('policy variables in Resource and string conditions; an absent variable matches nothing unless it has a default', () => {
    const statements = [
      { Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/home/\${aws:username}/*` },
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: '*', Condition: { StringLike: { 's3:prefix': "\${aws:PrincipalTag/team, 'shared'}/*" } } },
    ];
    expect(decideWith(statements, 's3:GetObject', `arn:aws:s3:::${BUCKET}/home/ada/notes`, { 'aws:username': 'ada' })).toBe('Allow');
    expect(decideWith(statements, 's3:GetObject', `arn:aws:s3:::${BUCKET}/home/bob/notes`, { 'aws:username': 'ada' })).toBe('ImplicitDeny');
    expect(decideWith(statements, 's3:GetObject', `arn:aws:s3:::${BUCKET}/home/ada/notes`)).toBe('ImplicitDeny');
    expect(decideWith(statements, 's3:ListBucket', 'b', { 's3:prefix': 'ml/x', 'aws:PrincipalTag/team': 'ml' })).toBe('Allow');
    expect(decideWith(statements, 's3:ListBucket', 'b', { 's3:prefix': 'shared/x' })).toBe('Allow');
    expect(decideWith(statements, 's3:ListBucket', 'b', { 's3:prefix': 'ml/x' })).toBe('ImplicitDeny');
  });

  it('an operator the stack does not evaluate is an error, never a silent answer', () => {
    const statements = [{ Effect: 'Allow', Action: '*', Resource: '*', Condition: { StringSoundsLike: { 'aws:username': 'ada' } } }];
    expect(() => decideWith(statements, 's3:GetObject', 'b', { 'aws:username': 'ada' })).toThrow(UnsupportedConditionError);
    expect(() => decideWith([{ Effect: 'Allow', Action: '*', Resource: '*', Condition: { 'Sometimes:StringEquals': { k: 'v' } } }], 'x:Y', '*', { k: 'v' })).toThrow(UnsupportedConditionError);
  });
});

describe('resource-based policies and principals', () => {
  const queueArn = `arn:aws:sqs:us-east-1:${ACCOUNT}:ml-pipeline-local-notifications`;
  const ruleArn = `arn:aws:events:us-east-1:${ACCOUNT}:rule/ml-pipeline-local-notify`;
  const queuePolicy = parsePolicyDocument({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: queueArn, Condition: { ArnEquals: { 'aws:SourceArn': ruleArn } } }],
  });
  const events: CallerIdentity = { arn: 'events.amazonaws.com', accountId: ACCOUNT, service: 'events.amazonaws.com' };

  it('a queue policy lets EventBridge send for its rule only', () => {
    expect(evaluate(request('sqs:SendMessage', queueArn, { 'aws:SourceArn': ruleArn }, events), { identity: [], resource: queuePolicy }).decision).toBe('Allow');
    expect(evaluate(request('sqs:SendMessage', queueArn, { 'aws:SourceArn': `${ruleArn}-other` }, events), { identity: [], resource: queuePolicy }).decision).toBe('ImplicitDeny');
    expect(evaluate(request('sqs:SendMessage', queueArn, { 'aws:SourceArn': ruleArn }), { identity: [], resource: queuePolicy }).decision).toBe('ImplicitDeny');
  });

  it('a resource policy naming the role (or its session) allows alone; naming the account defers to identity policies', () => {
    const namingRole = parsePolicyDocument({ Statement: [{ Effect: 'Allow', Principal: { AWS: role.roleArn }, Action: 'sqs:*', Resource: queueArn }] });
    expect(evaluate(request('sqs:ReceiveMessage', queueArn), { identity: [], resource: namingRole }).decision).toBe('Allow');
    const namingSession = parsePolicyDocument({ Statement: [{ Effect: 'Allow', Principal: { AWS: [role.arn] }, Action: 'sqs:*', Resource: queueArn }] });
    expect(evaluate(request('sqs:ReceiveMessage', queueArn), { identity: [], resource: namingSession })).toMatchObject({ decision: 'Allow', by: 'resource-based' });
    const namingAccount = parsePolicyDocument({ Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'sqs:*', Resource: queueArn }] });
    expect(evaluate(request('sqs:ReceiveMessage', queueArn), { identity: [], resource: namingAccount }).decision).toBe('ImplicitDeny');
    const identity = [parsePolicyDocument({ Statement: [{ Effect: 'Allow', Action: 'sqs:ReceiveMessage', Resource: queueArn }] })];
    expect(evaluate(request('sqs:ReceiveMessage', queueArn), { identity, resource: namingAccount })).toMatchObject({ decision: 'Allow', by: 'identity-based' });
  });

  it('NotPrincipal applies to everyone but those named', () => {
    const policy = parsePolicyDocument({ Statement: [{ Effect: 'Deny', NotPrincipal: { AWS: role.roleArn }, Action: 's3:*', Resource: '*' }] });
    const identity = [parsePolicyDocument({ Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] })];
    expect(evaluate(request('s3:GetObject', 'arn:aws:s3:::b/k'), { identity, resource: policy }).decision).toBe('Allow');
    const other: CallerIdentity = { arn: `arn:aws:sts::${ACCOUNT}:assumed-role/other/s`, accountId: ACCOUNT, roleArn: `arn:aws:iam::${ACCOUNT}:role/other` };
    expect(evaluate(request('s3:GetObject', 'arn:aws:s3:::b/k', {}, other), { identity, resource: policy }).decision).toBe('ExplicitDeny');
  });

  it('a trust policy (no Resource element) applies to its role', () => {
    const trust = parsePolicyDocument({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'sagemaker.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
    const sagemaker: CallerIdentity = { arn: 'sagemaker.amazonaws.com', accountId: ACCOUNT, service: 'sagemaker.amazonaws.com' };
    expect(evaluate(request('sts:AssumeRole', role.roleArn!, {}, sagemaker), { identity: [], resource: trust }).decision).toBe('Allow');
    const lambda: CallerIdentity = { arn: 'lambda.amazonaws.com', accountId: ACCOUNT, service: 'lambda.amazonaws.com' };
    expect(evaluate(request('sts:AssumeRole', role.roleArn!, {}, lambda), { identity: [], resource: trust }).decision).toBe('ImplicitDeny');
  });
});

describe('AWS access denied messages', () => {
  it('implicit deny: no identity-based policy allows the action', () => {
    const denied = request('s3:GetObject', `arn:aws:s3:::${BUCKET}/labeled/a.csv`);
    const decision = evaluate(denied, { identity: [trainingPolicy] });
    expect(decision.decision).toBe('ImplicitDeny');
    if (decision.decision === 'Allow') throw new Error('unreachable');
    expect(denialMessage(denied, decision)).toBe(
      `User: arn:aws:sts::${ACCOUNT}:assumed-role/training-role/job-1 is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::${BUCKET}/labeled/a.csv because no identity-based policy allows the s3:GetObject action`,
    );
  });

  it('explicit deny: names the kind of policy', () => {
    const denied = request('s3:GetObject', `arn:aws:s3:::${BUCKET}/prepared/a`, { 'aws:SecureTransport': 'false' });
    const decision = evaluate(denied, { identity: [trainingPolicy], resource: tlsOnlyBucketPolicy });
    if (decision.decision === 'Allow') throw new Error('expected a deny');
    expect(denialMessage(denied, decision)).toBe(`User: ${role.arn} is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::${BUCKET}/prepared/a with an explicit deny in a resource-based policy`);
  });
});
