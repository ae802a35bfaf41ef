import type { Baseline } from '../../protocol/models';
/**
 * Synthetic wearers with different resting HR and HRV. Resting RMSSD values span the
 * healthy-adult range of Nunan et al. 2010 (≈ 19–75 ms) and beyond it for an
 * endurance athlete; HRmax follows Tanaka et al. 2001 (208 − 0.7 × age).
 */
export interface Persona {
  id: string;
  age: number;
  restingHrBpm: number;
  /** night/rest RMSSD, ms */
  restRmssdMs: number;
  hrMaxBpm: number;
  /** usual resting wrist skin temperature, °C */
  skinTempC: number;
  /** usual nightly sleep, min */
  sleepMin: number;
}

const tanaka = (age: number) => Math.round(208 - 0.7 * age);

export const PERSONAS: readonly Persona[] = Object.freeze([
  { id: 'athlete', age: 28, restingHrBpm: 48, restRmssdMs: 85, hrMaxBpm: tanaka(28), skinTempC: 33.8, sleepMin: 480 },
  { id: 'young', age: 24, restingHrBpm: 60, restRmssdMs: 55, hrMaxBpm: tanaka(24), skinTempC: 33.5, sleepMin: 450 },
  { id: 'office', age: 41, restingHrBpm: 66, restRmssdMs: 38, hrMaxBpm: tanaka(41), skinTempC: 33.2, sleepMin: 420 },
  { id: 'older', age: 63, restingHrBpm: 70, restRmssdMs: 22, hrMaxBpm: tanaka(63), skinTempC: 32.8, sleepMin: 400 },
  { id: 'low-hrv', age: 35, restingHrBpm: 74, restRmssdMs: 18, hrMaxBpm: tanaka(35), skinTempC: 33.0, sleepMin: 390 },
]);

/** The persona with this id. */
export function persona(id: string): Persona {
  const p = PERSONAS.find((x) => x.id === id);
  if (p === undefined) throw new RangeError(`unknown persona ${id}`);
  return p;
}

/** The personal baseline a persona with 60 ordinary days would have. */
export function personalBaseline(p: Persona): Baseline {
  return {
    days: 60,
    restingHrBpm: p.restingHrBpm,
    restingHrSdBpm: 1.5,
    restingHr7dBpm: p.restingHrBpm,
    lnRmssdMean60d: Math.log(p.restRmssdMs),
    lnRmssdSd60d: 0.12,
    lnRmssd7d: Math.log(p.restRmssdMs),
    lnRmssd7dDays: 7,
    skinTempC: p.skinTempC,
    sleepMin7d: p.sleepMin,
    sleepMinMean60d: p.sleepMin,
    sleepMinSd60d: 30,
  };
}
