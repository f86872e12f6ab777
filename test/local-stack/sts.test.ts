import { AssumeRoleCommand, GetCallerIdentityCommand, GetSessionTokenCommand, STSClient } from '@aws-sdk/client-sts';
import { childElement, childText, parseXml } from '../../local-stack/src/core/xml';
import { rawRequest, sigV4Authorization } from '../support/http';
import { clientsOf, useProviderStack } from '../support/stack';

describe('STS provider', () => {
  const stack = useProviderStack();
  const { sts } = clientsOf(stack);

  it('answers GetCallerIdentity with the local account', async () => {
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    expect(identity).toMatchObject({ Account: '000000000000', Arn: 'arn:aws:iam::000000000000:root', UserId: '000000000000' });
  });

  it('accepts any credentials', async () => {
    const other = new STSClient({ endpoint: stack.url, region: 'eu-west-1', credentials: { accessKeyId: 'AKIAOTHER', secretAccessKey: 'x' } });
    try {
      await expect(other.send(new GetCallerIdentityCommand({}))).resolves.toMatchObject({ Account: '000000000000' });
    } finally {
      other.destroy();
    }
  });

  it('answers an unsigned query-protocol GET', async () => {
    const response = await rawRequest(stack.url, { path: '/?Action=GetCallerIdentity&Version=2011-06-15' });
    expect(response.status).toBe(200);
    const root = parseXml(response.body.toString());
    expect(root.name).toBe('GetCallerIdentityResponse');
    const result = childElement(root, 'GetCallerIdentityResult');
    expect(result && childText(result, 'Account')).toBe('000000000000');
  });

  it('assumes roles with temporary credentials', async () => {
    const assumed = await sts.send(
      new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::000000000000:role/service-role/deployer', RoleSessionName: 'deploy-1', DurationSeconds: 900 }),
    );
    expect(assumed.AssumedRoleUser?.Arn).toBe('arn:aws:sts::000000000000:assumed-role/deployer/deploy-1');
    expect(assumed.Credentials?.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect((assumed.Credentials?.Expiration as Date).getTime()).toBeGreaterThan(Date.now() + 800_000);
    await expect(sts.send(new AssumeRoleCommand({ RoleArn: 'not-an-arn', RoleSessionName: 's1' }))).rejects.toMatchObject({
      name: 'ValidationError',
      $metadata: { httpStatusCode: 400 },
    });
    await expect(sts.send(new GetSessionTokenCommand({}))).resolves.toMatchObject({ Credentials: { SessionToken: expect.any(String) } });
  });

  it('names an unimplemented action', async () => {
    const response = await rawRequest(stack.url, {
      method: 'POST',
      path: '/',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: sigV4Authorization('sts') },
      body: 'Action=GetFederationToken&Version=2011-06-15&Name=x',
    });
    expect(response.status).toBe(400);
    expect(response.body.toString()).toMatch(/<Code>InvalidAction<\/Code>.*GetFederationToken/s);
  });
});

describe('STS provider, awsJson1.0 form', () => {
  const stack = useProviderStack();

  it('answers GetCallerIdentity and errors in JSON', async () => {
    const identity = await rawRequest(stack.url, {
      method: 'POST',
      path: '/',
      headers: { 'x-amz-target': 'AWSSecurityTokenServiceV20110615.GetCallerIdentity', 'content-type': 'application/x-amz-json-1.0' },
      body: '{}',
    });
    expect(identity.status).toBe(200);
    expect(JSON.parse(identity.body.toString())).toEqual({ Arn: 'arn:aws:iam::000000000000:root', UserId: '000000000000', Account: '000000000000' });
    const refused = await rawRequest(stack.url, {
      method: 'POST',
      path: '/',
      headers: { 'x-amz-target': 'AWSSecurityTokenServiceV20110615.AssumeRole', 'content-type': 'application/x-amz-json-1.0' },
      body: '{"RoleArn":"bad","RoleSessionName":"s1"}',
    });
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.body.toString())).toMatchObject({ __type: 'ValidationError' });
  });
});
