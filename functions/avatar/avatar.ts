/**
 * The avatar step for one request from the reasoning function, in plain steps:
 * 1. the pet must still show the state the request is for (`stateHash`, `persona`),
 *    else nothing is done (`superseded`): an older state's image never replaces a newer one's;
 * 2. the visual inputs → their hash → `avatars/{hash}.png`; an object already there (any
 *    pet's) is a `cache_hit` and costs no generation;
 * 3. otherwise one image from the model (retries within the deadline), marked with its
 *    hash (PNG tEXt) and stored once (`generated`);
 * 4. the pet shadow's `desired.avatar` = `{key, url, hash}`, with the pet's version and
 *    only while it still shows that state.
 * When the model gives no image (`fallback`) the pet keeps the avatar it has, or, when it
 * has none (or only another mood's default face), gets its mood's default face, bundled
 * with the function and stored once. A failure another attempt may cure is then thrown,
 * so Lambda's asynchronous retries try again; a final one (content filtered) is not.
 */
import type { Logger } from '../../common/logger';
import { type AvatarRef, AvatarRefSchema, type AvatarRequest, AvatarRequestSchema, avatarHash, avatarKey, defaultFace, visualInputsOf } from '../../protocol/avatar';
import { AVATAR_HASH_TEXT_KEY, withPngText } from '../../protocol/avatar-png';
import { PulsepetError } from '../../protocol/errors';
import { MOODS, type Mood } from '../../protocol/shadows';
import { PET_SHADOW } from '../../protocol/topics';
import type { ShadowPort, ShadowRead } from '../reasoning/ports';
import type { EmfSink } from '../shared/emf';
import { emitAvatarMetric } from './metrics';
import { ImageFailure, type ImageModel, type ImageStore } from './ports';

export interface AvatarDeps {
  shadows: ShadowPort;
  images: ImageStore;
  model: ImageModel;
  /** the bundled default face of a mood: a PNG marked with its hash */
  defaultFacePng(mood: Mood): Uint8Array;
  logger: Logger;
  metrics: EmfSink;
  now: () => number;
}

/** Where the image came from: made now, found stored, a fallback face; or nothing done (the pet moved on). */
export type AvatarOutcome = 'generated' | 'cache_hit' | 'fallback' | 'superseded';

export interface AvatarResult {
  thing: string;
  outcome: AvatarOutcome;
  /** the avatar the pet shows after this invocation (when known) */
  hash?: string;
  /** images the model generated (and were paid for) */
  images: number;
  /** the pet's desired.avatar: written, already so, or left because the pet moved on */
  shadow: 'written' | 'unchanged' | 'superseded';
  /** why the model gave no image */
  reason?: string;
  /** which face a fallback left the pet with */
  kept?: 'previous' | 'default';
}

const MAX_WRITE_ATTEMPTS = 5;
const DEFAULT_FACE_HASHES: ReadonlySet<string> = new Set(MOODS.map((m) => defaultFace(m).hash));

export function parseAvatarRequest(event: unknown): AvatarRequest {
  const r = AvatarRequestSchema.safeParse(event);
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) => `${i.path.join('.') || 'event'}: ${i.message}`);
  throw new PulsepetError('PP_ERR_VALIDATION', `invalid avatar request: ${problems.join('; ')}`, { details: { problems } });
}

/** The pet still shows the state the request is for. */
function shows(pet: ShadowRead | undefined, req: AvatarRequest): boolean {
  const d = pet?.desired;
  return d !== undefined && d.stateHash === req.stateHash && (d.persona === undefined || d.persona === req.persona);
}

/** Handles one avatar request (the Lambda event). */
export async function avatar(event: unknown, deps: AvatarDeps): Promise<AvatarResult> {
  const req = parseAvatarRequest(event);
  const started = deps.now();
  const finish = (r: AvatarResult): AvatarResult => {
    emitAvatarMetric(deps.metrics, r, deps.model.modelId, deps.now() - started);
    deps.logger.info({ thing: r.thing, outcome: r.outcome, hash: r.hash, shadow: r.shadow, reason: r.reason, kept: r.kept }, 'avatar');
    return r;
  };
  const pet = await deps.shadows.get(req.thing, PET_SHADOW);
  if (!shows(pet, req)) return finish({ thing: req.thing, outcome: 'superseded', images: 0, shadow: 'superseded' });
  const inputs = visualInputsOf(req, deps.model.modelId);
  const hash = avatarHash(inputs);
  const key = avatarKey(hash);
  let outcome: AvatarOutcome = 'cache_hit';
  if (!(await deps.images.exists(key))) {
    try {
      const { png } = await deps.model.generate(inputs, hash);
      const meta = { 'avatar-hash': hash, 'model-id': inputs.modelId, 'prompt-version': String(inputs.promptVersion) };
      await deps.images.put(key, withPngText(png, { [AVATAR_HASH_TEXT_KEY]: hash }), meta);
      outcome = 'generated';
    } catch (e) {
      if (!(e instanceof ImageFailure)) throw e;
      const r = finish(await fallBack(req, pet, e, deps));
      if (!e.retryable) return r;
      throw new PulsepetError('PP_ERR_TRANSPORT', `no avatar for ${req.thing} (${e.message}); the ${r.kept} face stays, Lambda retries`, { cause: e, retryable: true });
    }
  }
  const shadow = await writeAvatar(req, { key, url: await deps.images.url(key), hash }, pet, deps);
  return finish({ thing: req.thing, outcome, hash, images: outcome === 'generated' ? 1 : 0, shadow });
}

/** The pet keeps a generated avatar it has; otherwise it gets its mood's default face. */
async function fallBack(req: AvatarRequest, pet: ShadowRead | undefined, failure: ImageFailure, deps: AvatarDeps): Promise<AvatarResult> {
  const base = { thing: req.thing, outcome: 'fallback' as const, images: 0, reason: failure.reason };
  const previous = AvatarRefSchema.safeParse(pet?.desired?.avatar);
  if (previous.success && !DEFAULT_FACE_HASHES.has(previous.data.hash)) return { ...base, hash: previous.data.hash, shadow: 'unchanged', kept: 'previous' };
  const face = defaultFace(req.mood);
  if (!(await deps.images.exists(face.key))) await deps.images.put(face.key, deps.defaultFacePng(req.mood), { 'avatar-hash': face.hash, 'default-face': req.mood });
  const shadow = await writeAvatar(req, { key: face.key, url: await deps.images.url(face.key), hash: face.hash }, pet, deps);
  return { ...base, hash: face.hash, shadow, kept: 'default' };
}

/**
 * Epoch ms at which a presigned URL stops working (`X-Amz-Date` + `X-Amz-Expires`), or
 * undefined for a URL that is not presigned.
 */
export function presignedExpiry(url: string): { at: number; ttlMs: number } | undefined {
  let q: URLSearchParams;
  try {
    q = new URL(url).searchParams;
  } catch {
    return undefined;
  }
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(q.get('X-Amz-Date') ?? '');
  const ttl = Number(q.get('X-Amz-Expires'));
  if (m === null || !Number.isFinite(ttl)) return undefined;
  const signed = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  return { at: signed + ttl * 1000, ttlMs: ttl * 1000 };
}

/** The pet already shows this avatar with a URL that has more than half its life left. */
function alreadyShown(pet: ShadowRead, ref: AvatarRef, now: number): boolean {
  const current = AvatarRefSchema.safeParse(pet.desired?.avatar);
  if (!current.success || current.data.hash !== ref.hash) return false;
  const expiry = presignedExpiry(current.data.url);
  return expiry === undefined || expiry.at - now > expiry.ttlMs / 2;
}

/** desired.avatar = ref, with the pet's version, while the pet shows the request's state. */
async function writeAvatar(req: AvatarRequest, ref: AvatarRef, first: ShadowRead | undefined, deps: AvatarDeps): Promise<AvatarResult['shadow']> {
  let pet = first;
  for (let attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
    if (attempt > 1) pet = await deps.shadows.get(req.thing, PET_SHADOW);
    if (pet === undefined || !shows(pet, req)) return 'superseded';
    if (alreadyShown(pet, ref, deps.now())) return 'unchanged';
    const v = await deps.shadows.update(req.thing, PET_SHADOW, { desired: { avatar: ref } }, pet.version);
    if (v !== 'conflict') return 'written';
  }
  throw new PulsepetError('PP_ERR_CONFLICT', `the pet shadow of ${req.thing} kept conflicting with concurrent updates`, { retryable: true });
}
