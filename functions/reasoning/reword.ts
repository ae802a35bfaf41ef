/**
 * A persona change re-words the pet at once instead of at the next state change. Rule
 * `reword_on_persona` hands the reasoning function `{ kind: 'persona', thing, persona }`
 * when the `config` shadow's desired persona changes. The state is not decided anew
 * from a batch: the last committed decision's window is predicted again, and when it
 * gives the same state (hash) the pet shows, the coach words that state in the new
 * persona (within the same budget; otherwise the deterministic coach in that persona).
 */
import { z } from 'zod';
import { PulsepetError } from '../../protocol/errors';
import { PERSONAS } from '../../protocol/shadows';
import { THING_NAME_RE } from '../../protocol/topics';
import { REASONING_SHADOW } from '../../protocol/topics';
import { derive, stateHash } from './decide';
import { dataTime, perceive, type ReasoningDeps, readState, writePet } from './reason';

export const PersonaEventSchema = z
  .object({ kind: z.literal('persona'), thing: z.string().regex(THING_NAME_RE), persona: z.enum(PERSONAS) })
  .strict();
export type PersonaEvent = z.infer<typeof PersonaEventSchema>;

export function isPersonaEvent(event: unknown): boolean {
  return typeof event === 'object' && event !== null && (event as { kind?: unknown }).kind === 'persona';
}

export interface RewordResult {
  thing: string;
  /** reworded: the pet speaks in the new persona; no-state: nothing decided yet; moved: the state changed since, the next batch words it; unchanged: already shown */
  outcome: 'reworded' | 'no-state' | 'moved' | 'unchanged';
}

export async function reword(event: unknown, deps: ReasoningDeps): Promise<RewordResult> {
  const parsed = PersonaEventSchema.safeParse(event);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'event'}: ${i.message}`);
    throw new PulsepetError('PP_ERR_VALIDATION', `invalid persona event: ${problems.join('; ')}`);
  }
  const { thing } = parsed.data;
  const stored = await deps.shadows.get(thing, REASONING_SHADOW);
  const state = readState(stored);
  if (stored === undefined || state.lastStateHash === undefined || state.minutes.length === 0) return { thing, outcome: 'no-state' };
  const now = dataTime(state.minutes, [], deps.now());
  const perceived = await perceive(thing, state, [], now, deps);
  const prediction = await deps.model.predict(perceived.features);
  const derived = derive(prediction);
  const hash = stateHash(derived);
  if (hash !== state.lastStateHash) return { thing, outcome: 'moved' };
  const written = await writePet(thing, prediction, { derived, hash, decision: state.decision ?? 0 }, now, deps);
  deps.logger.info({ thing, persona: parsed.data.persona, written }, 'persona change re-worded');
  return { thing, outcome: written ? 'reworded' : 'unchanged' };
}
