/**
 * Serves the console page under `/_console/`: index.html, app.js, app.css (built on first request, see
 * ../build.ts) and config.json (where the pipeline is and which credentials the page signs with). The
 * local stack mounts it on its own port, so the page and the AWS APIs it calls share one origin; `npm run
 * console` mounts it beside its signing proxy. Strict headers: the page runs no code but its own.
 */
import { buildConsole, type ConsoleBundle } from '../build';
import type { PageConfig } from '../src/data/model';

export const CONSOLE_PREFIX = '/_console/';

export type { PageConfig };

export interface PageResponse {
  status: number;
  headers: Record<string, string>;
  body?: Buffer | string;
}

const SECURITY_HEADERS: Record<string, string> = {
  // Email HTML is shown in a sandboxed iframe (srcdoc, no scripts): it inherits this policy.
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache',
};

export interface ConsolePages {
  readonly prefix: string;
  /** The response for a GET or HEAD under the prefix (or the prefix without its slash). */
  handle(method: string, path: string, headers: Record<string, string | string[] | undefined>): Promise<PageResponse>;
  /** Builds the page now rather than at the first request. */
  prebuild(): Promise<ConsoleBundle>;
}

export function consolePages(config: () => PageConfig): ConsolePages {
  let bundle: Promise<ConsoleBundle> | undefined;
  const built = (): Promise<ConsoleBundle> => {
    bundle ??= buildConsole();
    // A failed build is tried again at the next request (the developer fixes the source meanwhile).
    bundle.catch(() => (bundle = undefined));
    return bundle;
  };
  return {
    prefix: CONSOLE_PREFIX,
    prebuild: built,
    handle: async (method, path, headers): Promise<PageResponse> => {
      if (method !== 'GET' && method !== 'HEAD') {
        return { status: 405, headers: { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }, body: 'The console serves GET and HEAD only.\n' };
      }
      if (path === CONSOLE_PREFIX.slice(0, -1)) return { status: 308, headers: { location: CONSOLE_PREFIX }, body: '' };
      const name = path.slice(CONSOLE_PREFIX.length) || 'index.html';
      if (name === 'config.json') {
        return { status: 200, headers: { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(config()) };
      }
      let files: ConsoleBundle['files'];
      try {
        files = (await built()).files;
      } catch (error) {
        return { status: 500, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: `The console page failed to build:\n${(error as Error).message}\n` };
      }
      const file = files.get(name);
      if (!file) return { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: `No such console file: ${name}\n` };
      const common = { ...SECURITY_HEADERS, etag: file.etag, 'content-type': file.contentType };
      if (headers['if-none-match'] === file.etag) return { status: 304, headers: common };
      return { status: 200, headers: common, body: file.body };
    },
  };
}
