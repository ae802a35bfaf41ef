import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { UsageError } from '../common/cli-config';

/** The runnable benchmarks in bench/ (helpers such as *-support.ts are not listed). Each prints one JSON object. */
export const BENCHMARKS: Record<string, string> = {
  'broker-connect-rate': 'mTLS CONNECT rate with registry + policy checks vs plain aedes (target ratio ≥ 0.8)',
  'broker-rss': 'broker RSS per idle mTLS connection (target 10,000 connections < 1 GiB)',
  'broker-throughput': 'policy-checked QoS 1 throughput vs plain aedes (target ratio ≥ 0.7)',
  'shadow-throughput': 'shadow updates/s across 1,000 things (MQTT, HTTP) and update → delta latency vs broker-only rate and round trip',
  'echo-reference': 'paced MQTT round trip on mosquitto and plain aedes: the floors under shadow-throughput latency',
  'agent-footprint': 'agent RSS/CPU at 1 Hz vs a bare aws-iot-device-sdk-v2 client (targets 1.25× / 2×)',
  'outbox-append': 'durable outbox appends/s with group commit vs fsync per sample (target ≥ 20,000/s)',
  'outbox-drain': 'time to drain a 100,000-sample backlog vs the 100 publishes/s floor',
  'ingest-throughput': 'telemetry → rules → ingest → queryable samples/s and latency vs broker-only rate',
  'coach-calls': 'LLM coach calls per device-day on simulated days of every scenario, through reason() and the coach budget (goal ≤ 8; naive 2,880)',
  'coach-cost': 'LLM coach tokens per call (local Bedrock estimate) and cost per device-month at the default model’s on-demand price',
  'avatar-images': 'avatar images per device-day (no cache vs cache per device vs content-addressed fleet cache), a 1,000-device day’s hit rate, image cost per device-month (goal ≤ 3 per device-day warm)',
  'display-latency': 'pet shadow update → shown in the display (Chromium), p50/p99, vs the same update reaching a Node MQTT client',
  'provisioning-by-claim': 'devices provisioned by claim per second end to end (claim connect → CSR → RegisterThing → connected) vs the admin-API path',
  'fleet-scale': '10,000 simulated devices, own certificates and connections, 30 s batches: connect time, RSS, publish → pet delta, losses',
  'fleet-ledger': 'bytes the fleet simulator keeps per batch for its loss and duplicate count (a long run keeps every batch): the ledger vs one array of sample times per batch',
  'fleet-floor': 'the CPU of the two SDK calls every telemetry batch makes (WriteRecords, UpdateThingShadow), client and stack, and what they alone cost at 10,000 devices',
  'store-commit-window': 'CPU per WriteRecords call of a fleet writing steadily into the Timestream store, with the group commit window before (5 ms) and now; a one-call-at-a-time writer never waits',
  'store-index-bound': 'Timestream store writes/s once its version index passes its bound (each series keeps its newer half) vs the index unbounded; late batches and a restart read back only their stretch',
  'store-check-query': 'ms per count query of `pulsepet simulate`’s store check over a 10,000-thing store (100 things each): with the IN list and overall span in front of the ranges vs the ranges ORed alone, and the whole check',
  'reasoning-state-layout': 'the shadow service holding 10,000 full reasoning states: heap, CPU and journal bytes per update, answer size; layout 2 (strings) vs layout 1 (arrays)',
};

const USAGE = `usage: pulsepet bench NAME [flags passed to the benchmark]
       pulsepet bench --list

${Object.entries(BENCHMARKS)
  .map(([n, d]) => `  ${n.padEnd(20)} ${d}`)
  .join('\n')}
`;

/** `pulsepet bench`: runs one benchmark in a child process; its JSON goes to stdout. */
export async function bench(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--list' || name === '--help' || name === '-h') {
    process.stdout.write(USAGE);
    return name === undefined ? 2 : 0;
  }
  if (!(name in BENCHMARKS)) throw new UsageError([`unknown benchmark '${name}' (pulsepet bench --list)`]);
  const file = join(import.meta.dirname, '..', 'bench', `${name}.ts`);
  return await new Promise<number>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file, ...rest], { stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}
