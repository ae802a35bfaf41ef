/**
 * The functions' public entry point for benchmarks and tools outside `functions/`:
 * the registry, the models and the decision (to replay simulated days — the bodies
 * come from simulators/ — the way the reasoning function sees them).
 */
export { derive, stateHash } from './reasoning/decide';
export { mergeMinutes, minuteAggregates, predict } from './reasoning/models/index';
export { type FunctionDefinition, FUNCTIONS } from './registry';
