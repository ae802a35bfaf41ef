/**
 * The one topic catalog. Product topics live under `dt/pulsepet/{thing}/...`;
 * AWS reserved topics follow AWS exactly.
 * Limits: https://docs.aws.amazon.com/general/latest/gr/iot-core.html#message-broker-limits
 */
export const MAX_TOPIC_BYTES = 256;
export const MAX_TOPIC_SLASHES = 7;
/** Thing names: https://docs.aws.amazon.com/iot/latest/apireference/API_CreateThing.html */
export const THING_NAME_RE = /^[a-zA-Z0-9:_-]{1,128}$/;

export type Direction = 'device-to-cloud' | 'cloud-to-device' | 'cloud';

export interface TopicSpec {
  /** Pattern with `{thing}` / `{name}` / `{op}` placeholders. */
  readonly pattern: string;
  readonly qos: 0 | 1;
  readonly direction: Direction;
  readonly description: string;
}

export const TOPICS = {
  telemetry: {
    pattern: 'dt/pulsepet/{thing}/telemetry',
    qos: 1,
    direction: 'device-to-cloud',
    description: 'Telemetry v1 batches from the gateway agent.',
  },
  errors: {
    pattern: 'pulsepet/errors',
    qos: 1,
    direction: 'cloud',
    description: 'Rule and function failures (errorAction republish); operators only.',
  },
  presenceConnected: {
    pattern: '$aws/events/presence/connected/{clientId}',
    qos: 1,
    direction: 'cloud',
    description: 'AWS lifecycle event on connect.',
  },
  presenceDisconnected: {
    pattern: '$aws/events/presence/disconnected/{clientId}',
    qos: 1,
    direction: 'cloud',
    description: 'AWS lifecycle event on disconnect.',
  },
  certificateRegistered: {
    pattern: '$aws/events/certificates/registered/{caCertificateId}',
    qos: 1,
    direction: 'cloud',
    description: 'AWS event: a certificate signed by this registered CA was registered on its first connect (JITR/JITP).',
  },
} as const satisfies Record<string, TopicSpec>;

export const SHADOW_OPS = ['get', 'update', 'delete'] as const;
export type ShadowOp = (typeof SHADOW_OPS)[number];
export const PET_SHADOW = 'pet';
export const CONFIG_SHADOW = 'config';
/** the latest daily summary, for the display */
export const DAILY_SHADOW = 'daily';
/** server-only state of the reasoning function; no device or display may read it */
export const REASONING_SHADOW = 'reasoning';
/** server-only: the coach's cached answers (kept apart so the reasoning state stays far below the 8 KB shadow limit) */
export const COACH_CACHE_SHADOW = 'reasoning-coach';
/** named shadows whose name starts with this are server-only (the device policy denies them) */
export const SERVER_ONLY_SHADOW_PREFIX = 'reasoning';

export function telemetryTopic(thing: string): string {
  assertThingName(thing);
  return `dt/pulsepet/${thing}/telemetry`;
}

export function presenceTopic(kind: 'connected' | 'disconnected', clientId: string): string {
  return `$aws/events/presence/${kind}/${clientId}`;
}

/** `$aws/events/certificates/registered/{caCertificateId}` (just-in-time registration). */
export function certificateRegisteredTopic(caCertificateId: string): string {
  return `$aws/events/certificates/registered/${caCertificateId}`;
}

/** Prefix of a classic (`name` undefined) or named shadow's topics. */
export function shadowTopicPrefix(thing: string, name?: string): string {
  return name === undefined ? `$aws/things/${thing}/shadow` : `$aws/things/${thing}/shadow/name/${name}`;
}

export function shadowTopic(
  thing: string,
  name: string | undefined,
  op: ShadowOp,
  suffix?: 'accepted' | 'rejected' | 'delta' | 'documents',
): string {
  const base = `${shadowTopicPrefix(thing, name)}/${op}`;
  return suffix === undefined ? base : `${base}/${suffix}`;
}

export interface ParsedShadowTopic {
  thing: string;
  name: string | undefined;
  op: ShadowOp;
  suffix: 'accepted' | 'rejected' | 'delta' | 'documents' | undefined;
}

/** Parses `$aws/things/{thing}/shadow[/name/{name}]/{op}[/{suffix}]`; undefined if not a shadow topic. */
export function parseShadowTopic(topic: string): ParsedShadowTopic | undefined {
  const p = topic.split('/');
  if (p[0] !== '$aws' || p[1] !== 'things' || p[3] !== 'shadow') return undefined;
  const thing = p[2];
  if (!thing) return undefined;
  let i = 4;
  let name: string | undefined;
  if (p[4] === 'name') {
    name = p[5];
    if (!name) return undefined;
    i = 6;
  }
  const op = p[i];
  if (op !== 'get' && op !== 'update' && op !== 'delete') return undefined;
  const suffix = p[i + 1];
  if (p.length > i + 2) return undefined;
  if (suffix === undefined) return { thing, name, op, suffix: undefined };
  if (suffix === 'accepted' || suffix === 'rejected' || suffix === 'delta' || suffix === 'documents') {
    return { thing, name, op, suffix };
  }
  return undefined;
}

export function assertThingName(thing: string): void {
  if (!THING_NAME_RE.test(thing)) {
    throw new RangeError(`invalid thing name ${JSON.stringify(thing)}: must match ${THING_NAME_RE}`);
  }
}

/** Checks IoT Core's topic limits; returns the reason or undefined when the topic is fine. */
export function topicLimitViolation(topic: string): string | undefined {
  if (Buffer.byteLength(topic, 'utf8') > MAX_TOPIC_BYTES) return `topic exceeds ${MAX_TOPIC_BYTES} bytes`;
  // The slash limit applies to customer topics; AWS reserved topics ($aws/...) are
  // defined by AWS and exceed it (named-shadow topics have 8 slashes).
  // https://docs.aws.amazon.com/general/latest/gr/iot-core.html#message-broker-limits
  if (topic.startsWith('$aws/')) return undefined;
  const slashes = topic.split('/').length - 1;
  if (slashes > MAX_TOPIC_SLASHES) return `topic has more than ${MAX_TOPIC_SLASHES} forward slashes`;
  return undefined;
}
