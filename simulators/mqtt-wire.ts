/**
 * MQTT 3.1.1 packet encoding for simulators/fleet-connection.ts: the few packets a device
 * sends, built straight into one buffer each.
 *
 * Spec: MQTT 3.1.1, https://docs.oasis-open.org/mqtt/mqtt/v3.1.1/os/mqtt-v3.1.1-os.html
 */

/** CONNACK return codes [MQTT-3.2.2.3]. */
export const CONNACK_REASONS: Record<number, string> = {
  1: 'unacceptable protocol version',
  2: 'identifier rejected',
  3: 'server unavailable',
  4: 'bad user name or password',
  5: 'not authorized',
};

/** The largest remaining length (4 bytes) less the largest topic and packet id fields [MQTT-2.2.3]. */
export const MAX_PAYLOAD_BYTES = 268_435_455 - 2 - 0xffff - 2;

/** Control packet types the broker sends a device [MQTT-2.2.1]. */
export const PacketType = { CONNACK: 2, PUBLISH: 3, PUBACK: 4, SUBACK: 9, PINGRESP: 13 } as const;

/** PINGREQ and DISCONNECT have no variable header or payload. */
export const PINGREQ_PACKET = Buffer.from([0xc0, 0x00]);
export const DISCONNECT_PACKET = Buffer.from([0xe0, 0x00]);

/** PUBACK for a QoS 1 delivery [MQTT-4.3.2-2]. */
export function pubackPacket(id: number): Buffer {
  return Buffer.from([0x40, 0x02, id >> 8, id & 0xff]);
}

/** Remaining-length bytes [MQTT-2.2.3]. */
function remainingLength(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

function utf8Field(s: Buffer): Buffer {
  const b = Buffer.allocUnsafe(2 + s.length);
  b.writeUInt16BE(s.length, 0);
  s.copy(b, 2);
  return b;
}

/** CONNECT, protocol level 4, clean session, no will, no credentials (mTLS) [MQTT-3.1]. */
export function connectPacket(clientId: Buffer, keepAlive: number): Buffer {
  const variable = Buffer.from([0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x04, 0x02, keepAlive >> 8, keepAlive & 0xff]);
  const payload = utf8Field(clientId);
  return Buffer.concat([Buffer.from([0x10, ...remainingLength(variable.length + payload.length)]), variable, payload]);
}

export function publishPacket(topic: string, topicLen: number, payload: string | Buffer, payloadLen: number, qos: 0 | 1, id: number): Buffer {
  const bodyLen = 2 + topicLen + (qos ? 2 : 0) + payloadLen;
  const rl = remainingLength(bodyLen);
  const out = Buffer.allocUnsafe(1 + rl.length + bodyLen);
  out[0] = 0x30 | (qos << 1);
  let at = 1;
  for (const b of rl) out[at++] = b;
  out.writeUInt16BE(topicLen, at);
  at += 2;
  at += out.write(topic, at, 'utf8');
  if (qos) {
    out.writeUInt16BE(id, at);
    at += 2;
  }
  if (typeof payload === 'string') out.write(payload, at, 'utf8');
  else payload.copy(out, at);
  return out;
}

/** SUBSCRIBE: fixed header flags 0b0010 [MQTT-3.8.1-1]. */
export function subscribePacket(id: number, filters: Array<[string, 0 | 1]>): Buffer {
  const parts: Buffer[] = [Buffer.from([id >> 8, id & 0xff])];
  for (const [filter, qos] of filters) parts.push(utf8Field(Buffer.from(filter, 'utf8')), Buffer.from([qos]));
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([0x82, ...remainingLength(body.length)]), body]);
}
