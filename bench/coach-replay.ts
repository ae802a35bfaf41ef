/**
 * Shared pieces of the reasoning replays (reasoning-writes.ts, coach-calls.ts,
 * coach-cost.ts): the evaluation's scenarios cut into batches, whole simulated days
 * made of them, an in-memory ShadowPort with AWS's version check and merge, and a
 * device replayed day by day through the real `reason()` loop and BudgetedCoach, with
 * every coach outcome tallied per UTC day from the coach's own EMF metric lines.
 * Nothing here asserts; the benches print what it counts.
 */
import { silentLogger } from '../common/logger';
import {
  type AvatarPort,
  BudgetedCoach,
  type CoachInput,
  type CoachLimits,
  DeterministicCoach,
  inProcessModels,
  type LlmAnswer,
  type LlmCoach,
  reason,
  type ShadowPort,
  type ShadowRead,
  utcDay,
} from '../functions/index';
import { generateScenario, personalBaseline, SCENARIOS } from '../simulators/index';
import { coachChoices } from '../protocol/coach';
import type { Persona as CoachPersona } from '../protocol/shadows';
import { type Sample, summarize, type TelemetryContext } from '../protocol/telemetry';
import { CONFIG_SHADOW } from '../protocol/topics';

export const DAY_MS = 86_400_000;
/** Simulated days start at 00:00 UTC on 2025-01-06 (a Monday), one after another. */
export const FIRST_DAY = Date.UTC(2025, 0, 6);

type Wearer = Parameters<typeof generateScenario>[1];

/** Consecutive `stepMs` slices [from, from + stepMs) of time-ordered samples from `start` while from < `end`; empty slices are skipped. */
export function* batchesOf<T extends { t: number }>(samples: readonly T[], start: number, end: number, stepMs: number): Generator<{ from: number; to: number; samples: T[] }> {
  let i = 0;
  while (i < samples.length && (samples[i] as T).t < start) i++;
  for (let from = start; from < end; from += stepMs) {
    const to = from + stepMs;
    const batch: T[] = [];
    while (i < samples.length && (samples[i] as T).t < to) batch.push(samples[i++] as T);
    if (batch.length > 0) yield { from, to, samples: batch };
  }
}

/**
 * A composed ordinary day from the same generators: asleep until 07:00, a run in the
 * morning, a stressful hour, the mixed scenario, a ride and a hike in the afternoon,
 * rest between them, asleep again from 21:40.
 */
export const TYPICAL_DAY: readonly string[] = [
  ...Array<string>(7).fill('sleep'),
  'rest',
  'run',
  'rest',
  'rest',
  'stress',
  'rest',
  'rest',
  'mixed-day',
  'rest',
  'rest',
  'cycle',
  'rest',
  'rest',
  'hike',
  'rest',
  'rest',
  ...Array<string>(3).fill('sleep'),
];

/** Every day plan the coach benches replay: each scenario repeated all day, and the composed ordinary day. */
export function dayPlans(): Record<string, readonly string[]> {
  return { ...Object.fromEntries(Object.keys(SCENARIOS).map((n) => [n, [n]])), 'typical-day': TYPICAL_DAY };
}

export const DAY_METHOD =
  'a device-day is 00:00–24:00 UTC filled with generator output laid end to end: for a scenario, the scenario generated again and again (a new seed for each repetition, so noise and effort differ) and cut at midnight; for typical-day, the plan TYPICAL_DAY in bench/coach-replay.ts (sleep to 07:00, run, stress, mixed-day, ride, hike, rest between, sleep from 21:40). Each repetition starts from the generator’s initial body state, so there is a step at each seam.';

function scenarioMs(name: string): number {
  return (SCENARIOS[name] ?? []).reduce((ms, s) => ms + s.minutes * 60_000, 0);
}

/** One simulated UTC day of samples (time-ordered) and the phone's context per minute. */
export function daySamples(plan: readonly string[], wearer: Wearer, seed: number, day: number): { samples: Sample[]; contexts: Array<{ t: number; context: TelemetryContext }> } {
  const start = FIRST_DAY + day * DAY_MS;
  const end = start + DAY_MS;
  const samples: Sample[] = [];
  const contexts: Array<{ t: number; context: TelemetryContext }> = [];
  for (let cursor = start, k = 0; cursor < end; k++) {
    const name = plan[k % plan.length] as string;
    const s = generateScenario(name, wearer, seed * 100_000 + day * 1_000 + k);
    const shift = cursor - s.start;
    for (const x of s.samples) if (x.t + shift < end) samples.push({ ...x, t: x.t + shift });
    for (const c of s.contexts) if (c.t + shift < end) contexts.push({ t: c.t + shift, context: c.context });
    cursor += scenarioMs(name);
  }
  samples.sort((a, b) => a.t - b.t);
  return { samples, contexts };
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** AWS's shadow merge: objects merge key by key, null deletes, anything else (arrays too) replaces. */
function mergeInto(target: Json, patch: Json): void {
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete target[k];
    else if (isObject(v) && isObject(target[k])) mergeInto(target[k] as Json, v);
    else target[k] = v;
  }
}

/**
 * Named shadows in memory, with the Device Shadow service's version check (an update
 * naming another version than the current one — 0 before the first — is a conflict) and
 * merge; every read and write goes through JSON, as on the wire.
 */
export function memoryShadows(): ShadowPort {
  const docs = new Map<string, ShadowRead>();
  return {
    async get(thing, shadowName) {
      const d = docs.get(`${thing}/${shadowName}`);
      return d === undefined ? undefined : (JSON.parse(JSON.stringify(d)) as ShadowRead);
    },
    async update(thing, shadowName, state, expectedVersion) {
      const key = `${thing}/${shadowName}`;
      const current = docs.get(key);
      const version = current?.version ?? 0;
      if (expectedVersion !== undefined && expectedVersion !== version) return 'conflict';
      const next: ShadowRead = current === undefined ? { version: 0 } : (JSON.parse(JSON.stringify(current)) as ShadowRead);
      const patch = JSON.parse(JSON.stringify(state)) as { desired?: Json | null; reported?: Json | null };
      for (const side of ['desired', 'reported'] as const) {
        const p = patch[side];
        if (p === null) delete next[side];
        else if (p !== undefined) {
          const target = next[side] ?? {};
          mergeInto(target, p);
          next[side] = target;
        }
      }
      next.version = version + 1;
      docs.set(key, next);
      return next.version;
    },
  };
}

/** An LLM coach that answers at once with a valid `set_pet_state` input and costs nothing: for counting. */
export const countingLlm: LlmCoach = {
  async word(input: CoachInput): Promise<LlmAnswer> {
    const words = { message: `State: ${input.mood}.`, animation: coachChoices(input.mood).animations[0], suggestion: 'Take five slow breaths.' };
    return { words, usage: { inputTokens: 0, outputTokens: 0 }, attempts: 1, latencyMs: 0 };
  },
};

/** What one device did on one UTC day. */
export interface DeviceDay {
  plan: string;
  wearer: string;
  coachPersona: CoachPersona;
  seed: number;
  day: string;
  batches: number;
  /** batches whose derived state changed (the pet written) */
  stateChanges: number;
  /** times the coach was asked to word a state */
  coachRequests: number;
  /** calls that reached the LLM coach */
  llmCalls: number;
  cached: number;
  budgetSkipped: Record<string, number>;
  fallback: number;
  /** minutes after midnight UTC of each LLM call */
  callMinutes: number[];
  /** tokens per LLM call, as the LLM coach reported them */
  usage: Array<{ inputTokens: number; outputTokens: number }>;
}

export interface ReplayOptions {
  plan: string;
  wearer: Wearer;
  coachPersona: CoachPersona;
  seed: number;
  days: number;
  stepMs: number;
  limits: CoachLimits;
  llm: LlmCoach;
  /** asked for the pet's face after each pet write, as the reasoning function asks pulsepet-avatar */
  avatars?: AvatarPort;
}

/** Replays one device through `days` simulated days, batch by batch, through `reason()` with the budgeted LLM coach. */
export async function replayDevice(o: ReplayOptions): Promise<DeviceDay[]> {
  const thing = `coach-${o.plan}-${o.wearer.id}-${o.seed}`;
  const tallies = new Map<string, DeviceDay>();
  const tally = (day: string): DeviceDay => {
    let t = tallies.get(day);
    if (t === undefined) {
      t = { plan: o.plan, wearer: o.wearer.id, coachPersona: o.coachPersona, seed: o.seed, day, batches: 0, stateChanges: 0, coachRequests: 0, llmCalls: 0, cached: 0, budgetSkipped: {}, fallback: 0, callMinutes: [], usage: [] };
      tallies.set(day, t);
    }
    return t;
  };
  let current = tally(utcDay(FIRST_DAY));
  const shadows = memoryShadows();
  await shadows.update(thing, CONFIG_SHADOW, { desired: { persona: o.coachPersona } });
  const llm: LlmCoach = {
    async word(input) {
      current.llmCalls++;
      current.callMinutes.push(Math.floor((input.now % DAY_MS) / 60_000));
      const answer = await o.llm.word(input);
      current.usage.push(answer.usage);
      return answer;
    },
  };
  const onMetric = (line: string) => {
    const doc = JSON.parse(line) as { Outcome?: string; reason?: string };
    if (doc.Outcome === 'cached') current.cached++;
    else if (doc.Outcome === 'fallback') current.fallback++;
    else if (doc.Outcome === 'budget_skipped') current.budgetSkipped[doc.reason ?? '?'] = (current.budgetSkipped[doc.reason ?? '?'] ?? 0) + 1;
  };
  const budgeted = new BudgetedCoach({ llm, fallback: new DeterministicCoach(), shadows, limits: o.limits, logger: silentLogger(), metrics: onMetric });
  let clock = FIRST_DAY;
  const baseline = personalBaseline(o.wearer);
  const deps = {
    shadows,
    model: inProcessModels,
    baselines: { baseline: async () => baseline },
    coach: {
      speak(input: CoachInput) {
        current = tally(utcDay(input.now));
        current.coachRequests++;
        return budgeted.speak(input);
      },
    },
    logger: silentLogger(),
    now: () => clock,
    baselineRefreshMs: 3_600_000,
    ...(o.avatars ? { avatars: o.avatars } : {}),
  };
  let seq = 0;
  for (let day = 0; day < o.days; day++) {
    const { samples, contexts } = daySamples(dayPlans()[o.plan] ?? [o.plan], o.wearer, o.seed, day);
    const start = FIRST_DAY + day * DAY_MS;
    let c = 0;
    for (const b of batchesOf(samples, start, start + DAY_MS, o.stepMs)) {
      while (c + 1 < contexts.length && (contexts[c + 1] as { t: number }).t < b.to) c++;
      clock = b.to;
      const context = contexts[c]?.context;
      const event = { v: 1, batchId: `${thing}-${seq}`, seq: seq++, samples: b.samples, summary: summarize(b.samples), ...(context ? { context } : {}), thing };
      const r = await reason(event, deps);
      const t = tally(utcDay(b.from));
      t.batches++;
      if (r.outcome === 'written') t.stateChanges++;
    }
  }
  const simulated = new Set(Array.from({ length: o.days }, (_, d) => utcDay(FIRST_DAY + d * DAY_MS)));
  return [...tallies.values()].filter((t) => simulated.has(t.day));
}
