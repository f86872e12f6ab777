/** Test support: a local server with the S3, STS and SES providers over a temporary state directory. */
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { createLocalServer, type LocalServer, type LocalServerOptions } from '../../local-stack/src/core/server';
import type { EventBridgeEvent, EventPublisher, Provider } from '../../local-stack/src/core/types';
import { S3Provider } from '../../local-stack/src/providers/s3';
import { SesProvider } from '../../local-stack/src/providers/ses';
import { StsProvider } from '../../local-stack/src/providers/sts';

export const testCredentials = { accessKeyId: 'test', secretAccessKey: 'test' };

type PublishedEvent = Parameters<EventPublisher['publish']>[0];

/** An EventPublisher that records what it is given. */
export class RecordingPublisher implements EventPublisher {
  readonly events: PublishedEvent[] = [];

  async publish(event: PublishedEvent): Promise<void> {
    this.events.push(event);
  }

  ofType(detailType: string): Array<PublishedEvent & Pick<EventBridgeEvent, 'detail'>> {
    return this.events.filter((event) => event['detail-type'] === detailType);
  }
}

export interface TestStack {
  url: string;
  stateDir: string;
  mailDir: string;
  publisher: RecordingPublisher;
  s3: S3Provider;
  server: LocalServer;
  /** Stops the server and starts a new one (new provider instances) over the same state directory. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export interface TestStackOptions extends Partial<Pick<LocalServerOptions, 'maxBodyBytes' | 'maxStreamedBodyBytes'>> {
  extraProviders?: Provider[];
}

export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  const stateDir = await mkdtemp(join(tmpdir(), 'local-stack-test-'));
  const mailDir = join(stateDir, 'mail');
  const publisher = new RecordingPublisher();
  const boot = async (): Promise<{ server: LocalServer; s3: S3Provider }> => {
    const s3 = new S3Provider({ stateDir, events: publisher });
    const server = await createLocalServer({
      port: 0,
      providers: [s3, new StsProvider(), new SesProvider({ stateDir, mailDir }), ...(options.extraProviders ?? [])],
      maxBodyBytes: options.maxBodyBytes,
      maxStreamedBodyBytes: options.maxStreamedBodyBytes,
    });
    return { server, s3 };
  };
  let current = await boot();
  const stack: TestStack = {
    get url() {
      return current.server.url;
    },
    stateDir,
    mailDir,
    publisher,
    get s3() {
      return current.s3;
    },
    get server() {
      return current.server;
    },
    async restart() {
      await current.server.close();
      current = await boot();
    },
    async close() {
      await current.server.close();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
  return stack;
}

export function s3Client(url: string, forcePathStyle = true): S3Client {
  return new S3Client({ endpoint: url, region: 'us-east-1', forcePathStyle, credentials: testCredentials });
}

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

/** Polls until `condition` holds, failing after `timeoutMs`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
