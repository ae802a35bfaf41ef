/**
 * Small numeric helpers the models share. Pure; no allocation beyond what the result needs.
 */

/** `x` limited to [lo, hi]. */
export function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/** Arithmetic mean, or undefined for no values. */
export function mean(xs: readonly number[]): number | undefined {
  if (xs.length === 0) return undefined;
  let s = 0;
  for (const x of xs) s += x;
  return s / xs.length;
}

/** Median (mean of the two middle values for an even count), or undefined for no values. */
export function median(xs: readonly number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

/** Rounds to `digits` decimals (for contributors a user reads). */
export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  const r = Math.round(x * f) / f;
  return r === 0 ? 0 : r; // no −0 in JSON a user reads
}

/** The UTC calendar day (YYYY-MM-DD) of `t` shifted by `offsetMin` minutes. */
export function dayOf(t: number, offsetMin = 0): string {
  return new Date(t + offsetMin * 60_000).toISOString().slice(0, 10);
}

/** One minute, in ms. */
export const MINUTE_MS = 60_000;
