import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { Aedes, type Client, type PublishPacket } from 'aedes';
import { createWebSocketStream, WebSocketServer } from 'ws';
import { z } from 'zod';
import type { Logger } from '../../common/logger';
import { PulsepetError } from '../../protocol/errors';
import type { BrokerBus, InternalPublishHandler, PublishOrigin } from '../ports';
import type { Registry } from '../registry/registry';
import { BrokerAuthorizer, type BrokerPrincipal } from './authz';
import { CertificateAuthenticator } from './cert-auth';
import { createHooks, inspectPackets } from './hooks';
import { type BrokerLimits, type BrokerLimitsInput, resolveLimits } from './limits';
import { connectedEvent, connectFailedEvent, type DisconnectReason, disconnectedEvent, hasLifecycleEvents } from './presence';
import { markReason, normalizeIp, type Session, sessionFacts, sessionOrigin } from './session';
import { createSubscriberCheck, type SubscriberCheck } from './subscribers';
import { TopicTrie } from './topic-trie';
import { verifyPresignedUrl } from './ws-auth';

/** An aedes-compatible persistence (aedes-persistence 11 interface), e.g. createDurablePersistence(). */
export type BrokerPersistence = object;

export interface BrokerOptions {
  host?: string;
  /** 0 (tests) picks a free port */
  port?: number;
  /** server key and certificate chain (PEM); `ca` is advertised in the TLS CertificateRequest */
  tls: { key: string; cert: string; ca?: string };
  registry: Registry;
  region: string;
  logger: Logger;
  /** session store; defaults to aedes-persistence (memory). The broker closes it on close(). */
  persistence?: BrokerPersistence;
  /** IoT Core limits; defaults are AWS's */
  limits?: BrokerLimitsInput;
  /**
   * Credentials SigV4-presigned WebSocket URLs must be signed with. Without them
   * WebSocket connections are accepted from loopback addresses only.
   */
  wsCredentials?: { accessKeyId: string; secretAccessKey: string };
}

export interface BrokerHandle extends BrokerBus {
  /**
   * {@link BrokerBus.publish}, plus an optional `origin` observers see (e.g. the
   * access key id of an iotdata Publish caller); without it the origin is `{}`.
   */
  publish(topic: string, payload: Buffer | string, options?: { qos?: 0 | 1; retain?: boolean; origin?: PublishOrigin }): Promise<void>;
  port: number;
  readonly limits: Readonly<BrokerLimits>;
  /**
   * False only when a (non-retained) publish on `topic` would reach nobody: no
   * online subscription, no persistent session queueing it, no in-process
   * observer. Conservative: true when it cannot tell.
   */
  hasSubscribers(topic: string): boolean;
  /** number of open MQTT connections (TLS + WebSocket) */
  connectionCount(): number;
  /** Serves MQTT over WebSocket on `path` of an existing HTTP server (IoT Core's `/mqtt`). */
  attachWebSocket(server: HttpServer, path: '/mqtt'): void;
  close(): Promise<void>;
}

const optionsSchema = z.object({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(8883),
  region: z.string().min(1),
  tls: z.object({ key: z.string().min(1), cert: z.string().min(1), ca: z.string().optional() }),
});

/**
 * Starts the local IoT Core message broker: aedes on a TLS 1.2+ server with X.509
 * client authentication against the registry, IoT policy authorization of every
 * CONNECT/PUBLISH/SUBSCRIBE/RECEIVE, IoT Core's per-connection limits, lifecycle
 * events, and an in-process {@link BrokerBus} for cloud-side components.
 *
 * @example
 * const broker = await startBroker({ port: 0, tls: { key, cert, ca }, registry, region, logger });
 * const off = broker.onPublish('dt/pulsepet/+/telemetry', ({ topic, payload, origin }) => ...);
 */
export async function startBroker(opts: BrokerOptions): Promise<BrokerHandle> {
  const cfg = optionsSchema.parse({ host: opts.host, port: opts.port, region: opts.region, tls: opts.tls });
  const limits = resolveLimits(opts.limits);
  const log = opts.logger.child({ component: 'broker' });
  const registry = opts.registry;
  const authorizer = new BrokerAuthorizer(registry, cfg.region, log);
  const certAuth = new CertificateAuthenticator(registry);

  const sessionsByClient = new WeakMap<object, Session>();
  const sessionsByCert = new Map<string, Set<Session>>();
  const open = new Set<Session>();
  const versions = new Map<string, number>();
  const throttled = new WeakSet<object>();
  const cloudOrigins = new WeakMap<object, PublishOrigin>();
  const observers = new TopicTrie<InternalPublishHandler>();
  let aedes: Aedes | undefined;
  let closing = false;

  let subscribers: SubscriberCheck | undefined;
  const hooks = createHooks({
    limits,
    subscriptionGranted: () => subscribers?.invalidate(),
    authorizer,
    log,
    sessionOf: (client) => (client ? sessionsByClient.get(client) : undefined),
    aedes: () => aedes,
    throttled,
    connectRefused(s) {
      if (s.clientId === undefined || !hasLifecycleEvents(s.clientId)) return;
      const ev = connectFailedEvent(sessionFacts(s));
      publishLifecycle(ev.topic, ev.payload);
    },
  });

  aedes = await Aedes.createBroker({
    ...hooks,
    ...(opts.persistence ? { persistence: opts.persistence } : {}),
    // IoT Core allows client ids up to 128 bytes (message-broker limits, "Client ID size")
    maxClientsIdLength: 128,
    published(packet, client, done) {
      dispatch(packet, client);
      done(null);
    },
  });
  const broker = aedes;
  subscribers = createSubscriberCheck(broker, opts.persistence, observers);
  const check = subscribers;
  // A restored persistent session's subscriptions reach aedes' table without a
  // SUBSCRIBE; removals are picked up too, so answers do not stay true for nobody.
  const invalidate = () => check.invalidate();
  broker.on('clientReady', invalidate);
  broker.on('subscribe', invalidate);
  broker.on('unsubscribe', invalidate);
  broker.on('clientDisconnect', invalidate);

  // A throttled publish has passed authorization (so aedes acknowledges it) but is
  // not routed; aedes exposes no hook between PUBACK and routing, so wrap publish.
  const routePublish = broker.publish.bind(broker) as unknown as (p: PublishPacket, c: Client | null, d: (e?: Error) => void) => void;
  (broker as { publish: unknown }).publish = (
    packet: PublishPacket,
    client: Client | null | ((e?: Error) => void),
    done?: (e?: Error) => void,
  ): void => {
    const cb = typeof client === 'function' ? client : (done ?? (() => {}));
    const c = typeof client === 'function' ? null : client;
    if (throttled.has(packet)) {
      throttled.delete(packet);
      cb();
      return;
    }
    routePublish(packet, c, cb);
  };

  function dispatch(packet: PublishPacket, client: Client | null): void {
    if (observers.size === 0 || packet.topic.startsWith('$SYS/')) return;
    const handlers = observers.match(packet.topic);
    if (handlers.length === 0) return;
    const s = client ? sessionsByClient.get(client) : undefined;
    const origin = s ? sessionOrigin(s) : (cloudOrigins.get(packet) ?? {});
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    const msg = { topic: packet.topic, payload, qos: (packet.qos > 0 ? 1 : 0) as 0 | 1, retain: packet.retain === true, origin };
    for (const h of handlers) {
      try {
        const r = h(msg);
        if (r && typeof r.then === 'function') r.then(undefined, (err) => log.error({ err, topic: msg.topic }, 'onPublish handler failed'));
      } catch (err) {
        log.error({ err, topic: msg.topic }, 'onPublish handler failed');
      }
    }
  }

  function cloudPublish(topic: string, payload: Buffer | string, options: { qos?: 0 | 1; retain?: boolean; origin?: PublishOrigin } = {}): Promise<void> {
    if (topic.length === 0 || topic.includes('+') || topic.includes('#')) {
      return Promise.reject(new PulsepetError('PP_ERR_VALIDATION', `cannot publish to topic ${JSON.stringify(topic)}`));
    }
    const packet: PublishPacket = {
      cmd: 'publish',
      topic,
      payload: Buffer.isBuffer(payload) ? payload : Buffer.from(payload, 'utf8'),
      qos: options.qos ?? 0,
      retain: options.retain ?? false,
      dup: false,
    };
    if (options.origin) cloudOrigins.set(packet, options.origin);
    return new Promise((resolve, reject) => {
      broker.publish(packet, (err?: Error) => {
        if (err) reject(new PulsepetError('PP_ERR_TRANSPORT', `broker could not route ${topic}`, { cause: err }));
        else resolve();
      });
    });
  }

  function publishLifecycle(topic: string, payload: object): void {
    // while shutting down the persistence is going away; nobody local is listening
    if (closing) return;
    cloudPublish(topic, JSON.stringify(payload), { qos: 1 }).catch((err) => {
      if (!closing) log.warn({ err, topic }, 'lifecycle event not published');
    });
  }

  broker.on('clientReady', (client) => {
    const s = sessionsByClient.get(client);
    if (!s) return;
    const v = (versions.get(client.id) ?? 0) + 1;
    versions.set(client.id, v);
    s.versionNumber = v;
    s.announced = true;
    log.info({ clientId: client.id, principal: sessionFacts(s).principalIdentifier, session: s.id }, 'client connected');
    if (hasLifecycleEvents(client.id)) {
      const ev = connectedEvent(sessionFacts(s));
      publishLifecycle(ev.topic, ev.payload);
    }
  });
  broker.on('clientDisconnect', (client) => {
    const s = sessionsByClient.get(client);
    if (!s?.announced) return;
    s.announced = false;
    const reason: DisconnectReason = s.reason ?? (closing ? 'SERVER_INITIATED_DISCONNECT' : 'CONNECTION_LOST');
    log.info({ clientId: client.id, reason, session: s.id }, 'client disconnected');
    if (hasLifecycleEvents(client.id)) {
      const ev = disconnectedEvent(sessionFacts(s), reason);
      publishLifecycle(ev.topic, ev.payload);
    }
  });
  // aedes reports persistence failures as 'error'; an unhandled 'error' would throw
  (broker as unknown as NodeJS.EventEmitter).on('error', (err: Error) => log.error({ err }, 'broker error'));
  broker.on('clientError', (client, err) => log.debug({ clientId: client.id, err: err.message }, 'client error'));
  broker.on('keepaliveTimeout', (client) => {
    const s = sessionsByClient.get(client);
    if (s) markReason(s, 'MQTT_KEEP_ALIVE_TIMEOUT');
  });
  broker.on('unsubscribe', (filters, client) => {
    const s = sessionsByClient.get(client);
    if (s) for (const f of filters) s.subscriptions.delete(f);
  });

  function admit(socket: Duplex, principal: BrokerPrincipal, ipAddress: string | undefined, req?: IncomingMessage): void {
    const s: Session = { id: randomUUID(), socket, principal, subscriptions: new Set(), announced: false };
    const ip = normalizeIp(ipAddress);
    if (ip !== undefined) (s as { ipAddress?: string }).ipAddress = ip;
    open.add(s);
    if (principal.kind === 'certificate') {
      let set = sessionsByCert.get(principal.certificateId);
      if (!set) {
        set = new Set();
        sessionsByCert.set(principal.certificateId, set);
      }
      set.add(s);
    }
    socket.once('close', () => {
      open.delete(s);
      if (principal.kind === 'certificate') {
        const set = sessionsByCert.get(principal.certificateId);
        set?.delete(s);
        if (set?.size === 0) sessionsByCert.delete(principal.certificateId);
      }
    });
    const client = broker.handle(socket, req);
    s.client = client;
    sessionsByClient.set(client, s);
    inspectPackets(client, s, limits, log);
  }

  /** Closes every connection matching `pick` (certificate revoked, CA deactivated…). */
  function drop(pick: (s: Session) => boolean, reason: DisconnectReason, why: string): void {
    for (const s of open) {
      if (!pick(s)) continue;
      markReason(s, reason);
      log.info({ clientId: s.clientId, session: s.id, why }, 'closing connection');
      if (s.client) s.client.close();
      else s.socket.destroy();
    }
  }

  const onCertStatus = (e: { certificateId: string; status: string }) => {
    if (e.status === 'ACTIVE') return;
    const set = sessionsByCert.get(e.certificateId);
    if (set) drop((s) => set.has(s), 'AUTH_ERROR', `certificate ${e.status}`);
  };
  const onCertDeleted = (e: { certificateId: string }) => {
    const set = sessionsByCert.get(e.certificateId);
    if (set) drop((s) => set.has(s), 'AUTH_ERROR', 'certificate deleted');
  };
  const onCaStatus = (e: { certificateId: string; status: string }) => {
    if (e.status === 'ACTIVE') return;
    drop((s) => s.principal.kind === 'certificate' && s.principal.caCertificateId === e.certificateId, 'AUTH_ERROR', 'issuing CA inactive');
  };
  const onPolicyChange = () => authorizer.invalidate();
  registry.on('certificate-status', onCertStatus);
  registry.on('certificate-deleted', onCertDeleted);
  registry.on('ca-status', onCaStatus);
  registry.on('policy-changed', onPolicyChange);
  registry.on('attachments-changed', onPolicyChange);

  const server = createTlsServer(
    {
      key: opts.tls.key,
      cert: opts.tls.cert,
      ...(opts.tls.ca ? { ca: opts.tls.ca } : {}),
      minVersion: 'TLSv1.2',
      requestCert: true,
      // Chains are verified against the registry below: registered CAs change at run time.
      rejectUnauthorized: false,
    },
    (socket: TLSSocket) => {
      const check = certAuth.check(socket.getPeerX509Certificate());
      if (!check.ok) {
        log.warn({ certificateId: check.certificateId, reason: check.reason, ip: normalizeIp(socket.remoteAddress) }, 'TLS client refused');
        socket.destroy();
        return;
      }
      admit(socket, check.principal, socket.remoteAddress);
    },
  );
  // Nagle's algorithm delays small MQTT packets (~40 ms per CONNACK round trip).
  server.on('connection', (raw: Socket) => raw.setNoDelay(true));
  server.on('tlsClientError', (err) => log.debug({ err: err.message }, 'TLS handshake failed'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(cfg.port, cfg.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => log.error({ err }, 'broker server error'));
  const port = (server.address() as AddressInfo).port;
  log.info({ host: cfg.host, port }, 'broker listening (MQTT over TLS)');

  type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  const wsServers: Array<{ http: HttpServer; onUpgrade: UpgradeListener; wss: WebSocketServer }> = [];

  function attachWebSocket(http: HttpServer, path: '/mqtt'): void {
    const wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false,
      // IoT Core requires the `mqtt` WebSocket subprotocol
      handleProtocols: (protocols) => (protocols.has('mqtt') ? 'mqtt' : false),
    });
    const onUpgrade: UpgradeListener = (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (url.pathname !== path) {
        if (http.listenerCount('upgrade') === 1) socket.destroy();
        return;
      }
      const remote = (socket as Socket).remoteAddress;
      let principal: BrokerPrincipal;
      if (opts.wsCredentials) {
        const check = verifyPresignedUrl(
          { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers },
          opts.wsCredentials,
          { region: cfg.region },
        );
        if (!check.ok) {
          log.warn({ reason: check.reason, ip: normalizeIp(remote) }, 'WebSocket connection refused');
          socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
          return;
        }
        principal = { kind: 'iam', accessKeyId: check.accessKeyId };
      } else {
        const ip = normalizeIp(remote);
        if (ip !== '127.0.0.1' && ip !== '::1') {
          socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
          return;
        }
        principal = { kind: 'iam', accessKeyId: 'loopback' };
      }
      (socket as Socket).setNoDelay?.(true);
      wss.handleUpgrade(req, socket, head, (ws) => {
        const stream = createWebSocketStream(ws);
        stream.on('error', () => stream.destroy());
        admit(stream, principal, remote, req);
      });
    };
    http.on('upgrade', onUpgrade);
    wsServers.push({ http, onUpgrade, wss });
  }

  return {
    port,
    limits,
    connectionCount: () => open.size,
    hasSubscribers: (topic) => check.has(topic),
    publish: (topic, payload, options) => cloudPublish(topic, payload, options),
    onPublish(filter, handler) {
      const off = observers.add(filter, handler);
      check.invalidate();
      return () => {
        off();
        check.invalidate();
      };
    },
    attachWebSocket,
    async close() {
      if (closing) return;
      closing = true;
      registry.off('certificate-status', onCertStatus);
      registry.off('certificate-deleted', onCertDeleted);
      registry.off('ca-status', onCaStatus);
      registry.off('policy-changed', onPolicyChange);
      registry.off('attachments-changed', onPolicyChange);
      for (const w of wsServers) {
        w.http.off('upgrade', w.onUpgrade);
        w.wss.close();
      }
      const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of open) markReason(s, 'SERVER_INITIATED_DISCONNECT');
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      for (const s of open) s.socket.destroy();
      await serverClosed;
      const p = (broker as unknown as { persistence?: { destroy?: () => Promise<void> | void } }).persistence;
      await p?.destroy?.();
      log.info('broker closed');
    },
  };
}
