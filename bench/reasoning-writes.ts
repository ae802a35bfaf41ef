/**
 * How many batches write the `pet` shadow on simulated days: every scenario of the
 * evaluation (rest, sleep, run, cycle, hike, stress, recovery, mixed…) for every
 * persona, replayed the way the reasoning function sees it — one batch every
 * `--batch-seconds` (the agent's default 30 s), per-minute aggregates merged into the
 * 30-minute window, `predict`, and a pet write only when the derived state's hash
 * changes. Prints the share of batches that write, per scenario and overall, and the
 * writes per device-day it implies. Pure computation (no stack). Not a test.
 *
 *   npx tsx bench/reasoning-writes.ts [--batch-seconds 30] [--seeds 3]
 */
import { z } from 'zod';
import { derive, mergeMinutes, minuteAggregates, predict, stateHash } from '../functions/index';
import { BODY_PERSONAS as PERSONAS, generateScenario, personalBaseline, SCENARIOS } from '../simulators/index';
import type { EnergyState, MinuteAggregate } from '../protocol/models';
import { benchFlags, round } from './broker-support';
import { batchesOf } from './coach-replay';

const flags = benchFlags(
  { 'batch-seconds': { type: 'string' }, seeds: { type: 'string' } },
  z.object({ 'batch-seconds': z.coerce.number().int().min(5).max(600).default(30), seeds: z.coerce.number().int().min(1).max(20).default(3) }),
);

const perScenario: Record<string, { batches: number; writes: number }> = {};
for (const name of Object.keys(SCENARIOS)) {
  for (const persona of PERSONAS) {
    for (let seed = 1; seed <= flags.seeds; seed++) {
      const s = generateScenario(name, persona, 1000 + seed);
      const baseline = personalBaseline(persona);
      const stepMs = flags['batch-seconds'] * 1000;
      const t0 = s.samples[0]?.t ?? 0;
      let window: MinuteAggregate[] = [];
      let energy: EnergyState | undefined;
      let lastExerciseEndedAt: number | undefined;
      let last: string | undefined;
      const tally = perScenario[name] ?? { batches: 0, writes: 0 };
      perScenario[name] = tally;
      for (const { from, samples: batch } of batchesOf(s.samples, t0, s.samples[s.samples.length - 1]?.t ?? t0, stepMs)) {
        const now = from + stepMs;
        window = mergeMinutes(window, minuteAggregates(batch).minutes, now, 30 * 60_000);
        const p = predict({ now, minutes: window, baseline, ...(energy ? { energy } : {}), ...(lastExerciseEndedAt ? { lastExerciseEndedAt } : {}) });
        energy = p.energy;
        lastExerciseEndedAt = p.lastExerciseEndedAt ?? lastExerciseEndedAt;
        const hash = stateHash(derive(p));
        tally.batches++;
        if (hash !== last) tally.writes++;
        last = hash;
      }
    }
  }
}
const total = Object.values(perScenario).reduce((a, b) => ({ batches: a.batches + b.batches, writes: a.writes + b.writes }), { batches: 0, writes: 0 });
const share = total.writes / total.batches;
process.stdout.write(
  `${JSON.stringify({
    bench: 'reasoning-writes',
    batchSeconds: flags['batch-seconds'],
    personas: PERSONAS.length,
    seedsPerScenario: flags.seeds,
    perScenario: Object.fromEntries(Object.entries(perScenario).map(([k, v]) => [k, { ...v, share: round(v.writes / v.batches, 3) }])),
    petWriteShare: round(share, 3),
    petWritesPerDeviceDay: round(share * (86_400 / flags['batch-seconds'])),
    what: 'the share of batches whose derived state (mood, band, stress, spoons, calibrating) differs from the previous batch: the pet shadow writes the reasoning function makes; the first batch of each scenario counts as a write',
  })}\n`,
);
