/** The local IoT rules engine: topic rules over the broker bus, actions, errorAction, dead letters, and the topic-rule API. */
export { type TimestreamWriter, type TimestreamWriteRequest, timestreamWriterFor } from './actions';
export { type DeadLetter, DeadLetterQueue, DeadLetterSchema, readDeadLetters } from './dead-letters';
export { TOPIC_RULE_ERROR_STATUS, type TopicRuleErrorType } from './errors';
export type { ActionFailure, ErrorActionMessage } from './executor';
export { topicRuleRoutes } from './routes';
export {
  createRulesRuntime,
  type ReplayResult,
  type RuleDefinition,
  RulesRuntime,
  type RulesRuntimeEventMap,
  type RulesRuntimeOptions,
  type StoredRule,
} from './runtime';
