import type { Sample, Summary } from './schemas';

/** Computes the edge summary of a batch (hrvRmssd = mean of the samples that carry it). */
export function summarize(samples: readonly Sample[]): Summary {
  if (samples.length === 0) throw new RangeError('cannot summarize an empty batch');
  let from = Number.POSITIVE_INFINITY;
  let to = Number.NEGATIVE_INFINITY;
  let hrSum = 0;
  let hrMax = Number.NEGATIVE_INFINITY;
  let hrvSum = 0;
  let hrvN = 0;
  let stepsSum = 0;
  for (const s of samples) {
    from = Math.min(from, s.t);
    to = Math.max(to, s.t);
    hrSum += s.hr;
    hrMax = Math.max(hrMax, s.hr);
    if (s.hrvRmssd !== undefined) {
      hrvSum += s.hrvRmssd;
      hrvN++;
    }
    stepsSum += s.steps ?? 0;
  }
  const summary: Summary = {
    from,
    to,
    n: samples.length,
    hrMean: Math.round((hrSum / samples.length) * 10) / 10,
    hrMax,
    stepsSum,
  };
  if (hrvN > 0) summary.hrvRmssd = Math.round((hrvSum / hrvN) * 10) / 10;
  return summary;
}
