import type { Aedes, Client, PublishPacket } from 'aedes';
import { PulsepetError } from '../../protocol/errors';
import { interceptRouting, type Route } from './aedes-internals';
import type { PublishThrottle } from './publish-throttle';

/**
 * Routes a device's QoS 1 publish before its PUBACK goes out.
 *
 * aedes 1.2 writes the PUBACK of a QoS 1 PUBLISH first and routes the message after
 * (lib/handlers/publish.js). A broker stopped or killed in between had told the device
 * its message was taken, so the device never sent it again, while no retained store,
 * persistent-session queue, subscriber or observer got it. IoT Core acknowledges a
 * message once it has accepted it. So the authorization hook routes the publish itself,
 * through aedes' own routing, and lets the PUBACK go once that has finished; aedes'
 * routing call after the PUBACK then skips the packet, as it skips the publishes the
 * throttle dropped (acknowledged, not routed).
 */
export class PublishRouting {
  readonly #routed = new WeakSet<object>();
  #route: Route | undefined;
  readonly #skip = (packet: PublishPacket): boolean => this.throttle.dropped(packet) || this.#routed.delete(packet);

  constructor(private readonly throttle: Pick<PublishThrottle, 'dropped'>) {}

  /** Takes over aedes' routing of client publishes. */
  install(aedes: Aedes): void {
    this.#route = interceptRouting(aedes, this.#skip);
  }

  /**
   * Routes an authorized publish of `client` now. Resolves once aedes has routed it
   * (stored, queued and handed to subscribers and `published`); rejects when it could
   * not, e.g. because the broker is closing.
   */
  routeNow(packet: PublishPacket, client: Client): Promise<void> {
    const route = this.#route;
    if (route === undefined) return Promise.reject(new PulsepetError('PP_ERR_INTERNAL', 'publish routing is not installed'));
    this.#routed.add(packet);
    return new Promise((resolve, reject) => route(packet, client, (err) => (err ? reject(err) : resolve())));
  }
}
