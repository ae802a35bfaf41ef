import { z } from 'zod';
import { AvatarRefSchema } from '../../protocol/avatar-ref';
import { type DailyShadowState, DailyShadowStateSchema } from '../../protocol/daily';
import { type PetState, PetStateSchema } from '../../protocol/shadows';
import { parseShadowTopic } from '../../protocol/topics';

/**
 * Reading the shadows the display may read — `pet` (desired, written by reasoning) and
 * `daily` (reported, written by the daily summary) — from GetThingShadow answers and
 * from `update/documents` messages. Keys a newer writer adds are kept, not refused: an
 * older page should still show what it knows.
 */

/** A malformed `avatar` is dropped (the SVG pet shows), not a reason to refuse the whole state. */
const PetReadSchema = PetStateSchema.extend({ avatar: AvatarRefSchema.optional().catch(undefined) }).loose();
/** The daily explanation (text and who worded it) travels in the same document when the day has one. */
const DailyReadSchema = DailyShadowStateSchema.partial()
  .extend({ explanation: z.string().max(600).optional(), explanationSource: z.enum(['llm', 'deterministic']).optional() })
  .loose();

export type DailyView = Partial<DailyShadowState> & { explanation?: string; explanationSource?: 'llm' | 'deterministic' };

/** One side of a shadow as the display keeps it: the parsed state, or why it could not be read, with its version. */
export type ShadowRead<T> = { ok: true; state: T; version: number } | { ok: false; error: string; version: number };

const DocumentSchema = z.object({
  state: z.object({ desired: z.unknown().optional(), reported: z.unknown().optional() }).loose().optional(),
  version: z.number().int().min(0),
});
const DocumentsMessageSchema = z.object({ current: DocumentSchema, previous: DocumentSchema.nullable().optional(), timestamp: z.number().optional() }).loose();

function describe(e: z.ZodError): string {
  return e.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}

export function readPet(doc: z.infer<typeof DocumentSchema>): ShadowRead<PetState> {
  const parsed = PetReadSchema.safeParse(doc.state?.desired);
  return parsed.success ? { ok: true, state: parsed.data, version: doc.version } : { ok: false, error: describe(parsed.error), version: doc.version };
}

export function readDaily(doc: z.infer<typeof DocumentSchema>): ShadowRead<DailyView> {
  const parsed = DailyReadSchema.safeParse(doc.state?.reported ?? {});
  return parsed.success ? { ok: true, state: parsed.data as DailyView, version: doc.version } : { ok: false, error: describe(parsed.error), version: doc.version };
}

/** A GetThingShadow payload (UTF-8 JSON) as a document, or an error naming what is wrong. */
export function parseShadowPayload(payload: Uint8Array): z.infer<typeof DocumentSchema> | { error: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(payload));
  } catch {
    return { error: 'the shadow document is not JSON' };
  }
  const doc = DocumentSchema.safeParse(raw);
  return doc.success ? doc.data : { error: describe(doc.error) };
}

/** A live change: which thing's which shadow, and its current document. */
export type ShadowChange =
  | { thing: string; shadow: 'pet'; read: ShadowRead<PetState> }
  | { thing: string; shadow: 'daily'; read: ShadowRead<DailyView> };

/**
 * An `update/documents` message of a `pet` or `daily` shadow as a change; undefined for
 * any other topic. A malformed payload is a change whose read failed (shown, not thrown).
 */
export function shadowChangeOf(topic: string, payload: Uint8Array): ShadowChange | undefined {
  const t = parseShadowTopic(topic);
  if (t?.op !== 'update' || t.suffix !== 'documents' || (t.name !== 'pet' && t.name !== 'daily')) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(payload));
  } catch {
    return { thing: t.thing, shadow: t.name, read: { ok: false, error: 'the documents message is not JSON', version: -1 } };
  }
  const msg = DocumentsMessageSchema.safeParse(raw);
  if (!msg.success) return { thing: t.thing, shadow: t.name, read: { ok: false, error: describe(msg.error), version: -1 } };
  return t.name === 'pet' ? { thing: t.thing, shadow: 'pet', read: readPet(msg.data.current) } : { thing: t.thing, shadow: 'daily', read: readDaily(msg.data.current) };
}
