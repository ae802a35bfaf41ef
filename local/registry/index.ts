/** The local IoT registry and its read-only replica, for the rest of local/. */
export {
  Registry,
  type RegistryEventMap,
  type RegistryOptions,
  type ThingPrincipalType,
} from './registry';
export { type RegistryReader, RegistryReplica, type RegistryReplicaOptions } from './replica';
export {
  durableStorage,
  type MapChange,
  type MemoryStorage,
  memoryStorage,
  observedStorage,
  type RegistryMap,
  type RegistrySnapshot,
  type RegistryStorage,
} from './storage';
