import { readFileSync } from 'node:fs';
import { acquireDirLock, type DirLock } from '../common/dir-lock';
import { EXIT_CODES } from '../common/exit-codes';
import { createLogger, type Logger } from '../common/logger';
import { DirUnusableError, dirFailure, listenFailure } from '../common/startup-errors';
import { isPulsepetError } from '../protocol/errors';
import {
  Agent,
  type AgentConfig,
  agentUsage,
  type ClaimArgs,
  ClaimRejectedError,
  defaultSerial,
  ensureIdentity,
  HttpInput,
  JsonLinesInput,
  Outbox,
  mqtt311Transport,
  mqtt5Transport,
  parseAgentArgs,
  parseMqttEndpoint,
  type SampleSource,
  SimInput,
  startStatusServer,
  watchOutputFromSpec,
} from '../device-agent/index';
import { isWatchScenario, WATCH_SCENARIOS, WatchSimulator } from '../simulators/index';

/**
 * `pulsepet agent` — the gateway device agent. Runs until SIGTERM/SIGINT, then
 * stops the inputs, disconnects and closes the outbox (everything accepted stays on
 * disk for the next run). One agent at a time owns an outbox dir (a lock file in it).
 * Exit codes (common/exit-codes.ts): 0 after a clean stop, 2 for bad configuration,
 * 3 when a port is taken, 4 when the outbox dir is locked or not writable, 5 when
 * the outbox is corrupt.
 */
export async function agent(argv: string[]): Promise<number> {
  // The agent does not know the simulators; the scenarios it accepts come from here.
  const args = parseAgentArgs(argv, { scenarios: WATCH_SCENARIOS, defaultSerial });
  if (args.mode === 'help') {
    process.stdout.write(`${agentUsage(WATCH_SCENARIOS)}\n`);
    return 0;
  }
  if (args.mode === 'claim') return agentByClaim(args.claim, args.withIdentity);
  return runAgent(args.config, createLogger('agent', { level: args.config.logLevel }));
}

/**
 * First start by claim: holds the device folder's lock, takes the identity there or
 * provisions one by claim (cli exits 2 with IoT Core's errorCode and errorMessage if
 * it is refused), then runs the agent as that thing.
 */
async function agentByClaim(claim: ClaimArgs, withIdentity: (configFile: string) => Readonly<AgentConfig>): Promise<number> {
  const logger = createLogger('agent', { level: claim.logLevel });
  let lock: DirLock;
  try {
    lock = acquireDirLock(claim.deviceDir, 'pulsepet agent');
  } catch (e) {
    if (!(e instanceof DirUnusableError)) throw e;
    process.stderr.write(`pulsepet agent: device folder ${e.message} — stop the other agent, or pass --device-dir with another directory\n`);
    return EXIT_CODES.dirUnusable;
  }
  let identity: Awaited<ReturnType<typeof ensureIdentity>>;
  try {
    identity = await ensureIdentity({ deviceDir: claim.deviceDir, claimConfigFile: claim.claimConfig, serial: claim.serial, logger, ...(claim.template ? { template: claim.template } : {}) });
  } catch (e) {
    lock.release();
    if (!(e instanceof ClaimRejectedError) && !isPulsepetError(e, 'PP_ERR_CONFIG')) throw e;
    process.stderr.write(`pulsepet agent: provisioning by claim failed: ${e.message}\n`);
    logger.flush();
    // the CRT's native handles may outlive the connection (aws-crt-nodejs #600)
    setTimeout(() => process.exit(EXIT_CODES.usage), 100).unref();
    return EXIT_CODES.usage;
  }
  try {
    return await runAgent(withIdentity(identity.configFile), logger);
  } finally {
    lock.release();
  }
}

/** Runs the agent over a complete config until SIGTERM/SIGINT. */
async function runAgent(cfg: Readonly<AgentConfig>, logger: Logger): Promise<number> {
  // Nothing in the outbox dir is read before the lock is held.
  const lock = acquireDirLock(cfg.outbox, 'pulsepet agent');
  let wired: ReturnType<typeof wireAgent>;
  try {
    wired = wireAgent(cfg, logger);
  } catch (e) {
    lock.release();
    throw dirFailure(e, cfg.outbox) ?? e;
  }
  const { agent: a, outbox, sources } = wired;
  a.on('error', () => undefined);
  // Signal handlers before anything is exposed: a supervisor may stop the agent as soon as it answers.
  const signalled = new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  let status: Awaited<ReturnType<typeof startStatusServer>> | undefined;
  try {
    status = await startListeners(cfg, a, sources, logger);
  } catch (e) {
    // A port in use: undo what started, keep the outbox as it was.
    await shutDown(a, sources, logger);
    lock.release();
    throw e;
  }
  logger.info(
    { thing: cfg.thing, endpoint: cfg.endpoint, mqtt: cfg.mqtt, inputs: cfg.input, outbox: cfg.outbox, depth: outbox.depth, dutyCycleMs: cfg.dutyCycle },
    'agent starting',
  );
  a.start();
  const signal = await signalled;
  logger.info({ signal }, 'agent stopping');
  await shutDown(a, sources, logger);
  await status?.close();
  lock.release();
  logger.info({ depth: outbox.depth }, 'agent stopped');
  logger.flush();
  // The MQTT5 client (and CRT native handles) can keep the loop alive after close
  // (aws-crt-nodejs #600): exit explicitly once the logs are out.
  setTimeout(() => process.exit(0), 100).unref();
  return 0;
}

/** The status server and the inputs; a port that cannot be listened on becomes a PortUnavailableError naming its flag. */
async function startListeners(
  cfg: AgentConfig,
  a: Agent,
  sources: readonly SampleSource[],
  logger: Logger,
): Promise<Awaited<ReturnType<typeof startStatusServer>> | undefined> {
  const host = '127.0.0.1';
  let status: Awaited<ReturnType<typeof startStatusServer>> | undefined;
  if (cfg.statusPort !== undefined) {
    const port = cfg.statusPort;
    status = await startStatusServer({ port, source: a, logger, host }).catch((e: unknown) => {
      throw listenFailure(e, { option: 'statusPort', service: 'status server', host, port }) ?? e;
    });
  }
  try {
    for (const [i, s] of sources.entries()) {
      await s.start(a).catch((e: unknown) => {
        const port = Number(cfg.input[i]?.slice(5));
        throw listenFailure(e, { option: 'httpInput', service: 'HTTP input', host, port }) ?? e;
      });
    }
  } catch (e) {
    await status?.close();
    throw e;
  }
  return status;
}

/** Builds the transport, the outbox, the inputs and the agent over them (nothing started yet). */
function wireAgent(cfg: AgentConfig, logger: Logger): { agent: Agent; outbox: Outbox; sources: SampleSource[] } {
  const { host, port } = parseMqttEndpoint(cfg.endpoint);
  const tls = {
    host,
    port,
    clientId: cfg.thing,
    certPem: readFileSync(cfg.cert, 'utf8'),
    keyPem: readFileSync(cfg.key, 'utf8'),
    caPem: readFileSync(cfg.ca, 'utf8'),
    logger,
  };
  const transport = cfg.mqtt === '5' ? mqtt5Transport(tls) : mqtt311Transport(tls);
  const outbox = Outbox.open({ dir: cfg.outbox, fsync: cfg.fsync, maxBytes: cfg.outboxMaxBytes, policy: cfg.outboxPolicy, logger });
  const sims: SimInput[] = [];
  const sources = cfg.input.map((spec) => makeSource(spec, cfg, logger, sims));
  const a = new Agent({
    thing: cfg.thing,
    transport,
    outbox,
    batch: { maxSamples: cfg.batchMaxSamples, maxBytes: cfg.batchMaxBytes, intervalMs: cfg.batchInterval },
    output: watchOutputFromSpec(cfg.watchOutput, process.stdout),
    logger,
    maxPublishesPerSecond: cfg.maxPublishRate,
    dutyCycleMs: cfg.dutyCycle,
    initialConfig: { sampleIntervalMs: cfg.sampleInterval },
    avatarDir: cfg.avatarDir,
    onConfig: (c) => {
      if (c.sampleIntervalMs !== undefined) for (const s of sims) s.setIntervalMs(c.sampleIntervalMs);
    },
  });
  return { agent: a, outbox, sources };
}

/** Stops the inputs, then the agent, giving it at most 10 s. */
async function shutDown(a: Agent, sources: readonly SampleSource[], logger: Logger): Promise<void> {
  for (const s of sources) await s.stop();
  // Accepted samples are already durable; do not let a hung CONNECT delay the exit.
  const stopped = await Promise.race([a.stop().then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 10_000).unref())]);
  if (!stopped) logger.warn('agent did not stop within 10 s; exiting anyway');
}

/** One `--input`: stdin, the local HTTP input, or the watch simulator from simulators/. */
function makeSource(spec: string, cfg: AgentConfig, logger: Logger, sims: SimInput[]): SampleSource {
  if (spec === 'stdin') return new JsonLinesInput(process.stdin, logger);
  if (spec.startsWith('http:')) return new HttpInput({ port: Number(spec.slice(5)), logger });
  const scenario = spec.slice(4);
  if (!isWatchScenario(scenario)) throw new RangeError(`unknown scenario ${scenario}`);
  const generator = new WatchSimulator({ scenario, seed: Date.now() % 2 ** 31, intervalMs: cfg.sampleInterval });
  const sim = new SimInput({ generator, scenario, intervalMs: cfg.sampleInterval, logger });
  sims.push(sim);
  return sim;
}
