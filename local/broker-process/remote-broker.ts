/**
 * The local IoT Core broker in a process of its own (`pulsepet up --broker-process`): the
 * stack forks it and gets a {@link BrokerHandle} that speaks to it over the IPC channel.
 * Its connections' TLS state, sessions and subscriptions then live, and are measured, in
 * that process, and its CPU runs beside the stack's main thread instead of on it.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import type { Logger } from '../../common/logger';
import type { BrokerHandle } from '../broker/broker';
import { resolveLimits } from '../broker/limits';
import type { HttpServer } from '../broker/websocket-listener';
import type { RoleSession } from '../ports';
import type { Registry } from '../registry/index';
import { ParentChannel } from './parent-channel';
import type { BrokerProcessStats, ChildInit, SessionRecord } from './messages';
import type { RegistryFeed } from './registry-feed';
import { proxyWebSocketUpgrades } from './ws-proxy';

/** Where and how the broker listens (as the child gets them), and the stack's side of the wiring. */
export interface BrokerProcessOptions extends Omit<ChildInit, 'logLevel' | 'registry' | 'sessions'> {
  logger: Logger;
  registry: Registry;
  /** the feed the registry was opened with (`onChange`) */
  registryFeed: RegistryFeed;
  /** the role sessions the gateway issues, and their roles' policy documents */
  sessions?: { store: { all(): RoleSession[]; onIssue(l: (s: RoleSession) => void): void }; policyDocuments: readonly string[] };
  /** just-in-time registration, run in the stack (it writes the registry) */
  autoRegister?: (peer: X509Certificate) => Promise<unknown>;
  /** the process ended without being closed (crash, kill) */
  onExit?: (info: { code: number | null; signal: NodeJS.Signals | null }) => void;
}

export interface BrokerProcessHandle extends BrokerHandle {
  readonly pid: number;
  /** the broker process's latest figures (reported every half second) */
  stats(): BrokerProcessStats;
}

const CLOSE_TIMEOUT_MS = 15_000;

/** Whether a broker handle is a broker process's. */
export function isBrokerProcess(b: BrokerHandle): b is BrokerProcessHandle {
  return 'pid' in b && 'stats' in b;
}

function sessionRecord(s: RoleSession, policyDocuments: readonly string[]): SessionRecord {
  const { rights: _rights, ...rest } = s;
  return { ...rest, policyDocuments };
}

/**
 * glibc's malloc threshold above which a block gets its own mapping. Each TLS connection
 * keeps a 64 KiB read buffer (Node's `NodeBIO`, sized by libuv's read hint) for its
 * lifetime, of which a device's small packets touch a page or two. From its own mapping
 * only the touched pages are resident; carved from the main arena, it also holds pages
 * earlier blocks touched, and the transient 64 KiB reads fragment the arena around the
 * connections' long-lived state. glibc's default threshold is 128 KiB, and rises after
 * large frees; setting it also fixes it.
 */
const BROKER_MMAP_THRESHOLD = 64 * 1024;

/**
 * The broker process's environment: the stack's, with {@link BROKER_MMAP_THRESHOLD} unless
 * the operator set a malloc threshold or glibc tunables themselves.
 */
export function brokerProcessEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (env.MALLOC_MMAP_THRESHOLD_ !== undefined || env.GLIBC_TUNABLES !== undefined) return env;
  return { ...env, MALLOC_MMAP_THRESHOLD_: String(BROKER_MMAP_THRESHOLD) };
}

function spawnChild(log: Logger): ChildProcess {
  return fork(new URL('./child-bootstrap.mjs', import.meta.url), [], {
    serialization: 'advanced',
    env: brokerProcessEnv(process.env),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    // the stack's own flags (e.g. --cpu-prof) are not the broker's; --expose-gc lets the
    // allocator trimmer collect a departed fleet's garbage before malloc_trim (allocator-trim.ts)
    execArgv: [...process.execArgv.filter((a) => a.startsWith('--max-old-space-size')), '--expose-gc'],
  }).on('error', (err) => log.error({ err }, 'broker process error'));
}

/**
 * Forks the broker process and waits until it listens. Devices get in once
 * {@link BrokerHandle.openIntake} is called, as with the in-process broker.
 */
export async function startBrokerProcess(opts: BrokerProcessOptions): Promise<BrokerProcessHandle> {
  const log = opts.logger.child({ component: 'broker-process' });
  const limits = resolveLimits(opts.limits);
  const child = spawnChild(log);
  const channel = new ParentChannel(child, opts.registryFeed, opts.logger);
  const snapshot = opts.registryFeed.attach(opts.registry, (m) => channel.sendRaw(m));
  const docs = opts.sessions?.policyDocuments ?? [];
  opts.sessions?.store.onIssue((s) => channel.send({ t: 'session', session: sessionRecord(s, docs) }));
  if (opts.autoRegister) {
    const register = opts.autoRegister;
    channel.onAutoRegister((der) => register(new X509Certificate(der)));
  }
  const init: ChildInit = {
    dataDir: opts.dataDir,
    host: opts.host,
    port: opts.port,
    region: opts.region,
    accountId: opts.accountId,
    tls: opts.tls,
    wsCredentials: opts.wsCredentials,
    logLevel: opts.logger.level,
    registry: snapshot,
    sessions: (opts.sessions?.store.all() ?? []).map((s) => sessionRecord(s, docs)),
    ...(opts.limits ? { limits: opts.limits } : {}),
  };
  const { port, wsPort } = await channel.start(init).catch((e: unknown) => {
    opts.registryFeed.detach();
    throw e;
  });
  log.info({ pid: child.pid, port }, 'broker process listening');
  let closing: Promise<void> | undefined;
  child.on('exit', (code, signal) => {
    opts.registryFeed.detach();
    if (closing) return;
    log.error({ code, signal }, 'broker process exited');
    opts.onExit?.({ code, signal });
  });
  const proxies: Array<() => void> = [];
  return {
    pid: child.pid ?? -1,
    stats: () => channel.stats,
    port,
    limits,
    connectionCount: () => channel.connectionCount,
    // the filters the broker process announced (its SUBACKs wait for them: interest.ts)
    hasSubscribers: (topic) => channel.interest.has(topic),
    publish: (topic, payload, options) => channel.publish(topic, payload, options),
    onPublish: (filter, handler, options) => channel.observe(filter, handler, options?.beforeAck === true),
    attachWebSocket: (http: HttpServer, path) => {
      proxies.push(proxyWebSocketUpgrades(http, path, () => (child.exitCode === null ? wsPort : undefined)));
    },
    openIntake: () => channel.send({ t: 'openIntake' }),
    close() {
      closing ??= (async () => {
        for (const off of proxies.splice(0)) off();
        await channel.close(CLOSE_TIMEOUT_MS);
        opts.registryFeed.detach();
        log.info('broker process closed');
      })();
      return closing;
    },
  };
}
