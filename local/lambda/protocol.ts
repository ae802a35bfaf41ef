import type { LambdaContext } from './types';

/** What a local execution environment is started with. */
export interface WorkerData {
  /** file:// URL of the function module */
  module: string;
  /** name of the exported handler (Lambda's `file.handler`, the part after the dot) */
  handler: string;
}

/** Parent → worker: one invocation; the event is JSON text. */
export interface InvokeMessage {
  id: number;
  event: string;
  context: LambdaContext;
  /** the function timeout; the invocation's deadline counts from when the handler starts (context.getRemainingTimeInMillis) */
  timeoutMs: number;
}

/** Worker → parent. */
export type WorkerReply =
  /** osThreadId: the worker's Linux thread id (/proc/thread-self), for per-thread CPU figures */
  | { kind: 'ready'; osThreadId?: number }
  | { kind: 'init-error'; errorType: string; errorMessage: string }
  | { kind: 'result'; id: number; ok: true; payload: string }
  | { kind: 'result'; id: number; ok: false; errorType: string; errorMessage: string };
