/**
 * The one place that reaches past aedes' public API (docs/Aedes.md, aedes.d.ts).
 * Checked against aedes 1.2.0 (mqemitter 7.1.0, mqtt-packet's parser); every other
 * broker module uses the public API only. `aedes-internals.test.ts` starts a real
 * aedes and fails, naming the field, when an upgrade changes one of these:
 *
 * - `client._parser`: packets must be seen as they leave the parser, before aedes
 *   acts on them (IoT Core closes a connection whose SUBSCRIBE has too many
 *   filters; `authorizeSubscribe` sees one filter at a time).
 * - `aedes.mq._matcher`: whether any online subscription matches a topic; aedes
 *   has no query for it.
 * - `aedes.publish(packet, client, done)`: the call aedes' PUBLISH handler routes
 *   through after authorization (for QoS 1, after it has written the PUBACK); the
 *   only point where a client publish can be kept from being routed twice or at all.
 * - `client._nextBatch`, `client._parsingBatch`: how aedes reads a connection chunk
 *   by chunk; the broker holds the next read while the stack owes acknowledgements.
 */
import type { EventEmitter } from 'node:events';
import type { Aedes, Client, PublishPacket } from 'aedes';
import { PulsepetError } from '../../protocol/errors';

/** The aedes version the private fields below were read from. */
export const AEDES_CHECKED_VERSION = '1.2.0';

/** A packet as mqtt-packet's parser emits it, as far as the broker reads or rewrites it. */
export interface ParsedPacket {
  cmd: string;
  subscriptions?: Array<{ qos: number }>;
}

function noop(): void {}

function isObject(v: unknown): v is object {
  return typeof v === 'object' && v !== null;
}

function isEmitter(v: unknown): v is EventEmitter {
  return isObject(v) && 'prependListener' in v && typeof v.prependListener === 'function';
}

/** The error every accessor throws when a private field is missing or has another shape. */
export function unsupportedAedes(field: string, expected: string, installed?: object): PulsepetError {
  const version = installed === undefined ? undefined : Reflect.get(installed, 'version');
  const running = typeof version === 'string' ? `, installed aedes ${version}` : '';
  return new PulsepetError(
    'PP_ERR_INTERNAL',
    `aedes private field ${field} is missing or no longer ${expected} (checked against aedes ${AEDES_CHECKED_VERSION}${running}); update local/broker/aedes-internals.ts`,
  );
}

/**
 * Calls `listener` with every packet of `client` as it leaves the parser, before
 * aedes handles it; the listener may rewrite the packet (an unknown `cmd` makes
 * aedes close the connection without acting on it).
 */
export function prependPacketListener(client: Client, listener: (packet: ParsedPacket) => void): void {
  const parser: unknown = Reflect.get(client, '_parser');
  if (!isEmitter(parser)) throw unsupportedAedes('client._parser', 'an EventEmitter of parsed packets');
  parser.prependListener('packet', listener);
}

/**
 * A synchronous "does any online subscription (or aedes' own `$SYS` listener) match
 * `topic`?", read from aedes' routing table, which also holds subscriptions of
 * restored persistent sessions.
 */
export function onlineSubscriptionCheck(aedes: Aedes): (topic: string) => boolean {
  const mq: unknown = Reflect.get(aedes, 'mq');
  const matcher: unknown = isObject(mq) ? Reflect.get(mq, '_matcher') : undefined;
  if (!isObject(matcher) || !('match' in matcher) || typeof matcher.match !== 'function') {
    throw unsupportedAedes('aedes.mq._matcher', 'a qlobber with match(topic)', aedes);
  }
  const match: (topic: string) => unknown = matcher.match.bind(matcher);
  return (topic) => {
    const found = match(topic);
    return Array.isArray(found) && found.length > 0;
  };
}

/** aedes' own routing of a publish: retained store, persistent-session queues, online subscribers, `published`. */
export type Route = (packet: PublishPacket, client: Client | null, done: (err?: Error) => void) => void;

/**
 * Makes aedes acknowledge but not route (nor pass to `published`) every publish for
 * which `skip(packet)` is true. Wraps `aedes.publish`, which aedes' PUBLISH handler
 * calls as `(packet, client, done)` once authorization passed; the public two-argument
 * form keeps working. `skip` runs once per publish: keep it allocation-free. Returns
 * aedes' routing as it was, for a caller that routes a publish itself (and then makes
 * `skip` true for it).
 */
export function interceptRouting(aedes: Aedes, skip: (packet: PublishPacket) => boolean): Route {
  const original: unknown = Reflect.get(aedes, 'publish');
  if (typeof original !== 'function' || original.length !== 3) {
    throw unsupportedAedes('aedes.publish', 'a (packet, client, done) function', aedes);
  }
  const route: Route = original.bind(aedes);
  const wrapped = (packet: PublishPacket, client: Client | null | ((err?: Error) => void), done?: (err?: Error) => void): void => {
    const cb = typeof client === 'function' ? client : (done ?? noop);
    if (skip(packet)) {
      cb();
      return;
    }
    route(packet, typeof client === 'function' ? null : client, cb);
  };
  Object.defineProperty(aedes, 'publish', { value: wrapped, writable: true, configurable: true });
  return route;
}

/**
 * Holds a connection's next read while `hold()` is true and a packet aedes read from it
 * is still being handled (a QoS 1 publish is, until the stack has taken it).
 *
 * aedes reads a connection chunk by chunk: `client._nextBatch` runs when each packet of a
 * chunk is handled and reads the next chunk when `client._parsingBatch` (packets being
 * handled) reaches 0. It is also the stream's 'readable' listener, so every arrival of
 * data counts as a handled packet and reads on: while publishes wait, a device's later
 * packets are read and wait too, with no bound. A 'readable' event skipped here needs no
 * replay: the packet still being handled calls `_nextBatch` when done, and that reads
 * whatever arrived meanwhile. The CONNECT is never held (the connection is not
 * `connected` yet).
 */
export function holdReadsWhileHandling(client: Client, hold: () => boolean): void {
  const next: unknown = Reflect.get(client, '_nextBatch');
  if (typeof next !== 'function') throw unsupportedAedes('client._nextBatch', 'a function');
  const conn: unknown = Reflect.get(client, 'conn');
  if (!isEmitter(conn) || !conn.listeners('readable').includes(next)) {
    throw unsupportedAedes('client._nextBatch', "the 'readable' listener of client.conn");
  }
  if (typeof Reflect.get(client, '_parsingBatch') !== 'number') throw unsupportedAedes('client._parsingBatch', 'a number');
  const read = () => next.call(client);
  conn.removeListener('readable', next as (...args: unknown[]) => void);
  conn.on('readable', () => {
    if (client.connected && hold() && (Reflect.get(client, '_parsingBatch') as number) > 0) return;
    read();
  });
}
