/**
 * `npm run console` against AWS: the console page on 127.0.0.1, and beside it a proxy for the page's AWS
 * API calls (AWS APIs do not answer browsers from another origin). The page signs every request (SigV4)
 * with a session key that only this server and the page it served know; the proxy checks that signature,
 * then signs the request again with the user's AWS credentials and sends it to the AWS endpoint of the
 * service and region the signature names. A request the page did not sign (another site in the browser,
 * a rebound DNS name, a stray local client) is refused before any credential is used.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, HttpRequest } from '@smithy/types';
import { consolePages, CONSOLE_PREFIX, type ConsolePages, type PageConfig } from './pages';

/** Largest request body relayed (the page uploads big files in 8 MiB multipart parts). */
export const MAX_BODY_BYTES = 64 * 1024 * 1024;
const MAX_CLOCK_SKEW_MS = 15 * 60_000;
/** Headers that describe one hop, or that the browser adds: never relayed to AWS. */
const HOP_HEADERS = new Set([
  'host', 'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'authorization', 'x-amz-date',
  'x-amz-security-token', 'origin', 'referer', 'cookie', 'user-agent', 'accept-encoding', 'content-length', 'expect',
]);

/** SigV4 hashes and HMACs with node:crypto, in the shape the signer wants. */
type Bytes = string | ArrayBuffer | ArrayBufferView;
const asInput = (data: Bytes): string | Uint8Array =>
  typeof data === 'string' ? data : data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);

export class NodeSha256 {
  private readonly hash;
  constructor(secret?: Bytes) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', asInput(secret));
  }
  update(data: Bytes): void {
    this.hash.update(asInput(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

export interface Upstream {
  /** `https://glue.eu-west-1.amazonaws.com`, say. */
  origin: string;
  /** The path to send there (S3's path-style `/<bucket>/<key>` becomes `/<key>` on the bucket's own host). */
  path: string;
}

/** The AWS endpoint of a request signed for `service` in `region`. */
export function awsUpstream(service: string, region: string, path: string): Upstream | undefined {
  const suffix = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  switch (service) {
    case 's3': {
      // Virtual-hosted style for DNS-safe bucket names (no dots: the certificate covers one label).
      const match = /^\/([a-z0-9][a-z0-9-]{1,61}[a-z0-9])(\/.*)?$/.exec(path);
      if (match) return { origin: `https://${match[1]}.s3.${region}.${suffix}`, path: match[2] ?? '/' };
      return { origin: `https://s3.${region}.${suffix}`, path };
    }
    case 'glue':
      return { origin: `https://glue.${region}.${suffix}`, path };
    case 'sagemaker':
      // SageMaker Runtime signs as "sagemaker" too; its calls are the only ones on /endpoints/<name>/invocations.
      return /^\/endpoints\/[^/]+\/invocations/.test(path)
        ? { origin: `https://runtime.sagemaker.${region}.${suffix}`, path }
        : { origin: `https://api.sagemaker.${region}.${suffix}`, path };
    case 'sts':
      return { origin: `https://sts.${region}.${suffix}`, path };
    default:
      return undefined;
  }
}

export interface ParsedAuthorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

export function parseAuthorization(header: string | undefined): ParsedAuthorization | undefined {
  const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request,\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/.exec(header ?? '');
  if (!match) return undefined;
  return { accessKeyId: match[1]!, date: match[2]!, region: match[3]!, service: match[4]!, signedHeaders: match[5]!.split(';'), signature: match[6]! };
}

function amzDate(value: string | undefined): Date | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value ?? '');
  return match ? new Date(Date.UTC(+match[1]!, +match[2]! - 1, +match[3]!, +match[4]!, +match[5]!, +match[6]!)) : undefined;
}

function queryOf(rawQuery: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(rawQuery)) {
    const existing = query[key];
    query[key] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return query;
}

const headerValue = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value.join(',') : value);

class ProxyRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface SigningProxyOptions {
  page: Omit<PageConfig, 'credentials' | 'mode'>;
  /** The user's AWS credentials (the standard provider chain, normally). */
  credentials: AwsCredentialIdentityProvider;
  /** 127.0.0.1 only. 0 picks a free port. */
  port: number;
  /** Where a request goes; AWS by default. Tests point it at a local stack. */
  upstream?: (service: string, region: string, path: string) => Upstream | undefined;
  log?: (line: string) => void;
}

export interface SigningProxy {
  url: string;
  consoleUrl: string;
  /** Requests relayed and refused so far. */
  stats: { relayed: number; refused: number };
  close(): Promise<void>;
}

export async function startSigningProxy(options: SigningProxyOptions): Promise<SigningProxy> {
  const session: AwsCredentialIdentity = { accessKeyId: `CONSOLE${randomBytes(6).toString('hex').toUpperCase()}`, secretAccessKey: randomBytes(32).toString('base64url') };
  const pages: ConsolePages = consolePages(() => ({ ...options.page, mode: 'aws', credentials: { accessKeyId: session.accessKeyId, secretAccessKey: session.secretAccessKey } }));
  const upstream = options.upstream ?? awsUpstream;
  const stats = { relayed: 0, refused: 0 };
  let origin = '';
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const refusal = error instanceof ProxyRefusal ? error : new ProxyRefusal(502, 'BadGateway', `The console's proxy could not relay the request: ${(error as Error).message}`);
      stats.refused += refusal.status === 502 ? 0 : 1;
      if (refusal.status === 502) options.log?.(`relay failed: ${req.method} ${req.url}: ${(error as Error).message}`);
      if (!res.headersSent) {
        res.writeHead(refusal.status, { 'content-type': 'application/json', 'x-amzn-errortype': refusal.code });
        res.end(JSON.stringify({ __type: refusal.code, message: refusal.message }));
      } else {
        res.destroy();
      }
    });
  });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const host = req.headers.host ?? '';
    // A page of another site that rebinds its own name to 127.0.0.1 arrives with its own Host: refused.
    if (host !== new URL(origin).host && host !== `localhost:${new URL(origin).port}`) throw new ProxyRefusal(403, 'AccessDenied', `Host ${host} is not this console's`);
    const requestOrigin = headerValue(req.headers.origin);
    if (requestOrigin !== undefined && requestOrigin !== origin && requestOrigin !== `http://localhost:${new URL(origin).port}`) {
      throw new ProxyRefusal(403, 'AccessDenied', `requests from ${requestOrigin} are not the console's`);
    }
    const url = req.url ?? '/';
    const question = url.indexOf('?');
    const rawPath = question < 0 ? url : url.slice(0, question);
    const rawQuery = question < 0 ? '' : url.slice(question + 1);
    // A person opening the bare address gets the page; the JSON APIs (Glue, SageMaker) POST to / too.
    const opensRoot = rawPath === '/' && (req.method === 'GET' || req.method === 'HEAD') && !req.headers.authorization;
    if (rawPath.startsWith(CONSOLE_PREFIX) || rawPath === CONSOLE_PREFIX.slice(0, -1) || opensRoot) {
      const page = opensRoot ? { status: 308, headers: { location: CONSOLE_PREFIX } as Record<string, string>, body: '' } : await pages.handle(req.method ?? 'GET', rawPath, req.headers);
      res.writeHead(page.status, page.headers);
      res.end(req.method === 'HEAD' ? undefined : page.body);
      return;
    }

    const auth = parseAuthorization(headerValue(req.headers.authorization));
    if (!auth) throw new ProxyRefusal(403, 'MissingAuthenticationToken', 'The console relays SigV4-signed requests of its page only');
    if (auth.accessKeyId !== session.accessKeyId) throw new ProxyRefusal(403, 'InvalidClientTokenId', 'Signed with a key that is not this console session\'s (reload the page: the proxy was restarted?)');
    const signedAt = amzDate(headerValue(req.headers['x-amz-date']));
    if (!signedAt || Math.abs(Date.now() - signedAt.getTime()) > MAX_CLOCK_SKEW_MS) throw new ProxyRefusal(403, 'RequestExpired', 'The request is not signed within 15 minutes of now');
    const body = await readBody(req);
    const incoming = { method: req.method ?? 'GET', host, rawPath, rawQuery, headers: req.headers, body };
    if (!(await signatureMatches(incoming, session))) {
      throw new ProxyRefusal(403, 'SignatureDoesNotMatch', 'The request signature does not match the console session\'s');
    }
    const applyChecksum = auth.signedHeaders.includes('x-amz-content-sha256');

    const target = upstream(auth.service, auth.region, rawPath);
    if (!target) throw new ProxyRefusal(400, 'UnsupportedService', `The console relays S3, Glue, SageMaker and STS calls, not ${auth.service}`);
    const targetUrl = new URL(target.origin);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (!HOP_HEADERS.has(name) && !name.startsWith('sec-') && value !== undefined) headers[name] = headerValue(value)!;
    }
    headers.host = targetUrl.host;
    const outgoing: HttpRequest = {
      method: incoming.method,
      protocol: targetUrl.protocol,
      hostname: targetUrl.hostname,
      ...(targetUrl.port ? { port: Number(targetUrl.port) } : {}),
      path: target.path,
      query: queryOf(rawQuery),
      headers,
      body,
    };
    const signer = new SignatureV4({ service: auth.service, region: auth.region, credentials: options.credentials, sha256: NodeSha256, uriEscapePath: auth.service !== 's3', applyChecksum });
    const signed = await signer.sign(outgoing);
    stats.relayed += 1;
    await relay(signed, rawQuery, res);
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: origin,
    consoleUrl: `${origin}${CONSOLE_PREFIX}`,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export interface ReceivedRequest {
  method: string;
  host: string;
  rawPath: string;
  rawQuery: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/**
 * Whether a received request carries a valid SigV4 signature by `credentials`: the canonical request is
 * built again from what arrived (the headers it says it signed, its path, query and body) and signed with
 * the same date, scope and key.
 */
export async function signatureMatches(request: ReceivedRequest, credentials: AwsCredentialIdentity): Promise<boolean> {
  const auth = parseAuthorization(headerValue(request.headers.authorization));
  const signedAt = amzDate(headerValue(request.headers['x-amz-date']));
  if (!auth || !signedAt || auth.accessKeyId !== credentials.accessKeyId) return false;
  const signedHeaders: Record<string, string> = {};
  for (const name of auth.signedHeaders) {
    const value = headerValue(request.headers[name]);
    if (value === undefined) return false;
    signedHeaders[name] = value;
  }
  const [hostname, port] = request.host.split(':');
  const rebuilt: HttpRequest = {
    method: request.method,
    protocol: 'http:',
    hostname: hostname!,
    ...(port ? { port: Number(port) } : {}),
    path: request.rawPath,
    query: queryOf(request.rawQuery),
    headers: signedHeaders,
    body: request.body,
  };
  // The payload hash header is signed when the page's signer added it; reproduced exactly as it was. The
  // signer trusts that header, so it must be the body's hash (as AWS checks), unless the payload is unsigned.
  const applyChecksum = auth.signedHeaders.includes('x-amz-content-sha256');
  const payloadHash = signedHeaders['x-amz-content-sha256'];
  if (payloadHash !== undefined && /^[0-9a-f]{64}$/.test(payloadHash) && createHash('sha256').update(request.body).digest('hex') !== payloadHash) return false;
  const signer = new SignatureV4({ service: auth.service, region: auth.region, credentials, sha256: NodeSha256, uriEscapePath: auth.service !== 's3', applyChecksum });
  const expected = parseAuthorization((await signer.sign(rebuilt, { signingDate: signedAt })).headers.authorization)?.signature ?? '';
  return expected.length === auth.signature.length && timingSafeEqual(Buffer.from(expected), Buffer.from(auth.signature));
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new ProxyRefusal(413, 'EntityTooLarge', `The console relays bodies of up to ${MAX_BODY_BYTES / 2 ** 20} MiB (upload larger files in parts)`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Sends the signed request and streams the answer back as it comes. */
function relay(signed: HttpRequest, rawQuery: string, res: ServerResponse): Promise<void> {
  return new Promise((resolve, reject) => {
    const send = signed.protocol === 'https:' ? httpsRequest : httpRequest;
    const outgoing = send(
      {
        method: signed.method,
        hostname: signed.hostname,
        port: signed.port,
        // The query goes as the page sent it: the signature covers its canonical form, which this keeps.
        path: `${signed.path}${rawQuery ? `?${rawQuery}` : ''}`,
        headers: { ...signed.headers, 'content-length': String((signed.body as Buffer).length) },
      },
      (answer) => {
        const headers: Record<string, string | string[]> = {};
        for (const [name, value] of Object.entries(answer.headers)) if (value !== undefined && !['connection', 'transfer-encoding', 'keep-alive'].includes(name)) headers[name] = value;
        res.writeHead(answer.statusCode ?? 502, headers);
        answer.pipe(res);
        answer.once('end', resolve);
        answer.once('error', reject);
      },
    );
    outgoing.once('error', reject);
    outgoing.end(signed.body);
  });
}
