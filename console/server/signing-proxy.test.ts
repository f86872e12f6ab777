/**
 * The signing proxy of `npm run console`, without a stack: what it sends AWS (signed again with the user's
 * credentials, for the scope the page signed, checked by a recording upstream), and which AWS endpoint each
 * signing scope goes to. Relaying to the local stack's providers and refusing what the page did not sign:
 * test/local-stack/console-proxy.test.ts.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetJobRunsCommand, GlueClient } from '@aws-sdk/client-glue';
import { pipelineConfig } from '../src/data/clients';
import type { PageConfig } from '../src/data/model';
import { awsUpstream, signatureMatches, startSigningProxy, type SigningProxy } from './signing-proxy';

const UPSTREAM_CREDENTIALS = { accessKeyId: 'AKIAUPSTREAMEXAMPLE', secretAccessKey: 'upstream-secret' };

describe('signing again for AWS', () => {
  let upstream: Server;
  let recorded: Array<{ headers: IncomingMessage['headers']; url: string; valid: boolean }>;
  let relay: SigningProxy;
  const logged: string[] = [];

  beforeAll(async () => {
    recorded = [];
    upstream = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const url = req.url ?? '/';
        const [rawPath = '/', rawQuery = ''] = url.split('?');
        void signatureMatches({ method: req.method ?? 'GET', host: req.headers.host ?? '', rawPath, rawQuery, headers: req.headers, body: Buffer.concat(chunks) }, UPSTREAM_CREDENTIALS).then((valid) => {
          recorded.push({ headers: req.headers, url, valid });
          res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end('{"JobRuns":[]}');
        });
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const port = (upstream.address() as AddressInfo).port;
    relay = await startSigningProxy({
      port: 0,
      credentials: async () => UPSTREAM_CREDENTIALS,
      page: { ...pipelineConfig('prod', 'eu-west-1', '000000000000'), incomingPrefix: 'incoming/' },
      upstream: (_service, _region, requestPath) => ({ origin: `http://127.0.0.1:${port}`, path: requestPath }),
      log: (line) => logged.push(line),
    });
  });

  afterAll(async () => {
    await relay.close();
    await new Promise((resolve) => upstream.close(resolve));
  });

  it('with the user\'s credentials, for the scope the page signed, to the upstream host; the session key never leaves', async () => {
    const pageKeys = ((await (await fetch(`${relay.consoleUrl}config.json`)).json()) as PageConfig).credentials;
    await new GlueClient({ endpoint: relay.url, region: 'eu-west-1', credentials: pageKeys, maxAttempts: 1 }).send(new GetJobRunsCommand({ JobName: 'ml-pipeline-prod-preprocess' }));
    expect(logged).toEqual([]);
    expect(recorded).toHaveLength(1);
    const [call] = recorded;
    expect(call!.valid).toBe(true);
    expect(call!.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAUPSTREAMEXAMPLE\/\d{8}\/eu-west-1\/glue\/aws4_request/);
    expect(call!.headers['x-amz-target']).toBe('AWSGlue.GetJobRuns');
    expect(call!.headers.host).toBe(new URL(`http://${call!.headers.host}`).host);
    expect(JSON.stringify(call!.headers)).not.toContain(pageKeys.accessKeyId);
    expect(call!.headers.origin).toBeUndefined();
  });
});

describe('AWS endpoints by signing scope', () => {
  it.each([
    ['s3', '/ml-pipeline-prod-data-1-eu-west-1/incoming/a.csv', 'https://ml-pipeline-prod-data-1-eu-west-1.s3.eu-west-1.amazonaws.com', '/incoming/a.csv'],
    ['s3', '/my.dotted.bucket/k', 'https://s3.eu-west-1.amazonaws.com', '/my.dotted.bucket/k'],
    ['glue', '/', 'https://glue.eu-west-1.amazonaws.com', '/'],
    ['sagemaker', '/', 'https://api.sagemaker.eu-west-1.amazonaws.com', '/'],
    ['sagemaker', '/endpoints/ml-pipeline-prod/invocations', 'https://runtime.sagemaker.eu-west-1.amazonaws.com', '/endpoints/ml-pipeline-prod/invocations'],
  ])('%s %s', (service, requestPath, origin, upstreamPath) => {
    expect(awsUpstream(service, 'eu-west-1', requestPath)).toEqual({ origin, path: upstreamPath });
  });

  it('relays nothing else', () => {
    expect(awsUpstream('iam', 'us-east-1', '/')).toBeUndefined();
  });
});
