import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger';
import { validateInput } from '../../protocol/telemetry';
import type { AcceptResult, SampleGenerator, SampleSink } from '../ports';
import { HttpInput } from './http-input';
import { SimInput } from './sim-input';
import { JsonLinesInput } from './stdin-input';

/** A sink that validates like the agent and records what it kept. */
class RecordingSink implements SampleSink {
  kept: unknown[] = [];
  rejected: string[] = [];
  full = false;
  async accept(raw: unknown): Promise<AcceptResult> {
    if (this.full) return { ok: false, reason: 'outbox full', code: 'outbox-full' };
    const v = validateInput(raw);
    if (!v.ok) {
      this.rejected.push(v.reason);
      return { ok: false, reason: v.reason, code: 'invalid' };
    }
    this.kept.push(v.record);
    return { ok: true, index: this.kept.length - 1 };
  }
  reject(reason: string): void {
    this.rejected.push(reason);
  }
}

async function until(cond: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('Class: JsonLinesInput', () => {
  it('keeps valid lines in order and rejects bad ones with a reason', async () => {
    const stream = new PassThrough();
    const sink = new RecordingSink();
    const input = new JsonLinesInput(stream, silentLogger());
    await input.start(sink);
    stream.write('{"t":1,"hr":60}\nnot json\n{"t":2,"hr":400}\n\n{"t":3,"hr":61,"context":{"weather":"rain"}}\n');
    stream.end();
    await input.ended();
    await until(() => sink.kept.length + sink.rejected.length === 4);
    expect(sink.kept).toEqual([{ t: 1, hr: 60 }, { t: 3, hr: 61, context: { weather: 'rain' } }]);
    expect(sink.rejected).toHaveLength(2);
    expect(sink.rejected[1]).toMatch(/hr/);
  });
});

describe('Class: HttpInput', () => {
  const post = async (port: number, body: string, type = 'application/json') => {
    const res = await fetch(`http://127.0.0.1:${port}/samples`, { method: 'POST', body, headers: { 'content-type': type } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  it('answers 202 for good samples and 400 with the reason for bad ones, keeping the good ones', async () => {
    const sink = new RecordingSink();
    const input = new HttpInput({ port: 0, logger: silentLogger() });
    await input.start(sink);
    try {
      expect(await post(input.port, '{"t":1,"hr":60}')).toEqual({ status: 202, body: { accepted: 1 } });
      const mixed = await post(input.port, '[{"t":2,"hr":61},{"t":3,"hr":10},{"t":4,"hr":62}]');
      expect(mixed.status).toBe(400);
      expect(mixed.body.accepted).toBe(2);
      expect(mixed.body.message).toMatch(/^sample 1: hr/);
      expect((await post(input.port, '{"t":5,"hr":63}\n{"t":6,"hr":64}\n', 'application/x-ndjson')).status).toBe(202);
      expect((await post(input.port, '{oops')).status).toBe(400);
      expect(sink.kept.map((r) => (r as { t: number }).t)).toEqual([1, 2, 4, 5, 6]);
    } finally {
      await input.stop();
    }
  });

  it('answers 503 when the outbox refuses samples and 404 elsewhere', async () => {
    const sink = new RecordingSink();
    sink.full = true;
    const input = new HttpInput({ port: 0, logger: silentLogger() });
    await input.start(sink);
    try {
      expect((await post(input.port, '{"t":1,"hr":60}')).status).toBe(503);
      expect((await fetch(`http://127.0.0.1:${input.port}/other`)).status).toBe(404);
    } finally {
      await input.stop();
    }
  });
});

/** A generator that plays a steady resting heart rate and notes the intervals it was told. */
class SteadyGenerator implements SampleGenerator {
  intervals: number[] = [];
  next() {
    return { t: 1, hr: 60, context: { weather: 'clear' }, battery: 0.9 };
  }
  setIntervalMs(ms: number): void {
    this.intervals.push(ms);
  }
}

describe('Class: SimInput', () => {
  it('feeds simulator samples at its interval and follows interval changes', async () => {
    const sink = new RecordingSink();
    const generator = new SteadyGenerator();
    const sim = new SimInput({ generator, scenario: 'rest', intervalMs: 20, logger: silentLogger() });
    await sim.start(sink);
    await until(() => sink.kept.length >= 3);
    sim.setIntervalMs(150);
    const n = sink.kept.length;
    await until(() => sink.kept.length >= n + 2);
    await sim.stop();
    const t = (i: number): number => (sink.kept[i] as { t: number }).t;
    expect(t(n + 1) - t(n)).toBeGreaterThanOrEqual(140);
    expect(sink.rejected).toEqual([]);
    expect(generator.intervals).toEqual([150]);
  });

  it('stamps each sample with the wall clock and stops at its limit', async () => {
    const sink = new RecordingSink();
    const before = Date.now();
    const sim = new SimInput({ generator: new SteadyGenerator(), scenario: 'rest', intervalMs: 10, limit: 3, logger: silentLogger() });
    await sim.start(sink);
    await until(() => sink.kept.length >= 3);
    await new Promise((r) => setTimeout(r, 60));
    await sim.stop();
    expect(sink.kept).toHaveLength(3);
    for (const r of sink.kept) expect((r as { t: number }).t).toBeGreaterThanOrEqual(before);
  });
});
