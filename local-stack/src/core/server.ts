/**
 * The local stack's single HTTP endpoint: admits loopback requests only (core/front-door.ts), works
 * out the target service, verifies the request's SigV4 signature (core/authentication.ts), reads the
 * body (size-limited, aws-chunked decoded, its hash and chunk signatures checked as it passes),
 * dispatches to the provider that answers for it, and writes the provider's response or its AWS
 * error in the provider's protocol.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { withoutAwsChunked, isAwsChunked } from './aws-chunked';
import { authError, Authenticator, type Authenticated } from './authentication';
import { CredentialStore } from './credentials';
import { errorResponse, toAwsError } from './errors';
import { FrontDoor, type FrontDoorOptions } from './front-door';
import { silentLogger, type LocalStackLogger } from './logger';
import { decodeRequestBody, readFully, type BodyVerification } from './request-body';
import { ProviderRegistry, protocolFor } from './router';
import { resolveServiceTarget, type ServiceTarget } from './service-resolution';
import { ACCOUNT_ID, AwsError, type AwsProtocol, type AwsRequest, type AwsRequestHead, type AwsResponse, type Provider } from './types';

export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;
/** S3's own ceiling for a single PUT. */
export const DEFAULT_MAX_STREAMED_BODY_BYTES = 5 * 1024 * 1024 * 1024;
export const HEALTH_PATH = '/_local/health';
export const CONTROL_PREFIX = '/_local/';
const CLOSE_GRACE_MS = 5_000;

export interface LocalServerOptions {
  /** Loopback only (`127.0.0.1` by default); any other address is refused. */
  host?: string;
  /** 0 picks a free port. */
  port: number;
  providers: readonly Provider[];
  /** Limit for bodies read into memory. */
  maxBodyBytes?: number;
  /** Limit for bodies a provider streams (`Provider.streamsRequestBody`), e.g. S3 PutObject. */
  maxStreamedBodyBytes?: number;
  logger?: LocalStackLogger;
  /** Called with the URL once the server listens, before any provider starts. */
  onListening?: (url: string) => void;
  /**
   * Call each provider's `start()` once listening, in order (requests to a provider wait for its
   * start), and `stop()` in reverse order on close. Default true.
   */
  manageProviderLifecycle?: boolean;
  /**
   * The stack's own control routes, `POST /_local/<name>` with a JSON body (for example a redeploy of
   * one service). They are not AWS APIs, and loopback is the only way in.
   */
  controlRoutes?: Readonly<Record<string, (input: unknown) => Promise<unknown>>>;
  /**
   * Who may sign requests: the local long-term keys and the temporary credentials the stack issued.
   * By default a store with the documented local keys (`local`/`local`, `test`/`test`) only.
   */
  credentials?: CredentialStore;
  /** Host names and browser origins allowed besides loopback names and the stack's own origin. */
  frontDoor?: FrontDoorOptions;
  /**
   * Static pages under one path prefix (the pipeline console, `/_console/`): served from the stack's own
   * origin, so the page's AWS API calls are same-origin. Not an AWS API; no bucket can be named like it.
   */
  pages?: StaticPages;
}

export interface StaticPages {
  /** Ends with `/`; the prefix without it is served too (a redirect, say). */
  readonly prefix: string;
  handle(method: string, path: string, headers: IncomingHttpHeaders): Promise<AwsResponse>;
}

export interface LocalServer {
  readonly url: string;
  readonly port: number;
  /** Stops accepting requests, lets in-flight ones finish (bounded), then stops the providers. */
  close(): Promise<void>;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

export async function createLocalServer(options: LocalServerOptions): Promise<LocalServer> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopback(host)) throw new Error(`The local stack binds loopback addresses only, not ${host}`);
  const registry = new ProviderRegistry(options.providers);
  const logger = options.logger ?? silentLogger;
  const manageLifecycle = options.manageProviderLifecycle ?? true;
  const readiness = new ProviderReadiness();
  const handler = new RequestHandler(registry, readiness, {
    frontDoor: new FrontDoor(options.frontDoor),
    authenticator: new Authenticator(options.credentials ?? new CredentialStore()),
    controlRoutes: options.controlRoutes ?? {},
    pages: options.pages,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    maxStreamedBodyBytes: options.maxStreamedBodyBytes ?? DEFAULT_MAX_STREAMED_BODY_BYTES,
    logger,
  });

  const server = createServer((req, res) => handler.handle(req, res));
  await listen(server, host, options.port);
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  options.onListening?.(url);

  const shutDown = async (): Promise<void> => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    await handler.idle(CLOSE_GRACE_MS);
    server.closeAllConnections();
    await closed;
    await stopProviders(readiness.started, logger);
  };
  if (manageLifecycle) {
    try {
      await readiness.startInOrder(options.providers);
    } catch (error) {
      await shutDown();
      throw error;
    }
  }
  logger.info('local stack listening', { url, services: registry.signingNames });

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    close: () => {
      closing ??= shutDown();
      return closing;
    },
  };
}

/**
 * Providers start one after another once the server listens (so a provider's start may already
 * call the stack); a request to a provider waits until that provider has started.
 */
class ProviderReadiness {
  readonly started: Provider[] = [];
  private readonly ready = new Map<Provider, Promise<void>>();

  async startInOrder(providers: readonly Provider[]): Promise<void> {
    let previous = Promise.resolve();
    for (const provider of providers) {
      const current = previous.then(async () => {
        await provider.start?.();
        this.started.push(provider);
      });
      // Waiters see the failure; this keeps it from also surfacing as an unhandled rejection.
      current.catch(() => undefined);
      this.ready.set(provider, current);
      previous = current;
    }
    await previous;
  }

  whenReady(provider: Provider): Promise<void> {
    return this.ready.get(provider) ?? Promise.resolve();
  }
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function stopProviders(providers: readonly Provider[], logger: LocalStackLogger): Promise<void> {
  for (const provider of [...providers].reverse()) {
    try {
      await provider.stop?.();
    } catch (error) {
      logger.error('provider failed to stop', { provider: provider.signingNames.join(','), error: String(error) });
    }
  }
}

interface HandlerLimits {
  frontDoor: FrontDoor;
  authenticator: Authenticator;
  controlRoutes: Readonly<Record<string, (input: unknown) => Promise<unknown>>>;
  pages: StaticPages | undefined;
  maxBodyBytes: number;
  maxStreamedBodyBytes: number;
  logger: LocalStackLogger;
}

/** The request target split the way S3 needs it: the raw path is never normalised (`a/../b` is a key). */
function splitTarget(url: string): { rawPath: string; rawQuery: string } {
  let target = url;
  if (!target.startsWith('/')) {
    const absolute = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/[^/]*(\/.*)?$/.exec(target);
    if (!absolute) throw new AwsError('InvalidURI', `Could not parse the request target ${url}`, 400);
    target = absolute[1] ?? '/';
  }
  const question = target.indexOf('?');
  return question < 0
    ? { rawPath: target, rawQuery: '' }
    : { rawPath: target.slice(0, question), rawQuery: target.slice(question + 1) };
}

/** Headers as the provider sees them once aws-chunked framing is gone. */
function payloadHeaders(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  if (!isAwsChunked(headers)) return headers;
  const normalised: IncomingHttpHeaders = { ...headers };
  const encoding = withoutAwsChunked(headers['content-encoding']);
  if (encoding === undefined) delete normalised['content-encoding'];
  else normalised['content-encoding'] = encoding;
  const decodedLength = headers['x-amz-decoded-content-length'];
  if (typeof decodedLength === 'string') normalised['content-length'] = decodedLength;
  else delete normalised['content-length'];
  return normalised;
}

class RequestHandler {
  private inFlight = 0;
  private readonly idleWaiters: Array<() => void> = [];

  constructor(
    private readonly registry: ProviderRegistry,
    private readonly readiness: ProviderReadiness,
    private readonly limits: HandlerLimits,
  ) {}

  handle(req: IncomingMessage, res: ServerResponse): void {
    this.inFlight += 1;
    const requestId = randomUUID();
    const started = performance.now();
    let protocol: AwsProtocol = 'rest-xml';
    let service = 'unknown';
    let corsHeaders: Record<string, string> = {};
    const finish = (response: AwsResponse): Promise<void> =>
      writeResponse(req, res, { ...response, headers: { ...corsHeaders, ...response.headers } }, requestId, service).catch((error: unknown) => {
        this.limits.logger.warn('failed to write response', { requestId, error: String(error) });
        res.destroy();
      });

    this.dispatch(req, requestId, {
      identified: (resolved, resolvedProtocol) => {
        service = resolved;
        protocol = resolvedProtocol;
      },
      admitted: (headers) => {
        corsHeaders = headers;
      },
    })
      .then(finish, (error: unknown) => {
        const awsError = toAwsError(error);
        if (error instanceof AwsError && NOT_EMULATED_CODES.has(error.code)) {
          // A client asking for what the stack does not do: one line saying so, not a stack trace.
          this.limits.logger.warn(`not emulated: ${operationOf(req)} (${service}) answered ${error.status} ${error.code}: ${error.message}`);
        } else if (error instanceof AwsError && awsError.status >= 500) {
          this.limits.logger.error(`${operationOf(req)} (${service}) answered ${error.status} ${error.code}: ${error.message}`, { requestId });
        } else if (awsError.status >= 500) {
          // Not an AWS error the provider meant: a defect of the stack, with what is needed to find it.
          this.limits.logger.error('request failed', { requestId, service, error: String((error as Error)?.stack ?? error) });
        }
        return finish(errorResponse(protocol, awsError, requestId));
      })
      .finally(() => {
        this.limits.logger.debug('request', {
          requestId,
          service,
          method: req.method,
          url: req.url,
          status: res.statusCode,
          ms: Math.round((performance.now() - started) * 10) / 10,
        });
        this.inFlight -= 1;
        if (this.inFlight === 0) this.idleWaiters.splice(0).forEach((wake) => wake());
      });
  }

  /** Resolves when no request is in flight, or after `timeoutMs`. */
  idle(timeoutMs: number): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private async dispatch(
    req: IncomingMessage,
    requestId: string,
    progress: { identified: (service: string, protocol: AwsProtocol) => void; admitted: (corsHeaders: Record<string, string>) => void },
  ): Promise<AwsResponse> {
    const { identified } = progress;
    const method = req.method ?? 'GET';
    // Before anything else, and before any body is read: only loopback names, only allowed browser origins.
    const admission = this.limits.frontDoor.admit(method, req.headers);
    progress.admitted(admission.corsHeaders);
    if (admission.preflight) return admission.preflight;
    const { rawPath, rawQuery } = splitTarget(req.url ?? '/');
    const query = new URLSearchParams(rawQuery);
    // Open to loopback without a signature: it changes nothing and tells only which services run.
    if (rawPath === HEALTH_PATH && (method === 'GET' || method === 'HEAD')) {
      return {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ status: 'running', services: this.registry.signingNames }),
      };
    }
    const pages = this.limits.pages;
    if (pages && (rawPath.startsWith(pages.prefix) || rawPath === pages.prefix.slice(0, -1))) {
      identified('pages', 'rest-xml');
      return pages.handle(method, rawPath, req.headers);
    }
    const control = rawPath.startsWith(CONTROL_PREFIX) ? rawPath.slice(CONTROL_PREFIX.length) : undefined;
    if (control !== undefined && method === 'POST' && Object.hasOwn(this.limits.controlRoutes, control)) {
      // They change state: signed like any AWS request (any service name in the scope), errors in REST-JSON.
      identified('local', 'rest-json');
      const authenticated = this.authenticate(req, rawPath, rawQuery, query, 'rest-json');
      const body = await this.readBody(req, req.headers, this.limits.maxBodyBytes, 'local', authenticated, 'rest-json');
      let input: unknown;
      try {
        input = body.length > 0 ? JSON.parse(body.toString('utf8')) : {};
      } catch {
        throw new AwsError('SerializationException', `the body of ${rawPath} is not JSON`, 400);
      }
      const output = await this.limits.controlRoutes[control]!(input);
      return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(output ?? {}) };
    }

    const headers = payloadHeaders(req.headers);
    const target: ServiceTarget | undefined = resolveServiceTarget({ headers: req.headers, query, path: rawPath }, this.registry.directory);
    if (target === undefined) {
      // An unsigned form post (only its body's Action would say which service it is for): refused unread.
      identified('unknown', 'query');
      throw authError('missing', 'query');
    }
    const provider = this.registry.providerFor(target.service);
    const protocol = protocolFor(provider, { service: target.service, headers, query });
    identified(target.service, protocol);
    const authenticated = this.authenticate(req, rawPath, rawQuery, query, protocol);
    if (!provider) {
      throw new AwsError(
        'NotImplemented',
        `The local stack does not emulate service "${target.service}" (recognised by ${target.via}); it serves ${this.registry.signingNames.join(', ')}`,
        501,
      );
    }

    await this.readiness.whenReady(provider);
    let path: string;
    try {
      path = decodeURIComponent(rawPath);
    } catch {
      throw new AwsError('InvalidURI', `Could not decode the request path ${rawPath}`, 400);
    }
    const head: AwsRequestHead = {
      method,
      path,
      rawPath,
      query,
      headers,
      service: target.service,
      region: target.region,
      accountId: ACCOUNT_ID,
      requestId,
      sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
      caller: authenticated.caller,
    };

    // A body the signature covers only through its hash, not yet known: read it whole, hash it once, verify.
    if (authenticated.payload.kind !== 'signature' && provider.streamsRequestBody?.(head)) {
      const decoded = decodeRequestBody(req, req.headers, this.limits.maxStreamedBodyBytes, target.service, bodyVerification(authenticated, protocol));
      return provider.handle({ ...head, body: Buffer.alloc(0), bodyStream: decoded.stream, trailers: decoded.trailers });
    }
    const decoded = decodeRequestBody(req, req.headers, this.limits.maxBodyBytes, target.service, bodyVerification(authenticated, protocol));
    const body = await readVerified(decoded.stream, authenticated);
    const request: AwsRequest = { ...head, body, trailers: decoded.trailers };
    return provider.handle(request);
  }

  private authenticate(req: IncomingMessage, rawPath: string, rawQuery: string, query: URLSearchParams, protocol: AwsProtocol): Authenticated {
    return this.limits.authenticator.authenticate({ method: req.method ?? 'GET', rawPath, rawQuery, query, headers: req.headers, rawHeaders: req.rawHeaders, protocol });
  }

  private async readBody(req: IncomingMessage, headers: IncomingHttpHeaders, limit: number, service: string, authenticated: Authenticated, protocol: AwsProtocol): Promise<Buffer> {
    return readVerified(decodeRequestBody(req, headers, limit, service, bodyVerification(authenticated, protocol)).stream, authenticated);
  }
}

/** What the body must prove as it is read, from what the signature left to check. */
function bodyVerification(authenticated: Authenticated, protocol: AwsProtocol): BodyVerification {
  const { payload } = authenticated;
  if (payload.kind === 'chunks') return { chunkSignatures: { chain: payload.chain, trailer: payload.trailer } };
  if (payload.kind === 'sha256') return { sha256: { expected: payload.expected, mismatch: () => authError('payload-hash', protocol) } };
  return {};
}

/** Reads a body; when the signature covers its hash, hashes it (once) and completes the verification. */
async function readVerified(stream: Readable, authenticated: Authenticated): Promise<Buffer> {
  const body = await readFully(stream);
  if (authenticated.payload.kind === 'signature') authenticated.payload.complete(createHash('sha256').update(body).digest('hex'));
  return body;
}

async function writeResponse(
  req: IncomingMessage,
  res: ServerResponse,
  response: AwsResponse,
  requestId: string,
  service: string,
): Promise<void> {
  const headers: Record<string, string | number> = { ...response.headers };
  headers['x-amzn-RequestId'] = requestId;
  headers['x-amz-request-id'] = requestId;
  if (service === 's3') headers['x-amz-id-2'] = requestId;
  // A body the provider never read (an error before streaming it): close rather than drain it.
  if (!req.complete) headers.connection = 'close';

  const { body } = response;
  const sendsBody = req.method !== 'HEAD' && response.status !== 204 && response.status !== 304;
  if (body instanceof Readable) {
    if (!sendsBody) {
      body.destroy();
      res.writeHead(response.status, headers).end();
      return;
    }
    res.writeHead(response.status, headers);
    await new Promise<void>((resolve, reject) => {
      body.once('error', reject);
      res.once('close', () => {
        body.destroy();
        resolve();
      });
      body.pipe(res);
    });
    return;
  }
  const payload = body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  if (sendsBody) headers['content-length'] = payload.length;
  else if (req.method === 'HEAD' && !hasHeader(headers, 'content-length')) headers['content-length'] = 0;
  res.writeHead(response.status, headers);
  res.end(sendsBody ? payload : undefined);
}

/** The error codes of an operation or service the stack does not emulate (errors.ts notImplemented, and the router's). */
const NOT_EMULATED_CODES: ReadonlySet<string> = new Set(['NotImplemented', 'InvalidAction', 'UnknownOperationException']);

/** What the client asked for, as far as the request head tells: the JSON target's operation, the query Action, or method and path. */
function operationOf(req: IncomingMessage): string {
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string' && target.includes('.')) return target.slice(target.lastIndexOf('.') + 1);
  const url = req.url ?? '/';
  const action = new URLSearchParams(url.includes('?') ? url.slice(url.indexOf('?') + 1) : '').get('Action');
  return action ?? `${req.method ?? 'GET'} ${url.split('?')[0]}`;
}

function hasHeader(headers: Record<string, string | number>, name: string): boolean {
  return Object.keys(headers).some((key) => key.toLowerCase() === name);
}
