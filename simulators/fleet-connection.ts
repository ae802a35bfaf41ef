/**
 * A lean MQTT 3.1.1 device connection over mutual TLS, for simulators and benches
 * that drive thousands of devices from one process.
 *
 * A general client (MQTT.js) spends most of its per-message time in streams,
 * stores and event plumbing; with a thousand of them on one event loop that cost
 * becomes queueing no real device (one per CPU) would see. This connection keeps
 * the protocol complete for what a device does (CONNECT, SUBSCRIBE, PUBLISH at
 * QoS 0/1 both ways, PINGREQ, DISCONNECT) and nothing else: no reconnect, no
 * offline queue, no QoS 2 (IoT Core does not support it).
 *
 * Spec: MQTT 3.1.1, https://docs.oasis-open.org/mqtt/mqtt/v3.1.1/os/mqtt-v3.1.1-os.html
 */
import { isIP } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { PulsepetError } from '../protocol/errors';
import {
  CONNACK_REASONS,
  connectPacket,
  DISCONNECT_PACKET,
  MAX_PAYLOAD_BYTES,
  PacketType,
  PINGREQ_PACKET,
  pubackPacket,
  publishPacket,
  subscribePacket,
} from './mqtt-wire';

/** Where and as whom a {@link FleetConnection} connects. */
export interface FleetConnectionOptions {
  host: string;
  port: number;
  /** MQTT client id; on IoT Core the thing name */
  clientId: string;
  /** device certificate and key (PEM) */
  cert: string;
  key: string;
  /** CA that signed the broker's server certificate (PEM) */
  ca: string;
  /** TLS server name (SNI); defaults to `host` unless that is an IP address (RFC 6066 allows only DNS names) */
  servername?: string;
  /** seconds; 0 turns keep-alive off. IoT Core allows 30-1200, default here 60 */
  keepAliveSeconds?: number;
  /** CONNECT → CONNACK deadline in ms (default 30,000) */
  connectTimeoutMs?: number;
}

/** Called for every application message the broker delivers. */
export type MessageHandler = (topic: string, payload: Buffer) => void;


interface Pending {
  resolve(value: number[]): void;
  reject(e: Error): void;
}

/**
 * @example
 * const c = await FleetConnection.connect({ host: 'localhost', port, clientId: 'pet-1', cert, key, ca });
 * c.onMessage((topic, payload) => console.log(topic, payload.length));
 * await c.subscribe({ '$aws/things/pet-1/shadow/update/delta': 0 });
 * c.publish('$aws/things/pet-1/shadow/update', '{"state":{"reported":{"mood":"calm"}}}');
 * await c.end();
 */
export class FleetConnection {
  private handler: MessageHandler = () => {};
  private closeHandlers: Array<(err?: Error) => void> = [];
  private nextId = 1;
  /** SUBACK and PUBACK waiters by packet identifier */
  private readonly pending = new Map<number, Pending>();
  /** bytes of an incomplete packet carried over to the next chunk */
  private rest: Buffer | undefined;
  private closed = false;
  /** {@link end} was called: the close that follows is not an error */
  private closing = false;
  private closeError: Error | undefined;
  private keepAlive: NodeJS.Timeout | undefined;
  /** reads from the socket so far (the keep-alive check compares it between pings) */
  private chunksReceived = 0;
  /** set while connecting: receives the CONNACK return code */
  private onConnack: ((code: number) => void) | undefined;

  private constructor(
    private readonly socket: TLSSocket,
    readonly clientId: string,
  ) {}

  /**
   * Opens the TLS connection, sends CONNECT (clean session) and resolves on an
   * accepting CONNACK. Rejects with `PP_ERR_TRANSPORT` on a TLS failure, a refusal
   * (with the CONNACK reason) or the deadline.
   */
  static connect(opts: FleetConnectionOptions): Promise<FleetConnection> {
    const keepAlive = opts.keepAliveSeconds ?? 60;
    if (!Number.isInteger(keepAlive) || keepAlive < 0 || keepAlive > 0xffff) {
      return Promise.reject(new PulsepetError('PP_ERR_CONFIG', `keepAliveSeconds must be an integer 0-65535, got ${keepAlive}`));
    }
    const id = Buffer.from(opts.clientId, 'utf8');
    if (id.length === 0 || id.length > 0xffff) {
      return Promise.reject(new PulsepetError('PP_ERR_CONFIG', 'clientId must be 1-65535 bytes of UTF-8'));
    }
    return new Promise((resolve, reject) => {
      const socket = tlsConnect({
        host: opts.host,
        port: opts.port,
        cert: opts.cert,
        key: opts.key,
        ca: opts.ca,
        ...(opts.servername !== undefined ? { servername: opts.servername } : isIP(opts.host) ? {} : { servername: opts.host }),
      });
      const conn = new FleetConnection(socket, opts.clientId);
      const fail = (why: string, cause?: unknown) => {
        clearTimeout(timer);
        socket.destroy();
        reject(new PulsepetError('PP_ERR_TRANSPORT', `${opts.clientId}: connect to ${opts.host}:${opts.port} failed: ${why}`, { cause }));
      };
      const timer = setTimeout(() => fail(`no CONNACK within ${opts.connectTimeoutMs ?? 30_000} ms`), opts.connectTimeoutMs ?? 30_000);
      socket.once('secureConnect', () => {
        // A device sends as soon as it has something; no Nagle delay on small packets.
        socket.setNoDelay(true);
        socket.write(connectPacket(id, keepAlive));
      });
      const onEarlyError = (e: Error) => fail(e.message, e);
      const onEarlyClose = () => fail('connection closed before CONNACK');
      socket.on('error', onEarlyError);
      socket.on('close', onEarlyClose);
      conn.onConnack = (code) => {
        clearTimeout(timer);
        socket.off('error', onEarlyError);
        socket.off('close', onEarlyClose);
        if (code !== 0) {
          fail(`CONNACK refused: ${CONNACK_REASONS[code] ?? `code ${code}`}`);
          return;
        }
        conn.started(keepAlive);
        resolve(conn);
      };
      socket.on('data', (chunk: Buffer) => conn.onData(chunk));
    });
  }

  /** Sets the handler of delivered application messages (one per connection). */
  onMessage(handler: MessageHandler): void {
    this.handler = handler;
  }

  /** Called once when the connection ends, with the error if it did not end by {@link end}. */
  onClose(handler: (err?: Error) => void): void {
    if (this.closed) handler(this.closeError);
    else this.closeHandlers.push(handler);
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  /**
   * Publishes. QoS 0 resolves once written to the socket's buffer; QoS 1 resolves
   * on the broker's PUBACK. Rejects if the connection closes first.
   */
  publish(topic: string, payload: string | Buffer, qos: 0 | 1 = 0): Promise<void> {
    if (this.closed) return Promise.reject(this.notOpen());
    const topicBytes = Buffer.byteLength(topic, 'utf8');
    // a PUBLISH names one topic, no wildcards [MQTT-3.3.2-2]
    if (topicBytes === 0 || topicBytes > 0xffff || topic.includes('+') || topic.includes('#')) {
      return Promise.reject(new PulsepetError('PP_ERR_VALIDATION', `invalid publish topic ${JSON.stringify(topic.slice(0, 100))}`));
    }
    const payloadBytes = typeof payload === 'string' ? Buffer.byteLength(payload, 'utf8') : payload.length;
    if (payloadBytes > MAX_PAYLOAD_BYTES) {
      return Promise.reject(new PulsepetError('PP_ERR_LIMIT', `payload of ${payloadBytes} bytes is over MQTT's ${MAX_PAYLOAD_BYTES}`));
    }
    const id = qos === 1 ? this.allocateId() : 0;
    this.socket.write(publishPacket(topic, topicBytes, payload, payloadBytes, qos, id));
    if (qos === 0) return Promise.resolve();
    return new Promise((resolve, reject) => this.pending.set(id, { resolve: () => resolve(), reject }));
  }

  /**
   * Subscribes to the filters at the given QoS and resolves with the granted QoS
   * per filter, in order; 0x80 is a refused filter [MQTT-3.9.3].
   */
  subscribe(filters: Record<string, 0 | 1>): Promise<number[]> {
    if (this.closed) return Promise.reject(this.notOpen());
    const entries = Object.entries(filters);
    if (entries.length === 0) return Promise.reject(new PulsepetError('PP_ERR_VALIDATION', 'subscribe needs at least one filter'));
    const id = this.allocateId();
    this.socket.write(subscribePacket(id, entries));
    return new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
  }

  /** Sends DISCONNECT and closes; resolves when the socket is closed. */
  end(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.onClose(() => resolve());
      this.closing = true;
      this.socket.end(DISCONNECT_PACKET);
    });
  }

  /**
   * Drops the connection without DISCONNECT (the broker then sends the last will).
   * Deliberate, so onClose handlers get no error.
   */
  destroy(): void {
    if (!this.closed) this.closing = true;
    this.socket.destroy();
  }

  private started(keepAliveSeconds: number): void {
    this.socket.on('error', (e) => {
      this.closeError = new PulsepetError('PP_ERR_TRANSPORT', `${this.clientId}: ${e.message}`, { cause: e });
    });
    this.socket.on('close', () => this.finish());
    if (keepAliveSeconds > 0) {
      // A PINGREQ when nothing was sent for a while would need write tracking; one
      // every ¾ keep-alive interval is as valid and cheaper [MQTT-3.1.2-23]. Nothing
      // at all from the broker since the previous one, not even its PINGRESP: the
      // connection is dead, so close it (MQTT 3.1.1 section 3.1.2.10).
      let seen = -1;
      this.keepAlive = setInterval(() => {
        if (seen === this.chunksReceived) {
          this.abort(`no PINGRESP within ${keepAliveSeconds * 750} ms`);
          return;
        }
        seen = this.chunksReceived;
        this.socket.write(PINGREQ_PACKET);
      }, keepAliveSeconds * 750);
      this.keepAlive.unref();
    }
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.keepAlive);
    if (!this.closing && !this.closeError) {
      this.closeError = new PulsepetError('PP_ERR_TRANSPORT', `${this.clientId}: connection closed by the broker`);
    }
    const err = this.closing ? undefined : this.closeError;
    for (const p of this.pending.values()) p.reject(err ?? this.notOpen());
    this.pending.clear();
    for (const h of this.closeHandlers) h(err);
    this.closeHandlers = [];
  }

  private notOpen(): Error {
    return new PulsepetError('PP_ERR_TRANSPORT', `${this.clientId}: connection is closed`, { cause: this.closeError });
  }

  private allocateId(): number {
    // Packet identifiers are 1-65535 [MQTT-2.3.1-1]; skip ones still awaiting an answer.
    for (;;) {
      const id = this.nextId;
      this.nextId = id === 0xffff ? 1 : id + 1;
      if (!this.pending.has(id)) return id;
    }
  }

  /** Splits the byte stream into packets; a packet may span chunks, a chunk hold many. */
  private onData(chunk: Buffer): void {
    this.chunksReceived++;
    let buf = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    this.rest = undefined;
    let at = 0;
    while (at < buf.length) {
      // fixed header: type/flags byte, then the remaining length, 1-4 bytes of 7 bits [MQTT-2.2.3]
      let len = 0;
      let mul = 1;
      let i = at + 1;
      let complete = false;
      while (i < buf.length && i < at + 5) {
        const b = buf[i++] as number;
        len += (b & 0x7f) * mul;
        mul *= 128;
        if ((b & 0x80) === 0) {
          complete = true;
          break;
        }
      }
      if (!complete) {
        if (i >= at + 5) {
          this.protocolError('malformed remaining length');
          return;
        }
        break;
      }
      if (i + len > buf.length) break;
      this.onPacket(buf, at, i, i + len);
      // a protocol error (or the handler) destroyed the socket: read nothing more
      if (this.socket.destroyed) return;
      at = i + len;
    }
    if (at < buf.length) {
      buf = buf.subarray(at);
      // keep a copy, not a view: the view would pin the whole socket read buffer
      this.rest = Buffer.from(buf);
    }
  }

  /** One packet: header byte at `start`, body in [body, end). */
  private onPacket(buf: Buffer, start: number, body: number, end: number): void {
    const header = buf[start] as number;
    const type = header >> 4;
    switch (type) {
      case PacketType.PUBLISH: {
        const qos = (header >> 1) & 3;
        const topicLen = buf.readUInt16BE(body);
        const topicEnd = body + 2 + topicLen;
        const topic = buf.toString('utf8', body + 2, topicEnd);
        let payloadAt = topicEnd;
        if (qos > 0) {
          const id = buf.readUInt16BE(topicEnd);
          payloadAt += 2;
          // QoS 1: acknowledge [MQTT-4.3.2-2]; QoS 2 is not used by IoT Core
          this.socket.write(pubackPacket(id));
        }
        // a copy: the handler may keep the payload after the socket's buffer is reused
        this.handler(topic, Buffer.from(buf.subarray(payloadAt, end)));
        return;
      }
      case PacketType.PUBACK: {
        const id = buf.readUInt16BE(body);
        const p = this.pending.get(id);
        this.pending.delete(id);
        p?.resolve([]);
        return;
      }
      case PacketType.SUBACK: {
        const id = buf.readUInt16BE(body);
        const p = this.pending.get(id);
        this.pending.delete(id);
        p?.resolve([...buf.subarray(body + 2, end)]);
        return;
      }
      case PacketType.CONNACK:
        this.onConnack?.(buf[body + 1] as number);
        this.onConnack = undefined;
        return;
      case PacketType.PINGRESP:
        return;
      default:
        this.protocolError(`unexpected packet type ${type}`);
    }
  }

  private protocolError(why: string): void {
    this.abort(`protocol error from the broker: ${why}`);
  }

  /** Closes the connection; onClose handlers get `PP_ERR_TRANSPORT` with `why`. */
  private abort(why: string): void {
    this.closeError = new PulsepetError('PP_ERR_TRANSPORT', `${this.clientId}: ${why}`);
    this.socket.destroy();
  }
}
