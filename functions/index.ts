/**
 * The functions' public entry point for benchmarks and tools outside `functions/`:
 * the registry, and the models with the evaluation's scenario generators (to replay
 * simulated days the way the reasoning function sees them).
 */
export { derive, stateHash } from './reasoning/decide';
export { personalBaseline } from './reasoning/eval/harness';
export { PERSONAS } from './reasoning/eval/personas';
export { generateScenario, SCENARIOS } from './reasoning/eval/scenarios';
export { mergeMinutes, minuteAggregates, predict } from './reasoning/models/index';
export { type FunctionDefinition, FUNCTIONS } from './registry';
