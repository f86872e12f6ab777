/** Plain HTTP against the local server, for what SDKs never send (malformed bodies, unknown services). */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** A plain HTTP request, for what SDKs never send (malformed bodies, unknown services). */
export function rawRequest(
  url: string,
  options: { method?: string; path: string; headers?: Record<string, string | number>; body?: Buffer | string },
): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { hostname, port, method: options.method ?? 'GET', path: options.path, headers: options.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** An Authorization header with the given credential scope (signatures are not verified). */
export function sigV4Authorization(service: string, region = 'us-east-1'): string {
  return `AWS4-HMAC-SHA256 Credential=test/20261125/${region}/${service}/aws4_request, SignedHeaders=host, Signature=${'0'.repeat(64)}`;
}
