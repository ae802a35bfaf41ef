/**
 * Returning a departed fleet's memory to the OS. glibc keeps the pages of freed memory in
 * its heap until malloc_trim(3) gives them back, and Node never calls it: after 10,000
 * devices left, the broker process kept 646 MiB with no device connected (975 MiB after a
 * second fleet), of which malloc_trim returned 535 MiB (docs/fleet-scale.md). So the next
 * fleet's peak started from the last one's. The broker process calls it, through the
 * native addon native/malloc-trim.c (built on `npm ci`; optional), once many connections
 * have closed and stayed closed for a few seconds.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** Where native/build.mjs puts the addon. */
export const MALLOC_TRIM_ADDON = fileURLToPath(new URL('../../native/build/malloc-trim.node', import.meta.url));

/** malloc_trim(pad): true when memory went back to the OS. */
export type MallocTrim = (pad: number) => boolean;

/**
 * The addon's `trim`, or why there is none (not built: no C compiler at install, not
 * Linux/glibc). Never throws: without it the broker works and keeps what glibc keeps.
 */
export function loadMallocTrim(path = MALLOC_TRIM_ADDON): { trim: MallocTrim } | { missing: string } {
  if (!existsSync(path)) return { missing: `${path} is not built (npm run build:native; it needs a C compiler and glibc)` };
  try {
    const mod = createRequire(import.meta.url)(path) as { trim?: unknown };
    if (typeof mod.trim !== 'function') return { missing: `${path} has no trim function` };
    return { trim: mod.trim as MallocTrim };
  } catch (e) {
    return { missing: `${path} did not load: ${(e as Error).message.split('\n')[0]}` };
  }
}

export interface TrimPolicyOptions {
  /** connections that must have closed since the most seen, at least (default 500) */
  minDrop?: number;
  /** the share of the most seen that must have closed, at least (default 0.5) */
  minShare?: number;
  /** how long the count must stay that low before trimming, ms (default 5,000: a mass disconnect is over) */
  settleMs?: number;
}

/**
 * When to trim: after the open connections fell by at least `minDrop` and by at least
 * `minShare` of the most seen since the last trim, and stayed that low for `settleMs`.
 * A trim walks the whole heap (tens of ms on a heap of a GiB), so it runs once per such
 * fall, not on every disconnect; the most seen then starts again from the count of now.
 */
export class TrimPolicy {
  readonly #minDrop: number;
  readonly #minShare: number;
  readonly #settleMs: number;
  #most = 0;
  #lowSince: number | undefined;
  /** the most connections seen before the fall that made the last trim due */
  fellFrom = 0;

  constructor(opts: TrimPolicyOptions = {}) {
    this.#minDrop = opts.minDrop ?? 500;
    this.#minShare = opts.minShare ?? 0.5;
    this.#settleMs = opts.settleMs ?? 5_000;
  }

  /** The count now; true when it is time to trim (and the policy starts over from `connections`). */
  observe(connections: number, now: number): boolean {
    this.#most = Math.max(this.#most, connections);
    const dropped = this.#most - connections;
    if (dropped < this.#minDrop || dropped < this.#most * this.#minShare) {
      this.#lowSince = undefined;
      return false;
    }
    this.#lowSince ??= now;
    if (now - this.#lowSince < this.#settleMs) return false;
    this.fellFrom = this.#most;
    this.#most = connections;
    this.#lowSince = undefined;
    return true;
  }
}

/**
 * A full garbage collection, when the process runs with --expose-gc (the broker process
 * does). An idle process runs no major GC: after 3,000 devices left, 141 MB of the broker
 * process's old space and 54 MB of array buffers were garbage still held, and their
 * malloc'd memory with them (RSS 365 MiB after the trim alone, 170 MiB after a GC and the
 * trim, 110 MiB before the fleet).
 */
export function fullGc(): boolean {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') return false;
  // the second collection gives back the pages the first one emptied at once (measured:
  // heap 204 → 35 MB and RSS 255 → 86 MiB right after two, RSS unchanged right after one)
  gc();
  gc();
  return true;
}

export interface AllocatorTrimmer {
  stop(): void;
  /** trims done, and the RSS they gave back in all (bytes) */
  readonly stats: { trims: number; returnedBytes: number };
}

/**
 * Watches `connections()` every `everyMs` and, when {@link TrimPolicy} says so, runs a
 * full GC (`collect`, default {@link fullGc}) and trims, reporting each trim (connections
 * before and after, RSS before and after, its duration, GC included) to `onTrim`.
 */
export function startAllocatorTrimmer(
  trim: MallocTrim,
  connections: () => number,
  onTrim: (t: { from: number; to: number; rssBefore: number; rssAfter: number; ms: number }) => void,
  opts: TrimPolicyOptions & { everyMs?: number; collect?: () => unknown } = {},
): AllocatorTrimmer {
  const collect = opts.collect ?? fullGc;
  const policy = new TrimPolicy(opts);
  const stats = { trims: 0, returnedBytes: 0 };
  const timer = setInterval(() => {
    const n = connections();
    if (!policy.observe(n, Date.now())) return;
    const rssBefore = process.memoryUsage.rss();
    const t0 = performance.now();
    // garbage first: what the fleet's connections held is freed only then, and trim returns it
    collect();
    trim(0);
    const ms = performance.now() - t0;
    const rssAfter = process.memoryUsage.rss();
    stats.trims++;
    stats.returnedBytes += Math.max(0, rssBefore - rssAfter);
    onTrim({ from: policy.fellFrom, to: n, rssBefore, rssAfter, ms });
  }, opts.everyMs ?? 1_000);
  timer.unref();
  return { stop: () => clearInterval(timer), stats };
}
