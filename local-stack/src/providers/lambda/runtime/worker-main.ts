/**
 * The Node.js runtime inside a function's worker process (one process per function instance).
 * It loads the handler once (the init phase of a cold start), then serves invocations one at a
 * time from the provider over the IPC channel, with a Lambda context object and Lambda-style log
 * lines (`<time>\t<requestId>\t<LEVEL>\t<message>`).
 *
 * Built with esbuild into a standalone ES module when the provider starts; it imports nothing
 * from the stack at run time.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { format } from 'node:util';
import type { FunctionErrorPayload, ParentToWorkerMessage, WorkerInitMessage, WorkerInvokeMessage, WorkerToParentMessage } from './protocol';

type Handler = (event: unknown, context: LambdaContext, callback: (error?: unknown, result?: unknown) => void) => unknown;

interface LambdaContext {
  functionName: string;
  functionVersion: string;
  invokedFunctionArn: string;
  memoryLimitInMB: string;
  awsRequestId: string;
  logGroupName: string;
  logStreamName: string;
  callbackWaitsForEmptyEventLoop: boolean;
  clientContext?: unknown;
  identity?: unknown;
  getRemainingTimeInMillis(): number;
  done(error?: unknown, result?: unknown): void;
  succeed(result?: unknown): void;
  fail(error?: unknown): void;
}

// Given on the command line, or, to a spare started before its function was known, by the `init` message.
let [taskRoot, handlerSpec] = process.argv.slice(2) as [string, string];
const startedAsSpare = process.argv.length < 4;
let currentRequestId: string | undefined;

function send(message: WorkerToParentMessage): void {
  process.send?.(message);
}

function patchConsole(): void {
  const levels = [
    ['log', 'INFO'],
    ['info', 'INFO'],
    ['warn', 'WARN'],
    ['error', 'ERROR'],
    ['debug', 'DEBUG'],
    ['trace', 'TRACE'],
  ] as const;
  for (const [method, level] of levels) {
    console[method] = (...args: unknown[]) => {
      const message = format(...args);
      send({ type: 'log', requestId: currentRequestId, line: `${new Date().toISOString()}\t${currentRequestId ?? 'undefined'}\t${level}\t${message}` });
    };
  }
}

function errorPayload(error: unknown, fallbackType = 'Error'): FunctionErrorPayload {
  if (error instanceof Error) {
    return { errorType: error.name || fallbackType, errorMessage: error.message, trace: error.stack?.split('\n') ?? [] };
  }
  if (typeof error === 'string') return { errorType: 'string', errorMessage: error, trace: [] };
  return { errorType: fallbackType, errorMessage: format(error), trace: [] };
}

async function loadHandler(): Promise<Handler> {
  const dot = handlerSpec.lastIndexOf('.');
  if (dot <= 0) throw Object.assign(new Error(`Bad handler ${handlerSpec}: expected path/to/module.exportName`), { name: 'Runtime.MalformedHandlerName' });
  const modulePath = path.resolve(taskRoot, handlerSpec.slice(0, dot));
  const exportPath = handlerSpec.slice(dot + 1).split('.');
  const module = await importModule(modulePath);
  let handler: unknown = module;
  for (const name of exportPath) handler = (handler as Record<string, unknown> | undefined)?.[name];
  if (typeof handler !== 'function' && module && typeof module === 'object' && 'default' in module) {
    // A CommonJS module imported as ESM keeps its exports on `default`.
    handler = exportPath.reduce<unknown>((value, name) => (value as Record<string, unknown> | undefined)?.[name], (module as { default: unknown }).default);
  }
  if (typeof handler !== 'function') {
    throw Object.assign(new Error(`${handlerSpec} is undefined or not exported`), { name: 'Runtime.HandlerNotFound' });
  }
  return handler as Handler;
}

/** As the Lambda Node.js runtime does: `.mjs` is imported, `.cjs` required, `.js` required unless it is ESM. */
async function importModule(modulePath: string): Promise<unknown> {
  const require = createRequire(path.join(taskRoot, 'index.js'));
  for (const extension of ['.js', '.mjs', '.cjs']) {
    const file = `${modulePath}${extension}`;
    let resolved: string;
    try {
      resolved = require.resolve(file);
    } catch {
      continue;
    }
    if (extension === '.mjs') return import(pathToFileURL(resolved).href);
    try {
      return require(resolved);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ERR_REQUIRE_ESM') return import(pathToFileURL(resolved).href);
      throw error;
    }
  }
  throw Object.assign(new Error(`Cannot find module '${path.relative(taskRoot, modulePath)}'`), { name: 'Runtime.ImportModuleError' });
}

function invoke(handler: Handler, message: WorkerInvokeMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (error: unknown, result?: unknown): void => {
      if (settled) return;
      settled = true;
      if (error !== undefined && error !== null) reject(error);
      else resolve(result);
    };
    const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME ?? '';
    const context: LambdaContext = {
      functionName,
      functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION ?? '$LATEST',
      invokedFunctionArn: message.invokedFunctionArn,
      memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE ?? '128',
      awsRequestId: message.requestId,
      logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME ?? `/aws/lambda/${functionName}`,
      logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME ?? '',
      callbackWaitsForEmptyEventLoop: true,
      clientContext: message.clientContext ? JSON.parse(Buffer.from(message.clientContext, 'base64').toString('utf8')) : undefined,
      getRemainingTimeInMillis: () => Math.max(0, message.deadline - Date.now()),
      done: (error, result) => settle(error, result),
      succeed: (result) => settle(undefined, result),
      fail: (error) => settle(error ?? new Error('handled')),
    };
    try {
      const returned = handler(JSON.parse(message.payload), context, (error, result) => settle(error, result));
      if (returned && typeof (returned as Promise<unknown>).then === 'function') {
        (returned as Promise<unknown>).then((result) => settle(undefined, result), (error: unknown) => settle(error ?? new Error('Promise rejected')));
      } else if (handler.length < 3) {
        settle(undefined, returned);
      }
    } catch (error) {
      settle(error);
    }
  });
}

async function main(): Promise<void> {
  patchConsole();
  const initStarted = performance.now();
  let handler: Handler;
  try {
    handler = await loadHandler();
  } catch (error) {
    const payload = errorPayload(error, 'Runtime.ImportModuleError');
    if (error instanceof SyntaxError) payload.errorType = 'Runtime.UserCodeSyntaxError';
    console.error(`INIT_ERROR\t${JSON.stringify(payload)}`);
    process.send?.({ type: 'init-error', error: payload } satisfies WorkerToParentMessage, () => process.exit(1));
    return;
  }
  send({ type: 'ready', initDurationMs: performance.now() - initStarted });

  process.on('message', (message: ParentToWorkerMessage) => {
    if (message.type !== 'invoke') return;
    currentRequestId = message.requestId;
    void invoke(handler, message).then(
      (result) => {
        let payload: string;
        try {
          payload = JSON.stringify(result === undefined ? null : result);
        } catch (error) {
          send({ type: 'result', requestId: message.requestId, ok: false, error: errorPayload(error), rssBytes: process.memoryUsage().rss });
          return;
        }
        send({ type: 'result', requestId: message.requestId, ok: true, payload, rssBytes: process.memoryUsage().rss });
      },
      (error: unknown) => {
        console.error(`Invoke Error \t${JSON.stringify(errorPayload(error))}`);
        send({ type: 'result', requestId: message.requestId, ok: false, error: errorPayload(error), rssBytes: process.memoryUsage().rss });
      },
    );
  });

  const crash = (kind: string) => (error: unknown) => {
    const payload = errorPayload(error, kind);
    if (kind === 'Runtime.UnhandledPromiseRejection') payload.errorType = kind;
    console.error(`${kind}\t${JSON.stringify(payload)}`);
    // As on Lambda, the runtime does not survive an uncaught error: the provider starts a new instance.
    if (!currentRequestId) process.exit(1);
    const result: WorkerToParentMessage = { type: 'result', requestId: currentRequestId, ok: false, error: payload, rssBytes: process.memoryUsage().rss };
    process.send?.(result, () => process.exit(1));
  };
  process.on('uncaughtException', crash('Runtime.UncaughtException'));
  process.on('unhandledRejection', crash('Runtime.UnhandledPromiseRejection'));
  // The provider closing the channel ends the instance.
  process.on('disconnect', () => process.exit(0));
}

/** A spare waits for its function: it takes the function's directory, its whole environment and its handler. */
function whenGivenFunction(start: () => Promise<void>): void {
  process.on('disconnect', () => process.exit(0));
  const onInit = (message: ParentToWorkerMessage): void => {
    if (message.type !== 'init') return;
    process.off('message', onInit);
    adoptFunction(message);
    void start();
  };
  process.on('message', onInit);
}

function adoptFunction(message: WorkerInitMessage): void {
  for (const name of Object.keys(process.env)) delete process.env[name];
  Object.assign(process.env, message.environment);
  process.chdir(message.taskRoot);
  taskRoot = message.taskRoot;
  handlerSpec = message.handler;
  process.argv.splice(2, process.argv.length - 2, message.taskRoot, message.handler);
}

if (startedAsSpare) whenGivenFunction(main);
else void main();
