/**
 * The health models, pure and explainable (clean → minute aggregates → minute states
 * → stress windows, readiness, energy). Formulas, thresholds and sources:
 * `functions/reasoning/README.md`.
 */
export { type ArtefactReason, type CleanOptions, cleanSamples, DEFAULT_CLEAN_OPTIONS } from './clean';
export { populationBaseline, type ResolvedBaseline, resolveBaseline } from './baseline';
export { startSpoons, updateEnergy } from './energy';
export { combineMinutes, mergeMinutes, minuteAggregates, type MinuteOptions } from './minute-aggregates';
export { classifyMinutes, type MinuteLabel, type MinuteState, THRESHOLDS } from './minute-state';
export { predict } from './predict';
export { READINESS, readinessBand, readinessScore, windowRest } from './readiness';
export { stressBand, stressResult, stressWindows, WINDOW_MS } from './stress';
