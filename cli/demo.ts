/**
 * `pulsepet demo` (what `npm start` runs): the whole system alive on one machine. It
 * runs the real commands as child processes — `up` (the local IoT Core with the rules,
 * the reasoning function, the coach and the display), `simulate seed-history` (past days,
 * so baselines exist), `simulate persona`, `fleet provision` + `agent` (one pet driven by
 * the real gateway agent and its watch simulator), and `simulate` (five pets from the
 * fleet simulator, scenario time sped up) — prints the display's URL and, every ten
 * seconds, each pet's mood. SIGINT/SIGTERM stop the devices first (their acknowledged
 * batches are kept), then the IoT Core, each with its own clean shutdown.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GetThingShadowCommand, IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { z } from 'zod';
import { parseFlags } from '../common/cli-config';
import { EXIT_CODES } from '../common/exit-codes';
import { DISPLAY_PATH } from '../protocol/display-config';
import { type Child, firstLine, readEnvFile, runChild, startChild, stopChild } from './demo/children';
import { CLOCK_TICK_MS, type DemoClock, openDemoClock } from './demo/clock';
import { keepDailySummaries } from './demo/daily';
import { bodyPersonaFor, type LiveScenario } from '../simulators/index';
import { simThingNames } from './simulate/devices';

const port = z.coerce.number().int().min(0).max(65_535);
const DemoFlags = z.object({
  'data-dir': z.string().min(1).default('.pulsepet-demo'),
  'mqtt-port': port.default(8883),
  'http-port': port.default(8080),
  speedup: z.coerce.number().min(1).max(10_000).default(30),
  // 21: the daily summary judges a day against 7 earlier days or more (MIN_BASELINE_DAYS), so
  // the last 14 seeded days are explained against the wearer's own range; a burnout pet's
  // 21 are a week of ordinary life, then its 14-day burnout
  'history-days': z.coerce.number().int().min(0).max(60).default(21),
  'batch-interval': z.string().regex(/^\d+(ms|s|m)$/, 'a duration such as 10s').default('10s'),
  json: z.boolean().default(false),
  help: z.boolean().default(false),
});
const FLAGS = {
  'data-dir': { type: 'string' },
  'mqtt-port': { type: 'string' },
  'http-port': { type: 'string' },
  speedup: { type: 'string' },
  'history-days': { type: 'string' },
  'batch-interval': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;
type Flags = z.infer<typeof DemoFlags>;

export const DEMO_USAGE = `usage: pulsepet demo [--data-dir DIR] [--http-port N] [--mqtt-port N] [--speedup K]
                     [--history-days N] [--batch-interval D] [--json]

The live demo (npm start): the local IoT Core, six pets — one driven by the real gateway
agent and its watch simulator, five by the fleet simulator with scenario time K times
faster (default 30) — past days seeded on the first run so baselines exist, and the pet
display. Prints the display's URL; Ctrl-C stops everything cleanly. The fleet's scenario
time is one timeline across runs (DIR/demo-clock.json): a run goes on where the last
stopped; remove DIR for a new demo.
  --data-dir DIR       the demo's own state (default .pulsepet-demo; logs in DIR/logs)
  --http-port N        HTTP port of the IoT Core and the display (default 8080; 0 = free)
  --mqtt-port N        MQTT over TLS port (default 8883; 0 = free)
  --speedup K          the fleet pets' scenario time K times faster (default 30; a new
                       timeline starts (K-1) x 24 h back, at most 29 days)
  --history-days N     past days seeded per pet on the first run (default 21; a day's
                       summary is judged against 7 earlier days or more)
  --batch-interval D   how often each device publishes a batch (default 10s)
  --json               print the ready line (and the stop line) as JSON on stdout
`;

export const AGENT_THING = 'demo-agent';
export const FLEET_PREFIX = 'demo-';
export const FLEET_SIZE = 5;

/**
 * What the five fleet pets play, in turn: the burnout and illness pets go on from their
 * seeded histories, the other three are ordinary wearers who run, get stressed and hike,
 * so every pet changes within the demo's first minutes (a resting or sleeping body hardly
 * changes its pet).
 */
export const FLEET_SCENARIOS = ['burnout', 'illness', 'run', 'stress', 'hike'] as const satisfies readonly LiveScenario[];
/** the `--seed` the demo's fleet runs with (simulate's default): it deals each device its body */
const FLEET_SEED = 1;
/** The watch simulator's resting profile is closest to this body: the agent's pet is judged against its history. */
const AGENT_BODY = 'office';

export interface DemoPet {
  thing: string;
  driver: 'agent' | 'fleet';
  /** the coach persona */
  persona: 'strict' | 'encouraging';
  /** the seeded history */
  history: 'ordinary' | 'burnout' | 'illness';
  /** the body persona its history is seeded for: the body it then plays */
  body: string;
}

/** The six pets: who drives each, its coach persona, and the history (of its own body) seeded before it. */
export function demoPets(): DemoPet[] {
  const fleet = simThingNames(FLEET_PREFIX, FLEET_SIZE).map((thing, i) => {
    const scenario = FLEET_SCENARIOS[i % FLEET_SCENARIOS.length];
    return {
      thing,
      driver: 'fleet' as const,
      persona: i % 2 === 0 ? ('strict' as const) : ('encouraging' as const),
      history: scenario === 'burnout' || scenario === 'illness' ? scenario : ('ordinary' as const),
      body: bodyPersonaFor(FLEET_SEED, thing),
    };
  });
  return [{ thing: AGENT_THING, driver: 'agent', persona: 'encouraging', history: 'ordinary', body: AGENT_BODY }, ...fleet];
}

interface Running {
  logs: string;
  up: Child;
  devices: Child[];
  env: NodeJS.ProcessEnv;
  httpEndpoint: string;
  clock: DemoClock;
}

/** `pulsepet demo`: returns the exit code once stopped. */
export async function demo(argv: string[]): Promise<number> {
  const flags = parseFlags(argv, FLAGS, DemoFlags);
  if (flags.help) {
    process.stdout.write(DEMO_USAGE);
    return EXIT_CODES.ok;
  }
  const dir = resolve(flags['data-dir']);
  const logs = join(dir, 'logs');
  let stopping = false;
  const stopRequested = new Promise<void>((done) => {
    const stop = () => {
      stopping = true;
      done();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  const running = await start(flags, dir, logs, () => stopping);
  if (running === undefined) return EXIT_CODES.ok;
  const displayUrl = `${running.httpEndpoint}${DISPLAY_PATH}`;
  const pets = demoPets().map((p) => p.thing);
  process.stdout.write(
    flags.json
      ? `${JSON.stringify({ event: 'demo-ready', displayUrl, httpEndpoint: running.httpEndpoint, pets, logs })}\n`
      : `pulsepet demo: ${pets.length} pets are alive — open ${displayUrl} (logs in ${logs}; Ctrl-C stops)\n`,
  );
  const ticker = flags.json ? undefined : statusTicker(running.env, pets);
  const lambda = new LambdaClient(clientConfig(running.env));
  const fleetPets = demoPets()
    .filter((p) => p.driver === 'fleet')
    .map((p) => p.thing);
  const stopSummaries = keepDailySummaries(running.clock, lambda, fleetPets, CLOCK_TICK_MS, {
    say: (line) => {
      if (!flags.json) process.stdout.write(`${line}\n`);
    },
    warn: (line) => process.stderr.write(`${line}\n`),
  });
  const failed = Promise.race([running.up, ...running.devices].map((c) => c.exited.then(() => c.name)));
  const why = await Promise.race([stopRequested.then(() => undefined), failed]);
  if (ticker) clearInterval(ticker);
  stopSummaries();
  lambda.destroy();
  return shutdown(running, why, flags.json);
}

/** Starts the IoT Core, seeds, provisions and starts the devices; undefined when stopped meanwhile. */
async function start(flags: Flags, dir: string, logs: string, stopping: () => boolean): Promise<Running | undefined> {
  const upArgs = ['up', '--json', '--data-dir', dir, '--http-port', String(flags['http-port']), '--mqtt-port', String(flags['mqtt-port']), '--log-level', 'warn'];
  const up = startChild('up', upArgs, process.env, logs, true);
  const ready = JSON.parse(await firstLine(up, 120_000)) as { httpEndpoint: string; envFile: string };
  const env = { ...process.env, ...readEnvFile(ready.envFile), PULSEPET_DATA_DIR: dir };
  const halt = async () => {
    await stopChild(up, 30_000);
    return undefined;
  };
  try {
    return await startDevices(flags, dir, env, logs, stopping, { up, httpEndpoint: ready.httpEndpoint, halt });
  } catch (e) {
    await stopChild(up, 30_000);
    throw e;
  }
}

async function startDevices(
  flags: Flags,
  dir: string,
  env: NodeJS.ProcessEnv,
  logs: string,
  stopping: () => boolean,
  core: { up: Child; httpEndpoint: string; halt: () => Promise<undefined> },
): Promise<Running | undefined> {
  const { halt } = core;
  const clock = openDemoClock(dir, flags.speedup, CLOCK_TICK_MS, Date.now(), (line) => process.stderr.write(`${line}\n`));
  await seedOnce(flags, dir, env, logs, clock.scenarioStart);
  if (stopping()) return halt();
  for (const p of demoPets()) await runChild('persona', ['simulate', 'persona', '--thing', p.thing, p.persona], env, logs);
  const agentConfig = join(dir, 'devices', AGENT_THING, `${AGENT_THING}.config.json`);
  if (!existsSync(agentConfig)) await runChild('provision', ['fleet', 'provision', AGENT_THING, '--out', join(dir, 'devices', AGENT_THING)], env, logs);
  if (stopping()) return halt();
  const agent = startChild(
    'agent',
    ['agent', '--config', agentConfig, '--input', 'sim:stress', '--outbox', join(dir, 'agent-outbox'), '--batch-interval', flags['batch-interval']],
    env,
    logs,
  );
  const fleetArgs = [
    ...['simulate', '--devices', String(FLEET_SIZE), '--prefix', FLEET_PREFIX, '--scenario', FLEET_SCENARIOS.join(','), '--seed', String(FLEET_SEED)],
    ...['--speedup', String(flags.speedup), '--scenario-start', String(clock.scenarioStart)],
  ];
  // the longest run simulate takes: a demo left running goes on after its timeline reaches the present (at 1x)
  const fleet = startChild('fleet', [...fleetArgs, '--duration', '168h', '--batch-interval', flags['batch-interval'], '--state-dir', join(dir, 'simulate'), '--json'], env, logs);
  return { logs, up: core.up, devices: [agent, fleet], env, httpEndpoint: core.httpEndpoint, clock };
}

/**
 * The `simulate seed-history` run of each pet: its history, and a seed of its own, as pets
 * of the same history would otherwise have the very same days. A fleet pet's days end the
 * day before its scenario time starts; the agent's pet lives in wall time, so its end yesterday.
 */
export function seedCommands(days: number, scenarioStart: number): { name: string; args: string[] }[] {
  const before = new Date(scenarioStart).toISOString().slice(0, 10);
  return demoPets().map((p, i) => ({
    name: `seed-${p.thing}`,
    args: [
      ...['simulate', 'seed-history', '--thing', p.thing, '--days', String(days), '--scenario', p.history, '--persona', p.body, '--seed', String(i + 1)],
      ...(p.driver === 'fleet' ? ['--before', before] : []),
      ...['--sample-interval', '20s', '--json'],
    ],
  }));
}

/** Seeds each pet's past days once per data dir (a marker file records it), ending the day before its scenario time starts. */
async function seedOnce(flags: Flags, dir: string, env: NodeJS.ProcessEnv, logs: string, scenarioStart: number): Promise<void> {
  const marker = join(dir, 'demo-seeded.json');
  if (flags['history-days'] === 0 || existsSync(marker)) return;
  await Promise.all(seedCommands(flags['history-days'], scenarioStart).map((c) => runChild(c.name, c.args, env, logs)));
  writeFileSync(marker, `${JSON.stringify({ seededAt: new Date().toISOString(), days: flags['history-days'] })}\n`);
}

/** The stack's endpoint and credentials (from the env file `up` wrote) for a real AWS client. */
function clientConfig(env: NodeJS.ProcessEnv) {
  return {
    region: env.AWS_REGION ?? 'us-east-1',
    ...(env.AWS_ENDPOINT_URL ? { endpoint: env.AWS_ENDPOINT_URL } : {}),
    credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID ?? '', secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? '' },
    maxAttempts: 1,
  };
}

/** Every ten seconds, one line with each pet's mood (read with the real client-iot-data-plane). */
function statusTicker(env: NodeJS.ProcessEnv, pets: string[]): NodeJS.Timeout {
  const client = new IoTDataPlaneClient(clientConfig(env));
  const mood = async (thing: string) => {
    try {
      const out = await client.send(new GetThingShadowCommand({ thingName: thing, shadowName: 'pet' }));
      const doc = JSON.parse(Buffer.from(out.payload ?? new Uint8Array()).toString()) as { state?: { desired?: { mood?: string; source?: string } } };
      return `${thing} ${doc.state?.desired?.mood ?? '…'}`;
    } catch {
      return `${thing} …`;
    }
  };
  const t = setInterval(() => {
    void Promise.all(pets.map(mood)).then((m) => process.stdout.write(`pets: ${m.join(' · ')}\n`));
  }, 10_000);
  t.unref();
  return t;
}

/** Devices first (they flush their acknowledged batches), then the IoT Core. */
async function shutdown(r: Running, failedChild: string | undefined, json: boolean): Promise<number> {
  const codes = await Promise.all(r.devices.map((c) => stopChild(c, 30_000)));
  // the devices have stopped: the next run's scenario time goes on from here
  r.clock.alive();
  const upCode = await stopChild(r.up, 60_000);
  const byChild = Object.fromEntries([...r.devices.map((c, i) => [c.name, codes[i]]), ['up', upCode]]);
  await Promise.all(r.devices.map((c) => c.flushed));
  const fleet = fleetSummary(r.logs);
  const lost = fleet?.batches?.lost ?? null;
  if (json) process.stdout.write(`${JSON.stringify({ event: 'demo-stopped', exitCodes: byChild, fleet, ...(failedChild ? { failed: failedChild } : {}) })}\n`);
  else {
    const figures = fleet ? `: the fleet's ${fleet.samples?.acked ?? 0} acknowledged samples, ${lost ?? 'unchecked'} batches lost` : '';
    process.stdout.write(`pulsepet demo stopped${figures}${failedChild ? ` (${failedChild} ended first: see its log)` : ''}\n`);
  }
  return failedChild === undefined && upCode === 0 && !lost ? EXIT_CODES.ok : EXIT_CODES.unexpected;
}

/** The fleet simulator's JSON summary (the last line of its stdout), when it printed one. */
function fleetSummary(logs: string): { samples?: { acked?: number }; batches?: { lost?: number | null } } | undefined {
  try {
    const lines = readFileSync(join(logs, 'fleet.out'), 'utf8').trim().split('\n');
    return JSON.parse(lines[lines.length - 1] ?? '');
  } catch {
    return undefined;
  }
}
