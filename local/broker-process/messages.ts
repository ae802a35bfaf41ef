/**
 * The messages the stack (parent) and its broker process (child) exchange over the fork
 * IPC channel (`serialization: 'advanced'`, so payloads travel as bytes, not base64).
 * One channel carries everything in order: a registry change the parent made before a
 * reply reaches the child before that reply. Each side writes what it sends in a turn of
 * its event loop as one array of these messages (`framing.ts`).
 */
import type { BrokerLimitsInput } from '../broker/limits';
import type { PublishOrigin } from '../ports';
import type { MapChange, RegistryEventMap, RegistrySnapshot } from '../registry/index';

/** A role session as it crosses the boundary: its rights travel as the role's policy documents. */
export interface SessionRecord {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiresAt: number;
  arn: string;
  policyDocuments: readonly string[];
}

/** A registry event forwarded to the child's replica, after the changes that caused it. */
export type RegistryEventMessage = { [K in keyof RegistryEventMap]: { name: K; args: RegistryEventMap[K] } }[keyof RegistryEventMap];

export interface ChildInit {
  dataDir: string;
  host: string;
  port: number;
  region: string;
  accountId: string;
  tls: { key: string; cert: string; ca: string };
  wsCredentials: { accessKeyId: string; secretAccessKey: string };
  limits?: BrokerLimitsInput;
  logLevel: string;
  registry: RegistrySnapshot;
  sessions: SessionRecord[];
}

export interface BusMessage {
  topic: string;
  payload: Uint8Array;
  qos: 0 | 1;
  retain: boolean;
  origin: PublishOrigin;
}

export interface BrokerProcessStats {
  connections: number;
  /** device messages whose PUBACK waits for the stack's observers */
  awaitingStack: number;
  rss: number;
  heapUsed: number;
  external: number;
  /** malloc_trim calls after fleets left (allocator-trim.ts), and the RSS they gave back, bytes; absent without the addon */
  allocatorTrims?: { trims: number; returnedBytes: number };
}

/** parent → child */
export type ToChild =
  | { t: 'init'; init: ChildInit }
  /** registry changes and events, applied in this order (changes first) */
  | { t: 'registry'; changes: MapChange[]; events: RegistryEventMessage[] }
  | { t: 'session'; session: SessionRecord }
  | { t: 'publish'; id: number; topic: string; payload: Uint8Array | string; qos?: 0 | 1; retain?: boolean; origin?: PublishOrigin; to?: string }
  | { t: 'observe'; id: number; filter: string; beforeAck: boolean }
  | { t: 'unobserve'; id: number }
  /** the parent's observers settled a before-ack message */
  | { t: 'ack'; id: number }
  | { t: 'autoRegistered'; id: number; error?: string }
  /** the stack has the filters of `interest` `id` */
  | { t: 'interestKnown'; id: number }
  | { t: 'openIntake' }
  | { t: 'close' };

/** child → parent */
export type ToParent =
  | { t: 'ready'; port: number; wsPort: number }
  | { t: 'failed'; error: { message: string; code?: string; stack?: string } }
  /** a message for the stack's observer `observer`; with `ackId` the child waits for `ack` before the PUBACK */
  | { t: 'message'; observer: number; msg: BusMessage; ackId?: number }
  | { t: 'published'; id: number; error?: string }
  | { t: 'autoRegister'; id: number; der: Uint8Array }
  /** topic filters someone in the broker may receive on (interest.ts); with `id` the child waits for `interestKnown` */
  | { t: 'interest'; filters: string[]; id?: number }
  /** every half second: open connections, messages waiting for the stack, the process's memory */
  | { t: 'stats'; stats: BrokerProcessStats }
  | { t: 'log'; line: string }
  | { t: 'closed' };
