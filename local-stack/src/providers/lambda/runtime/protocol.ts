/** Messages between the Lambda provider and a function's worker process (over the IPC channel). */

export interface WorkerInvokeMessage {
  type: 'invoke';
  requestId: string;
  /** The event as JSON text. */
  payload: string;
  /** Epoch ms at which the invocation times out (for context.getRemainingTimeInMillis). */
  deadline: number;
  invokedFunctionArn: string;
  clientContext?: string;
}

/** Gives a spare worker (started with no function, spare-workers.ts) its function: sent once, before anything else. */
export interface WorkerInitMessage {
  type: 'init';
  taskRoot: string;
  handler: string;
  /** The function's whole environment: it replaces the spare's. */
  environment: Record<string, string>;
}

export type ParentToWorkerMessage = WorkerInvokeMessage | WorkerInitMessage;

/** How a handler error is reported, as the Node.js runtime does (`trace` is the stack, by line). */
export interface FunctionErrorPayload {
  errorType: string;
  errorMessage: string;
  trace?: string[];
}

export type WorkerToParentMessage =
  | { type: 'ready'; initDurationMs: number }
  | { type: 'init-error'; error: FunctionErrorPayload }
  | { type: 'log'; requestId?: string; line: string }
  | { type: 'result'; requestId: string; ok: true; payload: string; rssBytes: number }
  | { type: 'result'; requestId: string; ok: false; error: FunctionErrorPayload; rssBytes: number };
