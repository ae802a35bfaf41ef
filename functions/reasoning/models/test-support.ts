/** Builders shared by the models' tests (not exported from index.ts). */
import type { MinuteAggregate } from '../../../protocol/models';

export const T0 = Date.UTC(2025, 2, 1, 9, 0, 0);

/** `count` minutes from `from`, each with `m`'s values (60 valid samples unless given). */
export function minutes(count: number, m: Partial<MinuteAggregate>, from = T0): MinuteAggregate[] {
  return Array.from({ length: count }, (_, i) => ({ n: 60, dropped: 0, steps: 0, ...m, t: from + i * 60_000 }));
}

/** A seated minute at a baseline of resting HR 60, RMSSD ≈ 45 ms. */
export const REST: Partial<MinuteAggregate> = { hrMeanBpm: 64, hrvRmssdMs: 42, cadenceSpm: 0, accelG: 1.01 };
/** Mental stress: HR +25, RMSSD halved, still. */
export const STRESS: Partial<MinuteAggregate> = { hrMeanBpm: 85, hrvRmssdMs: 20, cadenceSpm: 0, accelG: 1.02 };
/** A run. */
export const RUN: Partial<MinuteAggregate> = { hrMeanBpm: 150, hrvRmssdMs: 8, steps: 165, cadenceSpm: 165, accelG: 2.4 };

/** A wearer with 30 days of history: resting HR 60 ± 2, ln RMSSD ln 45 ± 0.15, sleep 450 ± 30. */
export const PERSONAL = {
  days: 30,
  restingHrBpm: 60,
  restingHrSdBpm: 2,
  restingHr7dBpm: 60,
  lnRmssdMean60d: Math.log(45),
  lnRmssdSd60d: 0.15,
  lnRmssd7d: Math.log(45),
  lnRmssd7dDays: 7,
  skinTempC: 33.5,
  sleepMin7d: 450,
  sleepMinMean60d: 450,
  sleepMinSd60d: 30,
} as const;
