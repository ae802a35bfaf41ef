/**
 * The device agent's public entry point: what `cli/agent.ts` wires together and what
 * benchmarks drive. The agent's modules below it are internals.
 */
export { Agent, type AgentOptions, type BatchSettings } from './agent';
export { type ClaimConfig, ClaimConfigSchema, type ClaimMaterial, CLAIM_CONFIG_FILE, defaultSerial, readClaimConfig, SERIAL_RE, TEMPLATE_NAME_RE } from './claim-config';
export { ensureIdentity, type ClaimStartOptions } from './claim-mode';
export { ClaimRejectedError, type ClaimProvisioned, type ClaimProvisioningOptions, provisionByClaim } from './claim-provisioning';
export { type AgentArgs, type AgentConfig, type AgentConfigOptions, agentUsage, type ClaimArgs, parseAgentArgs, parseAgentConfig, parseDurationMs } from './config';
export { commitIdentity, IDENTITY_DIR, loadIdentity, type NewIdentity, OUTBOX_DIR, type StoredIdentity } from './identity-store';
export { parseMqttEndpoint } from './endpoint';
export { HttpInput } from './inputs/http-input';
export { SimInput, type SimInputOptions } from './inputs/sim-input';
export { JsonLinesInput } from './inputs/stdin-input';
export { type BatchAssignment, type FsyncPolicy, type FullPolicy, Outbox, type OutboxOptions, type OutboxRecord, type OutboxStats } from './outbox';
export type { AcceptResult, SampleGenerator, SampleSink, SampleSource, Transport, TransportFactory } from './ports';
export { startStatusServer, type StatusSource } from './status-server';
export { mqtt5Transport } from './transport-mqtt5';
export { type MtlsSettings, mqtt311Transport } from './transport-mqtt311';
export { type WatchOutput, watchOutputFromSpec } from './watch-output';
