/**
 * What each provider declares it answers is where requests for it go: every declared operation
 * resolves to its provider however the request is addressed (credential scope, JSON target, query
 * Action in the URL or a form body), and the provider dispatches it to a handler.
 */
import { ProviderRegistry } from '../../local-stack/src/core/router';
import { createLocalServer, type LocalServer } from '../../local-stack/src/core/server';
import { resolveServiceTarget, targetForQueryAction } from '../../local-stack/src/core/service-resolution';
import type { OperationDeclaration, Provider } from '../../local-stack/src/core/types';
import { childElement, childText, parseXml } from '../../local-stack/src/core/xml';
import { useStackProviders } from '../support/stack';
import { rawRequest, sigV4Authorization } from '../support/http';

/** The error codes an operation nobody handles is answered with (see core/errors notImplemented). */
const NOT_IMPLEMENTED_CODES = ['UnknownOperationException', 'InvalidAction', 'NotImplemented'];

describe("the providers' operation declarations", () => {
  const stack = useStackProviders();
  let server: LocalServer;
  beforeAll(async () => {
    server = await createLocalServer({ port: 0, providers: stack.list(), manageProviderLifecycle: false });
  });
  afterAll(() => server.close());

  function declared(): Array<{ provider: Provider; service: string; operation: string; declaration: OperationDeclaration }> {
    return stack.list().flatMap((provider) =>
      Object.entries(provider.operations).map(([operation, declaration]) => ({ provider, service: provider.signingNames[0]!, operation, declaration })),
    );
  }

  it('cover every provider, and the SQS actions an unsigned request could not reach before', () => {
    for (const provider of stack.list()) expect(Object.keys(provider.operations).length).toBeGreaterThan(0);
    const sqs = stack.list().find((provider) => provider.signingNames.includes('sqs'))!;
    expect(Object.keys(sqs.operations)).toEqual(
      expect.arrayContaining(['TagQueue', 'UntagQueue', 'ListQueueTags', 'ChangeMessageVisibilityBatch', 'StartMessageMoveTask', 'ListMessageMoveTasks', 'CancelMessageMoveTask']),
    );
  });

  it('resolve every declared operation to its provider, signed or not', () => {
    const registry = new ProviderRegistry(stack.list());
    const directory = stack.directory();
    for (const { provider, service, operation, declaration } of declared()) {
      const where = `${service} ${operation}`;
      const signed = resolveServiceTarget({ headers: { authorization: sigV4Authorization(service) }, query: new URLSearchParams(), path: '/' }, directory);
      expect([where, registry.providerFor(signed!.service)]).toEqual([where, provider]);
      if (declaration.jsonTargetPrefix !== undefined) {
        const target = resolveServiceTarget({ headers: { 'x-amz-target': `${declaration.jsonTargetPrefix}.${operation}` }, query: new URLSearchParams(), path: '/' }, directory);
        expect([where, registry.providerFor(target!.service)]).toEqual([where, provider]);
      }
      if (declaration.protocols.includes('query')) {
        const inUrl = resolveServiceTarget({ headers: {}, query: new URLSearchParams({ Action: operation }), path: '/' }, directory);
        expect([where, registry.providerFor(inUrl!.service)]).toEqual([where, provider]);
        // A form body: the server reads it, then resolves its Action.
        expect(resolveServiceTarget({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, query: new URLSearchParams(), path: '/' }, directory)).toBeUndefined();
        expect([where, registry.providerFor(targetForQueryAction(operation, directory).service)]).toEqual([where, provider]);
      }
    }
  });

  /** The error code a JSON or query-protocol request is answered with, or undefined for a success. */
  async function answer(transport: 'json' | 'query', service: string, operation: string, declaration: OperationDeclaration): Promise<{ status: number; code?: string }> {
    const response =
      transport === 'json'
        ? await rawRequest(server.url, {
            method: 'POST',
            path: '/',
            headers: { 'x-amz-target': `${declaration.jsonTargetPrefix}.${operation}`, 'content-type': 'application/x-amz-json-1.1' },
            sign: service,
            body: '{}',
          })
        : await rawRequest(server.url, { method: 'POST', path: '/', headers: { 'content-type': 'application/x-www-form-urlencoded' }, sign: service, body: `Action=${operation}` });
    if (response.status < 300) return { status: response.status };
    if (transport === 'json') return { status: response.status, code: String(response.headers['x-amzn-errortype']) };
    const error = childElement(parseXml(response.body.toString('utf8')), 'Error');
    return { status: response.status, code: error && childText(error, 'Code') };
  }

  it('reach a handler for every declared JSON and query operation (never "not implemented")', async () => {
    const answered: string[] = [];
    for (const { service, operation, declaration } of declared()) {
      const transports = [...(declaration.jsonTargetPrefix !== undefined ? ['json' as const] : []), ...(declaration.protocols.includes('query') ? ['query' as const] : [])];
      for (const transport of transports) {
        const { status, code } = await answer(transport, service, operation, declaration);
        const where = `${service} ${operation} (${transport})`;
        expect([where, status === 501 || NOT_IMPLEMENTED_CODES.includes(code ?? '')]).toEqual([where, false]);
        answered.push(`${service}:${operation}:${transport}`);
      }
    }
    expect(answered).toEqual(
      expect.arrayContaining(['sqs:TagQueue:json', 'sqs:TagQueue:query', 'sts:GetCallerIdentity:query', 'sts:GetCallerIdentity:json', 'events:PutEvents:json', 'glue:StartJobRun:json', 'sagemaker:CreateTrainingJob:json']),
    );
  });
});
