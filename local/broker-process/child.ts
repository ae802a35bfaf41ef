/**
 * The broker process: the local IoT Core message broker (mTLS listener, aedes, sessions
 * on disk, policy authorization) with a read-only replica of the registry, driven by the
 * stack over the fork IPC channel ({@link ToChild} / {@link ToParent}). Only the broker's
 * connections, sessions and subscriptions live here; shadows, rules and the functions
 * stay in the stack, which observes and publishes through the channel.
 */
import type { X509Certificate } from 'node:crypto';
import { createServer } from 'node:http';
import { join } from 'node:path';
import pino from 'pino';
import type { Logger } from '../../common/logger';
import { type BrokerHandle, startBroker } from '../broker/broker';
import { createDurablePersistence } from '../broker/durable-persistence';
import { type AllocatorTrimmer, loadMallocTrim, startAllocatorTrimmer } from './allocator-trim';
import { RoleSessionStore, roleRights } from '../cognito/index';
import type { PolicyEvaluator } from '../policy/evaluator';
import { RegistryReplica } from '../registry/index';
import { ChildChannel } from './child-channel';
import { InterestAnnouncer } from './interest';
import { ReplicaFeed } from './replica-feed';
import type { ChildInit, SessionRecord, ToChild } from './messages';

const channel = new ChildChannel();

function childLogger(level: string): Logger {
  return pino(
    { level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime },
    { write: (line: string) => channel.send({ t: 'log', line }) },
  ).child({ component: 'broker-process' });
}

/** Role sessions as the stack issued them, rebuilt with their rights. */
function adoptSession(store: RoleSessionStore, s: SessionRecord, rights: Map<string, PolicyEvaluator>): void {
  const key = s.policyDocuments.join('\n');
  let evaluator = rights.get(key);
  if (!evaluator) {
    evaluator = roleRights(s.policyDocuments);
    rights.set(key, evaluator);
  }
  const { policyDocuments: _docs, ...session } = s;
  store.adopt({ ...session, rights: evaluator });
}

/** Gives a departed fleet's memory back to the OS (allocator-trim.ts), when the addon is built. */
function returnFreedMemory(broker: BrokerHandle, log: Logger): AllocatorTrimmer | undefined {
  const native = loadMallocTrim();
  if ('missing' in native) {
    log.warn(`freed memory stays with the allocator after a fleet leaves: ${native.missing}`);
    return undefined;
  }
  const mib = (b: number) => Math.round(b / 1_048_576);
  return startAllocatorTrimmer(native.trim, () => broker.connectionCount(), (t) =>
    log.info({ connectionsFrom: t.from, connectionsTo: t.to, rssBeforeMiB: mib(t.rssBefore), rssAfterMiB: mib(t.rssAfter), ms: Math.round(t.ms) }, 'connections closed: freed memory returned to the OS (malloc_trim)'),
  );
}

async function start(init: ChildInit): Promise<void> {
  const log = childLogger(init.logLevel);
  const registry = new RegistryReplica(init.registry, { region: init.region, accountId: init.accountId, logger: log });
  const sessions = new RoleSessionStore();
  const rights = new Map<string, PolicyEvaluator>();
  for (const s of init.sessions) adoptSession(sessions, s, rights);
  const persistence = await createDurablePersistence(join(init.dataDir, 'broker'), log);
  const interest = new InterestAnnouncer((filters) => channel.request({ t: 'interest', filters }));
  const broker: BrokerHandle = await startBroker({
    host: init.host,
    port: init.port,
    tls: init.tls,
    registry,
    region: init.region,
    logger: log,
    persistence,
    wsCredentials: init.wsCredentials,
    holdIntake: true,
    sessions,
    autoRegister: (peer: X509Certificate) => channel.request({ t: 'autoRegister', der: peer.raw }),
    announceSubscription: (filter) => interest.announce(filter),
    ...(init.limits ? { limits: init.limits } : {}),
  });
  // MQTT over WebSocket: the stack's gateway hands `/mqtt` upgrades to this loopback listener
  const ws = createServer((_req, res) => res.writeHead(404).end());
  broker.attachWebSocket(ws, '/mqtt');
  await new Promise<void>((resolve) => ws.listen(0, '127.0.0.1', resolve));
  const wsPort = (ws.address() as { port: number }).port;
  const trimmer = returnFreedMemory(broker, log);
  const feed = new ReplicaFeed(registry);
  channel.serve(broker, {
    ...(trimmer ? { allocatorTrims: () => trimmer.stats } : {}),
    registry: (m) => feed.receive(m.changes, m.events),
    beforeMessage: () => feed.applyPending(),
    session: (s) => adoptSession(sessions, s, rights),
    close: async () => {
      trimmer?.stop();
      ws.close();
      await broker.close();
    },
  });
  // what restored sessions may receive on, before `ready`: the stack's mirror is then complete
  const persisted = persistence.persistedFilters();
  interest.told(persisted);
  channel.send({ t: 'interest', filters: persisted });
  channel.send({ t: 'ready', port: broker.port, wsPort });
}

channel.onInit((msg: ToChild & { t: 'init' }) =>
  start(msg.init).catch((e: unknown) => {
    const err = e as NodeJS.ErrnoException;
    channel.send({ t: 'failed', error: { message: err.message ?? String(e), ...(err.code ? { code: err.code } : {}), ...(err.stack ? { stack: err.stack } : {}) } });
    channel.exitSoon(1);
  }),
);
