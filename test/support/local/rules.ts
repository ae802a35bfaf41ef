/** Test helpers for the rules runtime suites (not product code). */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrokerBus } from '../../../local/ports';

export function tempDir(prefix = 'pp-rules-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface BusMessage {
  topic: string;
  payload: Buffer;
  qos: 0 | 1;
}

/** Resolves with the next message on `filter` that satisfies `pred`; rejects after `timeoutMs`. */
export function nextMessage(bus: BrokerBus, filter: string, pred: (m: BusMessage) => boolean = () => true, timeoutMs = 5000): Promise<BusMessage> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no message on ${filter} within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = bus.onPublish(filter, (m) => {
      const msg = { topic: m.topic, payload: m.payload, qos: m.qos };
      if (!pred(msg)) return;
      clearTimeout(timer);
      off();
      resolve(msg);
    });
  });
}

/** Collects every message on `filter` until `stop()` is called. */
export function collect(bus: BrokerBus, filter: string): { messages: BusMessage[]; stop(): void } {
  const messages: BusMessage[] = [];
  const stop = bus.onPublish(filter, (m) => {
    messages.push({ topic: m.topic, payload: m.payload, qos: m.qos });
  });
  return { messages, stop };
}
