export { type BrokerProcessHandle, type BrokerProcessOptions, isBrokerProcess, startBrokerProcess } from './remote-broker';
export { RegistryFeed } from './registry-feed';
export type { BrokerProcessStats } from './messages';
