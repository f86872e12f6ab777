/**
 * REST protocols (REST-JSON: Lambda, SES v2, SageMaker Runtime): an operation is a method and a
 * path pattern. A provider's route table is both its dispatch and, keyed by operation, what it
 * declares it answers.
 */
import { notImplemented } from './errors';
import type { AwsRequest, AwsResponse } from './types';

export interface RestRoute<Context> {
  /** The AWS operation name. */
  readonly operation: string;
  readonly method: string;
  /**
   * Matched against the raw path, so that an encoded `/` (`%2F`) stays inside its segment (a name such
   * as `../x` is one parameter, never two segments); its first group, if any, decoded, is the handler's `parameter`.
   */
  readonly path: RegExp;
  readonly handler: (context: Context, request: AwsRequest, parameter: string) => Promise<AwsResponse> | AwsResponse;
}

/** Runs the first route that matches the request; none is a NotImplemented naming the request. */
export async function dispatchRestRoute<Context>(
  routes: ReadonlyArray<RestRoute<Context>>,
  context: Context,
  request: AwsRequest,
  serviceName: string,
): Promise<AwsResponse> {
  for (const route of routes) {
    if (route.method !== request.method) continue;
    const match = route.path.exec(request.rawPath);
    if (match) return route.handler(context, request, decodeURIComponent(match[1] ?? ''));
  }
  throw notImplemented(serviceName, `${request.method} ${request.path}`, 'rest-json');
}

/** The routes by operation, for `declareOperations` (an operation may have several routes). */
export function routesByOperation<Context>(routes: ReadonlyArray<RestRoute<Context>>): Record<string, RestRoute<Context>> {
  return Object.fromEntries(routes.map((route) => [route.operation, route]));
}
