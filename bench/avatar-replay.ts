/**
 * The avatar bench's replays (bench/avatar-images.ts): simulated device-days through the
 * real `reason()` loop (bench/coach-replay.ts) recording every avatar request the loop
 * makes, and those requests run through the real `avatar()` step of pulsepet-avatar with
 * an in-memory pet shadow (written as the reasoning function writes it, just before the
 * request), an in-memory image store (none, one per device, or one for the fleet) and a
 * counting image model. Nothing here asserts; the bench prints what it counts.
 */
import { silentLogger } from '../common/logger';
import type { AvatarRequest } from '../protocol/avatar';
import { PET_SHADOW } from '../protocol/topics';
import { type AvatarPort, type AvatarResult, avatar, bundledDefaultFace, type CoachLimits, type ImageModel, type ImageStore, utcDay } from '../functions/index';
import { replayFleet } from './coach-figures';
import { countingLlm, FIRST_DAY, memoryShadows } from './coach-replay';

/** One device-day's avatar requests, in the order the loop made them. */
export interface RequestDay {
  device: string;
  plan: string;
  /** 0 for the first simulated day */
  dayIndex: number;
  batches: number;
  requests: AvatarRequest[];
}

const DAY_MS = 86_400_000;

/** Every plan × wearer × seed replayed for `days` days (bench/coach-figures.ts replayFleet); the requests of each device-day. */
export async function replayRequests(o: { seeds: number; days: number; stepMs: number; limits: CoachLimits }): Promise<RequestDay[]> {
  const seen = new Map<string, AvatarRequest[]>();
  const avatars: AvatarPort = {
    async request(r) {
      const key = `${r.thing}#${utcDay(r.at)}`;
      seen.set(key, [...(seen.get(key) ?? []), r]);
    },
  };
  const days = await replayFleet({ ...o, llm: countingLlm, avatars });
  return days.map((d) => {
    // replayDevice names its thing coach-{plan}-{wearer}-{seed}
    const device = `coach-${d.plan}-${d.wearer}-${d.seed}`;
    const dayIndex = Math.round((Date.parse(`${d.day}T00:00:00Z`) - FIRST_DAY) / DAY_MS);
    return { device, plan: d.plan, dayIndex, batches: d.batches, requests: seen.get(`${device}#${d.day}`) ?? [] };
  });
}

/** An image store in memory: the bytes are not kept, only which keys exist. */
export function memoryImageStore(): ImageStore & { keys: Set<string> } {
  const keys = new Set<string>();
  return {
    keys,
    exists: async (key) => keys.has(key),
    async put(key) {
      if (keys.has(key)) return 'exists';
      keys.add(key);
      return 'stored';
    },
    url: async (key) => `https://avatars.bench.invalid/${key}`,
  };
}

/** The no-cache baseline: nothing is ever found, every request generates. */
export function noImageStore(): ImageStore {
  return { exists: async () => false, put: async () => 'stored', url: async (key) => `https://avatars.bench.invalid/${key}` };
}

/** An image model that answers at once (a default face as the "image") and counts its calls. */
export function countingImageModel(modelId: string): ImageModel & { calls: number } {
  const model = {
    modelId,
    calls: 0,
    async generate(inputs: { mood: Parameters<typeof bundledDefaultFace>[0] }) {
      model.calls++;
      return { png: bundledDefaultFace(inputs.mood), attempts: 1 };
    },
  };
  return model;
}

/** What the avatar step did for one device-day. */
export interface AvatarDay {
  device: string;
  plan: string;
  dayIndex: number;
  requests: number;
  generated: number;
  cacheHits: number;
  fallbacks: number;
  superseded: number;
}

/**
 * Runs the requests (all device-days, merged in time order) through `avatar()`, with the
 * image store `storeFor(device)` gives; before each request the pet shadow is written
 * with the state the request is for, as the reasoning function writes it.
 */
export async function runAvatars(days: readonly RequestDay[], storeFor: (device: string) => ImageStore, modelId: string): Promise<AvatarDay[]> {
  const tallies = new Map<string, AvatarDay>();
  const key = (d: { device: string; dayIndex: number }) => `${d.device}#${d.dayIndex}`;
  for (const d of days) tallies.set(key(d), { device: d.device, plan: d.plan, dayIndex: d.dayIndex, requests: 0, generated: 0, cacheHits: 0, fallbacks: 0, superseded: 0 });
  const queue = days.flatMap((d) => d.requests.map((req) => ({ req, tally: tallies.get(key(d)) as AvatarDay })));
  queue.sort((a, b) => a.req.at - b.req.at);
  const shadows = memoryShadows();
  const model = countingImageModel(modelId);
  for (const { req, tally } of queue) {
    await shadows.update(req.thing, PET_SHADOW, { desired: { mood: req.mood, energy: req.spoons / 12, message: '-', persona: req.persona, stateHash: req.stateHash } });
    const r: AvatarResult = await avatar(req, { shadows, images: storeFor(req.thing), model, defaultFacePng: bundledDefaultFace, logger: silentLogger(), metrics: () => {}, now: () => req.at });
    tally.requests++;
    tally.generated += r.images;
    if (r.outcome === 'cache_hit') tally.cacheHits++;
    else if (r.outcome === 'fallback') tally.fallbacks++;
    else if (r.outcome === 'superseded') tally.superseded++;
  }
  return [...tallies.values()];
}

/** Weather the body generators do not make: one per device-day, seeded (an assumption the output states). */
export const WEATHER_MIX: ReadonlyArray<{ weather: string; share: number }> = [
  { weather: 'clear', share: 0.55 },
  { weather: 'overcast', share: 0.2 },
  { weather: 'light rain', share: 0.2 },
  { weather: 'snow', share: 0.05 },
];

/** The weather of the mix at `u` in [0, 1). */
export function weatherAt(u: number): string {
  let acc = 0;
  for (const w of WEATHER_MIX) {
    acc += w.share;
    if (u < acc) return w.weather;
  }
  return WEATHER_MIX[WEATHER_MIX.length - 1]?.weather ?? 'clear';
}
