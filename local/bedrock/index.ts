/** The local Bedrock runtime: Converse answered by a deterministic local coach, with fault injection. */
export { type BedrockRuntimeService, createBedrockRuntimeService } from './bedrock-service';
export { ACCEPTED_MODEL_ID } from './converse-shapes';
export { type BedrockFaults, BedrockFaultsSchema } from './faults';
export { fillSchema, type JsonSchema, schemaViolations } from './json-schema-fill';
