/**
 * Which AWS service a request is for, as AWS's own front ends tell: the SigV4 credential scope
 * (`Credential=AKID/20261125/us-east-1/s3/aws4_request`, in the Authorization header or a presigned
 * URL), then the JSON-protocol `X-Amz-Target` prefix, the query-protocol `Action`, and a few
 * well-known REST paths. Anything else is anonymous S3, as on AWS.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Provider } from './types';

export const DEFAULT_REGION = 'us-east-1';

export interface ServiceTarget {
  /** SigV4 signing name (`s3`, `sqs`, `events`, `glue`, `sagemaker`, `ses`, `sts`, ...). */
  service: string;
  region: string;
  /** How the service was recognised, for logs and error messages. */
  via: 'credential-scope' | 'presigned-url' | 'target-header' | 'query-action' | 'path' | 'default';
}

export interface CredentialScope {
  accessKeyId: string;
  date: string;
  region?: string;
  service: string;
}

/**
 * Parses `AKID/date/region/service/aws4_request` (SigV4) or `AKID/date/service/aws4_request`
 * (SigV4a, whose regions travel in `X-Amz-Region-Set`).
 */
export function parseCredentialScope(credential: string): CredentialScope | undefined {
  const parts = credential.trim().split('/');
  if (parts[parts.length - 1] !== 'aws4_request') return undefined;
  if (parts.length === 5) {
    const [accessKeyId, date, region, service] = parts as [string, string, string, string];
    return { accessKeyId, date, region, service };
  }
  if (parts.length === 4) {
    const [accessKeyId, date, service] = parts as [string, string, string];
    return { accessKeyId, date, service };
  }
  return undefined;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function credentialFromAuthorization(authorization: string): string | undefined {
  const match = /Credential=([^,\s]+)/.exec(authorization);
  return match?.[1];
}

/**
 * Which service answers a JSON-protocol target prefix or a query-protocol action: derived from the
 * providers' operation declarations (`serviceDirectory`), never kept by hand.
 */
export interface ServiceDirectory {
  /** `X-Amz-Target` prefix (`AmazonSQS`) -> signing name. */
  readonly targetPrefixes: ReadonlyMap<string, string>;
  /** Query-protocol action -> the signing names of the providers that answer it (one, unless two declare it). */
  readonly queryActions: ReadonlyMap<string, readonly string[]>;
}

/** Services the stack does not emulate, recognised by their JSON target prefix so that the error names them. */
const UNEMULATED_TARGET_PREFIXES: Readonly<Record<string, string>> = {
  Logs_20140328: 'logs',
  AmazonSSM: 'ssm',
  DynamoDB_20120810: 'dynamodb',
};

export function serviceDirectory(providers: ReadonlyArray<Pick<Provider, 'signingNames' | 'operations'>>): ServiceDirectory {
  const targetPrefixes = new Map<string, string>();
  const queryActions = new Map<string, string[]>();
  for (const provider of providers) {
    const service = provider.signingNames[0];
    if (service === undefined) continue;
    for (const [name, operation] of Object.entries(provider.operations)) {
      if (operation.jsonTargetPrefix !== undefined) targetPrefixes.set(operation.jsonTargetPrefix, service);
      if (!operation.protocols.includes('query')) continue;
      const services = queryActions.get(name) ?? [];
      if (!services.includes(service)) services.push(service);
      queryActions.set(name, services);
    }
  }
  return { targetPrefixes, queryActions };
}

const PATH_SERVICES: ReadonlyArray<readonly [RegExp, string]> = [
  [/^\/v2\/email\//, 'ses'],
  [/^\/endpoints\/[^/]+\/invocations/, 'sagemaker'],
  [/^\/20\d\d-\d\d-\d\d\/(functions|event-source-mappings)/, 'lambda'],
];

export interface RequestHeadForResolution {
  headers: IncomingHttpHeaders;
  query: URLSearchParams;
  path: string;
}

/** The target without looking at the body; `undefined` when only a form body's `Action` can tell. */
export function resolveServiceTarget(request: RequestHeadForResolution, directory: ServiceDirectory): ServiceTarget | undefined {
  const { headers, query, path } = request;
  const regionSet = header(headers, 'x-amz-region-set')?.split(',')[0]?.trim();

  const authorization = header(headers, 'authorization');
  if (authorization !== undefined) {
    const credential = credentialFromAuthorization(authorization);
    const scope = credential === undefined ? undefined : parseCredentialScope(credential);
    if (scope) return { service: scope.service, region: scope.region ?? regionSet ?? DEFAULT_REGION, via: 'credential-scope' };
    // SigV2 (`AWS AKID:signature`) only survives in S3.
    if (authorization.startsWith('AWS ')) return { service: 's3', region: DEFAULT_REGION, via: 'credential-scope' };
  }

  const presigned = query.get('X-Amz-Credential');
  if (presigned !== null) {
    const scope = parseCredentialScope(presigned);
    if (scope) {
      const region = scope.region ?? query.get('X-Amz-Region-Set')?.split(',')[0] ?? DEFAULT_REGION;
      return { service: scope.service, region, via: 'presigned-url' };
    }
  }
  if (query.has('AWSAccessKeyId') && query.has('Signature')) return { service: 's3', region: DEFAULT_REGION, via: 'presigned-url' };

  const target = header(headers, 'x-amz-target');
  if (target !== undefined) {
    const prefix = target.split('.', 1)[0] ?? '';
    const service = directory.targetPrefixes.get(prefix) ?? UNEMULATED_TARGET_PREFIXES[prefix];
    return { service: service ?? prefix, region: regionSet ?? DEFAULT_REGION, via: 'target-header' };
  }

  const action = query.get('Action');
  if (action !== null) return targetForQueryAction(action, directory);

  for (const [pattern, service] of PATH_SERVICES) {
    if (pattern.test(path)) return { service, region: DEFAULT_REGION, via: 'path' };
  }
  if (isFormBody(headers)) return undefined;
  return { service: 's3', region: DEFAULT_REGION, via: 'default' };
}

export function isFormBody(headers: IncomingHttpHeaders): boolean {
  return (header(headers, 'content-type') ?? '').startsWith('application/x-www-form-urlencoded');
}

/** For an unsigned query-protocol request; an action no provider (or more than one) answers names itself as the service. */
export function targetForQueryAction(action: string, directory: ServiceDirectory): ServiceTarget {
  const services = directory.queryActions.get(action) ?? [];
  const service =
    services.length === 1
      ? services[0]!
      : services.length === 0
        ? `unknown (Action=${action})`
        : `ambiguous (Action=${action} is answered by ${services.join(' and ')}: sign the request)`;
  return { service, region: DEFAULT_REGION, via: 'query-action' };
}
