import { Readable } from 'node:stream';
import { AwsChunkedDecoder } from '../../local-stack/src/core/aws-chunked';
import { dispatchJsonProtocol } from '../../local-stack/src/core/json-protocol';
import { queryList, queryParameters } from '../../local-stack/src/core/query-protocol';
import { readFully } from '../../local-stack/src/core/request-body';
import { createLocalServer, HEALTH_PATH, type LocalServer } from '../../local-stack/src/core/server';
import { parseCredentialScope, resolveServiceTarget } from '../../local-stack/src/core/service-resolution';
import { useStackProviders } from '../support/stack';
import { declareOperations } from '../../local-stack/src/core/operations';
import { AwsError, type AwsProtocol, type AwsRequest, type AwsResponse, type OperationDeclarations, type Provider } from '../../local-stack/src/core/types';
import { childElements, childText, parseXml, renderXml, el, XmlParseError } from '../../local-stack/src/core/xml';
import { presignedPath, rawRequest, signedAwsChunkedUpload } from '../support/http';
import { signRequest } from '../../local-stack/src/core/sigv4';

/** Records what reached it and answers with what the test configures. */
class FakeProvider implements Provider {
  readonly requests: AwsRequest[] = [];
  streamed = false;
  constructor(
    readonly signingNames: readonly string[],
    private readonly answer: (request: AwsRequest) => Promise<AwsResponse> | AwsResponse,
    readonly protocol?: AwsProtocol,
    readonly operations: OperationDeclarations = {},
  ) {}

  streamsRequestBody(): boolean {
    return this.streamed;
  }

  async handle(request: AwsRequest): Promise<AwsResponse> {
    this.requests.push(request);
    if (request.bodyStream) {
      const body = await readFully(request.bodyStream);
      this.requests[this.requests.length - 1] = { ...request, body };
    }
    return this.answer(request);
  }
}

const echo = (request: AwsRequest): AwsResponse => ({ status: 200, body: request.body });

describe('local server', () => {
  let server: LocalServer;
  const events = new FakeProvider(['events'], (request) =>
    dispatchJsonProtocol(request, {
      targetPrefix: 'AWSEvents',
      serviceName: 'EventBridge',
      handlers: {
        ListRules: () => ({ Rules: [] }),
        PutRule: () => {
          throw new AwsError('ResourceNotFoundException', 'Event bus nope does not exist.', 400);
        },
      },
    }),
    undefined,
    declareOperations({ ListRules: true, PutRule: true }, { protocols: ['json'], jsonTargetPrefix: 'AWSEvents' }),
  );
  const s3 = new FakeProvider(['s3'], echo, 'rest-xml');
  const sts = new FakeProvider(
    ['sts'],
    () => {
      throw new AwsError('ValidationError', 'bad role', 400);
    },
    undefined,
    declareOperations({ GetCallerIdentity: true, AssumeRole: true }, { protocols: ['query'] }),
  );
  const ses = new FakeProvider(['ses'], () => {
    throw new AwsError('BadRequestException', 'missing From', 400);
  });
  const failing = new FakeProvider(['glue'], () => {
    throw new Error('boom');
  });

  beforeAll(async () => {
    server = await createLocalServer({ port: 0, providers: [events, s3, sts, ses, failing], maxBodyBytes: 1024 });
  });
  afterAll(async () => {
    await server.close();
  });

  it('listens on 127.0.0.1 with the port it was given', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('refuses to bind a non-loopback address', async () => {
    await expect(createLocalServer({ host: '0.0.0.0', port: 0, providers: [] })).rejects.toThrow(/loopback/);
  });

  it('refuses two providers with the same signing name', async () => {
    await expect(createLocalServer({ port: 0, providers: [s3, new FakeProvider(['s3'], echo)] })).rejects.toThrow(/s3/);
  });

  it('answers the health path', async () => {
    const response = await rawRequest(server.url, { path: HEALTH_PATH });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body.toString())).toEqual({ status: 'running', services: ['events', 'glue', 's3', 'ses', 'sts'] });
  });

  it('routes by the credential scope and passes region, ids and decoded path', async () => {
    const response = await rawRequest(server.url, {
      method: 'PUT',
      path: '/bucket/a%20b/c?x=1',
      sign: { service: 's3', region: 'eu-west-1' },
      body: 'payload',
    });
    expect(response.status).toBe(200);
    expect(response.body.toString()).toBe('payload');
    const request = s3.requests.at(-1) as AwsRequest;
    expect(request).toMatchObject({ service: 's3', region: 'eu-west-1', path: '/bucket/a b/c', rawPath: '/bucket/a%20b/c', accountId: '000000000000' });
    expect(request.query.get('x')).toBe('1');
    expect(response.headers['x-amzn-requestid']).toBe(request.requestId);
    expect(response.headers['x-amz-request-id']).toBe(request.requestId);
  });

  it('keeps dot segments of the raw path (they can be part of S3 keys)', async () => {
    await rawRequest(server.url, { path: '/bucket/a/../b', sign: 's3' });
    expect(s3.requests.at(-1)?.rawPath).toBe('/bucket/a/../b');
  });

  it('routes presigned URLs by X-Amz-Credential', async () => {
    const response = await rawRequest(server.url, { path: await presignedPath(server.url, { path: '/bucket/key', region: 'us-west-2' }) });
    expect(response.status).toBe(200);
    expect(s3.requests.at(-1)).toMatchObject({ service: 's3', region: 'us-west-2' });
  });

  it('dispatches the JSON protocol by X-Amz-Target', async () => {
    const response = await rawRequest(server.url, {
      method: 'POST',
      path: '/',
      headers: { 'x-amz-target': 'AWSEvents.ListRules', 'content-type': 'application/x-amz-json-1.1' },
      sign: 'events',
      body: '{}',
    });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(JSON.parse(response.body.toString())).toEqual({ Rules: [] });
  });

  it('serialises JSON-protocol errors with __type and x-amzn-errortype', async () => {
    const response = await rawRequest(server.url, {
      method: 'POST',
      path: '/',
      headers: { 'x-amz-target': 'AWSEvents.PutRule' }, sign: 'events',
      body: '{}',
    });
    expect(response.status).toBe(400);
    expect(response.headers['x-amzn-errortype']).toBe('ResourceNotFoundException');
    expect(JSON.parse(response.body.toString())).toEqual({ __type: 'ResourceNotFoundException', message: 'Event bus nope does not exist.' });
  });

  it('names an unknown JSON operation', async () => {
    const response = await rawRequest(server.url, {
      method: 'POST',
      path: '/',
      headers: { 'x-amz-target': 'AWSEvents.CreateArchive' }, sign: 'events',
      body: '{}',
    });
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body.toString())).toMatchObject({ __type: 'UnknownOperationException', message: expect.stringContaining('CreateArchive') });
  });

  it('answers malformed JSON with SerializationException', async () => {
    const response = await rawRequest(server.url, {
      method: 'POST',
      path: '/',
      headers: { 'x-amz-target': 'AWSEvents.ListRules' }, sign: 'events',
      body: '{not json',
    });
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body.toString()).__type).toBe('SerializationException');
  });

  it('names an unknown service in an AWS error, without hanging', async () => {
    const response = await rawRequest(server.url, {
      method: 'POST',
      path: '/',
      headers: { 'x-amz-target': 'Kinesis_20131202.ListStreams' }, sign: 'kinesis',
      body: '{}',
    });
    expect(response.status).toBe(501);
    expect(JSON.parse(response.body.toString())).toMatchObject({ __type: 'NotImplemented', message: expect.stringContaining('"kinesis"') });
  });

  it('serialises query-protocol errors as <ErrorResponse>', async () => {
    const response = await rawRequest(server.url, {
      method: 'POST',
      path: '/',
      headers: { 'content-type': 'application/x-www-form-urlencoded' }, sign: 'sts',
      body: 'Action=AssumeRole&Version=2011-06-15',
    });
    expect(response.status).toBe(400);
    const root = parseXml(response.body.toString());
    expect(root.name).toBe('ErrorResponse');
    const error = childElements(root, 'Error')[0];
    expect(error && childText(error, 'Code')).toBe('ValidationError');
    expect(error && childText(error, 'Type')).toBe('Sender');
    expect(childText(root, 'RequestId')).toBe(response.headers['x-amzn-requestid']);
  });

  it('refuses an unsigned query request with MissingAuthenticationToken, never reaching a provider', async () => {
    const before = sts.requests.length;
    const response = await rawRequest(server.url, {
      method: 'POST',
      path: '/',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=GetCallerIdentity&Version=2011-06-15',
    });
    expect(response.status).toBe(403);
    expect(response.body.toString()).toMatch(/<Code>MissingAuthenticationToken<\/Code>/);
    expect(sts.requests.length).toBe(before);
  });

  it('serialises REST-JSON errors with x-amzn-ErrorType', async () => {
    const response = await rawRequest(server.url, {
      method: 'POST',
      path: '/v2/email/outbound-emails',
      headers: { 'content-type': 'application/json' }, sign: 'ses',
      body: '{}',
    });
    expect(response.status).toBe(400);
    expect(response.headers['x-amzn-errortype']).toBe('BadRequestException');
    expect(JSON.parse(response.body.toString())).toEqual({ message: 'missing From' });
  });

  it('turns a provider crash into a 500 InternalError in the provider protocol', async () => {
    const response = await rawRequest(server.url, {
      method: 'POST',
      path: '/',
      headers: { 'x-amz-target': 'AWSGlue.GetJobs' }, sign: 'glue',
      body: '{}',
    });
    expect(response.status).toBe(500);
    expect(JSON.parse(response.body.toString())).toMatchObject({ __type: 'InternalError', message: expect.stringContaining('boom') });
  });

  it('refuses a buffered body beyond the limit with 413', async () => {
    const response = await rawRequest(server.url, {
      method: 'PUT',
      path: '/bucket/big',
      sign: 's3',
      body: Buffer.alloc(2048),
    });
    expect(response.status).toBe(413);
    const root = parseXml(response.body.toString());
    expect(childText(root, 'Code')).toBe('EntityTooLarge');
  });

  it('refuses a chunked body that grows beyond the limit', async () => {
    const body = Readable.from([Buffer.alloc(600), Buffer.alloc(600)]);
    const { request: httpRequest } = await import('node:http');
    const { hostname, port } = new URL(server.url);
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        {
          hostname,
          port,
          method: 'PUT',
          path: '/bucket/chunked',
          headers: signRequest({ method: 'PUT', path: '/bucket/chunked', host: `${hostname}:${port}`, service: 's3', region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, contentSha256: 'UNSIGNED-PAYLOAD' }),
          agent: false,
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      body.pipe(req);
    });
    expect(status).toBe(413);
  });

  it('decodes signed aws-chunked bodies', async () => {
    const upload = signedAwsChunkedUpload(server.url, { path: '/bucket/chunked', chunks: [Buffer.from('hello'), Buffer.from(' world')] });
    const response = await rawRequest(server.url, { method: 'PUT', path: '/bucket/chunked', headers: upload.headers, body: upload.body });
    expect(response.status).toBe(200);
    expect(response.body.toString()).toBe('hello world');
    const request = s3.requests.at(-1) as AwsRequest;
    expect(request.headers['content-encoding']).toBeUndefined();
    expect(request.headers['content-length']).toBe('11');
  });

  it('decodes unsigned aws-chunked bodies with trailing checksums, streamed to the provider', async () => {
    s3.streamed = true;
    try {
      const response = await rawRequest(server.url, {
        method: 'PUT',
        path: '/bucket/trailer',
        headers: {
          'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER',
          'content-encoding': 'aws-chunked,gzip',
          'x-amz-trailer': 'x-amz-checksum-crc32',
          'x-amz-decoded-content-length': 12,
        },
        sign: 's3',
        body: 'c\r\nhello stream\r\n0\r\nx-amz-checksum-crc32:gtnkmQ==\r\n\r\n',
      });
      expect(response.status).toBe(200);
      const request = s3.requests.at(-1) as AwsRequest;
      expect(request.body.toString()).toBe('hello stream');
      expect(request.trailers).toEqual({ 'x-amz-checksum-crc32': 'gtnkmQ==' });
      expect(request.headers['content-encoding']).toBe('gzip');
    } finally {
      s3.streamed = false;
    }
  });

  it('answers a malformed aws-chunked body with a 400 AWS error', async () => {
    const response = await rawRequest(server.url, {
      method: 'PUT',
      path: '/bucket/bad',
      headers: { 'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER' }, sign: 's3',
      body: 'zz\r\nhello\r\n',
    });
    expect(response.status).toBe(400);
    expect(childText(parseXml(response.body.toString()), 'Code')).toBe('IncompleteBody');
  });

  it('answers control routes only when signed', async () => {
    const calls: unknown[] = [];
    const extra = await createLocalServer({ port: 0, providers: [], controlRoutes: { ping: async (input) => void calls.push(input) } });
    try {
      const unsigned = await rawRequest(extra.url, { method: 'POST', path: '/_local/ping', body: '{"a":1}' });
      expect([unsigned.status, unsigned.headers['x-amzn-errortype']]).toEqual([403, 'MissingAuthenticationTokenException']);
      expect(calls).toEqual([]);
      const signed = await rawRequest(extra.url, { method: 'POST', path: '/_local/ping', body: '{"a":1}', sign: 's3' });
      expect(signed.status).toBe(200);
      expect(calls).toEqual([{ a: 1 }]);
    } finally {
      await extra.close();
    }
  });

  it('closes promptly while a client holds a keep-alive connection', async () => {
    const extra = await createLocalServer({ port: 0, providers: [new FakeProvider(['s3'], echo)] });
    const { Agent, request: httpRequest } = await import('node:http');
    const agent = new Agent({ keepAlive: true });
    const { hostname, port } = new URL(extra.url);
    await new Promise<void>((resolve, reject) => {
      httpRequest({ hostname, port, path: '/b/k', agent }, (res) => {
        res.resume();
        res.on('end', resolve);
      })
        .on('error', reject)
        .end();
    });
    const started = Date.now();
    await extra.close();
    expect(Date.now() - started).toBeLessThan(2_000);
    agent.destroy();
  });

  it('starts providers in order once listening, holds their requests until started, stops them in reverse', async () => {
    const calls: string[] = [];
    let url = '';
    let pendingRequest: Promise<unknown> | undefined;
    const lifecycle = (name: string, onStart?: () => Promise<void>): Provider => ({
      signingNames: [name],
      operations: {},
      handle: async () => {
        calls.push(`${name}:handle`);
        return { status: 200 };
      },
      start: async () => {
        calls.push(`${name}:start`);
        await onStart?.();
        calls.push(`${name}:started`);
      },
      stop: async () => void calls.push(`${name}:stop`),
    });
    const first = lifecycle('first');
    // The second provider calls the first over HTTP while starting, and sends itself a request
    // that must wait until its start has finished.
    const second = lifecycle('second', async () => {
      await rawRequest(url, { path: '/', sign: 'first' });
      pendingRequest = rawRequest(url, { path: '/', sign: 'second' });
      await new Promise((resolve) => setTimeout(resolve, 20));
    });
    const extra = await createLocalServer({ port: 0, providers: [first, second], onListening: (listening) => (url = listening) });
    await pendingRequest;
    expect(calls).toEqual(['first:start', 'first:started', 'second:start', 'first:handle', 'second:started', 'second:handle']);
    await extra.close();
    expect(calls.slice(-2)).toEqual(['second:stop', 'first:stop']);
  });

  it('fails to start, closing the server, when a provider fails to start', async () => {
    const stopped: string[] = [];
    const good: Provider = { signingNames: ['good'], operations: {}, handle: async () => ({ status: 200 }), stop: async () => void stopped.push('good') };
    const bad: Provider = {
      signingNames: ['bad'],
      operations: {},
      handle: async () => ({ status: 200 }),
      start: async () => {
        throw new Error('cannot start');
      },
    };
    let url = '';
    await expect(createLocalServer({ port: 0, providers: [good, bad], onListening: (listening) => (url = listening) })).rejects.toThrow('cannot start');
    expect(stopped).toEqual(['good']);
    await expect(rawRequest(url, { path: HEALTH_PATH })).rejects.toThrow();
  });
});

describe('service resolution', () => {
  const stack = useStackProviders();
  const resolve = (headers: Record<string, string>, path = '/', query = '') =>
    resolveServiceTarget({ headers, query: new URLSearchParams(query), path }, stack.directory());

  it('reads SigV4 and SigV4a credential scopes', () => {
    expect(parseCredentialScope('AKID/20261125/us-east-1/sqs/aws4_request')).toEqual({
      accessKeyId: 'AKID',
      date: '20261125',
      region: 'us-east-1',
      service: 'sqs',
    });
    expect(resolve({ authorization: 'AWS4-ECDSA-P256-SHA256 Credential=AKID/20261125/ses/aws4_request, SignedHeaders=host, Signature=00', 'x-amz-region-set': 'eu-west-1' })).toMatchObject({
      service: 'ses',
      region: 'eu-west-1',
    });
  });

  it('falls back to target prefixes, well-known paths and anonymous S3', () => {
    expect(resolve({ 'x-amz-target': 'AmazonSQS.SendMessage' })?.service).toBe('sqs');
    expect(resolve({ 'x-amz-target': 'SageMaker.CreateModel' })?.service).toBe('sagemaker');
    expect(resolve({ 'x-amz-target': 'AWSGlue.StartJobRun' })?.service).toBe('glue');
    expect(resolve({}, '/', 'Action=GetCallerIdentity')?.service).toBe('sts');
    expect(resolve({}, '/endpoints/model/invocations')?.service).toBe('sagemaker');
    expect(resolve({}, '/v2/email/outbound-emails')?.service).toBe('ses');
    expect(resolve({}, '/bucket/key')).toMatchObject({ service: 's3', via: 'default' });
    expect(resolve({ 'content-type': 'application/x-www-form-urlencoded' })).toBeUndefined();
  });
});

describe('aws-chunked decoder', () => {
  it('decodes a body split at every byte boundary', async () => {
    const encoded = Buffer.from('3;chunk-signature=ab\r\nabc\r\n2;chunk-signature=cd\r\nde\r\n0;chunk-signature=ef\r\nx-amz-checksum-sha256:xyz\r\n\r\n');
    const decoder = new AwsChunkedDecoder(5);
    const bytes = Array.from(encoded, (byte) => Buffer.from([byte]));
    const decoded = await readFully(Readable.from(bytes).pipe(decoder));
    expect(decoded.toString()).toBe('abcde');
    expect(decoder.trailers).toEqual({ 'x-amz-checksum-sha256': 'xyz' });
  });

  it('rejects a body shorter than x-amz-decoded-content-length', async () => {
    const decoder = new AwsChunkedDecoder(10);
    await expect(readFully(Readable.from([Buffer.from('3\r\nabc\r\n0\r\n\r\n')]).pipe(decoder))).rejects.toMatchObject({ code: 'IncompleteBody' });
  });

  it('rejects a truncated body', async () => {
    const decoder = new AwsChunkedDecoder();
    await expect(readFully(Readable.from([Buffer.from('a\r\nabc')]).pipe(decoder))).rejects.toMatchObject({ code: 'IncompleteBody' });
  });
});

describe('xml', () => {
  it('round-trips elements, attributes, entities and CDATA', () => {
    const root = parseXml(
      '<?xml version="1.0"?><!-- c --><Delete xmlns="ns"><Object><Key>a &amp; b &lt;c&gt; &#x263A;</Key></Object><Object><Key><![CDATA[<raw>]]></Key></Object><Quiet/></Delete>',
    );
    expect(root.attributes).toEqual({ xmlns: 'ns' });
    expect(childElements(root, 'Object').map((object) => childText(object, 'Key'))).toEqual(['a & b <c> ☺', '<raw>']);
    expect(renderXml(el('K', 'a & <b> "c"'))).toBe('<K>a &amp; &lt;b&gt; &quot;c&quot;</K>');
  });

  it('rejects malformed documents and DTDs', () => {
    expect(() => parseXml('<a><b></a>')).toThrow(XmlParseError);
    expect(() => parseXml('<a>')).toThrow(XmlParseError);
    expect(() => parseXml('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><a>&e;</a>')).toThrow(XmlParseError);
    expect(() => parseXml('<a/><b/>')).toThrow(XmlParseError);
    expect(() => parseXml('<a>&#x110000;</a>')).toThrow(XmlParseError);
    expect(() => parseXml('<a>&bogus;</a>')).toThrow(XmlParseError);
  });
});

describe('query protocol helpers', () => {
  it('merges form bodies with the URL query and reads member lists', () => {
    const params = queryParameters({
      query: new URLSearchParams('Action=X'),
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body: Buffer.from('Names.member.2=b&Names.member.1=a&Version=1'),
    });
    expect(params.get('Action')).toBe('X');
    expect(queryList(params, 'Names')).toEqual(['a', 'b']);
  });
});

describe('local server logging', () => {
  it('logs an operation it does not emulate in one line, and keeps stack traces for its own defects', async () => {
    const lines: Array<{ level: string; message: string; details?: Record<string, unknown> }> = [];
    const capture = (level: string) => (message: string, details?: Record<string, unknown>) => void lines.push({ level, message, details });
    const logger = { debug: () => undefined, info: () => undefined, warn: capture('warn'), error: capture('error') };
    const crashing = new FakeProvider(['glue'], () => {
      throw new Error('boom');
    });
    const sqs = new FakeProvider(['sqs'], (request) => dispatchJsonProtocol(request, { targetPrefix: 'AmazonSQS', serviceName: 'SQS', handlers: {} }));
    const server = await createLocalServer({ port: 0, providers: [crashing, sqs], logger });
    try {
      // `aws logs describe-log-groups`: a service the stack does not emulate.
      const logs = await rawRequest(server.url, { method: 'POST', path: '/', headers: { 'x-amz-target': 'Logs_20140328.DescribeLogGroups' }, sign: 'logs', body: '{}' });
      expect(logs.status).toBe(501);
      // An operation of an emulated service that it does not implement.
      const sqsAnswer = await rawRequest(server.url, { method: 'POST', path: '/', headers: { 'x-amz-target': 'AmazonSQS.ListDeadLetterSourceQueues' }, sign: 'sqs', body: '{}' });
      expect(sqsAnswer.status).toBe(400);
      expect(lines.filter((line) => line.level === 'warn').map((line) => line.message)).toEqual([
        expect.stringMatching(/^not emulated: DescribeLogGroups \(logs\) answered 501 NotImplemented: The local stack does not emulate service "logs"/),
        expect.stringMatching(/^not emulated: ListDeadLetterSourceQueues \(sqs\) answered 400 UnknownOperationException: /),
      ]);
      for (const line of lines) {
        expect(line.message).not.toContain('\n');
        expect(line.details).toBeUndefined();
      }
      await rawRequest(server.url, { method: 'POST', path: '/', headers: { 'x-amz-target': 'AWSGlue.GetJobs' }, sign: 'glue', body: '{}' });
      const defect = lines.find((line) => line.level === 'error');
      expect(defect).toMatchObject({ message: 'request failed', details: { service: 'glue', error: expect.stringMatching(/^Error: boom\n\s+at /) } });
    } finally {
      await server.close();
    }
  });
});
