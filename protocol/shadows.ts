import { z } from 'zod';
import { AvatarRefSchema } from './avatar-ref';

export const MOODS = ['ecstatic', 'happy', 'calm', 'tired', 'stressed', 'sick', 'sleeping'] as const;
export type Mood = (typeof MOODS)[number];
export const PERSONAS = ['strict', 'encouraging'] as const;
export type Persona = (typeof PERSONAS)[number];

/** One reason the pet feels as it does: a model input against the wearer's own normal. */
export const PetContributorSchema = z
  .object({
    name: z.string().max(40),
    /** signed points it moved the readiness score */
    effect: z.number(),
    value: z.number().nullable(),
    baseline: z.number().nullable(),
    unit: z.string().max(12).optional(),
  })
  .strict();

/**
 * `pet` named shadow state: what the virtual pet should feel and say, written to
 * `desired` by the reasoning function (kept well under the 8 KB shadow limit: at most
 * three contributors, short strings).
 */
export const PetStateSchema = z
  .object({
    mood: z.enum(MOODS),
    energy: z.number().min(0).max(1),
    message: z.string().max(280),
    band: z.enum(['low', 'normal', 'high']).optional(),
    stress: z.enum(['rest', 'exercise', 'stress', 'unknown']).optional(),
    /** stress level 0–100 (Garmin's scale) */
    stressLevel: z.number().int().min(0).max(100).optional(),
    spoons: z.number().int().min(0).max(12).optional(),
    /** readiness score and the inputs that moved it most */
    readiness: z.object({ score: z.number().int().min(0).max(100), top: z.array(PetContributorSchema).max(3) }).strict().optional(),
    /** true while the wearer has under three days of history (population priors, no trends) */
    calibrating: z.boolean().optional(),
    persona: z.enum(PERSONAS).optional(),
    /** who worded the message: the LLM coach, a cached answer of it, or the deterministic coach */
    source: z.enum(['llm', 'cached', 'deterministic']).optional(),
    animation: z.string().max(32).optional(),
    suggestion: z.string().max(140).optional(),
    /** hash of the derived state (not of the message or the time): a write happens only when it changes */
    stateHash: z.string().max(64).optional(),
    /** the reasoning decision this state comes from: a write never replaces a later decision's */
    decision: z.number().int().min(0).optional(),
    updatedAt: z.number().int().optional(),
    /** the pet's face: written by the avatar function (protocol/avatar-ref.ts), kept across state writes */
    avatar: AvatarRefSchema.optional(),
  })
  .strict();
export type PetState = z.infer<typeof PetStateSchema>;

/** `config` named shadow state: settings operators and users change. */
export const DeviceConfigSchema = z
  .object({
    sampleIntervalMs: z.number().int().min(100).max(3_600_000),
    batchIntervalMs: z.number().int().min(1_000).max(3_600_000),
    batchMaxSamples: z.number().int().min(1).max(600),
    persona: z.enum(PERSONAS),
    units: z.enum(['metric', 'imperial']),
  })
  .partial()
  .strict();
export type DeviceConfig = z.infer<typeof DeviceConfigSchema>;
