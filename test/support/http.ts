/** Plain HTTP against the local server, for what SDKs never send (malformed bodies, unknown services). */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { NodeSha256 } from '../../console/server/signing-proxy';
import { SignatureV4 } from '@smithy/signature-v4';
import { ChunkSignatureChain, sha256Hex, signingKey, signRequest, STREAMING_SIGNED, STREAMING_SIGNED_TRAILER, uriEncode } from '../../local-stack/src/core/sigv4';

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface RawRequestOptions {
  method?: string;
  /** Path and query as sent (percent-encoded as the client would). */
  path: string;
  headers?: Record<string, string | number>;
  body?: Buffer | string;
  /**
   * Sign the request (SigV4, Authorization header) for this service's signing name, with the documented
   * `test` credentials unless others are given; S3 requests carry the body's x-amz-content-sha256.
   */
  sign?: string | { service: string; region?: string; credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }; date?: Date };
}

export const SIGNING_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

/** A plain HTTP request, for what SDKs never send (malformed bodies, unknown services); signed when asked. */
export function rawRequest(url: string, options: RawRequestOptions): Promise<RawResponse> {
  const { hostname, port, host } = new URL(url);
  const method = options.method ?? 'GET';
  let headers: Record<string, string | number> | undefined = options.headers;
  if (options.sign !== undefined) {
    const sign = typeof options.sign === 'string' ? { service: options.sign } : options.sign;
    const given = Object.fromEntries(Object.entries(options.headers ?? {}).map(([name, value]) => [name, String(value)]));
    headers = signRequest({
      method,
      path: options.path,
      host: given.host ?? given.Host ?? host,
      headers: given,
      body: options.body,
      service: sign.service,
      region: sign.region ?? 'us-east-1',
      credentials: sign.credentials ?? SIGNING_CREDENTIALS,
      date: sign.date,
      contentSha256: sign.service === 's3' && given['x-amz-content-sha256'] === undefined ? true : undefined,
    });
  }
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname, port, method, path: options.path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

/**
 * An S3 PUT with a STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER] body, as the SDKs that sign chunks send it:
 * the headers (signed with the `test` credentials) and the aws-chunked body, each chunk signed over the previous one.
 */
export function signedAwsChunkedUpload(
  url: string,
  options: { path: string; chunks: readonly Buffer[]; trailers?: Record<string, string>; tamper?: (body: string) => string },
): { headers: Record<string, string>; body: string } {
  const trailer = options.trailers !== undefined;
  const decodedLength = options.chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  const headers = signRequest({
    method: 'PUT',
    path: options.path,
    host: new URL(url).host,
    headers: {
      'content-encoding': 'aws-chunked',
      'x-amz-decoded-content-length': String(decodedLength),
      ...(trailer ? { 'x-amz-trailer': Object.keys(options.trailers!).join(',') } : {}),
    },
    service: 's3',
    region: 'us-east-1',
    credentials: SIGNING_CREDENTIALS,
    contentSha256: trailer ? STREAMING_SIGNED_TRAILER : STREAMING_SIGNED,
  });
  const seed = /Signature=([0-9a-f]{64})/.exec(headers.authorization!)![1]!;
  const amzDate = headers['x-amz-date']!;
  const scope = { date: amzDate.slice(0, 8), region: 'us-east-1', service: 's3' };
  const chain = new ChunkSignatureChain(signingKey(SIGNING_CREDENTIALS.secretAccessKey, scope.date, scope.region, scope.service), amzDate, scope, seed);
  let body = '';
  for (const chunk of [...options.chunks, Buffer.alloc(0)]) {
    body += `${chunk.length.toString(16)};chunk-signature=${chain.nextChunk(sha256Hex(chunk))}\r\n${chunk.toString('latin1')}`;
    if (chunk.length > 0) body += '\r\n';
  }
  if (trailer) {
    const text = Object.entries(options.trailers!)
      .map(([name, value]) => `${name}:${value}\n`)
      .join('');
    body += `${text.replace(/\n/g, '\r\n')}x-amz-trailer-signature:${chain.trailer(text)}\r\n`;
  }
  body += '\r\n';
  return { headers, body: options.tamper ? options.tamper(body) : body };
}

/**
 * An Authorization header that names a credential scope and carries no valid signature: for what only reads
 * the scope (service resolution), never to reach a provider.
 */
export function sigV4Authorization(service: string, region = 'us-east-1'): string {
  return `AWS4-HMAC-SHA256 Credential=test/20261125/${region}/${service}/aws4_request, SignedHeaders=host, Signature=${'0'.repeat(64)}`;
}

/**
 * A presigned URL's path and query, made by the SDK's own signer (smithy's SignatureV4, as getSignedUrl
 * does), with the documented `test` credentials unless others are given.
 */
export async function presignedPath(
  url: string,
  options: { method?: string; path: string; service?: string; region?: string; expiresIn?: number; signingDate?: Date; credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string } },
): Promise<string> {
  const { hostname, port, host } = new URL(url);
  const service = options.service ?? 's3';
  const signer = new SignatureV4({ service, region: options.region ?? 'us-east-1', credentials: options.credentials ?? SIGNING_CREDENTIALS, sha256: NodeSha256, uriEscapePath: service !== 's3' });
  const question = options.path.indexOf('?');
  const query = Object.fromEntries(new URLSearchParams(question < 0 ? '' : options.path.slice(question + 1)));
  const presigned = await signer.presign(
    { method: options.method ?? 'GET', protocol: 'http:', hostname, port: Number(port), path: question < 0 ? options.path : options.path.slice(0, question), headers: { host, ...(service === 's3' ? { 'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD' } : {}) }, query },
    { expiresIn: options.expiresIn ?? 60, signingDate: options.signingDate },
  );
  const search = Object.entries(presigned.query ?? {})
    .map(([name, value]) => `${uriEncode(name)}=${uriEncode(String(value))}`)
    .join('&');
  return `${presigned.path}?${search}`;
}
