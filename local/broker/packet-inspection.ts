import type { Client } from 'aedes';
import type { Logger } from '../../common/logger';
import { type ParsedPacket, prependPacketListener } from './aedes-internals';
import type { BrokerLimits } from './limits';
import { markReason, type Session } from './session';

/**
 * What the broker does with a packet before aedes handles it: a SUBSCRIBE with more
 * filters than IoT Core accepts closes the connection (message-broker limits,
 * "Subscriptions per subscribe request": 8), a requested QoS 2 is granted as QoS 1
 * (IoT Core supports QoS 0 and 1; aedes takes the SUBACK code from the request), and
 * a DISCONNECT marks the close as client-initiated.
 */
export function inspectPacket(packet: ParsedPacket, s: Session, clientId: string, limits: Pick<BrokerLimits, 'maxFiltersPerSubscribe'>, log: Logger): void {
  if (packet.cmd === 'disconnect') {
    markReason(s, 'CLIENT_INITIATED_DISCONNECT');
  } else if (packet.cmd === 'subscribe' && (packet.subscriptions?.length ?? 0) > limits.maxFiltersPerSubscribe) {
    markReason(s, 'CLIENT_ERROR');
    log.warn({ clientId, filters: packet.subscriptions?.length }, `SUBSCRIBE with more than ${limits.maxFiltersPerSubscribe} topic filters; connection closed`);
    // an unknown command makes aedes destroy the connection without acting on it
    packet.cmd = 'refused-subscribe';
  } else if (packet.cmd === 'subscribe' && packet.subscriptions) {
    for (const sub of packet.subscriptions) if (sub.qos > 1) sub.qos = 1;
  }
}

/** Runs {@link inspectPacket} on every packet of `client` as it leaves the parser. */
export function inspectPackets(client: Client, s: Session, limits: Readonly<BrokerLimits>, log: Logger): void {
  prependPacketListener(client, (packet) => inspectPacket(packet, s, client.id, limits, log));
}
