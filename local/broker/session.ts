import type { Duplex } from 'node:stream';
import type { Client } from 'aedes';
import type { PublishOrigin } from '../ports';
import type { AuthzSubject } from './authz';
import type { TokenBucket } from './limits';
import type { DisconnectReason, SessionFacts } from './presence';

/** One network connection to the broker (TLS or WebSocket) and what we know about it. */
export interface Session extends AuthzSubject {
  /** lifecycle `sessionIdentifier` */
  readonly id: string;
  readonly socket: Duplex;
  readonly ipAddress?: string;
  client?: Client;
  /** why the broker is closing it; undefined → the network went away (CONNECTION_LOST) */
  reason?: DisconnectReason;
  /** topic filters granted on this connection (IoT Core's per-connection count) */
  readonly subscriptions: Set<string>;
  bucket?: TokenBucket;
  versionNumber?: number;
  /** true once the `connected` lifecycle event was published */
  announced: boolean;
  origin?: PublishOrigin;
  lastThrottleLogAt?: number;
  throttledSinceLog?: number;
  /** settles once the last publish still on its way has been handed to aedes' routing: later ones are routed after it */
  routeTail?: Promise<void>;
  /** settles once the last QoS 1 publish still on its way has been acknowledged: later PUBACKs go out after it */
  ackTail?: Promise<void>;
}

export function principalIdentifier(s: Session): string {
  return s.principal.kind === 'certificate' ? s.principal.certificateId : s.principal.accessKeyId;
}

export function sessionFacts(s: Session): SessionFacts {
  const f: SessionFacts = {
    clientId: s.clientId ?? '',
    sessionIdentifier: s.id,
    principalIdentifier: principalIdentifier(s),
    versionNumber: s.versionNumber ?? 0,
  };
  if (s.ipAddress !== undefined) f.ipAddress = s.ipAddress;
  return f;
}

/** The origin rules and shadows see for messages this session publishes. */
export function sessionOrigin(s: Session): PublishOrigin {
  // rebuilt when an attachment change re-resolved the thing name
  if (s.origin && s.origin.thingName === s.thingName) return s.origin;
  const o: PublishOrigin = { principal: principalIdentifier(s), sessionId: s.id };
  if (s.clientId !== undefined) o.clientId = s.clientId;
  if (s.thingName !== undefined) o.thingName = s.thingName;
  s.origin = o;
  return o;
}

/** Sets the close reason unless an earlier, more specific one is already recorded. */
export function markReason(s: Session, reason: DisconnectReason): void {
  if (s.reason === undefined) s.reason = reason;
}

/** Removes an IPv4-mapped IPv6 prefix, as AWS reports plain IPv4 addresses. */
export function normalizeIp(ip: string | undefined): string | undefined {
  if (ip === undefined) return undefined;
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}
