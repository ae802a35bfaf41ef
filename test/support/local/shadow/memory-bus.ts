import type { BrokerBus, InternalPublishHandler, PublishOrigin } from '../../../../local/ports';

/** MQTT filter match with `+` and `#` ([MQTT-4.7.1]). */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/** A publish as MemoryBus recorded it. */
export interface RecordedPublish {
  topic: string;
  payload: Buffer;
  qos: 0 | 1;
  retain: boolean;
}

/**
 * A tiny in-memory BrokerBus for unit tests of the shadow service's routing only
 * (integration tests use the real broker through local/stack.ts). It records
 * every publish and delivers to onPublish handlers like the broker does.
 */
export class MemoryBus implements BrokerBus {
  readonly published: RecordedPublish[] = [];
  private readonly handlers: Array<{ filter: string; handler: InternalPublishHandler }> = [];

  async publish(topic: string, payload: Buffer | string, options: { qos?: 0 | 1; retain?: boolean } = {}): Promise<void> {
    await this.inject(topic, payload, {}, options);
  }

  /** Publishes as a device would (with an origin). */
  async inject(
    topic: string,
    payload: Buffer | string,
    origin: PublishOrigin,
    options: { qos?: 0 | 1; retain?: boolean } = {},
  ): Promise<void> {
    const msg = {
      topic,
      payload: Buffer.isBuffer(payload) ? payload : Buffer.from(payload),
      qos: options.qos ?? 0,
      retain: options.retain ?? false,
    };
    this.published.push(msg);
    for (const h of [...this.handlers]) {
      if (topicMatches(h.filter, topic)) await h.handler({ ...msg, origin });
    }
  }

  onPublish(filter: string, handler: InternalPublishHandler): () => void {
    const entry = { filter, handler };
    this.handlers.push(entry);
    return () => {
      const i = this.handlers.indexOf(entry);
      if (i >= 0) this.handlers.splice(i, 1);
    };
  }

  /** Parsed JSON payloads published on `topic`. */
  json(topic: string): unknown[] {
    return this.published.filter((p) => p.topic === topic).map((p) => JSON.parse(p.payload.toString('utf8')) as unknown);
  }

  /** Resolves with the next publish on `topic` (deadline-bounded). */
  next(topic: string, timeoutMs = 5000): Promise<unknown> {
    const seen = this.published.length;
    return new Promise((resolve, reject) => {
      const deadline = setTimeout(() => {
        off();
        reject(new Error(`no publish on ${topic} within ${timeoutMs} ms`));
      }, timeoutMs);
      const off = this.onPublish(topic, (m) => {
        if (this.published.length <= seen) return;
        clearTimeout(deadline);
        off();
        resolve(JSON.parse(m.payload.toString('utf8')) as unknown);
      });
    });
  }
}
