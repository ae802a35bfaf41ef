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

/**
 * One side of a shadow as the display keeps it: the parsed state, or why it could not be
 * read, with its version; `changedAt` is when IoT Core last wrote that side (ms, from the
 * document's metadata), which can differ from the time of the data the state was judged from.
 */
export type ShadowRead<T> = { ok: true; state: T; version: number; changedAt?: number } | { ok: false; error: string; version: number };

const SidesSchema = z.object({ desired: z.unknown().optional(), reported: z.unknown().optional() }).loose();
const DocumentSchema = z.object({
  state: SidesSchema.optional(),
  metadata: SidesSchema.optional().catch(undefined),
  version: z.number().int().min(0),
});
type ShadowDocument = z.infer<typeof DocumentSchema>;

/**
 * The latest `timestamp` (epoch seconds, as IoT Core writes each metadata leaf) in one
 * side's metadata tree, in ms; undefined when the tree has none. Nesting is bounded by
 * the shadow's own depth limit, so the walk is too.
 */
export function latestChange(meta: unknown, depth = 0): number | undefined {
  if (depth > 10 || meta === null || typeof meta !== 'object') return undefined;
  let latest: number | undefined;
  for (const [k, v] of Object.entries(meta)) {
    const t = k === 'timestamp' && typeof v === 'number' && Number.isFinite(v) && v > 0 ? v * 1000 : latestChange(v, depth + 1);
    if (t !== undefined && (latest === undefined || t > latest)) latest = t;
  }
  return latest;
}

function withChange<T>(read: { ok: true; state: T; version: number }, meta: unknown): ShadowRead<T> {
  const changedAt = latestChange(meta);
  return changedAt === undefined ? read : { ...read, changedAt };
}
const DocumentsMessageSchema = z.object({ current: DocumentSchema, previous: DocumentSchema.nullable().optional(), timestamp: z.number().optional() }).loose();

function describe(e: z.ZodError): string {
  return e.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}

export function readPet(doc: ShadowDocument): ShadowRead<PetState> {
  const parsed = PetReadSchema.safeParse(doc.state?.desired);
  return parsed.success
    ? withChange({ ok: true, state: parsed.data, version: doc.version }, doc.metadata?.desired)
    : { ok: false, error: describe(parsed.error), version: doc.version };
}

export function readDaily(doc: ShadowDocument): ShadowRead<DailyView> {
  const parsed = DailyReadSchema.safeParse(doc.state?.reported ?? {});
  return parsed.success
    ? withChange({ ok: true, state: parsed.data as DailyView, version: doc.version }, doc.metadata?.reported)
    : { ok: false, error: describe(parsed.error), version: doc.version };
}

/** A GetThingShadow payload (UTF-8 JSON) as a document, or an error naming what is wrong. */
export function parseShadowPayload(payload: Uint8Array): ShadowDocument | { error: string } {
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
