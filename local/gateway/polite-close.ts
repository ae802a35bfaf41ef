import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WireResponse } from './http-io';

/** How long, and how much, the gateway keeps reading (and discarding) after answering early. */
export interface LingerLimits {
  /** bytes discarded before giving up on the client finishing its upload */
  maxDrainBytes: number;
  /** give up when the client sends nothing for this long */
  idleMs: number;
  /** give up after this long in any case */
  maxMs: number;
}

/** Apache's lingering close waits 2 s per read (`lingering_close`); a 64 MiB cap bounds the bandwidth spent. */
export const DEFAULT_LINGER: LingerLimits = { maxDrainBytes: 64 * 1024 * 1024, idleMs: 2_000, maxMs: 30_000 };

/**
 * Answers a request whose body was not (all) read — refused before it, or past its
 * limit — without resetting the connection. Closing a socket with unread input makes
 * the kernel send a TCP reset, which can destroy the answer before the client reads
 * it; RFC 9112 §9.6 asks a server to half-close and keep reading instead. So the whole
 * answer (with `Connection: close` and an exact `Content-Length`, complete for the
 * client) is written at once, the rest of the body is read and dropped, and the
 * response is ended — the connection closed — once the client has finished sending,
 * or after `limits` (then unread bytes may still reset it, long after the answer).
 * Nothing read is kept: memory stays bounded whatever the client sends.
 */
export function answerAndLinger(
  req: IncomingMessage,
  res: ServerResponse,
  w: WireResponse,
  limits: LingerLimits = DEFAULT_LINGER,
): void {
  res.writeHead(w.status, { ...w.headers, connection: 'close' });
  res.write(w.payload);
  if (req.complete) {
    res.end();
    return;
  }
  let drained = 0;
  let closed = false;
  let idle: NodeJS.Timeout | undefined;
  const done = (): void => {
    if (closed) return;
    closed = true;
    clearTimeout(idle);
    clearTimeout(overall);
    req.off('data', onData).off('end', done).off('error', done).off('close', done);
    // Node half-closes (FIN) once the response has been flushed, then closes (RFC 9112 §9.6).
    res.end();
  };
  const armIdle = (): void => {
    clearTimeout(idle);
    idle = setTimeout(done, limits.idleMs);
  };
  const onData = (c: Buffer): void => {
    drained += c.length;
    if (drained > limits.maxDrainBytes) done();
    else armIdle();
  };
  const overall = setTimeout(done, limits.maxMs);
  armIdle();
  req.on('data', onData).on('end', done).on('error', done).on('close', done);
  req.resume();
}
