/** The local IoT rules engine: topic rules over the broker bus, actions, errorAction, dead letters, and the topic-rule API. */
export { type TimestreamWriter, type TimestreamWriteRequest, timestreamWriterFor } from './actions';
export { type DeadLetter, DeadLetterQueue } from './dead-letters';
export { TOPIC_RULE_ERROR_STATUS, type TopicRuleErrorType } from './errors';
export type { ActionFailure, ErrorActionMessage } from './executor';
export { DEFAULT_RETRY_DELAYS_MS, type JsonLambdaTarget, type LambdaContext, type LambdaHandler, type LambdaTarget } from './lambda-invoker';
export { topicRuleRoutes } from './routes';
export {
  createRulesRuntime,
  type ReplayResult,
  RulesRuntime,
  type RulesRuntimeEventMap,
  type RulesRuntimeOptions,
  type StoredRule,
} from './runtime';
export { DEAD_LETTERS_USAGE, deadLetters, readDeadLetters } from './dead-letters-cli';
