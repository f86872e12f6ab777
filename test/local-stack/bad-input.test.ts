/**
 * Bad input gets a clean 4xx, never a crash or a file outside the state folder (issue 11, item 5): names
 * that climb out of their folder (S3 buckets and keys, queues, jobs, functions, training jobs), oversized
 * bodies, malformed XML (with DTD entity expansion), JSON, query strings and aws-chunked encodings.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { CreateJobCommand, GlueClient, StartJobRunCommand } from '@aws-sdk/client-glue';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { CreateTrainingJobCommand } from '@aws-sdk/client-sagemaker';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import { HEALTH_PATH } from '../../local-stack/src/core/server';
import { childText, parseXml } from '../../local-stack/src/core/xml';
import { rawRequest, type RawResponse } from '../support/http';
import { clientsOf, useProviderStack } from '../support/stack';
import { filesOutside, temporaryDirectory } from '../support/temporary-directory';

// The state folder is one level down from a folder of our own: anything written beside it is seen.
const outer = temporaryDirectory('bad-input');
const stateDir = path.join(outer.dir, 'state');
const stack = useProviderStack({ stateDir, server: { maxBodyBytes: 64 * 1024 } });
const { s3, sqs, lambda, sagemaker } = clientsOf(stack);
afterAll(() => outer.remove());

const outside = () => filesOutside(outer.dir, 'state');

function status(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

async function refused(call: Promise<unknown>): Promise<number> {
  try {
    await call;
  } catch (error) {
    return status(error) ?? -1;
  }
  return 200;
}

/** A signed S3 PUT of an unsigned aws-chunked body (STREAMING-UNSIGNED-PAYLOAD-TRAILER) that claims 5 bytes. */
function putAwsChunked(requestPath: string, body: string): Promise<RawResponse> {
  return rawRequest(stack.url, {
    method: 'PUT',
    path: requestPath,
    headers: { 'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', 'content-encoding': 'aws-chunked', 'x-amz-decoded-content-length': 5 },
    sign: 's3',
    body,
  });
}

const xmlCode = (response: RawResponse) => childText(parseXml(response.body.toString('utf8')), 'Code');

describe('names that climb out of their folder', () => {
  it('S3: bucket names are refused; keys with ../ are plain keys, stored inside the state folder', async () => {
    for (const Bucket of ['..', '../escape', 'a/../../b', '.']) {
      const answered = await rawRequest(stack.url, { method: 'PUT', path: `/${encodeURIComponent(Bucket)}`, sign: 's3' });
      expect([Bucket, answered.status >= 400 && answered.status < 500]).toEqual([Bucket, true]);
    }
    await s3.send(new CreateBucketCommand({ Bucket: 'keys' }));
    for (const Key of ['../../../escaped.txt', '/etc/passwd', '..\\..\\win.txt', 'a/./b/../../c', '%2e%2e/x']) {
      await s3.send(new PutObjectCommand({ Bucket: 'keys', Key, Body: Key }));
      expect(await (await s3.send(new GetObjectCommand({ Bucket: 'keys', Key }))).Body!.transformToString()).toBe(Key);
    }
    const raw = await rawRequest(stack.url, { method: 'PUT', path: '/keys/../../../../raw-escape.txt', sign: 's3', body: 'x' });
    expect(raw.status).toBe(200);
    expect(outside()).toEqual([]);
  });

  it('SQS, Glue, Lambda and SageMaker refuse names with path characters, 4xx', async () => {
    expect(await refused(sqs.send(new CreateQueueCommand({ QueueName: '../../escape' })))).toBe(400);
    const glue = new GlueClient(stack.clientConfig);
    try {
      const job = await refused(glue.send(new CreateJobCommand({ Name: '../../escape', Role: 'r', Command: { Name: 'glueetl', ScriptLocation: 's3://keys/x.py' } })));
      if (job === 200) expect(await refused(glue.send(new StartJobRunCommand({ JobName: '../../escape' })))).toBeLessThan(500);
      else expect(job).toBeGreaterThanOrEqual(400);
    } finally {
      glue.destroy();
    }
    // Functions are created by CloudFormation from the templates; on the wire a name is only looked up.
    const lambdaAnswer = await refused(lambda.send(new InvokeCommand({ FunctionName: '../../escape', Payload: Buffer.from('{}') })));
    expect(lambdaAnswer).toBeGreaterThanOrEqual(400);
    expect(lambdaAnswer).toBeLessThan(500);
    const training = await refused(
      sagemaker.send(
        new CreateTrainingJobCommand({
          TrainingJobName: '../../escape',
          RoleArn: 'arn:aws:iam::000000000000:role/r',
          AlgorithmSpecification: { TrainingInputMode: 'File', TrainingImage: 'blazingtext' },
          OutputDataConfig: { S3OutputPath: 's3://keys/out' },
          ResourceConfig: { InstanceType: 'ml.m5.large', InstanceCount: 1, VolumeSizeInGB: 1 },
          StoppingCondition: { MaxRuntimeInSeconds: 60 },
        }),
      ),
    );
    expect(training).toBe(400);
    expect(outside()).toEqual([]);
  });
});

describe('malformed and oversized bodies', () => {
  it('an XML body with a DTD (entity expansion) is MalformedXML, nothing expanded', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'xml' })).catch(() => undefined);
    const lol = `<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><Delete><Object><Key>&c;</Key></Object></Delete>`;
    const response = await rawRequest(stack.url, { method: 'POST', path: '/xml?delete', sign: 's3', body: lol });
    expect([response.status, xmlCode(response)]).toEqual([400, 'MalformedXML']);
    const external = `<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><Tagging><TagSet><Tag><Key>&x;</Key><Value>v</Value></Tag></TagSet></Tagging>`;
    const tagged = await rawRequest(stack.url, { method: 'PUT', path: '/xml?tagging', sign: 's3', body: external });
    expect(tagged.status).toBe(400);
    expect(tagged.body.toString()).not.toContain('root:');
  });

  it('a body beyond the limit is 413 in the protocol of its service', async () => {
    const big = 'x'.repeat(70 * 1024);
    const json = await rawRequest(stack.url, { method: 'POST', path: '/', headers: { 'x-amz-target': 'AWSGlue.GetJobs', 'content-type': 'application/x-amz-json-1.1' }, sign: 'glue', body: big });
    expect([json.status, json.headers['x-amzn-errortype']]).toEqual([413, 'RequestEntityTooLarge']);
    const query = await rawRequest(stack.url, { method: 'POST', path: '/', headers: { 'content-type': 'application/x-www-form-urlencoded' }, sign: 'sqs', body: `Action=ListQueues&x=${big}` });
    expect(query.status).toBe(413);
  });

  it('malformed JSON, query strings and chunked encodings are 4xx', async () => {
    const json = await rawRequest(stack.url, { method: 'POST', path: '/', headers: { 'x-amz-target': 'AmazonSQS.ListQueues', 'content-type': 'application/x-amz-json-1.0' }, sign: 'sqs', body: '{"QueueNamePrefix": ' });
    expect(json.status).toBe(400);
    const deep = await rawRequest(stack.url, { method: 'POST', path: '/', headers: { 'x-amz-target': 'AWSGlue.GetJobs', 'content-type': 'application/x-amz-json-1.1' }, sign: 'glue', body: '['.repeat(20_000) });
    expect(deep.status).toBe(400);
    const query = await rawRequest(stack.url, { method: 'POST', path: '/', headers: { 'content-type': 'application/x-www-form-urlencoded' }, sign: 'sqs', body: 'Action=%E0%A4%A&QueueName=%' });
    expect(query.status).toBeGreaterThanOrEqual(400);
    expect(query.status).toBeLessThan(500);
    const badPath = await rawRequest(stack.url, { path: '/keys/%E0%A4%A', sign: 's3' });
    expect([badPath.status, xmlCode(badPath)]).toEqual([400, 'InvalidURI']);
    for (const body of ['fffffffffffffffff\r\n', '5\r\nhello\r\n', '3\r\nhello\r\n0\r\n\r\n', `${'9'.repeat(9000)}`]) {
      const chunked = await putAwsChunked('/keys/chunked', body);
      expect([body.slice(0, 20), chunked.status]).toEqual([body.slice(0, 20), 400]);
    }
    expect(statSync(stateDir).isDirectory()).toBe(true);
  });

  it('a malformed aws-chunked body the provider never reads (its bucket does not exist) is answered, and the stack lives on', async () => {
    // Found by the fuzz test: the rest of the body errored a stream nobody read, an uncaught 'error' event.
    for (const body of ['zz\r\nhello\r\n', `5\r\nhello\r\n${'9'.repeat(20_000)}`]) {
      const response = await putAwsChunked('/no-such-bucket/key', body);
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
    }
    expect((await rawRequest(stack.url, { path: HEALTH_PATH })).status).toBe(200);
  });

  it('an upload id too long for a file name is NoSuchUpload', async () => {
    // Found by the fuzz test: a 3,000-character id reached open() as a file name (ENAMETOOLONG, a 500).
    const response = await rawRequest(stack.url, { path: `/keys/k?uploadId=${'A'.repeat(3000)}&partNumber=1`, sign: 's3' });
    expect([response.status, xmlCode(response)]).toEqual([404, 'NoSuchUpload']);
  });
});
