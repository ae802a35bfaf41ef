/**
 * The fleet simulator's engine: N devices on one event loop, each a real device (its own
 * certificate and mTLS connection), playing labelled scenarios on a shared scenario
 * clock, until the duration ends or the signal aborts; then in-flight PUBACKs are
 * awaited, connections closed, and the store checked. Returns the run's summary.
 */
import { seededRandom } from '../../common/seeded-random';
import { ConnectPacer, ConnectWindow } from './backoff';
import { scenarioClock } from './clock';
import { type DeviceContext, SimDevice, type SimDeviceSpec } from './device';
import { BatchLedger } from './ledger';
import { RecordingLibrary } from './live-scenarios';
import { FleetStats, type ProgressTick } from './stats';
import type { StoreCheck } from './store-check';
import { buildSummary, type FleetSummary } from './summary';

export interface FleetRunOptions {
  devices: readonly SimDeviceSpec[];
  /** the broker (IoT Core's ATS endpoint, or the local broker) */
  host: string;
  port: number;
  /** TLS server name; defaults to host (none for an IP address) */
  servername?: string;
  /** the CA the broker's certificate chains to (PEM) */
  caPem: string;
  /** scenario time between samples (default 1 s) */
  sampleIntervalMs?: number;
  /** wall time between batches (default 30 s) */
  batchIntervalMs?: number;
  /** at most this many samples per batch (default 600, telemetry v1's maximum) */
  batchMaxSamples?: number;
  /** wall time of the run (default 10 min) */
  durationMs?: number;
  /** scenario time runs this many times faster than wall time (default 1) */
  speedup?: number;
  /** scenario time at the start (epoch ms, not in the future; default: (speedup − 1) × duration before now) */
  scenarioStartMs?: number;
  /** connects per second, fleet-wide, reconnects included (default 100) */
  connectRate?: number;
  /** connects in progress at once, fleet-wide (default 128): a broker slower than `connectRate` slows the fleet's connects instead of timing them out */
  maxConnecting?: number;
  seed?: number;
  /** MQTT keep-alive (default 300 s; IoT Core allows 30–1200) */
  keepAliveS?: number;
  /** how long to wait for in-flight PUBACKs when stopping (default 10 s) */
  drainMs?: number;
  /** called once a second with the progress figures */
  onTick?: (t: ProgressTick) => void;
  /** checks the acknowledged batches against the store at the end */
  storeCheck?: StoreCheck;
}

/** Connects in progress at once by default: at a broker's usual handshake time (tens of ms) it does not limit 200 connects/s. */
export const DEFAULT_MAX_CONNECTING = 128;

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

/**
 * Runs a fleet; resolves with the summary when the duration ends or `signal` aborts
 * (Ctrl-C stops cleanly: nothing new is published, in-flight batches get their PUBACKs,
 * the store is still checked).
 *
 * @example
 * const summary = await runFleet({ devices, host: '127.0.0.1', port: 8883, caPem, durationMs: 60_000, speedup: 60 }, ac.signal);
 * summary.latencyMs.publishToPetDelta.p99;
 */
export async function runFleet(opts: FleetRunOptions, signal?: AbortSignal): Promise<FleetSummary> {
  const durationMs = opts.durationMs ?? 600_000;
  const clock = scenarioClock({ durationMs, speedup: opts.speedup ?? 1, ...(opts.scenarioStartMs === undefined ? {} : { scenarioStart: opts.scenarioStartMs }) });
  const stats = new FleetStats(opts.devices.length);
  const ledger = new BatchLedger();
  const random = seededRandom(opts.seed ?? 1);
  const ctx: DeviceContext = {
    host: opts.host,
    port: opts.port,
    ...(opts.servername !== undefined ? { servername: opts.servername } : {}),
    caPem: opts.caPem,
    clock,
    stats,
    ledger,
    pacer: new ConnectPacer(opts.connectRate ?? 100),
    window: new ConnectWindow(opts.maxConnecting ?? DEFAULT_MAX_CONNECTING),
    library: new RecordingLibrary(opts.seed ?? 1),
    runId: clock.wallStart.toString(36),
    seqBase: clock.wallStart,
    keepAliveS: opts.keepAliveS ?? 300,
    random,
  };
  const settings = { sampleIntervalMs: opts.sampleIntervalMs ?? 1_000, batchIntervalMs: opts.batchIntervalMs ?? 30_000, batchMaxSamples: opts.batchMaxSamples ?? 600 };
  const devices = opts.devices.map((spec, i) => new SimDevice(spec, ctx, { ...settings, variant: i }));
  const started = performance.now();
  const watch = { allConnectedAfterMs: null as number | null, peakConnected: 0 };
  const observe = () => {
    watch.peakConnected = Math.max(watch.peakConnected, stats.connected);
    if (watch.allConnectedAfterMs === null && stats.connected === devices.length) watch.allConnectedAfterMs = performance.now() - started;
  };
  const ticker = setInterval(() => {
    observe();
    opts.onTick?.(stats.tick());
  }, 1_000);
  const watcher = setInterval(observe, 100);
  try {
    for (const d of devices) d.start();
    await sleep(durationMs, signal);
    const lastScenarioMs = clock.now();
    for (const d of devices) d.stopPublishing();
    await drain(stats, opts.drainMs ?? 10_000);
    observe();
    await Promise.all(devices.map((d) => d.end()));
    const wallMs = performance.now() - started;
    clearInterval(watcher);
    const store = opts.storeCheck ? await opts.storeCheck(ledger.acked()) : { skipped: 'no store check was given' };
    return buildSummary(stats, ledger, clock, { wallMs, lastScenarioMs, ...watch }, store);
  } finally {
    clearInterval(ticker);
    clearInterval(watcher);
    for (const d of devices) d.stopPublishing();
  }
}

/** Waits until no batch is in flight, or `ms` passed. */
async function drain(stats: FleetStats, ms: number): Promise<void> {
  const until = performance.now() + ms;
  while (performance.now() < until && stats.inFlight > 0) await sleep(50);
}
