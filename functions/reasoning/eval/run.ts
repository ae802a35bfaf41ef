/**
 * Prints the evaluation as JSON.
 *
 *   npx tsx functions/reasoning/eval/run.ts [--seeds 101,102,…]
 *
 * Without --seeds it runs the held-out seeds (HELD_OUT_SEEDS); the tuning seeds are
 * for choosing thresholds only and the output says which kind it ran (`heldOut`).
 */
import { evaluate, HELD_OUT_SEEDS } from './harness';

function seedsFrom(argv: readonly string[]): readonly number[] {
  const i = argv.indexOf('--seeds');
  const list = i >= 0 ? argv[i + 1] : undefined;
  if (list === undefined) return HELD_OUT_SEEDS;
  const seeds = list.split(',').map((x) => Number.parseInt(x, 10));
  if (seeds.some((s) => !Number.isInteger(s))) throw new RangeError(`--seeds wants integers, got ${list}`);
  return seeds;
}

const started = performance.now();
const result = evaluate(seedsFrom(process.argv.slice(2)));
console.log(JSON.stringify({ ...result, elapsedMs: Math.round(performance.now() - started) }, null, 2));
