import { Aedes } from 'aedes';
import aedesMemoryPersistence from 'aedes-persistence';
import { z } from 'zod';
import type { Logger } from '../../common/logger';
import type { BrokerBus, PublishOrigin, RoleSessions } from '../ports';
import type { RegistryReader } from '../registry/index';
import { AckBacklog } from './ack-backlog';
import { holdReadsWhileHandling, onlineSubscriptionCheck } from './aedes-internals';
import { BrokerAuthorizer } from './authz';
import { CertificateAuthenticator } from './cert-auth';
import { CloudBus } from './cloud-bus';
import { ConnectionTable } from './connections';
import { createHooks } from './hooks';
import { LifecycleEvents } from './lifecycle';
import { type BrokerLimits, type BrokerLimitsInput, resolveLimits } from './limits';
import { inspectPackets } from './packet-inspection';
import { PublishRouting } from './publish-routing';
import { PublishThrottle } from './publish-throttle';
import { watchRegistry } from './registry-watch';
import { markReason } from './session';
import { createSubscriberCheck, type SubscriberCheck } from './subscribers';
import { type Admit, type AutoRegister, listenTls } from './tls-listener';
import { IntakeGate } from './intake-gate';
import { type HttpServer, WebSocketListener } from './websocket-listener';

/** {@link BrokerOptions.holdReadsAbove}'s default: about 7 MiB of publishes waiting for the stack. */
const DEFAULT_HOLD_READS_ABOVE = 1_000;

/** An aedes-compatible persistence (aedes-persistence 11 interface), e.g. createDurablePersistence(). */
export type BrokerPersistence = object;

export interface BrokerOptions {
  host?: string;
  /** 0 (tests) picks a free port */
  port?: number;
  /** server key and certificate chain (PEM); `ca` is advertised in the TLS CertificateRequest */
  tls: { key: string; cert: string; ca?: string };
  registry: RegistryReader;
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
  /**
   * Temporary credentials of assumed roles (the local Cognito identity pool's): a URL
   * presigned with one is admitted with its session token, and the connection may do only
   * what the role's IAM policy allows (connect, publish, subscribe, receive).
   */
  sessions?: RoleSessions;
  /**
   * Just-in-time registration (JITR/JITP) of unknown client certificates; without it they are
   * simply refused. The first connection is closed once it settles, as on IoT Core.
   */
  autoRegister?: AutoRegister;
  /**
   * Authenticated connections wait until {@link BrokerHandle.openIntake} (the stack opens it
   * once rules and shadows are wired); default false: admitted at once.
   */
  holdIntake?: boolean;
  /**
   * While more client publishes than this wait for the stack to take them, a connection
   * with a packet still being handled is not read further: what its device sends meanwhile
   * stays in the kernel's socket buffers, not in the broker's memory (about 7 KiB a waiting
   * publish). Default 1,000; 0 holds whenever any publish waits.
   */
  holdReadsAbove?: number;
  /**
   * Called for each granted subscription's filter before its SUBACK, which waits for a
   * returned promise (the broker process tells the stack: broker-process/interest.ts).
   */
  announceSubscription?: (filter: string) => Promise<void> | undefined;
}

export interface BrokerHandle extends BrokerBus {
  /**
   * {@link BrokerBus.publish}, plus an optional `origin` observers see (e.g. the
   * access key id of an iotdata Publish caller); without it the origin is `{}`.
   */
  publish(topic: string, payload: Buffer | string, options?: { qos?: 0 | 1; retain?: boolean; origin?: PublishOrigin; to?: string }): Promise<void>;
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
  /** Serves MQTT over WebSocket on `path` of an existing HTTP or HTTPS server (IoT Core's `/mqtt`; `wss://` over HTTPS). */
  attachWebSocket(server: HttpServer, path: '/mqtt'): void;
  /** Admits the connections held since start ({@link BrokerOptions.holdIntake}) and every later one. */
  openIntake(): void;
  close(): Promise<void>;
}

const optionsSchema = z.object({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(8883),
  region: z.string().min(1),
  tls: z.object({ key: z.string().min(1), cert: z.string().min(1), ca: z.string().optional() }),
});

/**
 * aedes with the hooks, routing every message to the cloud bus (whose before-ack
 * observers delay it); `routing` routes devices' QoS 1 publishes before their PUBACK.
 */
async function createAedes(hooks: ReturnType<typeof createHooks>, persistence: BrokerPersistence, bus: CloudBus, routing: PublishRouting): Promise<Aedes> {
  const broker = await Aedes.createBroker({
    ...hooks,
    persistence,
    // IoT Core allows client ids up to 128 bytes (message-broker limits, "Client ID size")
    maxClientsIdLength: 128,
    published(packet, client, done) {
      const pending = bus.dispatch(packet, client);
      if (pending === undefined) done(null);
      else void pending.then(() => done(null));
    },
  });
  bus.attach(broker);
  routing.install(broker);
  return broker;
}

/** Closes aedes, then (after `between`, e.g. dropping sockets) destroys the persistence. */
async function stopAedes(broker: Aedes, persistence: BrokerPersistence, between?: () => Promise<void>): Promise<void> {
  await new Promise<void>((resolve) => broker.close(() => resolve()));
  await between?.();
  if ('destroy' in persistence && typeof persistence.destroy === 'function') await persistence.destroy();
}

/** Hands each authenticated connection to aedes once the intake gate lets it through. */
function admitter(d: { gate: IntakeGate; connections: ConnectionTable; broker: Aedes; backlog: AckBacklog; limits: Readonly<BrokerLimits>; log: Logger }): Admit {
  return (socket, principal, ipAddress, req) =>
    d.gate.pass(socket, () => {
      const s = d.connections.open(socket, principal, ipAddress);
      const client = d.broker.handle(socket, req);
      holdReadsWhileHandling(client, () => d.backlog.holding);
      d.connections.bind(s, client);
      inspectPackets(client, s, d.limits, d.log);
    });
}

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
  const authorizer = new BrokerAuthorizer(opts.registry, cfg.region, log);
  const connections = new ConnectionTable();
  let subscribers: SubscriberCheck | undefined;
  const bus = new CloudBus(connections, log, () => subscribers?.invalidate());
  const lifecycle = new LifecycleEvents((topic, payload, options) => bus.publish(topic, payload, options), log);
  const throttle = new PublishThrottle(limits.publishesPerSecond, log);
  const backlog = new AckBacklog(opts.holdReadsAbove ?? DEFAULT_HOLD_READS_ABOVE);
  const routing = new PublishRouting(throttle);
  const hooks = createHooks({
    limits,
    authorizer,
    log,
    connections,
    lifecycle,
    throttle,
    beforeAck: (packet, client) => backlog.track(bus.beforeAck(packet, client)),
    routeNow: (packet, client) => routing.routeNow(packet, client),
    addresseeOf: (packet) => bus.addresseeOf(packet),
    subscriptionGranted: () => subscribers?.invalidate(),
    ...(opts.announceSubscription ? { announceSubscription: opts.announceSubscription } : {}),
  });
  // aedes' default (memory) persistence, made here so that close() can destroy it
  const persistence = opts.persistence ?? aedesMemoryPersistence();

  const broker = await createAedes(hooks, persistence, bus, routing);
  connections.trackRegistrations(broker);
  lifecycle.attach(broker, connections);
  const check = createSubscriberCheck(onlineSubscriptionCheck(broker), opts.persistence, bus.observers);
  subscribers = check;
  // A restored persistent session's subscriptions reach aedes' table without a
  // SUBSCRIBE; removals are picked up too, so answers do not stay true for nobody.
  const invalidate = () => check.invalidate();
  broker.on('clientReady', invalidate).on('subscribe', invalidate).on('unsubscribe', invalidate).on('clientDisconnect', invalidate);
  const unwatch = watchRegistry(opts.registry, connections, authorizer, log);

  const gate = new IntakeGate(!opts.holdIntake);
  const admit = admitter({ gate, connections, broker, backlog, limits, log });
  const certAuth = new CertificateAuthenticator(opts.registry);
  const autoRegister = opts.autoRegister ? { autoRegister: opts.autoRegister } : {};
  const tls = await listenTls({ host: cfg.host, port: cfg.port, tls: opts.tls, certAuth, log, admit, ...autoRegister }).catch(async (e: unknown) => {
    // A failed listen (port in use) leaves nothing running that would keep the process alive.
    unwatch();
    await stopAedes(broker, persistence);
    throw e;
  });
  const ws = new WebSocketListener({ region: cfg.region, wsCredentials: opts.wsCredentials, sessions: opts.sessions, log, admit });

  return {
    port: tls.port,
    limits,
    connectionCount: () => connections.size,
    hasSubscribers: (topic) => check.has(topic),
    publish: (topic, payload, options) => bus.publish(topic, payload, options),
    onPublish: (filter, handler, options) => bus.onPublish(filter, handler, options),
    attachWebSocket: (http, path) => ws.attach(http, path),
    openIntake: () => gate.open(),
    async close() {
      if (lifecycle.closing) return;
      lifecycle.shutdown();
      gate.close();
      unwatch();
      ws.close();
      const serverClosed = tls.close();
      for (const s of connections.values()) markReason(s, 'SERVER_INITIATED_DISCONNECT');
      await stopAedes(broker, persistence, () => {
        for (const s of connections.values()) s.socket.destroy();
        return serverClosed;
      });
      log.info('broker closed');
    },
  };
}
