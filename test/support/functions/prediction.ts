import type { Prediction } from '../../../protocol/models';

/** A model verdict for tests: a normal day at rest unless `over` says otherwise. */
export function prediction(over: { stress?: Prediction['stress']['state']; band?: 'low' | 'normal' | 'high'; spoons?: number; calibrating?: boolean } = {}): Prediction {
  return {
    readiness: {
      score: over.band === 'high' ? 80 : over.band === 'low' ? 20 : 50,
      band: over.band ?? 'normal',
      contributors: [
        { name: 'lnRmssd', value: 3.1, baseline: 3.7, effect: -9.2, unit: 'ln(ms)' },
        { name: 'restingHr', value: 66, baseline: 62, effect: -2.5, unit: 'bpm' },
        { name: 'sleep', value: null, baseline: 450, effect: 0, unit: 'min' },
        { name: 'skinTemp', value: 33.1, baseline: 33, effect: -0.4, unit: '°C' },
      ],
      confidence: 'high',
      missing: [],
      calibrating: over.calibrating ?? false,
    },
    stress: { state: over.stress ?? 'rest', level: 20, band: 'rest', windows: [], contributors: [] },
    energy: { spoons: over.spoons ?? 8, level: (over.spoons ?? 8) / 12, day: '2026-12-05', updatedAt: 1, contributors: [] },
    calibrating: over.calibrating ?? false,
    confidence: 'high',
  };
}
