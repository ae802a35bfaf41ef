import type { AedesOptions, Client, PublishPacket } from 'aedes';
import type { Logger } from '../../common/logger';
import type { BrokerAuthorizer } from './authz';
import { createConnectHooks } from './connect-authorization';
import type { ConnectionTable } from './connections';
import type { LifecycleEvents } from './lifecycle';
import type { BrokerLimits } from './limits';
import { createPublishHooks } from './publish-authorization';
import type { PublishThrottle } from './publish-throttle';
import { createSubscribeHook } from './subscribe-authorization';

/** Everything the aedes hooks need; filled in by startBroker. */
export interface HookDeps {
  limits: Readonly<BrokerLimits>;
  authorizer: BrokerAuthorizer;
  log: Logger;
  connections: Pick<ConnectionTable, 'sessionOf' | 'registered'>;
  /** a CONNECT refused by policy becomes a `connect_failed` lifecycle event */
  lifecycle: Pick<LifecycleEvents, 'connectRefused'>;
  /** the per-connection publish rate */
  throttle: Pick<PublishThrottle, 'take'>;
  /** runs the observers an authorized publish must reach before it is acknowledged */
  beforeAck(packet: PublishPacket, client: Client): Promise<void> | undefined;
  /** routes an authorized QoS 1 publish before its PUBACK ({@link import('./publish-routing').PublishRouting}) */
  routeNow(packet: PublishPacket, client: Client): Promise<void>;
  /** the session an addressed cloud publish may reach (undefined: every subscriber) */
  addresseeOf(packet: Pick<PublishPacket, 'payload'>): string | undefined;
  /** a subscription is about to be stored (cached "nobody subscribes" answers are stale) */
  subscriptionGranted(): void;
  /** tells the stack a granted filter when the broker runs in a process of its own; the SUBACK waits for a promise */
  announceSubscription?(filter: string): Promise<void> | undefined;
}

/** The aedes hooks this broker sets. */
export type BrokerHooks = Pick<AedesOptions, 'preConnect' | 'authenticate' | 'authorizePublish' | 'authorizeSubscribe' | 'authorizeForward'>;

/**
 * The aedes authorization hooks implementing IoT Core's policy checks and
 * per-connection limits. Each denial path names what IoT Core does
 * (https://docs.aws.amazon.com/iot/latest/developerguide/iot-policy-actions.html,
 * https://docs.aws.amazon.com/general/latest/gr/iot-core.html#message-broker-limits).
 */
export function createHooks(deps: HookDeps): BrokerHooks {
  return { ...createConnectHooks(deps), ...createPublishHooks(deps), ...createSubscribeHook(deps) };
}
