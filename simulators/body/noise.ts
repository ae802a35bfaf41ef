/**
 * Realistic wrist-sensor noise on clean synthetic samples: missing HRV (more of it in
 * motion, where PPG beat detection fails), motion artefacts (HR locking onto cadence or
 * dropping out for a few seconds), ectopic beats (an RMSSD spike), whole minutes without
 * HRV, and gaps (no samples at all). Each is counted, so a test can see it happened.
 */
import type { Sample } from '../../protocol/telemetry';
import type { Rng } from './rng';

export interface NoiseOptions {
  /** chance a sample lacks HRV, at rest / in motion */
  missingHrv: { rest: number; motion: number };
  /** chance per second a motion artefact burst (5–15 s) starts, at rest / in motion */
  motionBurst: { rest: number; motion: number };
  /** chance per sample of an ectopic spike in RMSSD */
  ectopic: number;
  /** chance per minute that the whole minute lacks HRV */
  hrvDropoutMinute: number;
  /** gaps: how many (at most) and their length in seconds */
  gaps: { max: number; minS: number; maxS: number };
}

export const DEFAULT_NOISE: NoiseOptions = {
  missingHrv: { rest: 0.15, motion: 0.5 },
  motionBurst: { rest: 0.0005, motion: 0.004 },
  ectopic: 0.008,
  hrvDropoutMinute: 0.05,
  gaps: { max: 2, minS: 20, maxS: 240 },
};

export interface NoiseCounts {
  missingHrv: number;
  motionArtefacts: number;
  ectopic: number;
  gapSamples: number;
}

/** A copy of `samples` with noise; `inMotion(i)` says whether sample i was taken in motion. */
export function addNoise(samples: readonly Sample[], inMotion: (i: number) => boolean, rng: Rng, o: NoiseOptions = DEFAULT_NOISE): { samples: Sample[]; counts: NoiseCounts } {
  const counts: NoiseCounts = { missingHrv: 0, motionArtefacts: 0, ectopic: 0, gapSamples: 0 };
  const gaps = Array.from({ length: rng.int(0, o.gaps.max) }, () => {
    const from = rng.int(0, Math.max(0, samples.length - 1));
    return [from, from + rng.int(o.gaps.minS, o.gaps.maxS)] as const;
  });
  let burstLeft = 0;
  let burstShift = 0;
  let dropoutMinute = -1;
  const out: Sample[] = [];
  samples.forEach((orig, i) => {
    if (gaps.some(([a, b]) => i >= a && i < b)) {
      counts.gapSamples++;
      return;
    }
    const s: Sample = { ...orig };
    const moving = inMotion(i);
    if (i % 60 === 0) dropoutMinute = rng.chance(o.hrvDropoutMinute) ? i : -1;
    if (burstLeft === 0 && rng.chance(moving ? o.motionBurst.motion : o.motionBurst.rest)) {
      burstLeft = rng.int(5, 15);
      burstShift = rng.pick([-1, 1]) * rng.uniform(35, 60);
    }
    if (burstLeft > 0) {
      burstLeft--;
      s.hr = Math.round(Math.min(250, Math.max(20, s.hr + burstShift)) * 10) / 10;
      counts.motionArtefacts++;
    }
    if (s.hrvRmssd !== undefined && rng.chance(o.ectopic)) {
      s.hrvRmssd = Math.min(300, Math.round(s.hrvRmssd * rng.uniform(3, 6) * 10) / 10);
      counts.ectopic++;
    }
    if (dropoutMinute >= 0 || rng.chance(moving ? o.missingHrv.motion : o.missingHrv.rest)) {
      delete s.hrvRmssd;
      counts.missingHrv++;
    }
    out.push(s);
  });
  return { samples: out, counts };
}
