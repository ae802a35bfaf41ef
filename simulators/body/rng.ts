/**
 * A seeded pseudo-random generator (mulberry32), so every scenario is a pure function
 * of its seed: the same seed gives the same samples on every machine.
 */
export interface Rng {
  /** uniform in [0, 1) */
  next(): number;
  /** uniform in [lo, hi) */
  uniform(lo: number, hi: number): number;
  /** normal with mean `mu` and sd `sd` (Box–Muller) */
  normal(mu?: number, sd?: number): number;
  /** true with probability p */
  chance(p: number): boolean;
  /** an integer in [lo, hi] */
  int(lo: number, hi: number): number;
  /** one element of a non-empty list */
  pick<T>(xs: readonly T[]): T;
}

/** A generator for `seed` (any integer; mixed so nearby seeds do not correlate). */
export function createRng(seed: number): Rng {
  let a = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ 0xc2b2ae35) >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const rng: Rng = {
    next,
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    normal: (mu = 0, sd = 1) => mu + sd * Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next()),
    chance: (p) => next() < p,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(xs: readonly T[]): T => {
      const x = xs[Math.floor(next() * xs.length)];
      if (x === undefined) throw new RangeError('pick from an empty list');
      return x;
    },
  };
  return rng;
}

/** A seed derived from a base seed and labels (scenario, persona), stable across runs. */
export function deriveSeed(seed: number, ...labels: string[]): number {
  let h = seed >>> 0;
  for (const ch of labels.join('/')) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
  return h;
}
