import { silentLogger } from '../../../common/logger';
import { DeterministicCoach } from '../../../functions/reasoning/deterministic-coach';
import { inProcessModels } from '../../../functions/reasoning/model-adapters';
import { populationBaseline } from '../../../functions/reasoning/models/index';
import type { ShadowPort } from '../../../functions/reasoning/ports';
import type { ReasoningDeps } from '../../../functions/reasoning/reason';

/**
 * The reasoning loop's dependencies for tests: `shadows` as given, the in-process models,
 * population baselines, the deterministic coach, a silent logger, the wall clock and an
 * hourly baseline refresh; `over` replaces any of them.
 */
export function reasoningTestDeps(shadows: ShadowPort, over: Partial<ReasoningDeps> = {}): ReasoningDeps {
  return {
    shadows,
    model: inProcessModels,
    baselines: { baseline: async () => populationBaseline() },
    coach: new DeterministicCoach(),
    logger: silentLogger(),
    now: Date.now,
    baselineRefreshMs: 3_600_000,
    ...over,
  };
}
