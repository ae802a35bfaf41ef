/**
 * How many avatar images the pet costs (issue 18: goal ≤ 3 generated images per
 * device-day once the cache is warm, fewer as the fleet grows). Every scenario of the
 * evaluation's generators and the composed ordinary day, made into whole UTC days for
 * every wearer, replayed batch by batch through the real `reason()` loop (bench/coach-calls.ts'
 * method), which asks for an avatar after each pet write; those requests then go through
 * the real `avatar()` step of pulsepet-avatar (in memory, bench/avatar-replay.ts) three
 * ways, in the same run:
 *   - no cache: every request generates (the baseline);
 *   - a cache per device: a pet reuses only its own earlier images;
 *   - the content-addressed cache: `avatars/{hash}.png` shared by the whole fleet.
 * Then a simulated 1,000-device day (built from the replayed device-days, each with its
 * own coach persona and weather) for the fleet cache's hit rate, cold and warm, and the
 * image cost per device-month at Nova Canvas's published per-image price. Pure
 * computation (no stack). Not a test.
 *
 *   npx tsx bench/avatar-images.ts [--seeds 1] [--batch-seconds 60] [--days 2] [--fleet 1000]
 */
import { z } from 'zod';
import { DEFAULT_COACH_LIMITS } from '../functions/index';
import { AVATAR_DEFAULT_MODEL_ID, type AvatarRequest } from '../protocol/avatar';
import { type Persona, PERSONAS } from '../protocol/shadows';
import { seededRandom } from '../simulators/index';
import { type AvatarDay, memoryImageStore, noImageStore, type RequestDay, replayRequests, runAvatars, WEATHER_MIX, weatherAt } from './avatar-replay';
import { benchFlags, round } from './broker-support';
import { distribution } from './coach-figures';
import { DAY_METHOD } from './coach-replay';

/** The default image model's on-demand price. It changes: check it before budgeting. */
export const IMAGE_PRICE = {
  modelId: AVATAR_DEFAULT_MODEL_ID,
  usdPerImage: 0.04,
  tier: 'standard quality, up to 1024 × 1024 (pulsepet asks for 512 × 512 standard)',
  source:
    'Amazon Bedrock pricing page (aws.amazon.com/bedrock/pricing), Amazon Nova Canvas on-demand: $0.04 per standard and $0.06 per premium image up to 1024 × 1024, $0.06 / $0.08 up to 2048 × 2048; a reseller catalogue (empiriolabs.ai) lists exactly three times these four prices. Not re-fetched when this bench ran: the machine has no network',
} as const;

const DAYS_PER_MONTH = 30;
const GOAL_IMAGES_PER_DEVICE_DAY = 3;

const flags = benchFlags(
  { seeds: { type: 'string' }, 'batch-seconds': { type: 'string' }, days: { type: 'string' }, fleet: { type: 'string' } },
  z.object({
    seeds: z.coerce.number().int().min(1).max(20).default(1),
    // ≤ 300 s: a 1 Hz batch then stays within telemetry v1's 600 samples
    'batch-seconds': z.coerce.number().int().min(5).max(300).default(60),
    days: z.coerce.number().int().min(2).max(14).default(2),
    fleet: z.coerce.number().int().min(10).max(100_000).default(1000),
  }),
);

const monthly = (imagesPerDay: number) => round(imagesPerDay * DAYS_PER_MONTH * IMAGE_PRICE.usdPerImage, 4);

/** Generated images per device-day, for the first day (cold) and the days after (warm). */
function byDay(days: readonly AvatarDay[]) {
  const cold = days.filter((d) => d.dayIndex === 0);
  const warm = days.filter((d) => d.dayIndex > 0);
  return { day1: distribution(cold.map((d) => d.generated)), later: distribution(warm.map((d) => d.generated)) };
}

/** The three variants over the replayed device-days, per plan and overall. */
async function replayedFigures(days: readonly RequestDay[]) {
  const none = await runAvatars(days, () => noImageStore(), AVATAR_DEFAULT_MODEL_ID);
  const stores = new Map<string, ReturnType<typeof memoryImageStore>>();
  const device = await runAvatars(days, (d) => stores.get(d) ?? stores.set(d, memoryImageStore()).get(d)!, AVATAR_DEFAULT_MODEL_ID);
  const shared = memoryImageStore();
  const fleet = await runAvatars(days, () => shared, AVATAR_DEFAULT_MODEL_ID);
  const figures = (pick: (d: { plan: string }) => boolean) => ({
    deviceDays: none.filter(pick).length,
    batchesPerDay: distribution(days.filter(pick).map((d) => d.batches)).mean,
    avatarRequestsPerDay: distribution(none.filter(pick).map((d) => d.requests)),
    imagesPerDeviceDay: { noCache: byDay(none.filter(pick)), cachePerDevice: byDay(device.filter(pick)), fleetCache: byDay(fleet.filter(pick)) },
  });
  const plans = [...new Set(days.map((d) => d.plan))];
  return { perScenario: Object.fromEntries(plans.map((p) => [p, figures((d) => d.plan === p)])), overall: figures(() => true), distinctImages: shared.keys.size };
}

/**
 * `size` devices for the fleet day, built from the replayed device-days: device j plays
 * device-day j mod S (S replayed devices) of every simulated day, its coach persona
 * flipped on every other pass over the S, its weather drawn per device and day.
 */
function composeFleet(days: readonly RequestDay[], size: number): RequestDay[] {
  const bases = [...new Set(days.map((d) => d.device))];
  const out: RequestDay[] = [];
  for (let j = 0; j < size; j++) {
    const base = bases[j % bases.length] as string;
    const flip = Math.floor(j / bases.length) % 2 === 1;
    const rnd = seededRandom(7_000_003 + j);
    for (const d of days.filter((x) => x.device === base)) {
      const weather = weatherAt(rnd());
      const thing = `fleet-${j}`;
      const persona = (p: Persona): Persona => (flip ? (PERSONAS.find((x) => x !== p) as Persona) : p);
      const requests = d.requests.map((r): AvatarRequest => ({ ...r, thing, persona: persona(r.persona), environment: { ...r.environment, weather } }));
      out.push({ ...d, device: thing, requests });
    }
  }
  return out;
}

/** The fleet cache over `size` composed devices: hit rate and images per device-day, cold (day 1) and warm (later days). */
async function fleetDay(days: readonly RequestDay[], size: number) {
  const shared = memoryImageStore();
  const r = await runAvatars(composeFleet(days, size), () => shared, AVATAR_DEFAULT_MODEL_ID);
  const phase = (warm: boolean) => {
    const ds = r.filter((d) => (d.dayIndex > 0) === warm);
    const requests = ds.reduce((n, d) => n + d.requests, 0);
    const generated = ds.reduce((n, d) => n + d.generated, 0);
    const hits = ds.reduce((n, d) => n + d.cacheHits, 0);
    return { deviceDays: ds.length, requests, generated, cacheHitRate: requests === 0 ? 0 : round(hits / requests, 4), imagesPerDeviceDay: distribution(ds.map((d) => d.generated)) };
  };
  return { devices: size, cold: phase(false), warm: phase(true), distinctImages: shared.keys.size };
}

const started = performance.now();
const days = await replayRequests({ seeds: flags.seeds, days: flags.days, stepMs: flags['batch-seconds'] * 1000, limits: DEFAULT_COACH_LIMITS });
const replayed = await replayedFigures(days);
const growth = [];
for (const size of [10, 100, flags.fleet].filter((n, i, a) => n <= flags.fleet && a.indexOf(n) === i)) growth.push(await fleetDay(days, size));
const fleet = growth[growth.length - 1] as Awaited<ReturnType<typeof fleetDay>>;
const noCache = replayed.overall.imagesPerDeviceDay.noCache;
const perDevice = replayed.overall.imagesPerDeviceDay.cachePerDevice;

process.stdout.write(
  `${JSON.stringify({
    bench: 'avatar-images',
    batchSeconds: flags['batch-seconds'],
    seedsPerScenario: flags.seeds,
    daysPerDevice: flags.days,
    howDaysAreMade: DAY_METHOD,
    what: 'avatar requests come from the real reason() loop (one after each pet write: the state hash or the persona changed); each runs through the real avatar() step with an in-memory pet shadow, image store and counting model. Images = InvokeModel calls that returned an image (each billed).',
    price: IMAGE_PRICE,
    replayed,
    fleetDay: {
      ...fleet,
      growth: growth.map((g) => ({ devices: g.devices, coldImagesPerDeviceDay: g.cold.imagesPerDeviceDay.mean, warmImagesPerDeviceDay: g.warm.imagesPerDeviceDay.mean, coldHitRate: g.cold.cacheHitRate, warmHitRate: g.warm.cacheHitRate })),
      how: `${flags.fleet} devices built from the ${new Set(days.map((d) => d.device)).size} replayed devices (device j plays replayed device j mod S, every simulated day; its coach persona flipped on every other pass; its weather drawn per device-day: ${WEATHER_MIX.map((w) => `${w.weather} ${Math.round(w.share * 100)} %`).join(', ')} — the body generators make no weather). Copies of one replayed device share its moods and energy bands, so the hit rate is an upper bound for a fleet of ${flags.fleet} different bodies; replayed.overall.fleetCache is the same cache over distinct bodies only.`,
    },
    goal: {
      maxImagesPerDeviceDayWarm: GOAL_IMAGES_PER_DEVICE_DAY,
      measuredFleetWarm: { mean: fleet.warm.imagesPerDeviceDay.mean, max: fleet.warm.imagesPerDeviceDay.max },
      measuredReplayedFleetWarm: replayed.overall.imagesPerDeviceDay.fleetCache.later,
      met: fleet.warm.imagesPerDeviceDay.mean <= GOAL_IMAGES_PER_DEVICE_DAY && replayed.overall.imagesPerDeviceDay.fleetCache.later.mean <= GOAL_IMAGES_PER_DEVICE_DAY,
    },
    costPerDeviceMonthUsd: {
      noCache: { p50: monthly(noCache.later.p50), mean: monthly(noCache.later.mean), max: monthly(noCache.later.max) },
      cachePerDevice: { p50: monthly(perDevice.later.p50), mean: monthly(perDevice.later.mean), max: monthly(perDevice.later.max) },
      fleetCacheWarm: { mean: monthly(fleet.warm.imagesPerDeviceDay.mean), max: monthly(fleet.warm.imagesPerDeviceDay.max) },
      how: `generated images per device-day after the first day × ${DAYS_PER_MONTH} × $${IMAGE_PRICE.usdPerImage} per image; the fleet cache's mean is the fleet's bill divided by its devices (the first day's images, drawn once for everyone, are left out)`,
    },
    elapsedSeconds: Math.round((performance.now() - started) / 1000),
  })}\n`,
);
