import { AssumeRoleCommand, GetCallerIdentityCommand, GetFederationTokenCommand, GetSessionTokenCommand, STSClient } from '@aws-sdk/client-sts';
import { childElement, childText, parseXml } from '../../local-stack/src/core/xml';
import { rawRequest } from '../support/http';
import { clientsOf, useProviderStack } from '../support/stack';

describe('STS provider', () => {
  const stack = useProviderStack();
  const { sts } = clientsOf(stack);

  it('answers GetCallerIdentity with the local account', async () => {
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    expect(identity).toMatchObject({ Account: '000000000000', Arn: 'arn:aws:iam::000000000000:root', UserId: '000000000000' });
  });

  it('refuses credentials it does not know, and unsigned requests', async () => {
    const other = new STSClient({ endpoint: stack.url, region: 'eu-west-1', credentials: { accessKeyId: 'AKIAOTHER', secretAccessKey: 'x' }, maxAttempts: 1 });
    try {
      await expect(other.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({ name: 'InvalidClientTokenId', $metadata: { httpStatusCode: 403 } });
    } finally {
      other.destroy();
    }
    const unsigned = await rawRequest(stack.url, { path: '/?Action=GetCallerIdentity&Version=2011-06-15' });
    expect(unsigned.status).toBe(403);
    expect(childText(childElement(parseXml(unsigned.body.toString()), 'Error')!, 'Code')).toBe('MissingAuthenticationToken');
  });

  it('answers a signed query-protocol GET', async () => {
    const response = await rawRequest(stack.url, { path: '/?Action=GetCallerIdentity&Version=2011-06-15', sign: 'sts' });
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

  it('issues credentials that sign as the assumed role, need their session token, and survive a restart', async () => {
    const assumed = await sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::000000000000:role/trainer', RoleSessionName: 'run-7', DurationSeconds: 900 }));
    const { AccessKeyId, SecretAccessKey, SessionToken } = assumed.Credentials!;
    const asRole = (sessionToken: string | undefined) =>
      new STSClient({ endpoint: stack.url, region: 'us-east-1', credentials: { accessKeyId: AccessKeyId!, secretAccessKey: SecretAccessKey!, sessionToken }, maxAttempts: 1 });
    const role = asRole(SessionToken);
    const tokenless = asRole(undefined);
    const wrongToken = asRole('not-the-token');
    try {
      await expect(role.send(new GetCallerIdentityCommand({}))).resolves.toMatchObject({ Arn: 'arn:aws:sts::000000000000:assumed-role/trainer/run-7', Account: '000000000000' });
      await expect(tokenless.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({ name: 'InvalidClientTokenId', $metadata: { httpStatusCode: 403 } });
      await expect(wrongToken.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({ name: 'InvalidClientTokenId' });
      await stack.restart();
      const afterRestart = asRole(SessionToken);
      try {
        await expect(afterRestart.send(new GetCallerIdentityCommand({}))).resolves.toMatchObject({ Arn: 'arn:aws:sts::000000000000:assumed-role/trainer/run-7' });
      } finally {
        afterRestart.destroy();
      }
    } finally {
      for (const client of [role, tokenless, wrongToken]) client.destroy();
    }
  });

  it('names an unimplemented action', async () => {
    const response = await rawRequest(stack.url, {
      method: 'POST',
      path: '/',
      headers: { 'content-type': 'application/x-www-form-urlencoded' }, sign: 'sts',
      body: 'Action=DecodeAuthorizationMessage&Version=2011-06-15&EncodedMessage=x',
    });
    expect(response.status).toBe(400);
    expect(response.body.toString()).toMatch(/<Code>InvalidAction<\/Code>.*DecodeAuthorizationMessage/s);
  });

  /**
   * Issue 19 (STS): AssumeRole's validation and GetFederationToken as STS answers them. AWS's answers:
   * LocalStack's snapshot tests recorded against STS (tests/aws/services/sts/test_sts.snapshot.json:
   * test_sts_invalid_parameters, test_get_federation_token) and botocore's model (sts 2011-06-15: the
   * members' min, max and pattern; GetFederationToken's documentation of root sessions).
   */
  describe('STS answers as AWS answers', () => {
    const refused = (message: string, name = 'ValidationError') => ({ name, message, $metadata: { httpStatusCode: 400 } });

    it('refuses a RoleArn that is no ARN with "<arn> is invalid" (recorded: test_sts_invalid_parameters)', async () => {
      for (const RoleArn of ['nothing-valid-in-here', 'arn::b:::something/test-role', 'arn:a::::something/test-role', 'arn:a:::something/test-role', 'arn:a:a::aaaaaaaaaa:']) {
        await expect(sts.send(new AssumeRoleCommand({ RoleArn, RoleSessionName: 'Session1' }))).rejects.toMatchObject(refused(`${RoleArn} is invalid`));
      }
      // An ARN that names no role cannot be assumed.
      await expect(sts.send(new AssumeRoleCommand({ RoleArn: 'arn:a:b:::something/test-role', RoleSessionName: 'Session1' }))).rejects.toMatchObject({
        name: 'AccessDenied',
        $metadata: { httpStatusCode: 403 },
      });
    });

    it('checks RoleSessionName, DurationSeconds and RoleArn against the model with AWS’s message (recorded: test_sts_invalid_parameters)', async () => {
      const RoleArn = 'arn:aws:iam::000000000000:role/deployer';
      await expect(sts.send(new AssumeRoleCommand({ RoleArn: 'arn:a:b:::something/test-role', RoleSessionName: 'Session1:2' }))).rejects.toMatchObject(
        refused("1 validation error detected: Value 'Session1:2' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*"),
      );
      const long = 's'.repeat(65);
      await expect(sts.send(new AssumeRoleCommand({ RoleArn, RoleSessionName: long }))).rejects.toMatchObject(
        refused(`1 validation error detected: Value '${long}' at 'roleSessionName' failed to satisfy constraint: Member must have length less than or equal to 64`),
      );
      await expect(sts.send(new AssumeRoleCommand({ RoleArn, RoleSessionName: 's', DurationSeconds: 100 }))).rejects.toMatchObject(
        refused(
          "2 validation errors detected: Value 's' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2; Value '100' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900",
        ),
      );
      await expect(sts.send(new AssumeRoleCommand({ RoleArn, RoleSessionName: 'ok', DurationSeconds: 43_201 }))).rejects.toMatchObject(
        refused("1 validation error detected: Value '43201' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200"),
      );
      await expect(sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::1:role', RoleSessionName: 'ok' }))).rejects.toMatchObject(
        refused("1 validation error detected: Value 'arn:aws:iam::1:role' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20"),
      );
      await expect(sts.send(new GetSessionTokenCommand({ DurationSeconds: 129_601 }))).rejects.toMatchObject(
        refused("1 validation error detected: Value '129601' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 129600"),
      );
    });

    it('GetFederationToken answers the federated user of the account (recorded: test_get_federation_token)', async () => {
      const before = Date.now();
      const token = await sts.send(new GetFederationTokenCommand({ Name: 'data-scientist', DurationSeconds: 7200 }));
      expect(token.FederatedUser).toEqual({ FederatedUserId: '000000000000:data-scientist', Arn: 'arn:aws:sts::000000000000:federated-user/data-scientist' });
      expect(token.PackedPolicySize).toBe(0);
      expect(token.Credentials?.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
      // The local caller is the account's root: its federation sessions last at most an hour.
      const expires = (token.Credentials?.Expiration as Date).getTime();
      expect(expires).toBeGreaterThan(before + 3_590_000);
      expect(expires).toBeLessThanOrEqual(Date.now() + 3_600_000);
      const withPolicy = await sts.send(
        new GetFederationTokenCommand({ Name: 'reader', Policy: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] }) }),
      );
      expect(withPolicy.PackedPolicySize).toBeGreaterThan(0);
      expect(withPolicy.PackedPolicySize).toBeLessThanOrEqual(100);
    });

    it('GetFederationToken refuses long names, durations out of range, large or malformed policies', async () => {
      const name = 'n'.repeat(33);
      await expect(sts.send(new GetFederationTokenCommand({ Name: name }))).rejects.toMatchObject(
        refused(`1 validation error detected: Value '${name}' at 'name' failed to satisfy constraint: Member must have length less than or equal to 32`),
      );
      await expect(sts.send(new GetFederationTokenCommand({ Name: 'bad name' }))).rejects.toMatchObject(
        refused("1 validation error detected: Value 'bad name' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*"),
      );
      await expect(sts.send(new GetFederationTokenCommand({ Name: 'user', DurationSeconds: 899 }))).rejects.toMatchObject(
        refused("1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"),
      );
      const policy = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'x'.repeat(2048) }] });
      await expect(sts.send(new GetFederationTokenCommand({ Name: 'user', Policy: policy }))).rejects.toMatchObject(
        refused(`1 validation error detected: Value '${policy}' at 'policy' failed to satisfy constraint: Member must have length less than or equal to 2048`),
      );
      // The SDK names the modelled exception of the query code MalformedPolicyDocument.
      await expect(sts.send(new GetFederationTokenCommand({ Name: 'user', Policy: '{not json' }))).rejects.toMatchObject({ name: 'MalformedPolicyDocumentException', $metadata: { httpStatusCode: 400 } });
    });
  });
});

describe('STS provider, awsJson1.0 form', () => {
  const stack = useProviderStack();

  it('answers GetCallerIdentity and errors in JSON', async () => {
    const identity = await rawRequest(stack.url, {
      method: 'POST',
      path: '/',
      headers: { 'x-amz-target': 'AWSSecurityTokenServiceV20110615.GetCallerIdentity', 'content-type': 'application/x-amz-json-1.0' },
      sign: 'sts',
      body: '{}',
    });
    expect(identity.status).toBe(200);
    expect(JSON.parse(identity.body.toString())).toEqual({ Arn: 'arn:aws:iam::000000000000:root', UserId: '000000000000', Account: '000000000000' });
    const refused = await rawRequest(stack.url, {
      method: 'POST',
      path: '/',
      headers: { 'x-amz-target': 'AWSSecurityTokenServiceV20110615.AssumeRole', 'content-type': 'application/x-amz-json-1.0' },
      sign: 'sts',
      body: '{"RoleArn":"bad","RoleSessionName":"s1"}',
    });
    expect(refused.status).toBe(400);
    expect(JSON.parse(refused.body.toString())).toMatchObject({ __type: 'ValidationError' });
  });
});
