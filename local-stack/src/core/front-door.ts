/**
 * Who may reach the local stack at all, before any signature: requests addressed to a loopback name
 * (a `Host` of 127.0.0.0/8, `localhost`, `*.localhost`, `[::1]`, or a name the user allowed), so a
 * web page on a name that re-resolves to 127.0.0.1 (DNS rebinding) is refused; and, from browsers,
 * only the stack's own origin (the console at /_console/) or an origin the user allowed. CORS
 * preflights are answered for allowed origins only.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { AwsError, type AwsResponse } from './types';

export interface FrontDoorOptions {
  /** Extra host names (`LOCAL_STACK_ALLOWED_HOSTS`); `.example.test` allows every subdomain of it. */
  allowedHosts?: readonly string[];
  /** Extra browser origins (`LOCAL_STACK_ALLOWED_ORIGINS`), e.g. `http://localhost:3000`; `*` allows any. */
  allowedOrigins?: readonly string[];
}

/** A comma-separated list from the environment, trimmed, empty entries dropped. */
export function parseList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

/** The host name of a Host header value (`127.0.0.1:4566` -> `127.0.0.1`, `[::1]:4566` -> `::1`). */
export function hostName(host: string): string {
  const trimmed = host.trim().toLowerCase();
  if (trimmed.startsWith('[')) return trimmed.slice(1, trimmed.indexOf(']') < 0 ? undefined : trimmed.indexOf(']'));
  const colon = trimmed.indexOf(':');
  return (colon < 0 ? trimmed : trimmed.slice(0, colon)).replace(/\.$/, '');
}

export function isLoopbackName(name: string): boolean {
  if (name === 'localhost' || name.endsWith('.localhost') || name === '::1') return true;
  const octets = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(name);
  return octets !== null && octets.slice(1).every((octet) => Number(octet) <= 255);
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

const CORS_METHODS = 'GET, PUT, POST, DELETE, HEAD';
/** What a browser page may read of an answer (S3's ETag and version, the request ids, the SDKs' error headers). */
const CORS_EXPOSED = 'etag, x-amz-version-id, x-amz-request-id, x-amz-id-2, x-amzn-requestid, x-amzn-errortype, x-amzn-query-error, x-amz-delete-marker, x-amz-checksum-crc32, x-amz-checksum-crc32c, x-amz-checksum-sha256, content-length, content-type';

export class FrontDoor {
  private readonly hosts: readonly string[];
  private readonly origins: ReadonlySet<string>;

  constructor(options: FrontDoorOptions = {}) {
    this.hosts = (options.allowedHosts ?? []).map((host) => host.toLowerCase());
    this.origins = new Set((options.allowedOrigins ?? []).map((origin) => origin.replace(/\/$/, '').toLowerCase()));
  }

  hostAllowed(name: string): boolean {
    return isLoopbackName(name) || this.hosts.some((allowed) => (allowed.startsWith('.') ? name.endsWith(allowed) || name === allowed.slice(1) : name === allowed));
  }

  /** A browser page's origin may call the stack: its own origin (same Host), or one allowed by configuration. */
  originAllowed(origin: string, host: string): boolean {
    const normalised = origin.toLowerCase();
    // Same origin: the page was served by this stack, at the name the browser used to reach it.
    if (normalised === `http://${host.toLowerCase()}`) return true;
    return this.origins.has('*') || this.origins.has(normalised);
  }

  /**
   * Throws a 403 for a request that may not reach the stack. Returns the CORS headers to add to the
   * answer (for an allowed browser origin), or a whole answer for a CORS preflight.
   */
  admit(method: string, headers: IncomingHttpHeaders): { corsHeaders: Record<string, string>; preflight?: AwsResponse } {
    const host = single(headers.host);
    if (host === undefined || host.trim() === '') throw new AwsError('AccessDenied', 'The local stack answers requests with a Host header only', 403);
    const name = hostName(host);
    if (!this.hostAllowed(name)) {
      throw new AwsError(
        'AccessDenied',
        `The local stack answers loopback names only (127.0.0.1, localhost, *.localhost, [::1]), not Host ${host}: a request addressed to another name may come from a web page through DNS rebinding. Allow a name with LOCAL_STACK_ALLOWED_HOSTS=${name}`,
        403,
      );
    }
    const origin = single(headers.origin);
    if (origin === undefined) {
      if (single(headers['sec-fetch-site']) === 'cross-site') {
        throw new AwsError('AccessDenied', 'The local stack refuses cross-site browser requests (Sec-Fetch-Site: cross-site)', 403);
      }
      return { corsHeaders: {} };
    }
    if (!this.originAllowed(origin, host)) {
      throw new AwsError(
        'AccessDenied',
        `The local stack refuses requests from the web origin ${origin}: only its own pages (http://${host}) may call it from a browser. Allow an origin with LOCAL_STACK_ALLOWED_ORIGINS=${origin}`,
        403,
      );
    }
    const corsHeaders: Record<string, string> = { 'access-control-allow-origin': origin, 'access-control-expose-headers': CORS_EXPOSED, vary: 'Origin' };
    if (method === 'OPTIONS' && single(headers['access-control-request-method']) !== undefined) {
      const requested = single(headers['access-control-request-headers']);
      return {
        corsHeaders,
        preflight: {
          status: 200,
          headers: {
            ...corsHeaders,
            'access-control-allow-methods': CORS_METHODS,
            ...(requested ? { 'access-control-allow-headers': requested } : {}),
            'access-control-max-age': '600',
          },
        },
      };
    }
    return { corsHeaders };
  }
}
