/**
 * The coach persona, shared by the pet coach (functions/reasoning) and the daily
 * explanation (functions/daily-summary): which one the wearer chose in the `config`
 * shadow, and the tone each one asks of the model.
 */
import { DeviceConfigSchema, type Persona } from '../../protocol/shadows';

/** A named shadow's two sides, as read with GetThingShadow (only what the persona needs). */
export interface PersonaShadowRead {
  desired?: Record<string, unknown>;
  reported?: Record<string, unknown>;
}

/** built once: zod compiles a schema on its first parse, and this one runs for every pet write */
const PartialConfigSchema = DeviceConfigSchema.partial();

/** The wearer's persona from the `config` shadow (desired wins over reported; encouraging by default). */
export function personaOf(config: PersonaShadowRead | undefined): Persona {
  for (const side of [config?.desired, config?.reported]) {
    const c = PartialConfigSchema.safeParse(side ?? {});
    if (c.success && c.data.persona) return c.data.persona;
  }
  return 'encouraging';
}

/** The system prompt's persona line: the tone of everything the model words for this wearer. */
export const PERSONA_PROMPTS: Readonly<Record<Persona, string>> = {
  strict: 'Persona: strict coach. Terse, factual, direct. Short imperative sentences, numbers where they help, no exclamation marks, no praise.',
  encouraging: 'Persona: encouraging friend. Warm, upbeat and kind, celebrates small wins, gentle when energy is low, never guilt-trips.',
};
