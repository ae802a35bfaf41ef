/**
 * The simulators' public entry point: the watch simulator (scenarios of plausible
 * samples) and the fleet connection (many light MQTT clients for load).
 */
export { FleetConnection, type FleetConnectionOptions, type MessageHandler } from './fleet-connection';
export { isWatchScenario, seededRandom, WATCH_SCENARIOS, type WatchScenario, WatchSimulator, type WatchSimulatorOptions } from './watch';
