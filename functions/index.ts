/**
 * The functions' public entry point for benchmarks and tools outside `functions/`:
 * the registry, the models and the decision (to replay simulated days — the bodies
 * come from simulators/ — the way the reasoning function sees them), and the reasoning
 * loop with its coaches (to count LLM calls and measure their tokens on those days), and
 * the avatar step (to count the images those days cost), and what the ingest function
 * makes of a batch (to send the WriteRecords it sends).
 */
export { type AvatarDeps, type AvatarResult, avatar } from './avatar/avatar';
export { bundledDefaultFace } from './avatar/default-faces';
export { toRecords } from './ingest/core';
export type { ImageModel, ImageStore } from './avatar/ports';
export { type LlmAnswer, type LlmCoach, BedrockCoach, coachRequest } from './reasoning/bedrock-coach';
export { BudgetedCoach } from './reasoning/budgeted-coach';
export { type CoachLimits, DEFAULT_COACH_LIMITS, utcDay } from './reasoning/coach-budget';
export { systemPrompt } from './reasoning/coach-prompt';
export { derive, stateHash } from './reasoning/decide';
export { DeterministicCoach } from './reasoning/deterministic-coach';
export { inProcessModels } from './reasoning/model-adapters';
export { mergeMinutes, minuteAggregates, predict } from './reasoning/models/index';
export type { AvatarPort, CoachInput, ShadowPort, ShadowRead } from './reasoning/ports';
export { type ReasoningDeps, type ReasonResult, reason } from './reasoning/reason';
export { type FunctionDefinition, FUNCTIONS } from './registry';
