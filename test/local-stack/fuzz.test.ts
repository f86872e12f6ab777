/**
 * A bounded-time fuzz of every protocol parser (issue 11, item 5): random and mutated requests, most of them
 * properly signed so that they pass authentication and reach the parsers, for every declared JSON and query
 * operation, the REST-JSON routes and S3's REST-XML, with aws-chunked bodies among them. Asserted: no 5xx
 * (save S3's and REST's 501 NotImplemented for what the stack does not emulate, as AWS answers it), the
 * stack still answers afterwards, and no file appears outside the state folder.
 *
 * FUZZ_MS sets the time (default 6 s), FUZZ_SEED the seed (default: from the clock, printed on failure).
 */
import path from 'node:path';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { seededRandom } from '../../shared/src/random';
import { HEALTH_PATH } from '../../local-stack/src/core/server';
import { rawRequest, type RawResponse } from '../support/http';
import { providersInStartOrder } from '../../local-stack/src/stack';
import { clientsOf, useProviderStack } from '../support/stack';
import { filesOutside, temporaryDirectory } from '../support/temporary-directory';

const FUZZ_MS = Number(process.env.FUZZ_MS ?? 6_000);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);

const outer = temporaryDirectory('fuzz');
const stateDir = path.join(outer.dir, 'state');
const stack = useProviderStack({ stateDir, server: { maxBodyBytes: 256 * 1024 } });
const { s3, sqs } = clientsOf(stack);
afterAll(() => outer.remove());

interface Fuzzed {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  sign?: string;
}

const JUNK = ['', '\u0000', '%', '%zz', '../', '..%2F..%2F', '\uFFFF', '\uD800', '<', '>', '&', '"', "'", '{', '}', '[', ']', ';', '\r\n', 'A'.repeat(3000), '-1', '1e309', '99999999999999999999', 'null', 'true', '<!DOCTYPE x [<!ENTITY a "b">]>', '&a;', '<![CDATA[', '💥'];

const REST_PATHS = [
  ['POST', '/2015-03-31/functions/%s/invocations'],
  ['GET', '/2015-03-31/functions/%s'],
  ['GET', '/2015-03-31/functions/%s/configuration'],
  ['DELETE', '/2015-03-31/event-source-mappings/%s'],
  ['PUT', '/2019-09-25/functions/%s/event-invoke-config'],
  ['POST', '/v2/email/outbound-emails'],
  ['POST', '/v2/email/identities'],
  ['GET', '/v2/email/identities/%s'],
  ['POST', '/endpoints/%s/invocations'],
] as const;

const S3_SUBRESOURCES = ['', '?list-type=2&prefix=%s', '?uploads', '?uploadId=%s&partNumber=1', '?delete', '?tagging', '?versioning', '?lifecycle', '?notification', '?versions', '?location', '?acl', '?cors', '?policy', '?attributes', '?restore'];
const S3_BODIES = [
  '<Delete><Object><Key>%s</Key></Object></Delete>',
  '<Tagging><TagSet><Tag><Key>%s</Key><Value>v</Value></Tag></TagSet></Tagging>',
  '<VersioningConfiguration><Status>%s</Status></VersioningConfiguration>',
  '<LifecycleConfiguration><Rule><ID>%s</ID><Status>Enabled</Status><Filter><Prefix>p</Prefix></Filter><Expiration><Days>%s</Days></Expiration></Rule></LifecycleConfiguration>',
  '<CompleteMultipartUpload><Part><PartNumber>%s</PartNumber><ETag>"x"</ETag></Part></CompleteMultipartUpload>',
  '<NotificationConfiguration><EventBridgeConfiguration>%s</EventBridgeConfiguration></NotificationConfiguration>',
];

class Fuzzer {
  constructor(readonly random: () => number) {}

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }

  chance(p: number): boolean {
    return this.random() < p;
  }

  word(): string {
    return this.chance(0.5) ? this.pick(JUNK) : Math.floor(this.random() * 1e6).toString(36);
  }

  fill(template: string): string {
    return template.replace(/%s/g, () => this.word());
  }

  /** A random JSON value, sometimes deep, sometimes with the fields an operation reads. */
  json(depth = 0): unknown {
    const kind = Math.floor(this.random() * (depth > 3 ? 4 : 7));
    switch (kind) {
      case 0:
        return this.word();
      case 1:
        return this.random() * 1e12 - 5e11;
      case 2:
        return this.chance(0.5);
      case 3:
        return null;
      case 4:
        return Array.from({ length: Math.floor(this.random() * 4) }, () => this.json(depth + 1));
      default: {
        const names = ['QueueUrl', 'QueueName', 'JobName', 'Name', 'RunId', 'EndpointName', 'TrainingJobName', 'ModelName', 'Entries', 'Attributes', 'MaxResults', 'NextToken', 'Tags', 'Role', 'Command', 'Arguments', 'Entry', this.word()];
        return Object.fromEntries(Array.from({ length: 1 + Math.floor(this.random() * 4) }, () => [this.pick(names), this.json(depth + 1)]));
      }
    }
  }

  /** The text changed a little: bytes flipped, cut short, junk inserted. */
  mutate(text: string): string {
    if (!this.chance(0.5) || text.length === 0) return text;
    const at = Math.floor(this.random() * text.length);
    switch (Math.floor(this.random() * 4)) {
      case 0:
        return text.slice(0, at);
      case 1:
        return `${text.slice(0, at)}${this.pick(JUNK)}${text.slice(at)}`;
      case 2:
        return `${text.slice(0, at)}${String.fromCharCode(Math.floor(this.random() * 256))}${text.slice(at + 1)}`;
      default:
        return text.repeat(2 + Math.floor(this.random() * 3));
    }
  }

  chunked(data: string): string {
    if (this.chance(0.3)) return this.mutate(`${data.length.toString(16)}\r\n${data}\r\n0\r\n\r\n`);
    return `${data.length.toString(16)}\r\n${data}\r\n0\r\nx-amz-checksum-crc32:${this.word()}\r\n\r\n`;
  }
}

/** Percent-encoded, lone surrogates (which no URL can carry) replaced. */
function encodePart(text: string): string {
  return encodeURIComponent(text.replace(/[\uD800-\uDFFF]/g, '\uFFFD'));
}

function request(fuzz: Fuzzer, jsonOperations: ReadonlyArray<{ service: string; target: string }>, queryOperations: ReadonlyArray<{ service: string; action: string }>, queueUrl: string): Fuzzed {
  const family = fuzz.pick(['json', 'query', 'rest-json', 's3', 's3-chunked'] as const);
  switch (family) {
    case 'json': {
      const operation = fuzz.pick(jsonOperations);
      const body = fuzz.chance(0.8) ? JSON.stringify(fuzz.json()) : fuzz.mutate(JSON.stringify(fuzz.json()));
      return { method: 'POST', path: '/', headers: { 'x-amz-target': operation.target, 'content-type': fuzz.pick(['application/x-amz-json-1.1', 'application/x-amz-json-1.0']) }, body, sign: operation.service };
    }
    case 'query': {
      const operation = fuzz.pick(queryOperations);
      const params = new URLSearchParams({ Action: operation.action, Version: fuzz.pick(['2011-06-15', '2012-11-05', '2010-05-15']) });
      for (let i = 0; i < 1 + fuzz.random() * 5; i += 1) params.set(fuzz.pick(['QueueUrl', 'QueueName', 'MessageBody', 'RoleArn', 'RoleSessionName', 'DurationSeconds', 'StackName', 'TemplateBody', 'Attribute.1.Name', 'MessageAttribute.1.Value.DataType', fuzz.word()]), fuzz.chance(0.2) ? queueUrl : fuzz.word());
      return { method: 'POST', path: '/', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: fuzz.mutate(params.toString()), sign: operation.service };
    }
    case 'rest-json': {
      const [method, template] = fuzz.pick(REST_PATHS);
      const service = template.startsWith('/v2/') ? 'ses' : template.startsWith('/endpoints/') ? 'sagemaker' : 'lambda';
      return { method, path: fuzz.fill(template).replace(/[^\x21-\x7e]/g, encodePart), headers: { 'content-type': 'application/json' }, body: fuzz.mutate(JSON.stringify(fuzz.json())), sign: service };
    }
    case 's3': {
      const key = encodePart(fuzz.word()).replace(/%2F/g, '/');
      const bucket = fuzz.chance(0.7) ? 'fuzz' : encodePart(fuzz.word());
      const sub = fuzz.fill(fuzz.pick(S3_SUBRESOURCES)).replace(/[^\x21-\x7e]/g, encodePart);
      const body = fuzz.mutate(fuzz.fill(fuzz.pick(S3_BODIES)));
      const method = fuzz.pick(['GET', 'PUT', 'POST', 'DELETE', 'HEAD']);
      const headers: Record<string, string> = {};
      if (fuzz.chance(0.3)) headers[fuzz.pick(['range', 'x-amz-copy-source', 'x-amz-checksum-crc32', 'content-md5', 'x-amz-tagging', 'if-match', 'x-amz-meta-a'])] = fuzz.word().replace(/[^\x20-\x7e]/g, '');
      return { method, path: `/${bucket}${fuzz.chance(0.6) ? `/${key}` : ''}${sub}`, headers, body: method === 'GET' || method === 'HEAD' ? '' : body, sign: 's3' };
    }
    case 's3-chunked': {
      const data = fuzz.word();
      return {
        method: 'PUT',
        path: `/fuzz/${encodePart(fuzz.word())}`,
        headers: { 'x-amz-content-sha256': 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', 'content-encoding': 'aws-chunked', 'x-amz-trailer': 'x-amz-checksum-crc32', 'x-amz-decoded-content-length': String(fuzz.chance(0.8) ? Buffer.byteLength(data, 'latin1') : Math.floor(fuzz.random() * 100)) },
        body: fuzz.chunked(data),
        sign: 's3',
      };
    }
  }
}

/** What authentication answers (403s, and the 400s of a malformed signature): a properly signed request never gets one. */
const AUTH_CODES = new Set(['SignatureDoesNotMatch', 'InvalidSignatureException', 'IncompleteSignature', 'IncompleteSignatureException', 'AuthorizationHeaderMalformed', 'MissingAuthenticationToken', 'MissingAuthenticationTokenException', 'InvalidAccessKeyId', 'InvalidClientTokenId', 'UnrecognizedClientException']);

function errorCode(response: RawResponse): string {
  const header = response.headers['x-amzn-errortype'];
  if (typeof header === 'string') return header;
  return /<Code>([^<]*)<\/Code>/.exec(response.body.toString('utf8'))?.[1] ?? '';
}

it(`answers ${FUZZ_MS} ms of random and mutated requests without a 5xx, a crash or a file outside the state folder (seed ${SEED})`, async () => {
  await s3.send(new CreateBucketCommand({ Bucket: 'fuzz' }));
  await s3.send(new PutObjectCommand({ Bucket: 'fuzz', Key: 'existing', Body: 'x' }));
  const queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'fuzz' }))).QueueUrl!;
  const jsonOperations: Array<{ service: string; target: string }> = [];
  const queryOperations: Array<{ service: string; action: string }> = [];
  for (const provider of providersInStartOrder(stack.providers)) {
    for (const [name, declaration] of Object.entries(provider.operations)) {
      const service = provider.signingNames[0]!;
      if (declaration.jsonTargetPrefix !== undefined) jsonOperations.push({ service, target: `${declaration.jsonTargetPrefix}.${name}` });
      if (declaration.protocols.includes('query')) queryOperations.push({ service, action: name });
    }
  }
  // Destructive operations on the stack's own state are fine: it is a throwaway state folder.
  const fuzz = new Fuzzer(seededRandom(SEED));
  const failures: string[] = [];
  const counts = { sent: 0, unsigned: 0, ok: 0 };
  const until = Date.now() + FUZZ_MS;
  while (Date.now() < until && failures.length < 5) {
    const fuzzed = request(fuzz, jsonOperations, queryOperations, queueUrl);
    const unsigned = fuzz.chance(0.1);
    const response = await rawRequest(stack.url, { method: fuzzed.method, path: fuzzed.path, headers: fuzzed.headers, body: fuzzed.body, sign: unsigned ? undefined : fuzzed.sign });
    counts.sent += 1;
    if (unsigned) counts.unsigned += 1;
    if (response.status < 300) counts.ok += 1;
    if (unsigned && response.status !== 403 && response.status !== 400) failures.push(`unsigned ${fuzzed.method} ${fuzzed.path} answered ${response.status}`);
    // A HEAD answer has no body to name its code in.
    const notEmulated = response.status === 501 && (errorCode(response) === 'NotImplemented' || fuzzed.method === 'HEAD');
    if (!unsigned && (response.status === 403 || /Signature|Authorization/.test(errorCode(response))) && AUTH_CODES.has(errorCode(response))) failures.push(`signed ${fuzzed.method} ${fuzzed.path} refused by authentication: ${errorCode(response)}`);
    if (response.status >= 500 && !notEmulated) {
      failures.push(`${fuzzed.method} ${fuzzed.path} ${JSON.stringify(fuzzed.headers)} ${JSON.stringify(fuzzed.body.slice(0, 300))} -> ${response.status} ${response.body.toString('utf8').slice(0, 300)}`);
    }
  }
  process.stdout.write(`[fuzz] seed ${SEED}: ${counts.sent} requests (${counts.unsigned} unsigned), ${counts.ok} answered 2xx\n`);
  expect(failures).toEqual([]);
  expect(counts.sent).toBeGreaterThan(50);
  expect((await rawRequest(stack.url, { path: HEALTH_PATH })).status).toBe(200);
  expect((await rawRequest(stack.url, { path: '/fuzz/existing', sign: 's3' })).body.toString()).toBe('x');
  expect(filesOutside(outer.dir, 'state')).toEqual([]);
}, FUZZ_MS + 30_000);
