import { z } from 'zod';

/** `pet` named shadow state: what the virtual pet should feel and say. */
export const PetStateSchema = z
  .object({
    mood: z.enum(['ecstatic', 'happy', 'calm', 'tired', 'stressed', 'sick', 'sleeping']),
    energy: z.number().min(0).max(1),
    message: z.string().max(280),
    band: z.enum(['low', 'normal', 'high']).optional(),
    stress: z.enum(['rest', 'exercise', 'stress', 'unknown']).optional(),
    spoons: z.number().int().min(0).max(12).optional(),
    persona: z.enum(['strict', 'encouraging']).optional(),
    source: z.enum(['llm', 'deterministic']).optional(),
    stateHash: z.string().max(64).optional(),
    updatedAt: z.number().int().optional(),
  })
  .strict();
export type PetState = z.infer<typeof PetStateSchema>;

/** `config` named shadow state: settings operators and users change. */
export const DeviceConfigSchema = z
  .object({
    sampleIntervalMs: z.number().int().min(100).max(3_600_000),
    batchIntervalMs: z.number().int().min(1_000).max(3_600_000),
    batchMaxSamples: z.number().int().min(1).max(600),
    persona: z.enum(['strict', 'encouraging']),
    units: z.enum(['metric', 'imperial']),
  })
  .partial()
  .strict();
export type DeviceConfig = z.infer<typeof DeviceConfigSchema>;
