/**
 * SQS over the older query protocol (form-encoded `Action=...`, XML answers), which the AWS CLI v2
 * releases before 2.13 (Debian's `awscli`) still use. Form parameters are mapped onto the JSON
 * protocol's shapes so that both protocols share the operations.
 */
import { notImplemented, queryErrorResponse, toAwsError } from '../../core/errors';
import { queryAction, queryParameters, queryResponse } from '../../core/query-protocol';
import { AwsError, type AwsRequest, type AwsResponse } from '../../core/types';
import { el, type XmlContent } from '../../core/xml';
import { queryCodeOf } from './errors';
import { SQS_OPERATIONS, type SqsResult } from './operations';
import type { SqsService } from './model/service';
import { requestContext, WireInput } from './wire-input';

const XMLNS = 'http://queue.amazonaws.com/doc/2012-11-05/';

type Tree = { [key: string]: Tree | string };

export async function handleQueryRequest(service: SqsService, request: AwsRequest): Promise<AwsResponse> {
  try {
    const params = queryParameters(request);
    const action = queryAction(params);
    const operation = Object.hasOwn(SQS_OPERATIONS, action) ? SQS_OPERATIONS[action] : undefined;
    if (!operation) throw notImplemented('SQS', action, 'query');
    const input = jsonShaped(params);
    // A query request may name its queue by the path it is sent to (/<account>/<name>).
    if (input.QueueUrl === undefined && /^\/\d+\/[^/]+$/.test(request.path)) input.QueueUrl = `http://localhost${request.path}`;
    const result = await operation(service, new WireInput(input, requestContext(request)));
    return queryResponse({ action, xmlns: XMLNS, requestId: request.requestId, result: resultXml(action, result) });
  } catch (error) {
    const awsError = toAwsError(error);
    // The query protocol's wording of a missing queue (LocalStack's AWS-validated snapshot "queue-does-not-exist-query").
    const message = awsError.code === 'QueueDoesNotExist' ? 'The specified queue does not exist for this wsdl version.' : awsError.message;
    return queryErrorResponse(new AwsError(queryCodeOf(awsError.code), message, awsError.status), request.requestId, XMLNS);
  }
}

// ---------------------------------------------------------------------------------------------
// Form parameters -> JSON shapes

/** `Attribute.1.Name` style keys as a tree: numbered segments become (1-based) list positions. */
function jsonShaped(params: URLSearchParams): Record<string, unknown> {
  const tree: Tree = {};
  for (const [key, value] of params) {
    if (key === 'Action' || key === 'Version') continue;
    const segments = key.split('.');
    let node = tree;
    segments.forEach((segment, index) => {
      if (index === segments.length - 1) {
        node[segment] = value;
      } else {
        const next = node[segment];
        node = typeof next === 'object' ? next : (node[segment] = {});
      }
    });
  }
  return structure(tree);
}

function structure(tree: Tree): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(tree)) {
    if (typeof value === 'string') {
      result[key] = value;
      continue;
    }
    const items = listItems(value);
    switch (key) {
      case 'Attribute':
        result.Attributes = pairs(items, 'Name', 'Value');
        break;
      case 'Tag':
      case 'Tags':
        result.tags = result.Tags = pairs(items, 'Key', 'Value');
        break;
      case 'MessageAttribute':
      case 'MessageSystemAttribute':
        result[`${key}s`] = Object.fromEntries(
          items.filter(isTree).map((item) => [String(item.Name ?? ''), typeof item.Value === 'object' ? structure(item.Value) : {}]),
        );
        break;
      case 'AttributeName':
      case 'MessageSystemAttributeName':
      case 'MessageAttributeName':
      case 'TagKey':
      case 'AWSAccountId':
        result[`${key}s`] = items.filter((item): item is string => typeof item === 'string');
        break;
      case 'ActionName':
        result.Actions = items.filter((item): item is string => typeof item === 'string');
        break;
      default:
        if (key.endsWith('BatchRequestEntry')) result.Entries = items.filter(isTree).map(structure);
        else result[key] = structure(value);
    }
  }
  return result;
}

function listItems(tree: Tree): Array<Tree | string> {
  return Object.keys(tree)
    .filter((key) => /^\d+$/.test(key))
    .sort((a, b) => Number(a) - Number(b))
    .map((key) => tree[key]!);
}

function pairs(items: Array<Tree | string>, keyName: string, valueName: string): Record<string, string> {
  return Object.fromEntries(
    items.filter(isTree).map((item) => {
      const value = item[valueName];
      return [String(item[keyName] ?? ''), typeof value === 'string' ? value : ''];
    }),
  );
}

function isTree(value: Tree | string): value is Tree {
  return typeof value === 'object';
}

// ---------------------------------------------------------------------------------------------
// JSON shapes -> XML (lists and maps are flattened, as SQS's query responses are)

const MAP_ENTRIES: Record<string, [entry: string, key: string, value: string]> = {
  Attributes: ['Attribute', 'Name', 'Value'],
  Tags: ['Tag', 'Key', 'Value'],
  MessageAttributes: ['MessageAttribute', 'Name', 'Value'],
};

function resultXml(action: string, result: SqsResult): XmlContent {
  const listMembers: Record<string, string> = {
    QueueUrls: 'QueueUrl',
    queueUrls: 'QueueUrl',
    Messages: 'Message',
    Successful: `${action}ResultEntry`,
    Failed: 'BatchResultErrorEntry',
    Results: 'ListMessageMoveTasksResultEntry',
  };
  const render = (name: string, value: unknown): XmlContent => {
    if (value === undefined || value === null) return undefined;
    if (Array.isArray(value)) return value.map((item) => render(listMembers[name] ?? name, item));
    if (typeof value === 'object') {
      const entry = MAP_ENTRIES[name];
      if (!entry) return el(name, Object.entries(value).map(([key, item]) => render(key, item)));
      const [entryName, keyName, valueName] = entry;
      return Object.entries(value).map(([key, item]) => el(entryName, [el(keyName, key), render(valueName, item)]));
    }
    return el(name, String(value));
  };
  return Object.entries(result).map(([key, value]) => render(key, value));
}
