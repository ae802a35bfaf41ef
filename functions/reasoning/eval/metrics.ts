/**
 * Classification figures: confusion matrix (truth rows × predicted columns, `unknown`
 * a column of its own and counted as a miss), per-class precision / recall / F1, and
 * macro-F1 over rest, exercise and stress.
 */
import type { StressState } from '../../../protocol/models';
import type { TruthLabel } from '../../../simulators/body/activities';

export const CLASSES: readonly TruthLabel[] = ['rest', 'exercise', 'stress'];
export const PREDICTED: readonly StressState[] = ['rest', 'exercise', 'stress', 'unknown'];

export type Confusion = Record<TruthLabel, Record<StressState, number>>;

export function emptyConfusion(): Confusion {
  const row = () => ({ rest: 0, exercise: 0, stress: 0, unknown: 0 });
  return { rest: row(), exercise: row(), stress: row() };
}

export interface ClassFigures {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface Figures {
  windows: number;
  confusion: Confusion;
  perClass: Record<TruthLabel, ClassFigures>;
  macroF1: number;
  accuracy: number;
  /** share of exercise windows called stress */
  exerciseCalledStress: number;
  unknownRate: number;
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;
const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);

/** The figures of a confusion matrix. */
export function figures(c: Confusion): Figures {
  const perClass = {} as Record<TruthLabel, ClassFigures>;
  let total = 0;
  let correct = 0;
  let unknown = 0;
  for (const k of CLASSES) {
    const support = PREDICTED.reduce((a, p) => a + c[k][p], 0);
    const predicted = CLASSES.reduce((a, t) => a + c[t][k], 0);
    const precision = ratio(c[k][k], predicted);
    const recall = ratio(c[k][k], support);
    perClass[k] = { precision: r3(precision), recall: r3(recall), f1: r3(ratio(2 * precision * recall, precision + recall)), support };
    total += support;
    correct += c[k][k];
    unknown += c[k].unknown;
  }
  const exerciseTotal = PREDICTED.reduce((a, p) => a + c.exercise[p], 0);
  return {
    windows: total,
    confusion: c,
    perClass,
    macroF1: r3(CLASSES.reduce((a, k) => a + perClass[k].f1, 0) / CLASSES.length),
    accuracy: r3(ratio(correct, total)),
    exerciseCalledStress: r3(ratio(c.exercise.stress, exerciseTotal)),
    unknownRate: r3(ratio(unknown, total)),
  };
}
