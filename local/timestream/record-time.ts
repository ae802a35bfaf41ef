import { RecordRejection } from './errors';
import type { TimeUnit } from './write-request';

/**
 * A record's Time in its TimeUnit (API_Record.html: Time is the epoch value as a string,
 * TimeUnit defaults to MILLISECONDS), held as ms for the common case and as ns when finer.
 */

/** Nanoseconds per TimeUnit. */
export const UNIT_NS: Record<TimeUnit, bigint> = {
  SECONDS: 1_000_000_000n,
  MILLISECONDS: 1_000_000n,
  MICROSECONDS: 1_000n,
  NANOSECONDS: 1n,
};

export interface RecordTime {
  /** time in epoch ms (truncated), for window checks and the common exact-ms case */
  timeMs: number;
  /** the time in ns when it is not a whole number of ms (else undefined: it is timeMs × 10^6) */
  timeNs: bigint | undefined;
  /** identity of the time in the version index: ms as a number when exact, else the ns digits */
  timeKey: number | string;
}

/** True when `s` is 1..max ASCII digits (a charCode scan: cheaper than a regex per record). */
function isDigits(s: string, max: number): boolean {
  const n = s.length;
  if (n === 0 || n > max) return false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/**
 * Reads a record's time.
 * @throws RecordRejection when `time` is not 1..19 digits
 * @example
 * recordTime('1790000000000', 'MILLISECONDS'); // { timeMs: 1790000000000, timeNs: undefined, timeKey: 1790000000000 }
 */
export function recordTime(time: string, unit: TimeUnit): RecordTime {
  if (!isDigits(time, 19)) throw new RecordRejection(`Time '${time}' is not a valid ${unit} epoch value.`);
  if (unit === 'MILLISECONDS' && time.length <= 15) {
    // exact as a number: no bigint for the common case
    const timeMs = Number(time);
    return { timeMs, timeNs: undefined, timeKey: timeMs };
  }
  const ns = BigInt(time) * UNIT_NS[unit];
  const timeMs = Number(ns / 1_000_000n);
  if (ns % 1_000_000n === 0n && ns < 9_000_000_000_000_000_000n) return { timeMs, timeNs: undefined, timeKey: timeMs };
  return { timeMs, timeNs: ns, timeKey: ns.toString() };
}
