/**
 * Maps SigV4 signing names to providers and decides which wire protocol a request's errors are
 * written in.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { serviceDirectory, type ServiceDirectory } from './service-resolution';
import type { AwsProtocol, Provider } from './types';

export class ProviderRegistry {
  private readonly bySigningName = new Map<string, Provider>();
  /** What service resolution needs to know of the providers' declared operations. */
  readonly directory: ServiceDirectory;

  constructor(readonly providers: readonly Provider[]) {
    for (const provider of providers) {
      for (const name of provider.signingNames) {
        if (this.bySigningName.has(name)) throw new Error(`Two providers claim the signing name "${name}"`);
        this.bySigningName.set(name, provider);
      }
    }
    this.directory = serviceDirectory(providers);
  }

  providerFor(service: string): Provider | undefined {
    return this.bySigningName.get(service);
  }

  get signingNames(): string[] {
    return [...this.bySigningName.keys()].sort();
  }
}

/** The provider's declared protocol, else what the request itself looks like. */
export function protocolFor(
  provider: Provider | undefined,
  request: { service: string; headers: IncomingHttpHeaders; query: URLSearchParams },
): AwsProtocol {
  if (provider?.protocol) return provider.protocol;
  if (request.headers['x-amz-target'] !== undefined) return 'json';
  if (request.service === 's3') return 'rest-xml';
  const contentType = request.headers['content-type'] ?? '';
  if (request.query.has('Action') || contentType.startsWith('application/x-www-form-urlencoded')) return 'query';
  return 'rest-json';
}
