/**
 * The pet's avatar: what decides how it looks (its visual inputs), the content hash
 * that names the image, the asynchronous request the reasoning function sends the avatar
 * function, and the default faces. The shadow side (`desired.avatar`, `reported.avatar`)
 * is in protocol/avatar-ref.ts; the PNG marks in protocol/avatar-png.ts.
 *
 * Visual inputs → hash: the inputs as JSON with keys in lexicographic order and no
 * whitespace (numbers as JSON numbers, strings as JSON strings), UTF-8, SHA-256, lower-case
 * hex. The image is `avatars/{hash}.png`: any pet with the same inputs shows the same
 * image, so a state seen before by any pet costs no generation.
 *
 * @example
 * avatarHash({ mood: 'tired', energyBand: 'low', scene: 'mountain', persona: 'strict', modelId: 'amazon.nova-canvas-v1:0', promptVersion: 1 })
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { z } from 'zod';
import { AVATAR_HASH_RE, avatarKey } from './avatar-ref';
import { MOODS, type Mood, PERSONAS, type Persona } from './shadows';
import { ContextSchema, type TelemetryContext } from './telemetry/schemas';
import { THING_NAME_RE } from './topics';

export { AVATAR_HASH_RE, AVATAR_KEY_PREFIX, AVATAR_URL_MAX, type AvatarRef, AvatarRefSchema, type AvatarShown, AvatarShownSchema, avatarKey } from './avatar-ref';

/** The version of the image prompt (functions/avatar/prompt.ts): a new wording is a new image. */
export const AVATAR_PROMPT_VERSION = 1;

/**
 * The default image model: Amazon Nova Canvas on Bedrock (`InvokeModel`, task
 * TEXT_IMAGE). AWS lists it as a legacy model with an end-of-life date; a deployment sets
 * its own with PULSEPET_AVATAR_MODEL_ID (any model taking the same request body, e.g.
 * `amazon.titan-image-generator-v2:0`). The model id is a visual input, so a new model
 * never reuses another model's images.
 */
export const AVATAR_DEFAULT_MODEL_ID = 'amazon.nova-canvas-v1:0';

/** The energy budget (spoons, 0–12) in four bands; only a band change changes the face. */
export const ENERGY_BANDS = ['empty', 'low', 'steady', 'full'] as const;
export type EnergyBand = (typeof ENERGY_BANDS)[number];

/** Where the pet is drawn, from the phone's context and the activity. */
export const SCENES = ['home', 'rain', 'snow', 'mountain', 'workout', 'ride', 'heat', 'cold'] as const;
export type Scene = (typeof SCENES)[number];

/** The activity the models saw (the `pet` shadow's `stress`). */
export const ACTIVITIES = ['rest', 'exercise', 'stress', 'unknown'] as const;
export type Activity = (typeof ACTIVITIES)[number];

/** 0–2 spoons empty, 3–5 low, 6–8 steady, 9–12 full. */
export function energyBandOf(spoons: number): EnergyBand {
  if (spoons <= 2) return 'empty';
  if (spoons <= 5) return 'low';
  if (spoons <= 8) return 'steady';
  return 'full';
}

/**
 * Altitude from which a scene is "mountain": 1,500 m, where the Wilderness Medical
 * Society's "high altitude" (1,500–3,500 m) begins.
 */
export const MOUNTAIN_ALTITUDE_M = 1500;
/** Exercise at this speed or more is a ride (running paces stay under it). */
export const RIDE_SPEED_KMH = 18;
export const HEAT_C = 30;
export const COLD_C = 0;

const RAIN = /\b(rain|rainy|drizzle|shower|showers|storm|thunder|thunderstorm)\b/i;
const SNOW = /\b(snow|snowy|sleet|hail|blizzard)\b/i;

/**
 * The scene for the phone's context and the activity, most visible first: snow or rain
 * (the weather), the mountains (altitude), a ride or a workout (exercise, by speed), heat
 * or cold (ambient temperature), else home.
 */
export function sceneOf(environment: TelemetryContext | undefined, activity: Activity | undefined): Scene {
  const e = environment ?? {};
  if (e.weather !== undefined && SNOW.test(e.weather)) return 'snow';
  if (e.weather !== undefined && RAIN.test(e.weather)) return 'rain';
  if (e.altitudeM !== undefined && e.altitudeM >= MOUNTAIN_ALTITUDE_M) return 'mountain';
  if (activity === 'exercise') return (e.speedKmh ?? 0) >= RIDE_SPEED_KMH ? 'ride' : 'workout';
  if (e.ambientTempC !== undefined && e.ambientTempC >= HEAT_C) return 'heat';
  if (e.ambientTempC !== undefined && e.ambientTempC <= COLD_C) return 'cold';
  return 'home';
}

/** Everything that decides how the avatar looks, and nothing else (no time, no thing). */
export const AvatarVisualInputsSchema = z
  .object({
    mood: z.enum(MOODS),
    energyBand: z.enum(ENERGY_BANDS),
    scene: z.enum(SCENES),
    persona: z.enum(PERSONAS),
    modelId: z.string().min(1).max(2048),
    promptVersion: z.number().int().min(1),
  })
  .strict();
export type AvatarVisualInputs = z.infer<typeof AvatarVisualInputsSchema>;

/** The canonical serialization: JSON, keys in lexicographic order, no whitespace. */
export function canonicalVisualInputs(v: AvatarVisualInputs): string {
  const parsed = AvatarVisualInputsSchema.parse(v);
  const entries = Object.entries(parsed).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, val]) => `${JSON.stringify(k)}:${JSON.stringify(val)}`).join(',')}}`;
}

/** SHA-256 (lower-case hex) of the canonical serialization: the avatar's name. */
export function avatarHash(v: AvatarVisualInputs): string {
  const h = new Sha256();
  h.update(new TextEncoder().encode(canonicalVisualInputs(v)));
  return Array.from(h.digestSync(), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** The visual inputs of a pet state for an image model. */
export function visualInputsOf(
  state: { mood: Mood; spoons: number; activity?: Activity; persona: Persona; environment?: TelemetryContext },
  modelId: string,
): AvatarVisualInputs {
  return {
    mood: state.mood,
    energyBand: energyBandOf(state.spoons),
    scene: sceneOf(state.environment, state.activity),
    persona: state.persona,
    modelId,
    promptVersion: AVATAR_PROMPT_VERSION,
  };
}

/**
 * The "model" of the default faces: drawn by pulsepet itself (protocol/pet-drawing.ts),
 * bundled with the avatar function, stored once each. The version changes with the drawing.
 */
export const DEFAULT_FACE_MODEL_ID = 'pulsepet-default-face-v1';

/** The visual inputs of a mood's default face (shown while no generated avatar is available). */
export function defaultFaceInputs(mood: Mood): AvatarVisualInputs {
  return { mood, energyBand: 'steady', scene: 'home', persona: 'encouraging', modelId: DEFAULT_FACE_MODEL_ID, promptVersion: AVATAR_PROMPT_VERSION };
}

/** The default face of a mood: its hash and key. */
export function defaultFace(mood: Mood): { hash: string; key: string } {
  const hash = avatarHash(defaultFaceInputs(mood));
  return { hash, key: avatarKey(hash) };
}

/**
 * The avatar function's event (Lambda `Invoke`, `InvocationType: Event`), sent by the
 * reasoning function after it wrote a new state to the `pet` shadow. `stateHash` and
 * `persona` are what the pet showed then: the avatar is written only while the pet still
 * shows them (a later state is never overwritten by an older one's image).
 */
export const AvatarRequestSchema = z
  .object({
    kind: z.literal('avatar'),
    v: z.literal(1),
    thing: z.string().regex(THING_NAME_RE),
    stateHash: z.string().min(1).max(64),
    mood: z.enum(MOODS),
    spoons: z.number().min(0).max(12),
    activity: z.enum(ACTIVITIES).optional(),
    persona: z.enum(PERSONAS),
    environment: ContextSchema.optional(),
    /** data time of the state (epoch ms) */
    at: z.number().int(),
  })
  .strict();
export type AvatarRequest = z.infer<typeof AvatarRequestSchema>;

/** True for a hash-shaped string (64 lower-case hex digits). */
export function isAvatarHash(s: unknown): s is string {
  return typeof s === 'string' && AVATAR_HASH_RE.test(s);
}
