import type { AvatarRequest } from '../../protocol/avatar';
import type { Baseline, FeatureVector, MinuteAggregate, Prediction } from '../../protocol/models';
import type { Animation } from '../../protocol/coach';
import type { Mood, Persona } from '../../protocol/shadows';
import type { TelemetryContext } from '../../protocol/telemetry/schemas';

/** A named shadow's state as read: what is in `desired` and `reported`, and its version. */
export interface ShadowRead {
  desired?: Record<string, unknown>;
  reported?: Record<string, unknown>;
  version: number;
}

/** The shadows the loop reads and writes (client-iot-data-plane in both modes). */
export interface ShadowPort {
  /** undefined when the shadow does not exist yet */
  get(thing: string, shadowName: string): Promise<ShadowRead | undefined>;
  /**
   * Updates with optimistic concurrency: `expectedVersion` undefined creates or
   * overwrites; returns the new version, or 'conflict' when the version moved (409).
   */
  update(thing: string, shadowName: string, state: { desired?: unknown; reported?: unknown }, expectedVersion?: number): Promise<number | 'conflict'>;
}

/** The models: in-process, or a SageMaker endpoint with the same feature vector and scores. */
export interface ModelPort {
  predict(features: FeatureVector): Promise<Prediction>;
}

/** Recent per-minute aggregates from the `telemetry` table, to rebuild the window after a gap. */
export interface WindowPort {
  /** the minutes with samples in [fromMs, toMs), oldest first */
  recentMinutes(thing: string, fromMs: number, toMs: number): Promise<MinuteAggregate[]>;
}

/** The wearer's baseline from the `daily` table (client-timestream-query). */
export interface BaselinePort {
  baseline(thing: string, now: number): Promise<Baseline>;
}

/** What the coach is told: the decided state and the facts behind it. */
export interface CoachInput {
  thing: string;
  persona: Persona;
  prediction: Prediction;
  /** the mood the models decided */
  mood: Mood;
  /** the derived state's hash (the cache key, with the persona) */
  stateHash: string;
  /** the moment the state is judged at (data time): budget days and intervals count in it */
  now: number;
  /** the phone's context of the batch that changed the state (altitude, temperature, speed, weather) */
  environment?: TelemetryContext;
  /** the previous message, so the coach does not repeat itself */
  lastMessage?: string;
}

/** What the pet says: who worded it, and the optional animation, suggestion and mood nuance. */
export interface CoachWords {
  message: string;
  source: 'llm' | 'cached' | 'deterministic';
  animation?: Animation;
  suggestion?: string;
  /** a mood the models allow for this state (protocol/coach.ts coachChoices); absent → the decided mood */
  mood?: Mood;
}

/** Who words the pet's message. The models decide the state; the coach only words it. */
export interface Coach {
  speak(input: CoachInput): Promise<CoachWords>;
}

/**
 * The avatar function, asked for the pet's face after a state change (Lambda `Invoke`,
 * `InvocationType: Event`): resolves once Lambda has queued the request.
 */
export interface AvatarPort {
  request(req: AvatarRequest): Promise<void>;
}
