/**
 * Who may talk to the local stack (issue 11): loopback names only, browsers only from the stack's own
 * origin or an allowed one, and every AWS request signed (SigV4) with credentials the stack knows, refused
 * otherwise with AWS's own error code and status for the request's protocol. The probes of the issue are
 * here, each refused, with nothing queued, written or run.
 */
import { readdirSync } from 'node:fs';
import { GetJobsCommand, GlueClient } from '@aws-sdk/client-glue';
import { ListFunctionsCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { childElement, childText, parseXml } from '../../local-stack/src/core/xml';
import { HEALTH_PATH } from '../../local-stack/src/core/server';
import { signRequest } from '../../local-stack/src/core/sigv4';
import { presignedPath, rawRequest, signedAwsChunkedUpload, type RawResponse } from '../support/http';
import { clientsOf, REGION, useProviderStack } from '../support/stack';

const ALLOWED_ORIGIN = 'http://localhost:3000';
const stack = useProviderStack({ server: { frontDoor: { allowedOrigins: [ALLOWED_ORIGIN], allowedHosts: ['stack.internal.test'] } } });
const { s3, sqs } = clientsOf(stack);

const host = () => new URL(stack.url).host;
const port = () => new URL(stack.url).port;

function xmlCode(response: RawResponse): string | undefined {
  const root = parseXml(response.body.toString('utf8'));
  const error = root.name === 'Error' ? root : childElement(root, 'Error');
  return error && childText(error, 'Code');
}

function jsonCode(response: RawResponse): string {
  return String(response.headers['x-amzn-errortype']);
}

async function queueDepth(url: string): Promise<number> {
  const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }));
  return Number(attributes.Attributes?.ApproximateNumberOfMessages);
}

function mails(): string[] {
  try {
    return readdirSync(stack.mailDir);
  } catch {
    return [];
  }
}

describe('the probes of issue 11, each refused', () => {
  let queueUrl: string;
  beforeAll(async () => {
    queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'ml-pipeline-local-notifications' }))).QueueUrl!;
  });

  it('an unsigned form POST from a foreign web origin queues nothing', async () => {
    const body = `Action=SendMessage&QueueUrl=${encodeURIComponent(queueUrl)}&MessageBody=hello`;
    const fromPage = await rawRequest(stack.url, { method: 'POST', path: '/', headers: { origin: 'http://evil.example', 'content-type': 'application/x-www-form-urlencoded' }, body });
    expect([fromPage.status, xmlCode(fromPage)]).toEqual([403, 'AccessDenied']);
    expect(fromPage.body.toString()).toContain('http://evil.example');
    // Without the Origin (curl): still unsigned.
    const unsigned = await rawRequest(stack.url, { method: 'POST', path: '/', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    expect([unsigned.status, xmlCode(unsigned)]).toEqual([403, 'MissingAuthenticationToken']);
    expect(await queueDepth(queueUrl)).toBe(0);
  });

  it('an unsigned SES v2 SendEmail as text/plain writes no email', async () => {
    const before = mails();
    const body = JSON.stringify({ FromEmailAddress: 'a@example.com', Destination: { ToAddresses: ['b@example.com'] }, Content: { Simple: { Subject: { Data: 's' }, Body: { Text: { Data: 't' } } } } });
    const fromPage = await rawRequest(stack.url, { method: 'POST', path: '/v2/email/outbound-emails', headers: { origin: 'http://evil.example', 'content-type': 'text/plain' }, body });
    expect(fromPage.status).toBe(403);
    const unsigned = await rawRequest(stack.url, { method: 'POST', path: '/v2/email/outbound-emails', headers: { 'content-type': 'text/plain' }, body });
    expect([unsigned.status, jsonCode(unsigned)]).toEqual([403, 'MissingAuthenticationTokenException']);
    expect(mails()).toEqual(before);
  });

  it('a Host that is not a loopback name (DNS rebinding) is refused, even signed', async () => {
    const rebound = await rawRequest(stack.url, {
      method: 'POST',
      path: '/',
      headers: { host: `evil.example:${port()}`, 'x-amz-target': 'AWSGlue.GetJobs', 'content-type': 'application/x-amz-json-1.1' },
      sign: 'glue',
      body: '{}',
    });
    expect(rebound.status).toBe(403);
    expect(rebound.body.toString()).toContain('LOCAL_STACK_ALLOWED_HOSTS');
    expect(rebound.body.toString()).not.toContain('Jobs');
    const health = await rawRequest(stack.url, { path: HEALTH_PATH, headers: { host: `rebind.example:${port()}` } });
    expect(health.status).toBe(403);
  });

  it('a cross-site browser request without an Origin (Sec-Fetch-Site) is refused', async () => {
    const response = await rawRequest(stack.url, { path: '/some-bucket/key', headers: { 'sec-fetch-site': 'cross-site' }, sign: 's3' });
    expect([response.status, xmlCode(response)]).toEqual([403, 'AccessDenied']);
  });
});

describe('the front door', () => {
  it('answers loopback names: 127.0.0.0/8, localhost, *.localhost, [::1], and names allowed by configuration', async () => {
    for (const name of ['127.0.0.1', '127.3.4.5', 'localhost', 'pipeline.localhost', '[::1]', 'stack.internal.test']) {
      const response = await rawRequest(stack.url, { path: '/?Action=GetCallerIdentity&Version=2011-06-15', headers: { host: `${name}:${port()}` }, sign: 'sts' });
      expect([name, response.status]).toEqual([name, 200]);
    }
    for (const name of ['127.0.0.1.evil.example', 'localhost.evil.example', '128.0.0.1', '10.0.0.1', '0.0.0.0']) {
      const response = await rawRequest(stack.url, { path: HEALTH_PATH, headers: { host: `${name}:${port()}` } });
      expect([name, response.status]).toEqual([name, 403]);
    }
  });

  it('serves the stack\'s own origin (the console is same-origin) and allowed origins, with CORS headers', async () => {
    const same = await rawRequest(stack.url, { path: '/', headers: { origin: `http://${host()}` }, sign: 's3' });
    expect(same.status).toBe(200);
    const localhostOrigin = await rawRequest(stack.url, { path: '/', headers: { host: `localhost:${port()}`, origin: `http://localhost:${port()}` }, sign: 's3' });
    expect(localhostOrigin.status).toBe(200);
    const allowed = await rawRequest(stack.url, { path: '/', headers: { origin: ALLOWED_ORIGIN }, sign: 's3' });
    expect(allowed.status).toBe(200);
    expect(allowed.headers['access-control-allow-origin']).toBe(ALLOWED_ORIGIN);
    expect(allowed.headers['access-control-expose-headers']).toContain('etag');
    // Another port of the same machine is another origin.
    const otherPort = await rawRequest(stack.url, { path: '/', headers: { origin: 'http://127.0.0.1:1' }, sign: 's3' });
    expect(otherPort.status).toBe(403);
    const nullOrigin = await rawRequest(stack.url, { path: '/', headers: { origin: 'null' }, sign: 's3' });
    expect(nullOrigin.status).toBe(403);
  });

  it('answers CORS preflights for allowed origins only', async () => {
    const preflight = (origin: string) =>
      rawRequest(stack.url, { method: 'OPTIONS', path: '/bucket/key', headers: { origin, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'authorization,x-amz-date,x-amz-content-sha256' } });
    const allowed = await preflight(ALLOWED_ORIGIN);
    expect(allowed.status).toBe(200);
    expect(allowed.headers).toMatchObject({
      'access-control-allow-origin': ALLOWED_ORIGIN,
      'access-control-allow-methods': expect.stringContaining('PUT'),
      'access-control-allow-headers': 'authorization,x-amz-date,x-amz-content-sha256',
    });
    const refused = await preflight('https://evil.example');
    expect(refused.status).toBe(403);
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('keeps the health path open to loopback without a signature', async () => {
    expect((await rawRequest(stack.url, { path: HEALTH_PATH })).status).toBe(200);
  });
});

describe('authentication, in each protocol\'s own error codes', () => {
  const client = <T>(make: (config: { endpoint: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string }; maxAttempts: number }) => T, accessKeyId: string, secretAccessKey: string) =>
    make({ endpoint: stack.url, region: REGION, credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1 });

  it('S3 (REST-XML): InvalidAccessKeyId, SignatureDoesNotMatch, AccessDenied unsigned', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'guarded' }));
    const stranger = client((config) => new S3Client({ ...config, forcePathStyle: true }), 'AKIASTRANGER', 'x');
    const guesser = client((config) => new S3Client({ ...config, forcePathStyle: true }), 'local', 'not-local');
    try {
      await expect(stranger.send(new ListObjectsV2Command({ Bucket: 'guarded' }))).rejects.toMatchObject({ name: 'InvalidAccessKeyId', $metadata: { httpStatusCode: 403 } });
      await expect(guesser.send(new ListObjectsV2Command({ Bucket: 'guarded' }))).rejects.toMatchObject({ name: 'SignatureDoesNotMatch', $metadata: { httpStatusCode: 403 } });
    } finally {
      stranger.destroy();
      guesser.destroy();
    }
    const unsigned = await rawRequest(stack.url, { path: '/guarded?list-type=2' });
    expect([unsigned.status, xmlCode(unsigned)]).toEqual([403, 'AccessDenied']);
  });

  it('S3: a request signed 20 minutes ago is RequestTimeTooSkewed; a presigned URL past its expiry is AccessDenied', async () => {
    const old = new Date(Date.now() - 20 * 60_000);
    const skewed = await rawRequest(stack.url, { path: '/guarded?list-type=2', sign: { service: 's3', date: old } });
    expect([skewed.status, xmlCode(skewed)]).toEqual([403, 'RequestTimeTooSkewed']);
    const expired = await rawRequest(stack.url, { path: await presignedPath(stack.url, { path: '/guarded/key', expiresIn: 60, signingDate: new Date(Date.now() - 120_000) }) });
    expect([expired.status, xmlCode(expired)]).toEqual([403, 'AccessDenied']);
    expect(expired.body.toString()).toContain('Request has expired');
    const malformed = await rawRequest(stack.url, { path: '/guarded/key?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=test%2F20261125%2Fus-east-1%2Fs3%2Faws4_request' });
    expect([malformed.status, xmlCode(malformed)]).toEqual([400, 'AuthorizationQueryParametersError']);
  });

  it('S3: a body that does not match its signed x-amz-content-sha256 is refused and not stored', async () => {
    const response = await rawRequest(stack.url, {
      method: 'PUT',
      path: '/guarded/tampered.txt',
      headers: { 'x-amz-content-sha256': '0'.repeat(64) },
      sign: 's3',
      body: 'not what was signed',
    });
    expect([response.status, xmlCode(response)]).toEqual([400, 'XAmzContentSHA256Mismatch']);
    await expect(s3.send(new GetObjectCommand({ Bucket: 'guarded', Key: 'tampered.txt' }))).rejects.toMatchObject({ name: 'NoSuchKey' });
  });

  it('S3: signed aws-chunked uploads (with and without a signed trailer) are stored; a changed chunk is SignatureDoesNotMatch and stores nothing', async () => {
    const chunks = [Buffer.alloc(8192, 'a'), Buffer.from('tail')];
    const plain = signedAwsChunkedUpload(stack.url, { path: '/guarded/chunked.txt', chunks });
    expect((await rawRequest(stack.url, { method: 'PUT', path: '/guarded/chunked.txt', headers: plain.headers, body: plain.body })).status).toBe(200);
    const stored = await s3.send(new GetObjectCommand({ Bucket: 'guarded', Key: 'chunked.txt' }));
    expect(await stored.Body!.transformToString()).toBe(Buffer.concat(chunks).toString());

    const trailed = signedAwsChunkedUpload(stack.url, { path: '/guarded/trailed.txt', chunks: [Buffer.from('hello stream')], trailers: { 'x-amz-checksum-crc32': 'gtnkmQ==' } });
    expect((await rawRequest(stack.url, { method: 'PUT', path: '/guarded/trailed.txt', headers: trailed.headers, body: trailed.body })).status).toBe(200);

    const tampered = signedAwsChunkedUpload(stack.url, { path: '/guarded/forged.txt', chunks: [Buffer.from('hello')], tamper: (body) => body.replace('hello', 'jello') });
    const refused = await rawRequest(stack.url, { method: 'PUT', path: '/guarded/forged.txt', headers: tampered.headers, body: tampered.body });
    expect([refused.status, xmlCode(refused)]).toEqual([403, 'SignatureDoesNotMatch']);
    const badTrailer = signedAwsChunkedUpload(stack.url, { path: '/guarded/forged.txt', chunks: [Buffer.from('hello stream')], trailers: { 'x-amz-checksum-crc32': 'gtnkmQ==' }, tamper: (body) => body.replace('gtnkmQ==', 'AAAAAA==') });
    const refusedTrailer = await rawRequest(stack.url, { method: 'PUT', path: '/guarded/forged.txt', headers: badTrailer.headers, body: badTrailer.body });
    expect([refusedTrailer.status, xmlCode(refusedTrailer)]).toEqual([403, 'SignatureDoesNotMatch']);
    await expect(s3.send(new GetObjectCommand({ Bucket: 'guarded', Key: 'forged.txt' }))).rejects.toMatchObject({ name: 'NoSuchKey' });
  });

  it('query protocol (STS, SQS): InvalidClientTokenId, SignatureDoesNotMatch, RequestExpired, IncompleteSignature, MissingAuthenticationToken', async () => {
    const stranger = client((config) => new STSClient(config), 'AKIASTRANGER', 'x');
    const guesser = client((config) => new STSClient(config), 'test', 'guess');
    try {
      await expect(stranger.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({ name: 'InvalidClientTokenId', $metadata: { httpStatusCode: 403 } });
      await expect(guesser.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({ name: 'SignatureDoesNotMatch', $metadata: { httpStatusCode: 403 } });
    } finally {
      stranger.destroy();
      guesser.destroy();
    }
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const skewed = await rawRequest(stack.url, { method: 'POST', path: '/', headers: form, sign: { service: 'sqs', date: new Date(Date.now() + 20 * 60_000) }, body: 'Action=ListQueues&Version=2012-11-05' });
    expect([skewed.status, xmlCode(skewed)]).toEqual([400, 'RequestExpired']);
    const incomplete = await rawRequest(stack.url, { method: 'POST', path: '/', headers: { ...form, authorization: 'AWS4-HMAC-SHA256 Credential=test/20261125/us-east-1/sqs/aws4_request', 'x-amz-date': '20261125T000000Z' }, body: 'Action=ListQueues' });
    expect([incomplete.status, xmlCode(incomplete)]).toEqual([400, 'IncompleteSignature']);
    const unsigned = await rawRequest(stack.url, { path: '/?Action=ListQueues&Version=2012-11-05' });
    expect([unsigned.status, xmlCode(unsigned)]).toEqual([403, 'MissingAuthenticationToken']);
  });

  it('JSON protocols (Glue, SQS JSON) and REST-JSON (Lambda): UnrecognizedClientException, InvalidSignatureException, MissingAuthenticationTokenException', async () => {
    const glueStranger = client((config) => new GlueClient(config), 'AKIASTRANGER', 'x');
    const glueGuesser = client((config) => new GlueClient(config), 'local', 'guess');
    const sqsStranger = client((config) => new SQSClient(config), 'AKIASTRANGER', 'x');
    const lambdaStranger = client((config) => new LambdaClient(config), 'AKIASTRANGER', 'x');
    try {
      await expect(glueStranger.send(new GetJobsCommand({}))).rejects.toMatchObject({ name: 'UnrecognizedClientException', $metadata: { httpStatusCode: 403 } });
      await expect(glueGuesser.send(new GetJobsCommand({}))).rejects.toMatchObject({ name: 'InvalidSignatureException', $metadata: { httpStatusCode: 403 } });
      // SQS is query-compatible: the SDK names the query protocol's code.
      await expect(sqsStranger.send(new ListQueuesCommand({}))).rejects.toMatchObject({ name: 'InvalidClientTokenId', $metadata: { httpStatusCode: 403 } });
      await expect(lambdaStranger.send(new ListFunctionsCommand({}))).rejects.toMatchObject({ name: 'UnrecognizedClientException', $metadata: { httpStatusCode: 403 } });
    } finally {
      for (const made of [glueStranger, glueGuesser, sqsStranger, lambdaStranger]) made.destroy();
    }
    const unsigned = await rawRequest(stack.url, { method: 'POST', path: '/', headers: { 'x-amz-target': 'AWSGlue.GetJobs', 'content-type': 'application/x-amz-json-1.1' }, body: '{}' });
    expect([unsigned.status, jsonCode(unsigned)]).toEqual([403, 'MissingAuthenticationTokenException']);
    // The signature covers the JSON body's hash: a body changed after signing is refused.
    const target = { 'x-amz-target': 'AWSGlue.GetJobs', 'content-type': 'application/x-amz-json-1.1' };
    const headers = signRequest({ method: 'POST', path: '/', host: host(), headers: target, body: '{}', service: 'glue', region: REGION, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
    expect((await rawRequest(stack.url, { method: 'POST', path: '/', headers, body: '{}' })).status).toBe(200);
    const changed = await rawRequest(stack.url, { method: 'POST', path: '/', headers, body: '{"MaxResults":1}' });
    expect([changed.status, jsonCode(changed)]).toEqual([403, 'InvalidSignatureException']);
  });

});
