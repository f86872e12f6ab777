/**
 * The AWS query protocol (STS, and SQS / SNS in their query form): parameters in the URL query or
 * a form body, `Action=<Operation>`, XML responses `<OpResponse><OpResult>...</OpResult>`.
 */
import { notImplemented } from './errors';
import { authorizeDispatched, type OperationAuthorization } from './iam';
import { AwsError, type AwsRequest, type AwsResponse } from './types';
import { el, renderXmlDocument, type XmlContent, type XmlElement } from './xml';

/** URL query parameters merged with a form-urlencoded body (the body wins). */
export function queryParameters(request: Pick<AwsRequest, 'query' | 'body' | 'headers'>): URLSearchParams {
  const params = new URLSearchParams(request.query);
  const contentType = request.headers['content-type'] ?? '';
  if (request.body.length > 0 && contentType.startsWith('application/x-www-form-urlencoded')) {
    for (const [name, value] of new URLSearchParams(request.body.toString('utf8'))) params.set(name, value);
  }
  return params;
}

export function queryAction(params: URLSearchParams): string {
  const action = params.get('Action');
  if (!action) throw new AwsError('MissingAction', 'The request must contain the parameter Action', 400);
  return action;
}

/**
 * A list parameter: `Prefix.member.1`, `Prefix.member.2`, ... (or `Prefix.1`, ... for flattened
 * lists), in index order.
 */
export function queryList(params: URLSearchParams, prefix: string): string[] {
  const pattern = new RegExp(`^${prefix.replace(/\./g, '\\.')}\\.(?:member\\.)?(\\d+)$`);
  const items: Array<[number, string]> = [];
  for (const [name, value] of params) {
    const match = pattern.exec(name);
    if (match) items.push([Number(match[1]), value]);
  }
  return items.sort((a, b) => a[0] - b[0]).map(([, value]) => value);
}

export interface QueryResponseOptions {
  action: string;
  /** The service's XML namespace, e.g. `https://sts.amazonaws.com/doc/2011-06-15/`. */
  xmlns: string;
  requestId: string;
  /** Children of `<ActionResult>`; omit for actions whose response has no result element. */
  result?: XmlContent;
}

export function queryResponse(options: QueryResponseOptions): AwsResponse {
  const { action, xmlns, requestId, result } = options;
  const root = el(
    `${action}Response`,
    [
      result === undefined ? undefined : el(`${action}Result`, result),
      el('ResponseMetadata', el('RequestId', requestId)),
    ],
    { xmlns },
  );
  return { status: 200, headers: { 'content-type': 'text/xml' }, body: renderXmlDocument(root) };
}

export type QueryOperationHandler = (
  params: URLSearchParams,
  request: AwsRequest,
) => XmlContent | Promise<XmlContent>;

export interface QueryProtocolOptions {
  serviceName: string;
  xmlns: string;
  handlers: Readonly<Record<string, QueryOperationHandler>>;
  /** IAM: the operation's declared permissions (their input: the parameters) are checked for the caller before its handler runs. */
  authorization?: OperationAuthorization;
}

/** Routes a query-protocol request by `Action`; unknown actions are named in an InvalidAction error. */
export async function dispatchQueryProtocol(request: AwsRequest, options: QueryProtocolOptions): Promise<AwsResponse> {
  const params = queryParameters(request);
  const action = queryAction(params);
  const handler = Object.hasOwn(options.handlers, action) ? options.handlers[action] : undefined;
  if (!handler) throw notImplemented(options.serviceName, action, 'query');
  authorizeDispatched(options.authorization, action, params, request);
  const result = await handler(params, request);
  return queryResponse({ action, xmlns: options.xmlns, requestId: request.requestId, result });
}

/**
 * A result structure as query-protocol XML: one element per field, nested structures as nested
 * elements, lists as `<member>` items, dates as ISO 8601; undefined fields are left out.
 */
export function structureToXml(structure: Record<string, unknown>): XmlElement[] {
  const valueToXml = (name: string, value: unknown): XmlElement | undefined => {
    if (value === undefined || value === null) return undefined;
    if (value instanceof Date) return el(name, value.toISOString());
    if (Array.isArray(value)) return el(name, value.map((item) => valueToXml('member', item)));
    if (typeof value === 'object') return el(name, structureToXml(value as Record<string, unknown>));
    return el(name, String(value));
  };
  return Object.entries(structure)
    .map(([name, value]) => valueToXml(name, value))
    .filter((element): element is XmlElement => element !== undefined);
}
