/**
 * The telemetry contract: the v1 message and its parts (`schemas`), the edge
 * summary (`summary`), the record an input hands the agent (`input-record`) and the
 * builder that turns stored records into one v1 batch (`batch`). The agent and the
 * simulators both speak it; neither imports the other.
 */
export * from './batch';
export * from './input-record';
export * from './schemas';
export * from './summary';
