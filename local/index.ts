/**
 * The local IoT Core's public entry point: what cli/ wires and what benchmarks and
 * tests outside local/ use. Anything not exported here is an internal of a service.
 */
export { DEFAULT_REGION, LOCAL_ACCOUNT_ID } from './aws-identity';
export { type BedrockFaults, BedrockFaultsSchema, createBedrockRuntimeService } from './bedrock/index';
export { type BrokerHandle, type BrokerOptions, startBroker } from './broker/index';
export { type DisplayIdentity, openDisplayIdentity } from './cognito/index';
export type { LocalCredentials } from './data-dir';
export {
  type AsyncFailure,
  type AsyncInvocation,
  type AsyncQueueLimits,
  DEFAULT_QUEUE_LIMITS,
  FunctionError,
  type LambdaContext,
  type LambdaHandler,
  LambdaService,
  type LambdaTarget,
  LocalFunction,
  type LocalFunctionSpec,
} from './lambda/index';
export {
  type AppliedProvisioning,
  applyProvisioningPlan,
  type PreProvisioningHookEvent,
  type ProvisioningPlan,
  parseProvisioningTemplate,
  resolveProvisioningTemplate,
  TemplateValidationError,
} from './provisioning/index';
export type { BrokerBus, GatewayService, IamRequest, PublishOrigin, RoleSession, RoleSessions } from './ports';
export { Registry } from './registry/registry';
export { createSageMakerRuntimeService, ModelContainerError, type ModelHandler } from './sagemaker/index';
export { type DeadLetter, DeadLetterSchema, type RuleDefinition, RulesRuntime } from './rules/index';
export { LocalScheduler } from './scheduler/index';
export { createShadowService, DEFAULT_SHADOW_FSYNC, type ShadowServiceHandle, ShadowService, ShadowStore } from './shadow/index';
export { type LocalStack, type LocalStackOptions, startLocalStack } from './stack';
export { parseWriteRecordsRequest } from './timestream/write-request';
export { createTimestreamService, DEFAULT_COMMIT_DELAY_MS, DEFAULT_STORE_THREADS, TelemetryStore, type TimestreamServiceHandle } from './timestream/index';
