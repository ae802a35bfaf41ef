import type { Logger } from '../../common/logger';
import type { Baseline, FeatureVector, MinuteAggregate, Prediction } from '../../protocol/models';
import { encodeReasoningState, parseReasoningState, RECENT_BATCHES, type ReasoningState, WINDOW_MINUTES } from '../../protocol/reasoning-state';
import type { AvatarRequest } from '../../protocol/avatar';
import { PetStateSchema } from '../../protocol/shadows';
import type { TelemetryContext } from '../../protocol/telemetry/schemas';
import { CONFIG_SHADOW, PET_SHADOW, REASONING_SHADOW } from '../../protocol/topics';
import { parseIngestEvent } from '../ingest/core';
import { personaOf } from '../shared/persona';
import { type DerivedState, derive, petState, stateHash } from './decide';
import { mergeMinutes, minuteAggregates, populationBaseline } from './models/index';
import type { AvatarPort, BaselinePort, Coach, ModelPort, ShadowPort, ShadowRead, WindowPort } from './ports';

/**
 * The reasoning loop for one telemetry batch, in plain steps: perceive (the batch plus
 * the rolling window kept in the `reasoning` shadow, the baseline refreshed at most
 * hourly), predict (the models, in-process or behind a SageMaker endpoint), decide (the
 * pet state and its hash), act (write the `pet` shadow's desired only when the hash
 * changed, with its version; then the reasoning state, with its version). A version
 * conflict (409) means another invocation moved first: read again and redo.
 */

export interface ReasoningDeps {
  shadows: ShadowPort;
  model: ModelPort;
  baselines: BaselinePort;
  /** rebuilds the window after a gap; without it the window restarts from the batch */
  window?: WindowPort;
  coach: Coach;
  logger: Logger;
  now: () => number;
  /** how old a cached baseline may get before the store is asked again */
  baselineRefreshMs: number;
  /** the avatar function, asked for the pet's face after each pet write (none: no avatars) */
  avatars?: AvatarPort;
}

export interface ReasonResult {
  thing: string;
  batchId: string;
  /** duplicate: the batch was handled before; unchanged: no pet write needed; written: the pet changed */
  outcome: 'duplicate' | 'unchanged' | 'written';
  stateHash?: string;
  /** optimistic-concurrency retries */
  conflicts: number;
  storeQueries: number;
}

const MAX_ATTEMPTS = 5;
/** built once: zod compiles a schema on its first parse */
const PartialPetStateSchema = PetStateSchema.partial();

export function readState(r: ShadowRead | undefined): ReasoningState {
  return parseReasoningState(r?.reported);
}

/** Handles one rule event (telemetry v1 + `thing`). */
export async function reason(event: unknown, deps: ReasoningDeps): Promise<ReasonResult> {
  const { thing, batch } = parseIngestEvent(event);
  const fresh = minuteAggregates(batch.samples);
  let conflicts = 0;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const stored = await deps.shadows.get(thing, REASONING_SHADOW);
    const state = readState(stored);
    if (state.recentBatches.includes(batch.batchId)) return { thing, batchId: batch.batchId, outcome: 'duplicate', conflicts, storeQueries: 0 };
    const now = dataTime(state.minutes, fresh.minutes, deps.now());
    const perceived = await perceive(thing, state, fresh.minutes, now, deps);
    const prediction = await deps.model.predict(perceived.features);
    const derived = derive(prediction);
    const hash = stateHash(derived);
    const changed = hash !== state.lastStateHash;
    const next = nextState(state, batch.batchId, perceived, prediction, hash, changed);
    // The decision is committed first, with the reasoning state's version (0 for a shadow
    // that does not exist yet): a decision made from a stale window loses here and is
    // redone, so it never reaches the pet. Decisions are numbered in commit order.
    const v = await deps.shadows.update(thing, REASONING_SHADOW, { reported: encodeReasoningState(next) }, stored?.version ?? 0);
    if (v === 'conflict') {
      conflicts++;
      continue;
    }
    const act = { derived, hash, decision: next.decision, ...(batch.context ? { environment: batch.context } : {}) };
    const outcome = changed && (await writePet(thing, prediction, act, now, deps)) ? 'written' : 'unchanged';
    if (fresh.dropped.length > 0) deps.logger.debug({ thing, batchId: batch.batchId, dropped: fresh.dropped }, 'samples dropped as artefacts');
    return { thing, batchId: batch.batchId, outcome, stateHash: hash, conflicts, storeQueries: perceived.storeQueries };
  }
  throw new Error(`reasoning for ${thing} kept conflicting with concurrent updates (${conflicts} conflicts)`);
}

/**
 * The moment the state is judged at: the end of the newest minute of data, never later
 * than the clock. A batch that arrives late (a backlog after an outage, a replayed
 * queue) then describes the time it was measured, not an empty window around "now".
 */
export function dataTime(stored: readonly MinuteAggregate[], fresh: readonly MinuteAggregate[], clock: number): number {
  let newest = Number.NEGATIVE_INFINITY;
  for (const m of stored) newest = Math.max(newest, m.t);
  for (const m of fresh) newest = Math.max(newest, m.t);
  return Number.isFinite(newest) ? Math.min(clock, newest + 60_000) : clock;
}

export interface Perceived {
  features: FeatureVector;
  minutes: MinuteAggregate[];
  baseline: { value: Baseline; fetchedAt: number };
  storeQueries: number;
  /** set when the window was rebuilt from the store */
  rebuiltAt?: number;
}

/** The window (stored minutes plus this batch's) and the baseline, refreshed when stale. */
export async function perceive(thing: string, state: ReasoningState, fresh: MinuteAggregate[], now: number, deps: ReasoningDeps): Promise<Perceived> {
  const rebuilt = await rebuildAfterGap(thing, state, fresh, now, deps);
  const minutes = mergeMinutes(rebuilt.minutes, fresh, now, WINDOW_MINUTES * 60_000);
  let baseline = state.baseline;
  let storeQueries = rebuilt.queried ? 1 : 0;
  if (baseline === undefined || now - baseline.fetchedAt > deps.baselineRefreshMs) {
    storeQueries++;
    const value = await deps.baselines.baseline(thing, now).catch((e: unknown) => {
      deps.logger.warn({ err: e, thing }, 'baseline unavailable; population priors used');
      return populationBaseline();
    });
    baseline = { value, fetchedAt: now };
  }
  const features: FeatureVector = {
    now,
    minutes,
    baseline: baseline.value,
    ...(state.lastExerciseEndedAt === undefined ? {} : { lastExerciseEndedAt: state.lastExerciseEndedAt }),
    ...(state.energy === undefined ? {} : { energy: state.energy }),
  };
  return { features, minutes, baseline, storeQueries, ...(rebuilt.queried ? { rebuiltAt: now } : {}) };
}

/** How much of the window start may be missing before it counts as a gap. */
const GAP_MS = 5 * 60_000;
const REBUILD_EVERY_MS = 3_600_000;

/**
 * After a gap (no stored window, or one that stops well before this batch — the state
 * was lost, or batches arrived out of order), the minutes before the batch are read from
 * the `telemetry` table, at most once an hour per device, so the window is whole again.
 * Only minutes before the batch's first are taken: its own may not be stored yet.
 */
async function rebuildAfterGap(
  thing: string,
  state: ReasoningState,
  fresh: MinuteAggregate[],
  now: number,
  deps: ReasoningDeps,
): Promise<{ minutes: MinuteAggregate[]; queried: boolean }> {
  const start = now - WINDOW_MINUTES * 60_000;
  const firstFresh = fresh.length > 0 ? Math.min(...fresh.map((m) => m.t)) : now;
  const known = state.minutes.filter((m) => m.t >= start && m.t < firstFresh);
  const coveredFrom = known.length > 0 ? known[0]!.t : firstFresh;
  const lastKnown = known.length > 0 ? known[known.length - 1]!.t + 60_000 : firstFresh;
  const gap = coveredFrom - start > GAP_MS || firstFresh - lastKnown > GAP_MS;
  const recently = state.lastRebuildAt !== undefined && now - state.lastRebuildAt < REBUILD_EVERY_MS;
  if (!gap || recently || deps.window === undefined || firstFresh - start <= GAP_MS) return { minutes: state.minutes, queried: false };
  const stored = await deps.window.recentMinutes(thing, start, firstFresh).catch((e: unknown) => {
    deps.logger.warn({ err: e, thing }, 'window not rebuilt from the store');
    return [];
  });
  const have = new Set(known.map((m) => m.t));
  const added = stored.filter((m) => m.t >= start && m.t < firstFresh && !have.has(m.t));
  return { minutes: [...state.minutes, ...added].sort((a, b) => a.t - b.t), queried: true };
}

/**
 * Writes the pet's desired state for decision `decision`, unless the pet already shows
 * this state hash in the wearer's persona, or a later decision (concurrent invocations commit decisions in order
 * but may reach the pet out of order). A pet version conflict is re-read and re-checked.
 * Returns true when it wrote.
 */
export async function writePet(
  thing: string,
  prediction: Prediction,
  d: { derived: DerivedState; hash: string; decision: number; environment?: TelemetryContext },
  now: number,
  deps: ReasoningDeps,
): Promise<boolean> {
  const { derived, hash, decision } = d;
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const [pet, config] = await Promise.all([deps.shadows.get(thing, PET_SHADOW), deps.shadows.get(thing, CONFIG_SHADOW)]);
    const current = PartialPetStateSchema.safeParse(pet?.desired ?? {});
    const shown = current.success ? current.data : {};
    const persona = personaOf(config);
    // the same state in the same persona is already shown; a persona change re-words it
    if ((shown.stateHash === hash && shown.persona === persona) || (shown.decision ?? -1) > decision) return false;
    const words = await deps.coach.speak({
      thing,
      persona,
      prediction,
      mood: derived.mood,
      stateHash: hash,
      now,
      ...(d.environment ? { environment: d.environment } : {}),
      ...(shown.message ? { lastMessage: shown.message } : {}),
    });
    const desired = { ...petState(prediction, derived, words, persona, now), decision };
    if ((await deps.shadows.update(thing, PET_SHADOW, { desired }, pet?.version ?? 0)) === 'conflict') continue;
    const facts = { mood: desired.mood, spoons: derived.spoons, activity: derived.stress, persona, stateHash: hash, at: now };
    await requestAvatar({ kind: 'avatar', v: 1, thing, ...facts, ...(d.environment ? { environment: d.environment } : {}) }, deps);
    return true;
  }
  throw new Error(`the pet shadow of ${thing} kept conflicting with concurrent updates`);
}

/**
 * Asks the avatar function for the face of the state just written (only here: a pet write
 * happens only when the state hash or the persona changed, never on every batch). The
 * pet keeps its previous face when the request cannot be queued: that is logged, and the
 * batch is not failed for it.
 */
async function requestAvatar(req: AvatarRequest, deps: ReasoningDeps): Promise<void> {
  if (deps.avatars === undefined) return;
  try {
    await deps.avatars.request(req);
  } catch (e) {
    deps.logger.warn({ err: e, thing: req.thing, stateHash: req.stateHash }, 'avatar not requested; the pet keeps its face');
  }
}

function nextState(state: ReasoningState, batchId: string, p: Perceived, prediction: Prediction, hash: string, changed: boolean): ReasoningState & { decision: number } {
  const lastExerciseEndedAt = prediction.lastExerciseEndedAt ?? state.lastExerciseEndedAt;
  const lastRebuildAt = p.rebuiltAt ?? state.lastRebuildAt;
  return {
    decision: (state.decision ?? 0) + 1,
    minutes: p.minutes,
    recentBatches: [...state.recentBatches, batchId].slice(-RECENT_BATCHES),
    lastStateHash: hash,
    ...(lastExerciseEndedAt === undefined ? {} : { lastExerciseEndedAt }),
    ...(lastRebuildAt === undefined ? {} : { lastRebuildAt }),
    energy: { day: prediction.energy.day, spoons: prediction.energy.spoons, level: prediction.energy.level, updatedAt: prediction.energy.updatedAt },
    baseline: p.baseline,
    ...(state.coach === undefined ? {} : { coach: state.coach }),
    counters: {
      batches: state.counters.batches + 1,
      petWrites: state.counters.petWrites + (changed ? 1 : 0),
      storeQueries: state.counters.storeQueries + p.storeQueries,
    },
  };
}
