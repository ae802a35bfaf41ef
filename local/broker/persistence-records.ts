/**
 * What the durable broker persistence stores: the packet and subscription shapes
 * aedes hands it (aedes-persistence 11 interface) and their JSON-safe journal
 * records (Buffers as base64).
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The subset of an aedes client the persistence reads. */
export interface PersistenceClient {
  id: string;
}

/** An MQTT packet as aedes hands it to the persistence (aedes-packet shape). */
export interface PersistedPacket {
  cmd: string;
  topic?: string;
  payload?: Buffer;
  qos?: number;
  retain?: boolean;
  dup?: boolean;
  messageId?: number;
  brokerId?: string;
  brokerCounter?: number;
  clientId?: string;
  [key: string]: unknown;
}

export interface PersistedSubscription {
  topic: string;
  qos: number;
  rh?: number;
  rap?: number;
  nl?: boolean | number;
  subscriptionIdentifier?: number;
}

/** What `subscriptionsByTopic` yields for enqueueing. */
export interface SubscriptionTarget {
  clientId: string;
  topic?: string;
  qos?: number;
}

/** The broker as the persistence sees it (`setup(broker)`). */
export interface BrokerLike {
  id: string;
}

type PacketCtor = new (original: PersistedPacket, broker?: BrokerLike) => PersistedPacket;
/** aedes-packet: the copy aedes-persistence makes of every packet it keeps. */
export const Packet = require('aedes-packet') as PacketCtor;

export type Json = string | number | boolean | null | Json[] | { [k: string]: Json };

/** Buffers (payload, MQTT 5 correlation data) become `{ $b: base64 }`; undefined fields and functions are dropped. */
export function encode(v: unknown): Json {
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) return { $b: Buffer.from(v).toString('base64') };
  if (Array.isArray(v)) return v.map(encode);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, Json> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined && typeof x !== 'function') out[k] = encode(x);
    return out;
  }
  return v as Json;
}

/** The inverse of {@link encode}. */
export function decode(v: Json): unknown {
  if (Array.isArray(v)) return v.map(decode);
  if (v !== null && typeof v === 'object') {
    const b = v.$b;
    if (typeof b === 'string' && Object.keys(v).length === 1) return Buffer.from(b, 'base64');
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = decode(x);
    return out;
  }
  return v;
}

/** Journal keys: r:{topic} retained, s:{clientId} subscriptions, o:{seq} outgoing, i:{messageId}:{clientId} incoming, w:{clientId} will. */
export type JournalRecord =
  | { t: 'r'; p: Json }
  | { t: 's'; c: string; s: Json }
  | { t: 'o'; c: string; n: number; p: Json }
  | { t: 'i'; c: string; p: Json }
  | { t: 'w'; c: string; p: Json };
