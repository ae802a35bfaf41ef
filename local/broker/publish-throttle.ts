import type { PublishPacket } from 'aedes';
import type { Logger } from '../../common/logger';
import { TokenBucket } from './limits';
import type { Session } from './session';

const THROTTLE_LOG_INTERVAL_MS = 1000;

/**
 * IoT Core's "Publish requests per second per connection" limit (message-broker
 * limits, 100/s): over it IoT Core throttles; locally the excess publish has passed
 * authorization (so a QoS 1 publish is still acknowledged) but is not routed, and
 * the drops are logged at most once a second per connection.
 * https://docs.aws.amazon.com/general/latest/gr/iot-core.html#message-broker-limits
 */
export class PublishThrottle {
  readonly #dropped = new WeakSet<object>();
  /** true once for a packet {@link take} marked, which is then not routed (publish-routing.ts); runs for every routed publish */
  readonly dropped = (packet: PublishPacket): boolean => this.#dropped.delete(packet);

  constructor(
    private readonly publishesPerSecond: number,
    private readonly log: Logger,
    private readonly now: () => number = performance.now.bind(performance),
  ) {}

  /** Counts one authorized publish of `s`; over the rate, marks `packet` to be dropped and returns false. */
  take(s: Session, clientId: string, packet: object): boolean {
    s.bucket ??= new TokenBucket(this.publishesPerSecond, this.publishesPerSecond, this.now);
    if (s.bucket.take()) return true;
    this.#dropped.add(packet);
    s.throttledSinceLog = (s.throttledSinceLog ?? 0) + 1;
    const now = Date.now();
    if (s.lastThrottleLogAt === undefined || now - s.lastThrottleLogAt >= THROTTLE_LOG_INTERVAL_MS) {
      this.log.warn({ clientId, dropped: s.throttledSinceLog }, 'publish rate limit exceeded; publishes dropped');
      s.lastThrottleLogAt = now;
      s.throttledSinceLog = 0;
    }
    return false;
  }
}
