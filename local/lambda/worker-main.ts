import { readlinkSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import type { InvokeMessage, WorkerData, WorkerReply } from './protocol';

/**
 * Inside a local Lambda execution environment: loads the function module once (Lambda's
 * init phase), then runs one handler call per `invoke` message. Events and results cross
 * the thread boundary as JSON text, as they cross Lambda's Runtime API; a thrown error
 * becomes `{errorType, errorMessage}` as in Lambda's function error payload
 * (https://docs.aws.amazon.com/lambda/latest/dg/nodejs-exceptions.html).
 */

type Handler = (event: unknown, context: unknown) => unknown;

const port = parentPort;
if (port === null) throw new Error('worker-main must run in a worker thread');
const data = workerData as WorkerData;

function errorReply(id: number, e: unknown): WorkerReply {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return { kind: 'result', id, ok: false, errorType: typeof code === 'string' ? code : e.name, errorMessage: e.message };
  }
  return { kind: 'result', id, ok: false, errorType: 'Error', errorMessage: String(e) };
}

async function load(): Promise<Handler> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(data.module)) as Record<string, unknown>;
  } catch (e) {
    throw Object.assign(new Error(`Cannot load the function module ${data.module}: ${e instanceof Error ? e.message : String(e)}`), {
      code: 'Runtime.ImportModuleError',
    });
  }
  const h = mod[data.handler];
  if (typeof h !== 'function') {
    throw Object.assign(new Error(`${data.module} does not export a handler function named '${data.handler}'`), {
      code: 'Runtime.HandlerNotFound',
    });
  }
  return h as Handler;
}

const handlerReady = load();
/** This thread's Linux thread id, or undefined off Linux. */
function osThreadId(): number | undefined {
  try {
    const id = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isInteger(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

handlerReady.then(
  () => port.postMessage({ kind: 'ready', osThreadId: osThreadId() } satisfies WorkerReply),
  (e: unknown) => {
    const r = errorReply(-1, e);
    if (r.kind === 'result' && !r.ok) port.postMessage({ kind: 'init-error', errorType: r.errorType, errorMessage: r.errorMessage } satisfies WorkerReply);
  },
);

port.on('message', (m: InvokeMessage) => {
  void (async () => {
    let reply: WorkerReply;
    try {
      const handler = await handlerReady;
      const deadline = Date.now() + m.timeoutMs;
      const context = { ...m.context, getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) };
      const result = await handler(JSON.parse(m.event), context);
      reply = { kind: 'result', id: m.id, ok: true, payload: result === undefined ? 'null' : JSON.stringify(result) };
    } catch (e) {
      reply = errorReply(m.id, e);
    }
    port.postMessage(reply);
  })();
});
