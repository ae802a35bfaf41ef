/**
 * Reference floors for bench/shadow-throughput.ts's latency figures: the same
 * paced round trip as its `brokerPaced` phase (bench/round-trip.ts; each device
 * publishes on a topic it subscribes to and waits for the message to come back),
 * from the same lean device connections (simulators/fleet-connection.ts), over
 * mutual TLS, against brokers without IoT Core's policy layer:
 * - `mosquitto`: Debian's C broker, the floor of this machine and its loopback;
 * - `aedes`: plain aedes (the library the local broker builds on) in its own
 *   process, with OpenSSL's client-certificate check only.
 * The difference between these and `brokerPaced` is what the local IoT Core's
 * broker adds; between `brokerPaced` and `mqttPaced`, what the shadow service adds.
 *
 *   npx tsx bench/echo-reference.ts [--brokers mosquitto,aedes] [--things 1000] [--seconds 8] [--rate 5]
 *
 * Prints one JSON object: per broker the round trips/s, latency p50/p99/max, and
 * the broker process's CPU per round trip. Not a test: nothing is asserted.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { createCa, createKeysAndCertificate, createServerCertificate, writePrivateKeyFile } from '../certs/index';
import { startMosquitto } from '../test/support/device-agent/mosquitto';
import { FleetConnection } from '../simulators/index';
import { benchFlags } from './broker-support';
import { PACED_WARMUP_MS } from './latency';
import { type RoundTrip, type RoundTripRun, runRoundTrips } from './round-trip';

const flags = benchFlags(
  { brokers: { type: 'string' }, things: { type: 'string' }, seconds: { type: 'string' }, rate: { type: 'string' } },
  z.object({
    brokers: z
      .string()
      .default('mosquitto,aedes')
      .transform((s) => s.split(',').filter((b) => b !== ''))
      .pipe(z.array(z.enum(['mosquitto', 'aedes'])).min(1)),
    things: z.coerce.number().int().min(1).max(5000).default(1000),
    /** at least 2: the first second is left out of the latency (PACED_WARMUP_MS) */
    seconds: z.coerce.number().min(2).max(120).default(8),
    /** round trips per second per device, like shadow-throughput's --latency-rate */
    rate: z.coerce.number().positive().max(20).default(5),
  }),
);

interface RunningBroker {
  host: string;
  port: number;
  pid: number;
  ca: string;
  device: { cert: string; key: string };
  close(): Promise<void>;
}

async function mosquitto(): Promise<RunningBroker> {
  const m = await startMosquitto();
  const d = await m.device('echo-device');
  return { host: 'localhost', port: m.port, pid: m.pid, ca: d.caPem, device: { cert: d.certPem, key: d.keyPem }, close: () => m.close() };
}

/** Plain aedes in a child process (bench/broker-rss-server.ts `plain`), so it has its own event loop as the local stack does. */
async function plainAedes(): Promise<RunningBroker> {
  const dir = mkdtempSync(join(tmpdir(), 'pp-echo-ref-'));
  const ca = await createCa({ commonName: 'echo reference CA' });
  const server = await createServerCertificate(ca, { hosts: ['localhost', '127.0.0.1'] });
  const device = await createKeysAndCertificate(ca, { commonName: 'echo-device' });
  writeFileSync(join(dir, 'server.crt'), server.certificatePem);
  writePrivateKeyFile(join(dir, 'server.key'), server.privateKeyPem);
  writeFileSync(join(dir, 'ca.crt'), ca.certificatePem);
  const child: ChildProcess = fork(new URL('./broker-rss-server.ts', import.meta.url).pathname, [dir, 'plain'], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const { port } = await new Promise<{ port: number }>((resolve) => child.once('message', (m) => resolve(m as { port: number })));
  return {
    host: '127.0.0.1',
    port,
    pid: child.pid ?? 0,
    ca: ca.certificatePem,
    device: { cert: device.certificatePem, key: device.keyPair.PrivateKey },
    async close() {
      const exited = new Promise((r) => child.once('exit', r));
      child.send('stop');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** User + system CPU of a process in ms, from /proc (Linux). */
function processCpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  // utime and stime are fields 14 and 15 of stat, here 12 and 13 after the ") " split; in clock ticks (100/s)
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const ECHO: RoundTrip = {
  topic: (thing) => `echo/${thing}`,
  body: (seq, token) => JSON.stringify({ seq, mood: 'calm', clientToken: token }),
  acceptedSuffix: '',
};

async function measure(kind: 'mosquitto' | 'aedes'): Promise<Record<string, unknown>> {
  const b = kind === 'mosquitto' ? await mosquitto() : await plainAedes();
  const conns: FleetConnection[] = [];
  try {
    for (let i = 0; i < flags.things; i += 50) {
      const batch = Array.from({ length: Math.min(50, flags.things - i) }, (_, j) =>
        FleetConnection.connect({ host: b.host, port: b.port, clientId: `echo-${i + j}`, ...b.device, ca: b.ca, servername: 'localhost' }),
      );
      conns.push(...(await Promise.all(batch)));
    }
    await Promise.all(conns.map((c) => c.subscribe({ [ECHO.topic(c.clientId)]: 0 })));
    const devices = conns.map((c) => ({ name: c.clientId, publish: c.publish.bind(c), onMessage: c.onMessage.bind(c) }));
    const brokerCpuAt = processCpuMs(b.pid);
    const ownCpuAt = process.cpuUsage();
    const run: RoundTripRun = await runRoundTrips(devices, { seconds: flags.seconds, gapMs: 1000 / flags.rate, trip: ECHO, warmupMs: PACED_WARMUP_MS });
    const brokerCpuMs = processCpuMs(b.pid) - brokerCpuAt;
    const own = process.cpuUsage(ownCpuAt);
    return {
      roundTripsPerSec: run.perSec,
      roundTrips: run.accepted,
      unanswered: run.unanswered,
      roundTripLatency: run.latency,
      warmup: run.warmup,
      brokerCpuUsPerRoundTrip: Math.round((brokerCpuMs * 1000) / Math.max(1, run.accepted)),
      loadGeneratorCpuMs: Math.round((own.user + own.system) / 1000),
    };
  } finally {
    for (const c of conns) c.destroy();
    await b.close();
  }
}

const started = performance.now();
const results: Record<string, unknown> = {};
for (const kind of flags.brokers) results[kind === 'aedes' ? 'plainAedes' : kind] = await measure(kind);
process.stdout.write(
  `${JSON.stringify({
    bench: 'echo-reference',
    things: flags.things,
    ratePerThing: flags.rate,
    secondsPerBroker: flags.seconds,
    cores: availableParallelism(),
    ...results,
    wallSeconds: Math.round((performance.now() - started) / 1000),
  })}\n`,
);
