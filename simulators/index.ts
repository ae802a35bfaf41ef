/**
 * The simulators' public entry point: the watch simulator (scenarios of plausible
 * samples), the labelled body scenarios the models are evaluated on (body/), the fleet
 * connection (many light MQTT clients for load), and the fleet simulator (fleet/).
 *
 * The fleet simulator's programmatic API (what `pulsepet simulate` and a demo build on):
 * - `runFleet(options, signal)` runs devices described by `SimDeviceSpec` (thing,
 *   certificate and key, live scenario, body persona, optional coach persona) until the
 *   duration ends or the signal aborts, and resolves with the `FleetSummary`; a few named
 *   devices with chosen scenarios are just a short `devices` list.
 * - `timestreamStoreCheck(client, tables)` is the `storeCheck` that verifies acknowledged
 *   batches against Timestream at the end.
 * - `formatTick` renders the `onTick` progress figures as one line.
 */
export { PERSONAS as BODY_PERSONAS, type Persona as BodyPersona, personalBaseline } from './body/personas';
export { generateScenario, SCENARIOS, type Scenario } from './body/scenarios';
export { FleetConnection, type FleetConnectionOptions, type MessageHandler } from './fleet-connection';
export { isWatchScenario, seededRandom, WATCH_SCENARIOS, type WatchScenario, WatchSimulator, type WatchSimulatorOptions } from './watch';
export { scenarioClock, type ScenarioClock } from './fleet/clock';
export { connectFailureReason, type SimDeviceSpec } from './fleet/device';
export {
  BODY_PERSONA_IDS,
  bodyPersonaFor,
  isScenarioChoice,
  LIVE_SCENARIOS,
  type LiveScenario,
  parseScenarioDeal,
  SCENARIO_CHOICES,
  type ScenarioChoice,
  type ScenarioDeal,
  scenarioFor,
} from './fleet/live-scenarios';
export { DEFAULT_MAX_CONNECTING, type FleetRunOptions, runFleet } from './fleet/run-fleet';
export { formatTick, type ProgressTick } from './fleet/stats';
export { BatchLedger, type BatchEntry, sampleTimes, type ThingAcked } from './fleet/ledger';
export { type LostBatch, type StoreCheck, type StoreReport, timestreamStoreCheck } from './fleet/store-check';
export type { FleetSummary } from './fleet/summary';
