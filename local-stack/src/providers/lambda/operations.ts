/**
 * Lambda's REST-JSON API: Invoke, GetFunction(Configuration), ListFunctions, DeleteFunction,
 * function event-invoke configs and SQS event source mappings. Errors are thrown as AwsError and
 * serialised by the router in the REST-JSON protocol.
 */
import { parseJsonBody, restJsonResponse } from '../../core/json-protocol';
import type { OperationAuthorization } from '../../core/iam';
import { dispatchRestRoute, type RestRoute } from '../../core/rest-routes';
import { AwsError, type AwsRequest, type AwsResponse } from '../../core/types';
import type { EventInvokeConfig } from './model/async-invocations';
import type { EventSourceMapping } from './model/sqs-event-source';
import type { LambdaService } from './model/service';

const SYNC_PAYLOAD_LIMIT = 6 * 1024 * 1024;
const ASYNC_PAYLOAD_LIMIT = 1024 * 1024;
const LOG_TAIL_BYTES = 4096;

export const LAMBDA_ROUTES: ReadonlyArray<RestRoute<LambdaService>> = [
  { method: 'POST', path: /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?$/, operation: 'Invoke', handler: invoke },
  { method: 'GET', path: /^\/2015-03-31\/functions\/?$/, operation: 'ListFunctions', handler: listFunctions },
  { method: 'GET', path: /^\/2015-03-31\/functions\/([^/]+)\/?$/, operation: 'GetFunction', handler: getFunction },
  { method: 'GET', path: /^\/2015-03-31\/functions\/([^/]+)\/configuration\/?$/, operation: 'GetFunctionConfiguration', handler: getFunctionConfiguration },
  { method: 'DELETE', path: /^\/2015-03-31\/functions\/([^/]+)\/?$/, operation: 'DeleteFunction', handler: deleteFunction },
  { method: 'PUT', path: /^\/2019-09-25\/functions\/([^/]+)\/event-invoke-config\/?$/, operation: 'PutFunctionEventInvokeConfig', handler: putEventInvokeConfig },
  { method: 'GET', path: /^\/2019-09-25\/functions\/([^/]+)\/event-invoke-config\/?$/, operation: 'GetFunctionEventInvokeConfig', handler: getEventInvokeConfig },
  { method: 'GET', path: /^\/2015-03-31\/event-source-mappings\/?$/, operation: 'ListEventSourceMappings', handler: listEventSourceMappings },
  { method: 'POST', path: /^\/2015-03-31\/event-source-mappings\/?$/, operation: 'CreateEventSourceMapping', handler: createEventSourceMapping },
  { method: 'GET', path: /^\/2015-03-31\/event-source-mappings\/([^/]+)\/?$/, operation: 'GetEventSourceMapping', handler: getEventSourceMapping },
  { method: 'DELETE', path: /^\/2015-03-31\/event-source-mappings\/([^/]+)\/?$/, operation: 'DeleteEventSourceMapping', handler: deleteEventSourceMapping },
];

export function handleLambdaRequest(service: LambdaService, request: AwsRequest, authorization?: OperationAuthorization): Promise<AwsResponse> {
  return dispatchRestRoute(LAMBDA_ROUTES, service, request, 'Lambda', authorization);
}

// ---------------------------------------------------------------------------------------------

async function invoke(service: LambdaService, request: AwsRequest, name: string): Promise<AwsResponse> {
  const invocationType = header(request, 'x-amz-invocation-type') ?? 'RequestResponse';
  const payload = request.body.length === 0 ? '{}' : request.body.toString('utf8');
  try {
    JSON.parse(payload);
  } catch (error) {
    throw new AwsError('InvalidRequestContentException', `Could not parse request body into json: ${(error as Error).message}`, 400, { Type: 'User' });
  }
  const headers = { 'content-type': 'application/json', 'x-amz-executed-version': '$LATEST' };
  switch (invocationType) {
    case 'Event': {
      checkSize(request.body.length, ASYNC_PAYLOAD_LIMIT);
      service.invokeAsync(name, payload);
      return { status: 202, headers, body: '' };
    }
    case 'DryRun':
      service.getFunction(name);
      return { status: 204, headers };
    case 'RequestResponse': {
      checkSize(request.body.length, SYNC_PAYLOAD_LIMIT);
      const result = await service.invoke(name, payload, { clientContext: header(request, 'x-amz-client-context') });
      const responseHeaders: Record<string, string> = { ...headers };
      if (result.functionError) responseHeaders['x-amz-function-error'] = result.functionError;
      if (header(request, 'x-amz-log-type') === 'Tail') {
        const logs = Buffer.from(result.logs.join('\n'), 'utf8');
        responseHeaders['x-amz-log-result'] = logs.subarray(Math.max(0, logs.length - LOG_TAIL_BYTES)).toString('base64');
      }
      return { status: 200, headers: responseHeaders, body: result.payload };
    }
    default:
      throw new AwsError('InvalidParameterValueException', `Unsupported InvocationType ${invocationType}`, 400, { Type: 'User' });
  }
}

function listFunctions(service: LambdaService, request: AwsRequest): AwsResponse {
  const all = service.listFunctions();
  const start = Number(request.query.get('Marker') ?? '0') || 0;
  const maxItems = Math.min(Number(request.query.get('MaxItems') ?? '50') || 50, 50);
  const page = all.slice(start, start + maxItems);
  return restJsonResponse({
    Functions: page.map((record) => functionConfiguration(service, record)),
    ...(start + maxItems < all.length && { NextMarker: String(start + maxItems) }),
  });
}

function getFunction(service: LambdaService, _request: AwsRequest, name: string): AwsResponse {
  const record = service.getFunction(name);
  return restJsonResponse({
    Configuration: functionConfiguration(service, record),
    Code: { RepositoryType: 'S3', Location: `file://${record.codeDir}` },
    Concurrency: { ReservedConcurrentExecutions: record.maxConcurrency },
  });
}

function getFunctionConfiguration(service: LambdaService, _request: AwsRequest, name: string): AwsResponse {
  return restJsonResponse(functionConfiguration(service, service.getFunction(name)));
}

function deleteFunction(service: LambdaService, _request: AwsRequest, name: string): AwsResponse {
  service.deleteFunction(name);
  return { status: 204 };
}

function putEventInvokeConfig(service: LambdaService, request: AwsRequest, name: string): AwsResponse {
  const input = parseJsonBody(request) as {
    MaximumRetryAttempts?: number;
    MaximumEventAgeInSeconds?: number;
    DestinationConfig?: { OnSuccess?: { Destination?: string }; OnFailure?: { Destination?: string } };
  };
  const config = service.putFunctionEventInvokeConfig(name, {
    maximumRetryAttempts: input.MaximumRetryAttempts,
    maximumEventAgeInSeconds: input.MaximumEventAgeInSeconds,
    onSuccessDestination: input.DestinationConfig?.OnSuccess?.Destination,
    onFailureDestination: input.DestinationConfig?.OnFailure?.Destination,
  });
  return restJsonResponse(eventInvokeConfig(service, name, config));
}

function getEventInvokeConfig(service: LambdaService, _request: AwsRequest, name: string): AwsResponse {
  const config = service.getFunctionEventInvokeConfig(name);
  if (!config) throw new AwsError('ResourceNotFoundException', `The function ${name} doesn't have an EventInvokeConfig`, 404, { Type: 'User' });
  return restJsonResponse(eventInvokeConfig(service, name, config));
}

function listEventSourceMappings(service: LambdaService, request: AwsRequest): AwsResponse {
  const mappings = service.listEventSourceMappings({
    functionName: request.query.get('FunctionName') ?? undefined,
    eventSourceArn: request.query.get('EventSourceArn') ?? undefined,
  });
  return restJsonResponse({ EventSourceMappings: mappings.map((mapping) => eventSourceMapping(service, mapping)) });
}

function createEventSourceMapping(service: LambdaService, request: AwsRequest): AwsResponse {
  const input = parseJsonBody(request) as {
    FunctionName?: string;
    EventSourceArn?: string;
    BatchSize?: number;
    MaximumBatchingWindowInSeconds?: number;
    FunctionResponseTypes?: string[];
    Enabled?: boolean;
    ScalingConfig?: { MaximumConcurrency?: number };
  };
  if (!input.FunctionName || !input.EventSourceArn) throw new AwsError('InvalidParameterValueException', 'FunctionName and EventSourceArn are required', 400, { Type: 'User' });
  const mapping = service.createEventSourceMapping({
    functionName: input.FunctionName,
    queueArn: input.EventSourceArn,
    batchSize: input.BatchSize,
    maximumBatchingWindowSeconds: input.MaximumBatchingWindowInSeconds,
    functionResponseTypes: input.FunctionResponseTypes,
    enabled: input.Enabled,
    maximumConcurrency: input.ScalingConfig?.MaximumConcurrency,
  });
  return restJsonResponse(eventSourceMapping(service, mapping), 202);
}

function getEventSourceMapping(service: LambdaService, _request: AwsRequest, uuid: string): AwsResponse {
  return restJsonResponse(eventSourceMapping(service, service.getEventSourceMapping(uuid)));
}

function deleteEventSourceMapping(service: LambdaService, _request: AwsRequest, uuid: string): AwsResponse {
  return restJsonResponse({ ...eventSourceMapping(service, service.deleteEventSourceMapping(uuid)), State: 'Deleting' }, 202);
}

// ---------------------------------------------------------------------------------------------

function functionConfiguration(service: LambdaService, record: ReturnType<LambdaService['getFunction']>): Record<string, unknown> {
  return {
    FunctionName: record.name,
    FunctionArn: service.functionArn(record.name),
    Runtime: record.runtime,
    Role: record.role ?? `arn:aws:iam::000000000000:role/${record.name}-role`,
    Handler: record.handler,
    CodeSize: record.codeSize,
    CodeSha256: record.codeSha256,
    Description: record.description,
    Timeout: record.timeoutSeconds,
    MemorySize: record.memoryMb,
    LastModified: record.lastModified,
    Version: '$LATEST',
    Environment: { Variables: record.environment },
    ...(record.deadLetterTargetArn && { DeadLetterConfig: { TargetArn: record.deadLetterTargetArn } }),
    TracingConfig: { Mode: 'PassThrough' },
    State: 'Active',
    LastUpdateStatus: 'Successful',
    PackageType: 'Zip',
    Architectures: ['x86_64'],
    EphemeralStorage: { Size: 512 },
    LoggingConfig: { LogFormat: 'Text', LogGroup: `/aws/lambda/${record.name}` },
  };
}

function eventInvokeConfig(service: LambdaService, name: string, config: EventInvokeConfig): Record<string, unknown> {
  return {
    FunctionArn: `${service.functionArn(service.getFunction(name).name)}:$LATEST`,
    MaximumRetryAttempts: config.maximumRetryAttempts,
    MaximumEventAgeInSeconds: config.maximumEventAgeInSeconds,
    LastModified: Date.now() / 1000,
    DestinationConfig: {
      ...(config.onSuccessDestination && { OnSuccess: { Destination: config.onSuccessDestination } }),
      ...(config.onFailureDestination && { OnFailure: { Destination: config.onFailureDestination } }),
    },
  };
}

function eventSourceMapping(service: LambdaService, mapping: EventSourceMapping): Record<string, unknown> {
  return {
    UUID: mapping.uuid,
    BatchSize: mapping.batchSize,
    MaximumBatchingWindowInSeconds: mapping.maximumBatchingWindowSeconds,
    EventSourceArn: mapping.eventSourceArn,
    FunctionArn: service.functionArn(mapping.functionName),
    LastModified: mapping.lastModified / 1000,
    State: mapping.enabled ? 'Enabled' : 'Disabled',
    StateTransitionReason: 'USER_INITIATED',
    FunctionResponseTypes: mapping.functionResponseTypes,
    ScalingConfig: { MaximumConcurrency: mapping.maximumConcurrency },
  };
}

function header(request: AwsRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function checkSize(bytes: number, limit: number): void {
  if (bytes > limit) {
    throw new AwsError('RequestTooLargeException', `Request must be smaller than ${limit} bytes for the invoke operation`, 413, { Type: 'User' });
  }
}
