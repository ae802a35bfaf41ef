/**
 * The simulators' public entry point: the watch simulator (scenarios of plausible
 * samples), the labelled body scenarios the models are evaluated on (body/), and the
 * fleet connection (many light MQTT clients for load).
 */
export { PERSONAS as BODY_PERSONAS, type Persona as BodyPersona, personalBaseline } from './body/personas';
export { generateScenario, SCENARIOS, type Scenario } from './body/scenarios';
export { FleetConnection, type FleetConnectionOptions, type MessageHandler } from './fleet-connection';
export { isWatchScenario, seededRandom, WATCH_SCENARIOS, type WatchScenario, WatchSimulator, type WatchSimulatorOptions } from './watch';
