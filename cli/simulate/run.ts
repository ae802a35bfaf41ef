/**
 * `pulsepet simulate --devices N …`: provisions (or reuses) N devices, runs them with
 * the fleet engine (simulators/fleet), prints a progress line a second on stderr and one
 * JSON summary on stdout, and checks the acknowledged samples against the store.
 */
import { DescribeEndpointCommand, IoTClient } from '@aws-sdk/client-iot';
import { TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import { parseFlags, UsageError } from '../../common/cli-config';
import { EXIT_CODES } from '../../common/exit-codes';
import { isPulsepetError } from '../../protocol/errors';
import { TIMESTREAM } from '../../protocol/resources';
import { bodyPersonaFor, type FleetSummary, formatTick, runFleet, type SimDeviceSpec, scenarioFor, timestreamStoreCheck } from '../../simulators/index';
import { call, type FleetContext } from '../fleet/context';
import { mqttsEndpoint, readRootCa } from '../fleet/files';
import { type DeviceIdentity, prepareDevices, simThingNames } from './devices';
import { type SimulateEnv, simulateEnv } from './env';
import { RUN_FLAGS, RunFlags } from './flags';

/** Exit code when acknowledged samples are missing from the store (README, exit codes). */
export const EXIT_LOSSES = 6;
/** the exit code of a run in which no device ever connected (a wrong endpoint or CA, a broker down) */
export const EXIT_NOT_CONNECTED = 7;

export interface SimulateIo {
  env: Record<string, string | undefined>;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** aborts the run (the CLI wires SIGINT/SIGTERM to it) */
  signal?: AbortSignal;
}

/** The broker's host and port: PULSEPET_MQTT_ENDPOINT, else the account's ATS endpoint. */
async function brokerAddress(ctx: FleetContext, env: SimulateEnv): Promise<{ host: string; port: number }> {
  let url = env.mqttEndpoint;
  if (url === undefined) {
    const ep = await call(ctx, 'DescribeEndpoint', () => ctx.iot.send(new DescribeEndpointCommand({ endpointType: 'iot:Data-ATS' })));
    if (!ep.endpointAddress) throw new UsageError(['DescribeEndpoint returned no endpoint address; set PULSEPET_MQTT_ENDPOINT']);
    url = mqttsEndpoint(ep.endpointAddress);
  }
  const u = new URL(url);
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port) };
}

/** The devices' specs: scenario dealt by --scenario, body persona from the seed. */
export function deviceSpecs(ids: readonly DeviceIdentity[], f: Pick<RunFlags, 'scenario' | 'seed'>): SimDeviceSpec[] {
  return ids.map((d, i) => ({
    ...d,
    scenario: scenarioFor(f.scenario, i),
    bodyPersona: bodyPersonaFor(f.seed, d.thing),
  }));
}

async function provision(ctx: FleetContext, f: RunFlags, rootCaPath: string, io: SimulateIo): Promise<DeviceIdentity[]> {
  const names = simThingNames(f.prefix, f.devices);
  let shown = 0;
  const prepared = await prepareDevices(ctx, {
    names,
    stateDir: f['state-dir'],
    rootCaPath,
    concurrency: f.concurrency,
    onProgress: (done) => {
      if (done - shown >= 500 || done === names.length) {
        shown = done;
        io.stderr.write(`provisioning: ${done}/${names.length} devices\n`);
      }
    },
  });
  for (const x of prepared.failures.slice(0, 5)) io.stderr.write(`  ${x.thing}: ${x.error}\n`);
  if (prepared.failures.length > 5) io.stderr.write(`  … and ${prepared.failures.length - 5} more\n`);
  io.stderr.write(
    `devices: ${prepared.devices.length} ready (${prepared.created} created, ${prepared.reused} reused, ${prepared.replaced} replaced, ${prepared.failures.length} failed) in ${prepared.seconds}s; state in ${f['state-dir']}\n`,
  );
  if (prepared.devices.length === 0) throw new UsageError(['no device could be provisioned (see above)']);
  return prepared.devices;
}

/** Runs `pulsepet simulate` (the run form); returns the exit code. */
export async function simulateRun(argv: string[], io: SimulateIo): Promise<number> {
  const f = parseFlags(argv, RUN_FLAGS, RunFlags);
  const env = simulateEnv(io.env, f.region);
  const rootCaPath = f['root-ca'] ?? env.rootCa;
  if (rootCaPath === undefined) throw new UsageError(['--root-ca FILE (or env PULSEPET_ROOT_CA) is required: devices verify the broker with it']);
  const caPem = readRootCa(rootCaPath);
  const iot = new IoTClient(env.client('iot'));
  const query = new TimestreamQueryClient(env.client('timestreamQuery'));
  const ctx: FleetContext = { iot, region: env.region, stdout: io.stdout, stderr: io.stderr, sleep: (ms) => new Promise((r) => setTimeout(r, ms)), ...(env.client('iot').endpoint ? { endpointUrl: env.client('iot').endpoint } : {}) };
  try {
    const ids = await provision(ctx, f, rootCaPath, io);
    const broker = await brokerAddress(ctx, env);
    io.stderr.write(
      `simulate: ${ids.length} devices, scenario ${String(f.scenario)}, speedup ${f.speedup}, duration ${f.duration / 1000}s, batches every ${f['batch-interval'] / 1000}s → mqtts://${broker.host}:${broker.port}\n`,
    );
    const summary = await runFleet(
      {
        devices: deviceSpecs(ids, f),
        ...broker,
        caPem,
        sampleIntervalMs: f['sample-interval'],
        batchIntervalMs: f['batch-interval'],
        durationMs: f.duration,
        speedup: f.speedup,
        ...(f['scenario-start'] === undefined ? {} : { scenarioStartMs: f['scenario-start'] }),
        connectRate: f['connect-rate'],
        seed: f.seed,
        onTick: (t) => io.stderr.write(`${f.json ? JSON.stringify(t) : formatTick(t)}\n`),
        storeCheck: timestreamStoreCheck(query, { database: TIMESTREAM.database, table: TIMESTREAM.telemetryTable, settleMs: f.settle }),
      },
      io.signal,
    );
    io.stdout.write(`${JSON.stringify(summary)}\n`);
    const lost = summary.batches.lost ?? 0;
    if (lost > 0) io.stderr.write(lossHint(lost, summary.batches.acked));
    const code = exitCode(summary);
    if (code === EXIT_NOT_CONNECTED) io.stderr.write(notConnectedHint(summary, broker));
    return code;
  } catch (e) {
    // an AWS call that failed (FleetError: one line naming the operation and the reason); a usage error is main's to print
    if (!isPulsepetError(e) || e instanceof UsageError) throw e;
    io.stderr.write(`pulsepet simulate: ${e.message}\n`);
    return EXIT_CODES.usage;
  } finally {
    iot.destroy();
    query.destroy();
  }
}

/** What a run with losses tells its user: where acknowledged batches that are not stored may be. */
export function lossHint(lost: number, acked: number): string {
  return [
    `simulate: ${lost} of ${acked} acknowledged batches are not in the store (the summary's "losses" names the first ones).`,
    'Ingest may still be behind (a longer --settle waits for it), or its rule action failed: failed actions are kept by',
    "the rules' error action; on the local stack `pulsepet dead-letters list` shows them and `pulsepet dead-letters replay` runs them again.",
    '',
  ].join('\n');
}

/** What a run in which no device connected tells its user. */
export function notConnectedHint(s: FleetSummary, broker: { host: string; port: number }): string {
  const reasons = Object.entries(s.connect.failuresByReason).map(([r, n]) => `${r}=${n}`);
  return [
    `simulate: no device connected to mqtts://${broker.host}:${broker.port} (${s.connect.failures} connect failures${reasons.length > 0 ? `: ${reasons.join(' ')}` : ''}).`,
    'Check that the broker is up (pulsepet up), PULSEPET_MQTT_ENDPOINT, and that PULSEPET_ROOT_CA (--root-ca) is the CA that signed its certificate.',
    '',
  ].join('\n');
}

/** 0; EXIT_LOSSES when an acknowledged batch is not in the store; EXIT_NOT_CONNECTED when no device ever connected. */
export function exitCode(s: FleetSummary): number {
  if ((s.batches.lost ?? 0) > 0) return EXIT_LOSSES;
  return s.devices > 0 && s.connect.peakConnected === 0 ? EXIT_NOT_CONNECTED : 0;
}
