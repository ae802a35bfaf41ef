import { z } from 'zod';
import { MAX_TOPIC_BYTES, MAX_TOPIC_SLASHES } from '../../protocol/topics';
import { MAX_PAYLOAD_BYTES } from '../../protocol/telemetry';

/**
 * IoT Core's per-connection message-broker limits, enforced by the local broker.
 * Defaults are AWS's values from
 * https://docs.aws.amazon.com/general/latest/gr/iot-core.html#message-broker-limits
 * Tests lower them through `startBroker({ limits })`.
 */
export const brokerLimitsSchema = z.object({
  /** PUBLISH payload size; larger → the connection is closed (CLIENT_ERROR). */
  maxPayloadBytes: z.number().int().positive().default(MAX_PAYLOAD_BYTES),
  /** UTF-8 bytes of a topic or topic filter. */
  maxTopicBytes: z.number().int().positive().default(MAX_TOPIC_BYTES),
  /** Forward slashes in a customer topic (`$aws/` reserved topics are exempt). */
  maxTopicSlashes: z.number().int().nonnegative().default(MAX_TOPIC_SLASHES),
  /** Subscriptions held by one connection; beyond it a filter is refused with SUBACK 0x80. */
  maxSubscriptionsPerConnection: z.number().int().positive().default(50),
  /** Topic filters in one SUBSCRIBE packet; more → IoT Core drops the connection. */
  maxFiltersPerSubscribe: z.number().int().positive().default(8),
  /**
   * Keep-alive range in seconds. IoT Core raises a requested value below the minimum
   * to the minimum, lowers a value above the maximum to the maximum, and treats 0
   * (keep-alive off) as the maximum.
   */
  keepAliveMinSeconds: z.number().int().positive().default(30),
  keepAliveMaxSeconds: z.number().int().positive().default(1200),
  /**
   * Inbound publishes per second per connection (token bucket, burst = rate).
   * IoT Core throttles above it; the local broker drops the excess publish (a QoS 1
   * publish is still acknowledged, as a throttled IoT Core publish is not routed) and logs.
   */
  publishesPerSecond: z.number().positive().default(100),
});

export type BrokerLimits = z.infer<typeof brokerLimitsSchema>;
export type BrokerLimitsInput = z.input<typeof brokerLimitsSchema>;

/** Applies IoT Core defaults to a partial limits object (validated, frozen). */
export function resolveLimits(input: BrokerLimitsInput = {}): Readonly<BrokerLimits> {
  return Object.freeze(brokerLimitsSchema.parse(input));
}

/**
 * The keep-alive IoT Core actually applies for a requested CONNECT keep-alive.
 * https://docs.aws.amazon.com/general/latest/gr/iot-core.html#message-broker-limits
 * ("Keep-alive duration": 30–1200 s; values outside are clamped, 0 means the maximum).
 */
export function effectiveKeepAlive(requested: number, limits: Pick<BrokerLimits, 'keepAliveMinSeconds' | 'keepAliveMaxSeconds'>): number {
  if (requested <= 0) return limits.keepAliveMaxSeconds;
  return Math.min(limits.keepAliveMaxSeconds, Math.max(limits.keepAliveMinSeconds, requested));
}

/** Topic/filter limit check with configurable limits; returns the reason or undefined. */
export function topicViolation(topic: string, limits: Pick<BrokerLimits, 'maxTopicBytes' | 'maxTopicSlashes'>): string | undefined {
  if (Buffer.byteLength(topic, 'utf8') > limits.maxTopicBytes) return `topic exceeds ${limits.maxTopicBytes} bytes`;
  // AWS reserved topics ($aws/...) are defined by AWS and exceed the slash count
  // (named-shadow topics have 8); the limit applies to customer topics only.
  if (topic.startsWith('$aws/')) return undefined;
  let slashes = 0;
  for (let i = 0; i < topic.length; i++) if (topic.charCodeAt(i) === 47) slashes++;
  if (slashes > limits.maxTopicSlashes) return `topic has more than ${limits.maxTopicSlashes} forward slashes`;
  return undefined;
}

/**
 * A token bucket: `rate` tokens per second, holding at most `burst`.
 * Used for IoT Core's "publish requests per connection" limit.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number = rate,
    private readonly now: () => number = performance.now.bind(performance),
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Takes one token; false when the bucket is empty (the caller throttles). */
  take(): boolean {
    const t = this.now();
    const elapsed = (t - this.last) / 1000;
    this.last = t;
    this.tokens = Math.min(this.burst, this.tokens + elapsed * this.rate);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
