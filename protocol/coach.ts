import { z } from 'zod';
import { type Mood, MOODS, PERSONAS } from './shadows';

/**
 * The coach's contract: the `set_pet_state` tool an LLM coach is forced to call, the
 * coach's budget (in the server-only `reasoning` shadow) and its cache (in the
 * server-only `reasoning-coach` shadow). The tool's
 * JSON schema is generated from the zod schema here, and the same zod schema
 * validates the model's answer, so the two cannot drift apart.
 */

export const SET_PET_STATE_TOOL = 'set_pet_state';

/** The animations a pet display knows; the coach picks one that fits the mood. */
export const ANIMATIONS = ['idle', 'bounce', 'celebrate', 'breathe', 'stretch', 'yawn', 'sleep', 'droop', 'wobble'] as const;
export type Animation = (typeof ANIMATIONS)[number];

/**
 * The moods an LLM may choose for the mood the models decided: the same mood or a
 * softer wording of the same severity, never a different verdict (stressed stays
 * stressed; a calm pet may doze, a tired one may sleep).
 */
const MOOD_CHOICES: Record<Mood, readonly Mood[]> = {
  ecstatic: ['ecstatic', 'happy'],
  happy: ['happy', 'ecstatic'],
  calm: ['calm', 'sleeping'],
  tired: ['tired', 'sleeping'],
  stressed: ['stressed'],
  sick: ['sick'],
  sleeping: ['sleeping', 'calm'],
};

const ANIMATION_CHOICES: Record<Mood, readonly Animation[]> = {
  ecstatic: ['celebrate', 'bounce'],
  happy: ['bounce', 'idle', 'stretch'],
  calm: ['idle', 'breathe', 'stretch'],
  tired: ['yawn', 'droop', 'sleep'],
  stressed: ['breathe', 'wobble'],
  sick: ['droop', 'sleep'],
  sleeping: ['sleep', 'yawn'],
};

/** What the models allow the coach to choose for the decided mood. */
export interface CoachChoices {
  moods: readonly [Mood, ...Mood[]];
  animations: readonly [Animation, ...Animation[]];
}

export function coachChoices(mood: Mood): CoachChoices {
  return { moods: MOOD_CHOICES[mood] as CoachChoices['moods'], animations: ANIMATION_CHOICES[mood] as CoachChoices['animations'] };
}

/** The default animation for a mood (the deterministic coach's choice). */
export function defaultAnimation(mood: Mood): Animation {
  return ANIMATION_CHOICES[mood][0] as Animation;
}

export const MESSAGE_MAX = 280;
export const SUGGESTION_MAX = 140;

/** The `set_pet_state` tool input, narrowed to what the models allow for this state. */
export function setPetStateInputSchema(choices: CoachChoices) {
  return z
    .object({
      message: z.string().trim().min(1).max(MESSAGE_MAX).describe('What the pet says to the wearer: one or two short sentences in the persona.'),
      animation: z.enum(choices.animations).describe('How the pet moves while saying it.'),
      suggestion: z.string().trim().min(1).max(SUGGESTION_MAX).describe('One small concrete action about rest, activity or sleep; no diagnosis.'),
      mood: z.enum(choices.moods).optional().describe('Optional: the mood to show, only from these options.'),
    })
    .strict();
}
export type SetPetStateInput = z.infer<ReturnType<typeof setPetStateInputSchema>>;

/** Bedrock Converse's `toolSpec` for `set_pet_state` (its inputSchema generated from the zod schema). */
export function setPetStateToolSpec(choices: CoachChoices): { name: string; description: string; inputSchema: { json: Record<string, unknown> } } {
  const json = z.toJSONSchema(setPetStateInputSchema(choices), { io: 'input' }) as Record<string, unknown>;
  delete json.$schema;
  return {
    name: SET_PET_STATE_TOOL,
    description: "Set what the virtual pet says and how it moves. The pet's state is already decided; only word it.",
    inputSchema: { json },
  };
}

/**
 * The schema and tool spec for a decided mood, built once per mood (the JSON Schema
 * generation costs more than the rest of a coach request); callers must not change them.
 */
interface SetPetStateForMood {
  schema: ReturnType<typeof setPetStateInputSchema>;
  toolSpec: ReturnType<typeof setPetStateToolSpec>;
}
const perMood = new Map<Mood, SetPetStateForMood>();
export function setPetStateFor(mood: Mood): SetPetStateForMood {
  let entry = perMood.get(mood);
  if (entry === undefined) {
    const choices = coachChoices(mood);
    entry = { schema: setPetStateInputSchema(choices), toolSpec: setPetStateToolSpec(choices) };
    perMood.set(mood, entry);
  }
  return entry;
}

/** One cached coach answer: reused for the same (persona, stateHash) within the cache's lifetime. */
export const CoachCacheEntrySchema = z
  .object({
    persona: z.enum(PERSONAS),
    stateHash: z.string().max(64),
    at: z.number().int(),
    message: z.string().max(MESSAGE_MAX),
    animation: z.enum(ANIMATIONS).optional(),
    suggestion: z.string().max(SUGGESTION_MAX).optional(),
    mood: z.enum(MOODS).optional(),
  })
  .strict();
export type CoachCacheEntry = z.infer<typeof CoachCacheEntrySchema>;

/** How many answers the cache keeps per device (newest last): 4 × ~600 bytes at most. */
export const COACH_CACHE_SIZE = 4;

/** The `reasoning-coach` shadow's `reported`: the coach's last answers per device. */
export const CoachCacheSchema = z.object({ entries: z.array(CoachCacheEntrySchema).max(COACH_CACHE_SIZE) }).strict();
export type CoachCache = z.infer<typeof CoachCacheSchema>;

/**
 * The coach's budget per device, in the `reasoning` shadow (version-checked like the
 * rest of it, so it holds across cold starts and concurrent invocations): the LLM
 * calls of `day` (UTC), when the last one was made and how severe that state was.
 * About 90 bytes: the reasoning state stays far below the shadow's 8 KB.
 */
export const CoachBudgetSchema = z
  .object({
    day: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    calls: z.number().int().min(0),
    lastCallAt: z.number().int().optional(),
    lastSeverity: z.number().int().min(0).max(9).optional(),
    /** what the last LLM call worded, coarsely (mood, band, stress): spoons alone moving is not worth another call for a while */
    lastWorded: z.string().max(48).optional(),
  })
  .strict();
export type CoachBudget = z.infer<typeof CoachBudgetSchema>;

/** How bad a mood is, for "unless the state gets worse": higher is worse. */
export function moodSeverity(mood: Mood): number {
  switch (mood) {
    case 'ecstatic':
    case 'happy':
      return 0;
    case 'calm':
    case 'sleeping':
      return 1;
    case 'tired':
      return 2;
    case 'stressed':
    case 'sick':
      return 3;
  }
}
