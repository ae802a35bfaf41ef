export { type BrokerPrincipal, BrokerAuthorizer } from './authz';
export { type BrokerHandle, type BrokerOptions, type BrokerPersistence, startBroker } from './broker';
export { type CertCheck, CertificateAuthenticator } from './cert-auth';
export {
  type BrokerLimits,
  type BrokerLimitsInput,
  brokerLimitsSchema,
  effectiveKeepAlive,
  resolveLimits,
  TokenBucket,
  topicViolation,
} from './limits';
export {
  type ConnectedEvent,
  type ConnectFailedEvent,
  connectFailedEventSchema,
  connectedEventSchema,
  DISCONNECT_REASONS,
  type DisconnectedEvent,
  type DisconnectReason,
  disconnectedEventSchema,
} from './presence';
export { TopicTrie } from './topic-trie';
export { IOT_WS_SERVICE, type PresignCheck, verifyPresignedUrl } from './ws-auth';
