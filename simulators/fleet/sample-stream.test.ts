import { describe, expect, it } from 'vitest';
import { buildTelemetryBatch, TelemetryV1Schema } from '../../protocol/telemetry';
import { BODY_PERSONA_IDS, bodyPersonaFor, LIVE_SCENARIOS, parseScenarioDeal, RecordingLibrary, scenarioFor } from './live-scenarios';
import { SampleStream } from './sample-stream';

const lib = new RecordingLibrary(7);

describe('Class: RecordingLibrary', () => {
  it('shares one recording per (scenario, persona, variant)', () => {
    const a = lib.get('run', 'office', 1);
    expect(lib.get('run', 'office', 4)).toBe(a); // variants wrap
    expect(lib.get('run', 'office', 2)).not.toBe(a);
    expect(() => lib.get('run', 'nobody', 0)).toThrow(/unknown body persona/);
  });

  it('plays a burnout body: the last burnout day has a higher resting HR than the persona', () => {
    const r = lib.get('burnout', 'office', 0);
    const first = [...r.hr.subarray(0, 300)].filter((x) => !Number.isNaN(x));
    expect(first.reduce((a, b) => a + b, 0) / first.length).toBeGreaterThan(r.persona.restingHrBpm + 4);
  });

  it('deals the scenarios across the fleet under mix', () => {
    expect(LIVE_SCENARIOS.map((_, i) => scenarioFor('mix', i))).toEqual([...LIVE_SCENARIOS]);
    expect(scenarioFor('stress', 5)).toBe('stress');
  });

  it('deals a list of scenarios in turn, and reads one from --scenario', () => {
    expect([0, 1, 2, 3].map((i) => scenarioFor(['run', 'stress', 'hike'], i))).toEqual(['run', 'stress', 'hike', 'run']);
    expect(parseScenarioDeal('run,stress')).toEqual(['run', 'stress']);
    expect(parseScenarioDeal('mix')).toBe('mix');
    expect(parseScenarioDeal('sleep')).toBe('sleep');
    for (const bad of ['mix,run', 'run,', 'run,party', '', 'party']) expect(parseScenarioDeal(bad)).toBeUndefined();
  });

  it('deals each thing a body that stays the same from run to run, and differs across things', () => {
    const things = Array.from({ length: 50 }, (_, i) => `sim-${String(i + 1).padStart(5, '0')}`);
    const bodies = things.map((t) => bodyPersonaFor(1, t));
    expect(things.map((t) => bodyPersonaFor(1, t))).toEqual(bodies);
    expect(new Set(bodies)).toEqual(new Set(BODY_PERSONA_IDS));
    // the deal simulate has always made (FNV-1a of seed and name): kept devices keep their bodies
    expect(bodyPersonaFor(1, 'demo-00001')).toBe('low-hrv');
    expect(bodyPersonaFor(1, 'lv-00001')).toBe('older');
    expect(things.some((t) => bodyPersonaFor(2, t) !== bodyPersonaFor(1, t))).toBe(true);
  });
});

describe('Class: SampleStream', () => {
  const recording = lib.get('run', 'young', 0);
  const start = 1_750_000_000_000;

  it('yields samples on the sampling interval in scenario time, valid as telemetry v1', () => {
    const s = new SampleStream({ recording, startMs: start, phaseMs: 0, intervalMs: 1_000 });
    const recs = s.take(start + 59_999);
    expect(recs.length).toBeGreaterThan(50);
    expect(recs.every((r, i) => i === 0 || r.s.t > (recs[i - 1]?.s.t ?? 0))).toBe(true);
    expect(recs.every((r) => (r.s.t - start) % 1_000 === 0 && r.s.t < start + 60_000)).toBe(true);
    expect(TelemetryV1Schema.safeParse(buildTelemetryBatch({ batchId: 'b', seq: 1 }, recs)).success).toBe(true);
    expect(s.take(start + 59_999)).toEqual([]); // nothing twice
  });

  it('keeps the step count at any interval: 10 s samples carry the steps of their 10 seconds', () => {
    const phaseMs = 20 * 60_000; // inside the run segment
    const fast = new SampleStream({ recording, startMs: start, phaseMs, intervalMs: 1_000 });
    const slow = new SampleStream({ recording, startMs: start, phaseMs, intervalMs: 10_000 });
    const sum = (rs: ReturnType<SampleStream['take']>) => rs.reduce((a, r) => a + (r.s.steps ?? 0), 0);
    const f = sum(fast.take(start + 600_000));
    const w = sum(slow.take(start + 600_000));
    expect(f).toBeGreaterThan(1_000);
    expect(Math.abs(f - w)).toBeLessThan(f * 0.05);
  });

  it('follows a new sampling interval and caps a take at max', () => {
    const s = new SampleStream({ recording, startMs: start, phaseMs: 0, intervalMs: 1_000 });
    expect(s.take(start + 10 * 60_000, 600)).toHaveLength(600 - countGaps(recording, 0, 600));
    s.setIntervalMs(5_000);
    const recs = s.take(s.nextDueMs + 50_000);
    expect(recs.length).toBeLessThanOrEqual(11);
    expect(recs.every((r, i) => i === 0 || r.s.t - (recs[i - 1]?.s.t ?? 0) >= 5_000)).toBe(true);
  });

  it('loops the recording', () => {
    const s = new SampleStream({ recording, startMs: start, phaseMs: 0, intervalMs: 60_000 });
    const recs = s.take(start + 3 * recording.lengthS * 1000);
    expect(recs.length).toBeGreaterThan(2.5 * (recording.lengthS / 60));
  });
});

function countGaps(r: ReturnType<RecordingLibrary['get']>, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if (Number.isNaN(r.hr[i] ?? Number.NaN)) n++;
  return n;
}
