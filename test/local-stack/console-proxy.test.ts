/**
 * The console against AWS (`npm run console`): its signing proxy relays the page's signed calls, signed
 * again with the user's credentials, to the service and region they name, and refuses anything else. "AWS"
 * is the local stack's providers here; the second signature itself, against a recording upstream, and the
 * AWS endpoints by scope are unit tests beside the proxy (console/server/signing-proxy.test.ts).
 */
import { spawn } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import path from 'node:path';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetJobRunsCommand, GlueClient } from '@aws-sdk/client-glue';
import { ListTrainingJobsCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { startSigningProxy, type SigningProxy } from '../../console/server/signing-proxy';
import { createPipelineClients, pipelineConfig } from '../../console/src/data/clients';
import type { PageConfig } from '../../console/src/data/model';
import { PipelineStore } from '../../console/src/data/store';
import { DEFAULT_LOCAL_KEYS } from '../../local-stack/src/core/credentials';
import { ROOT, useProviderStack } from '../support/stack';
import { temporaryDirectory } from '../support/temporary-directory';

const UPSTREAM_CREDENTIALS = { accessKeyId: 'AKIAUPSTREAMEXAMPLE', secretAccessKey: 'upstream-secret' };
const BUCKET = 'ml-pipeline-prod-data-000000000000-us-east-1';

// Providers only: the services are not needed to answer API calls. The stack verifies the proxy's second
// signature: it knows the user's upstream key (as LOCAL_STACK_CREDENTIALS would configure it).
const stack = useProviderStack({ localKeys: [...DEFAULT_LOCAL_KEYS, UPSTREAM_CREDENTIALS] });
let proxy: SigningProxy;
let session: PageConfig['credentials'];

beforeAll(async () => {
  proxy = await startSigningProxy({
    port: 0,
    credentials: async () => UPSTREAM_CREDENTIALS,
    page: { ...pipelineConfig('prod', 'us-east-1', '000000000000'), incomingPrefix: 'incoming/' },
    // The local stack is path-style: the path goes as the page sent it.
    upstream: (_service, _region, requestPath) => ({ origin: stack.url, path: requestPath }),
  });
  const config = (await (await fetch(`${proxy.consoleUrl}config.json`)).json()) as PageConfig;
  session = config.credentials;
});

afterAll(async () => {
  await proxy?.close();
});

const clientConfig = () => ({ endpoint: proxy.url, region: 'us-east-1', credentials: session, maxAttempts: 1 });

describe('the page it serves', () => {
  it('config.json: AWS mode, the stage and names, and a session key that is not the user\'s credentials', async () => {
    const config = (await (await fetch(`${proxy.consoleUrl}config.json`)).json()) as PageConfig;
    expect(config).toMatchObject({ mode: 'aws', stage: 'prod', region: 'us-east-1', dataBucket: BUCKET, glueJobName: 'ml-pipeline-prod-preprocess', endpointName: 'ml-pipeline-prod' });
    expect(config.credentials.accessKeyId).toMatch(/^CONSOLE[0-9A-F]{12}$/);
    expect(config.credentials.secretAccessKey).not.toContain(UPSTREAM_CREDENTIALS.secretAccessKey);
  });

  it('index.html with a strict content security policy; / leads to it', async () => {
    const page = await fetch(proxy.consoleUrl);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(await page.text()).toContain('<script type="module" src="app.js">');
    const root = await fetch(proxy.url, { redirect: 'manual' });
    expect([root.status, root.headers.get('location')]).toEqual([308, '/_console/']);
  });
});

describe('relaying the page\'s signed calls', () => {
  it('S3, Glue, SageMaker and SageMaker Runtime answer through it, errors as the service gave them', async () => {
    const s3 = new S3Client({ ...clientConfig(), forcePathStyle: true });
    await new S3Client({ endpoint: stack.url, region: 'us-east-1', credentials: UPSTREAM_CREDENTIALS, forcePathStyle: true }).send(new CreateBucketCommand({ Bucket: BUCKET }));
    const key = 'incoming/a folder/naïve + data.csv';
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: '1,title,text\n' }));
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'incoming/' }));
    expect(listed.Contents?.map((object) => object.Key)).toEqual([key]);
    const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
    expect(await object.Body!.transformToString()).toBe('1,title,text\n');

    await expect(new GlueClient(clientConfig()).send(new GetJobRunsCommand({ JobName: 'ml-pipeline-prod-preprocess' }))).rejects.toMatchObject({ name: 'EntityNotFoundException' });
    expect((await new SageMakerClient(clientConfig()).send(new ListTrainingJobsCommand({ NameContains: 'mlp-prod-' }))).TrainingJobSummaries).toEqual([]);
    await expect(
      new SageMakerRuntimeClient(clientConfig()).send(new InvokeEndpointCommand({ EndpointName: 'ml-pipeline-prod', ContentType: 'application/json', Body: '{"instances":["x"]}' })),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: expect.any(Number) } });
    expect(proxy.stats.relayed).toBeGreaterThanOrEqual(6);
  });

  it("the console's data layer reads the pipeline through it", async () => {
    const archived = {
      version: 1, eventId: '11111111-1111-4111-8111-111111111111', detailType: 'Dataset Rejected', source: 'ml-pipeline.ingestion', time: '2026-11-25T12:00:02Z',
      runId: '20261125-120000-cccccc', stage: 'prod', detail: { runId: '20261125-120000-cccccc', stage: 'prod', reason: 'unsupported file type .xlsx', key: 'incoming/x.xlsx' },
      from: 'a@example.com', to: ['b@example.com'], subject: '[prod] Data rejected: incoming/x.xlsx', text: 't', html: '<p>t</p>', sentAt: '2026-11-25T12:00:03Z',
    };
    const s3 = new S3Client({ ...clientConfig(), forcePathStyle: true });
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: `notifications/${archived.runId}/dataset-rejected-${archived.eventId}.json`, Body: JSON.stringify(archived) }));
    const store = new PipelineStore(createPipelineClients({ region: 'us-east-1', endpoint: proxy.url, credentials: session }), pipelineConfig('prod', 'us-east-1', '000000000000'));
    await store.refresh();
    store.want({ runs: [archived.runId] });
    const snapshot = await store.refresh();
    expect(snapshot.error).toBeUndefined();
    expect(snapshot.runs.map((run) => [run.runId, run.outcome.status, run.outcome.reason])).toEqual([[archived.runId, 'rejected', 'data rejected: unsupported file type .xlsx']]);
  });
});

describe('refusing what the page did not sign', () => {
  it('a request signed with another key: 403, and nothing relayed', async () => {
    const relayed = proxy.stats.relayed;
    const forged = new S3Client({ ...clientConfig(), credentials: { accessKeyId: session.accessKeyId, secretAccessKey: 'guessed' }, forcePathStyle: true });
    await expect(forged.send(new ListObjectsV2Command({ Bucket: BUCKET }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
    const stranger = new S3Client({ ...clientConfig(), credentials: UPSTREAM_CREDENTIALS, forcePathStyle: true });
    await expect(stranger.send(new ListObjectsV2Command({ Bucket: BUCKET }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
    expect(proxy.stats.relayed).toBe(relayed);
  });

  it('an unsigned request, another site\'s origin, another host name (DNS rebinding): 403', async () => {
    const unsigned = await fetch(`${proxy.url}/${BUCKET}?list-type=2`);
    expect(unsigned.status).toBe(403);
    expect(await unsigned.json()).toMatchObject({ __type: 'MissingAuthenticationToken' });
    const foreign = await fetch(`${proxy.url}/${BUCKET}/incoming/x.csv`, { method: 'PUT', body: 'x', headers: { origin: 'https://evil.example' } });
    expect([foreign.status, ((await foreign.json()) as { __type: string }).__type]).toEqual([403, 'AccessDenied']);
    const rebound = await rawGet(proxy.url, '/_console/config.json', 'evil.example:80');
    expect(rebound.status).toBe(403);
    expect(rebound.body).not.toContain(session.secretAccessKey);
  });

  it('a body changed after signing (a JSON API, whose signature covers the payload): 403', async () => {
    const glue = new GlueClient(clientConfig());
    // The deserialize step runs after signing: the body is changed on its way out.
    glue.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { body: unknown };
        request.body = new TextEncoder().encode(JSON.stringify({ JobName: 'ml-pipeline-prod-preprocesx' }));
        return next(args);
      },
      { step: 'deserialize', name: 'tamperAfterSigning' },
    );
    await expect(glue.send(new GetJobRunsCommand({ JobName: 'ml-pipeline-prod-preprocess' }))).rejects.toMatchObject({ name: 'SignatureDoesNotMatch', $metadata: { httpStatusCode: 403 } });
  });
});

describe('npm run console without AWS credentials', () => {
  it('says what it needs and exits 2', async () => {
    const home = temporaryDirectory('console-home');
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: home.dir,
      AWS_CONFIG_FILE: path.join(home.dir, 'no-config'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(home.dir, 'no-credentials'),
      // No instance metadata service here: asking it would only wait for a time-out.
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_REGION: 'eu-west-1',
    };
    const child = spawn('npm', ['run', '--silent', 'console', '--', '--stage', 'prod'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    home.remove();
    expect(code).toBe(2);
    expect(output).toContain('console: no AWS credentials found');
    expect(output).toContain('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
    expect(output).toContain('README.md, "The pipeline console"');
  }, 60_000);
});

/** A GET with a Host header of our choosing (fetch does not allow setting it). */
function rawGet(base: string, requestPath: string, host: string): Promise<{ status: number; body: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const request = httpRequest({ hostname: url.hostname, port: url.port, path: requestPath, headers: { host } }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.once('error', reject);
    request.end();
  });
}
