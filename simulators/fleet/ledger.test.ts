import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { connectFailureReason } from './device';
import { LatencyRecorder } from './latency';
import { BatchLedger, lastSampleTime, sampleTimeSum, sampleTimes } from './ledger';
import { ShadowFollow } from './shadow-follow';

const times = (from: number, n: number) => Float64Array.from({ length: n }, (_, i) => from + i * 1000);

describe('Class: BatchLedger', () => {
  it('counts sent, acknowledged, resent, duplicates and unacknowledged batches from what happened to each', () => {
    const l = new BatchLedger();
    const a = l.add({ thing: 't1', batchId: 'r-1', seq: 1, times: times(0, 30) });
    const b = l.add({ thing: 't1', batchId: 'r-2', seq: 2, times: times(30_000, 30) });
    const c = l.add({ thing: 't2', batchId: 'r-1', seq: 1, times: times(0, 10) });
    l.add({ thing: 't2', batchId: 'r-2', seq: 2, times: times(10_000, 10) }); // never published
    a.publishes = 1;
    a.acks = 1;
    b.publishes = 2; // resent after a reconnect, then acknowledged
    b.acks = 1;
    c.publishes = 1; // in flight at the end
    expect(l.totals()).toEqual({ batches: 3, neverPublished: 1, acked: 2, resent: 1, duplicates: 1, duplicateAcks: 0, unacked: 1, samplesSent: 70, samplesAcked: 60 });
    const [t1, t2] = l.acked();
    expect(t1).toMatchObject({ thing: 't1', samples: 60, from: 0, to: 59_000 });
    expect(t2).toMatchObject({ thing: 't2', samples: 0, batches: [], unacked: [c] });
  });

  it('keeps evenly spaced sample times as first, step and count, and any other times as they are', () => {
    const l = new BatchLedger();
    const even = l.add({ thing: 't', batchId: 'even', seq: 1, times: times(1_796_000_000_000, 30) });
    expect(even).toMatchObject({ first: 1_796_000_000_000, step: 1000, count: 30 });
    expect(even.uneven).toBeUndefined();
    expect([...sampleTimes(even)]).toEqual([...times(1_796_000_000_000, 30)]);
    expect(lastSampleTime(even)).toBe(1_796_000_029_000);
    const gap = [0, 1000, 2000, 4000];
    const uneven = l.add({ thing: 't', batchId: 'gap', seq: 2, times: gap });
    expect(uneven.count).toBe(4);
    expect([...sampleTimes(uneven)]).toEqual(gap);
    expect(lastSampleTime(uneven)).toBe(4000);
    const one = l.add({ thing: 't', batchId: 'one', seq: 3, times: [5] });
    expect([...sampleTimes(one)]).toEqual([5]);
    expect(lastSampleTime(one)).toBe(5);
  });

  it('gives back exactly the sample times of any batch', () => {
    const ms = fc.integer({ min: 0, max: 4_000_000_000_000 });
    const batches = fc.oneof(
      fc.array(ms, { minLength: 1, maxLength: 40 }).map((a) => a.sort((x, y) => x - y)),
      fc.tuple(ms, fc.integer({ min: 0, max: 60_000 }), fc.integer({ min: 1, max: 40 })).map(([from, step, n]) => Array.from({ length: n }, (_, i) => from + i * step)),
    );
    fc.assert(
      fc.property(batches, (t) => {
        const e = new BatchLedger().add({ thing: 't', batchId: 'b', seq: 1, times: t });
        expect([...sampleTimes(e)]).toEqual(t);
        expect(lastSampleTime(e)).toBe(t[t.length - 1]);
        expect(e.count).toBe(t.length);
        const base = t[0] as number;
        expect(sampleTimeSum(e, base)).toBe(t.reduce((sum, x) => sum + (x - base), 0));
      }),
    );
  });

  it('refuses an empty batch', () => {
    expect(() => new BatchLedger().add({ thing: 't', batchId: 'b', seq: 0, times: new Float64Array() })).toThrow(RangeError);
  });
});

describe('Class: LatencyRecorder', () => {
  it('reports nearest-rank percentiles of what it recorded', () => {
    const r = new LatencyRecorder();
    for (let i = 1; i <= 100; i++) r.record(i);
    expect(r.summary()).toEqual({ n: 100, p50: 50, p99: 99, max: 100 });
    expect(new LatencyRecorder().summary()).toEqual({ n: 0, p50: null, p99: null, max: null });
  });

  it('keeps a uniform sample past its capacity and the true count and maximum', () => {
    const r = new LatencyRecorder(1_000);
    for (let i = 0; i < 100_000; i++) r.record(i % 1000);
    const s = r.summary();
    expect(s.n).toBe(100_000);
    expect(s.max).toBe(999);
    expect(s.p50).toBeGreaterThan(400);
    expect(s.p50).toBeLessThan(600);
  });
});

describe('Function: connectFailureReason', () => {
  it.each([
    [new Error('sim-1: connect to h:1 failed: CONNACK refused: not authorized'), 'not-authorized'],
    [new Error('sim-1: connect to h:1 failed: no CONNACK within 30000 ms'), 'connack-timeout'],
    [new Error('sim-1: connect to h:1 failed: connection closed before CONNACK'), 'closed-before-connack'],
    [Object.assign(new Error('x'), { cause: { code: 'ECONNREFUSED' } }), 'econnrefused'],
    [Object.assign(new Error('x'), { cause: { code: 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA' } }), 'tls'],
  ])('%s → %s', (e, reason) => {
    expect(connectFailureReason(e)).toBe(reason);
  });
});

describe('Class: ShadowFollow', () => {
  const setup = () => {
    const sent: Array<{ topic: string; doc: Record<string, unknown> }> = [];
    const events = { deltas: 0, refused: [] as string[], applied: [] as unknown[] };
    const f = new ShadowFollow({
      thing: 'sim-1',
      applyConfig: (d) => {
        events.applied.push(d);
        return { sampleIntervalMs: 1000, batchIntervalMs: 30_000, ...d };
      },
      currentConfig: () => ({ sampleIntervalMs: 1000, batchIntervalMs: 30_000 }),
      onPetDelta: () => events.deltas++,
      onRefused: (r) => events.refused.push(r),
      publish: (topic, payload) => sent.push({ topic, doc: JSON.parse(payload) as Record<string, unknown> }),
    });
    const deliver = (topic: string, body: unknown) => f.handle(`$aws/things/sim-1/shadow/name/${topic}`, Buffer.from(JSON.stringify(body)));
    return { f, sent, events, deliver };
  };
  const pet = { mood: 'calm', energy: 0.6, message: 'steady' };

  it('gets both shadows on connect and reports the config in force when there is none', () => {
    const { f, sent, deliver } = setup();
    f.onConnected();
    expect(sent.map((s) => s.topic)).toEqual(['$aws/things/sim-1/shadow/name/pet/get', '$aws/things/sim-1/shadow/name/config/get']);
    deliver('config/get/rejected', { code: 404, message: 'No shadow exists with name: config' });
    expect(sent[2]).toMatchObject({ topic: '$aws/things/sim-1/shadow/name/config/update', doc: { state: { reported: { sampleIntervalMs: 1000, batchIntervalMs: 30_000 } } } });
    expect(sent[2]?.doc.version).toBeUndefined();
  });

  it('applies a config delta and reports the effective settings with the version', () => {
    const { sent, events, deliver } = setup();
    deliver('config/get/accepted', { state: { reported: { sampleIntervalMs: 1000, batchIntervalMs: 30_000 } }, version: 3 });
    expect(sent).toHaveLength(0); // already reported as in force
    deliver('config/update/delta', { state: { persona: 'strict', batchIntervalMs: 10_000 }, version: 4 });
    expect(events.applied).toEqual([{ persona: 'strict', batchIntervalMs: 10_000 }]);
    expect(sent[0]?.doc).toMatchObject({ state: { reported: { persona: 'strict', batchIntervalMs: 10_000 } }, version: 4 });
  });

  it('reports a pet delta back as shown, counts it, and re-reads on a version conflict', () => {
    const { sent, events, deliver } = setup();
    deliver('pet/get/accepted', { state: { desired: pet, reported: pet }, version: 7 });
    expect(sent).toHaveLength(0);
    deliver('pet/update/delta', { state: { mood: 'stressed' }, version: 9 });
    expect(events.deltas).toBe(1);
    expect(sent[0]?.doc).toMatchObject({ state: { reported: { ...pet, mood: 'stressed' } }, version: 9 });
    deliver('pet/update/rejected', { code: 409, message: 'Version conflict' });
    expect(sent[1]?.topic).toBe('$aws/things/sim-1/shadow/name/pet/get');
  });

  it('refuses a pet state outside the schema without reporting it, and ignores other things', () => {
    const { f, sent, events, deliver } = setup();
    deliver('pet/update/delta', { state: { mood: 'furious', energy: 2, message: 'x' }, version: 2 });
    expect(sent).toHaveLength(0);
    expect(events.refused[0]).toMatch(/pet desired/);
    expect(f.handle('$aws/things/other/shadow/name/pet/update/delta', Buffer.from('{}'))).toBe(false);
  });
});
