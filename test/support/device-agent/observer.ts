/**
 * Test support (not product code): a cloud-side view of telemetry that validates
 * every message against telemetry v1 and de-duplicates by (thing, batchId).
 */
import { TelemetryV1Schema, type TelemetryV1 } from '../../../protocol/telemetry';

export class TelemetryObserver {
  readonly raw: Array<{ topic: string; body: unknown }> = [];
  readonly invalid: string[] = [];
  /** first occurrence of each (thing, batchId), in arrival order */
  readonly batches: Array<TelemetryV1 & { thing: string }> = [];
  private readonly seen = new Set<string>();
  duplicates = 0;

  /** Feed one PUBLISH seen by the cloud. */
  add(topic: string, payload: Buffer): void {
    const thing = topic.split('/')[2] ?? '';
    let body: unknown;
    try {
      body = JSON.parse(payload.toString('utf8'));
    } catch {
      this.invalid.push(`not JSON on ${topic}`);
      return;
    }
    this.raw.push({ topic, body });
    const r = TelemetryV1Schema.safeParse(body);
    if (!r.success) {
      this.invalid.push(r.error.message);
      return;
    }
    const key = `${thing}/${r.data.batchId}`;
    if (this.seen.has(key)) {
      this.duplicates++;
      return;
    }
    this.seen.add(key);
    this.batches.push({ ...r.data, thing });
  }

  /** De-duplicated samples in arrival order. */
  samples(thing?: string): TelemetryV1['samples'] {
    return this.batches.filter((b) => thing === undefined || b.thing === thing).flatMap((b) => b.samples);
  }

  seqs(thing?: string): number[] {
    return this.batches.filter((b) => thing === undefined || b.thing === thing).map((b) => b.seq);
  }

  /**
   * Waits until every sample time in `ts` has been seen. A count is not enough when
   * samples whose POST failed may also arrive: they could make up the number while an
   * accepted batch is still in flight.
   */
  async waitForTimes(ts: readonly number[], timeoutMs = 30_000, thing?: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const seen = new Set(this.samples(thing).map((s) => s.t));
      const missing = ts.filter((t) => !seen.has(t));
      if (missing.length === 0) return;
      if (Date.now() > deadline) throw new Error(`observer is missing ${missing.length}/${ts.length} samples after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async waitForSamples(n: number, timeoutMs = 30_000, thing?: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.samples(thing).length < n) {
      if (Date.now() > deadline) throw new Error(`observer saw ${this.samples(thing).length}/${n} samples after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
