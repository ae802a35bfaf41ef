/**
 * The device agent's public entry point: what `cli/agent.ts` wires together and what
 * benchmarks drive. The agent's modules below it are internals.
 */
export { Agent, type AgentOptions, type BatchSettings } from './agent';
export { type AgentConfig, type AgentConfigOptions, agentUsage, parseAgentConfig, parseDurationMs } from './config';
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
