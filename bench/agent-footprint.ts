/**
 * Agent footprint at a 1 Hz sensor rate: RSS and CPU of `pulsepet agent` (sim input,
 * durable outbox, shadows, status server) as ratios to a bare aws-iot-device-sdk-v2
 * client publishing the same batches, both measured in the same run against the
 * same local broker. Both run through tsx. Prints JSON.
 *
 *   node --import tsx bench/agent-footprint.ts [--seconds 60]
 *
 * Targets: RSS ≤ 1.25× and CPU ≤ 2× the bare client.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writePrivateKeyFile } from '../certs/index';
import { startFixture } from '../test/support/local/broker';

const { values } = parseArgs({ options: { seconds: { type: 'string' }, warmup: { type: 'string' } } });
const SECONDS = Number(values.seconds ?? 60);
const WARMUP = Number(values.warmup ?? 8);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLK_TCK = 100; // Linux USER_HZ

const fx = await startFixture();
const received: Record<string, number> = {};
fx.broker.onPublish('dt/pulsepet/+/telemetry', ({ topic }) => {
  const thing = topic.split('/')[2] ?? '';
  received[thing] = (received[thing] ?? 0) + 1;
});
const dir = mkdtempSync(join(tmpdir(), 'pp-bench-footprint-'));
writeFileSync(join(dir, 'ca.pem'), fx.ca.certificatePem);
async function files(thing: string): Promise<{ cert: string; key: string }> {
  const d = await fx.device(thing);
  writeFileSync(join(dir, `${thing}.pem`), d.certificatePem);
  writePrivateKeyFile(join(dir, `${thing}.key`), d.privateKeyPem);
  return { cert: join(dir, `${thing}.pem`), key: join(dir, `${thing}.key`) };
}
const a = await files('footprint-agent');
const b = await files('footprint-bare');
const ca = join(dir, 'ca.pem');
const port = String(fx.broker.port);

const agent = spawn(
  process.execPath,
  [join(ROOT, 'bin', 'pulsepet.mjs'), 'agent', '--thing', 'footprint-agent', '--endpoint', `mqtts://localhost:${port}`, '--cert', a.cert, '--key', a.key, '--ca', ca,
    '--input', 'sim:rest', '--sample-interval', '1s', '--batch-interval', '10s', '--outbox', join(dir, 'outbox'), '--status-port', '0', '--log-level', 'warn'],
  { stdio: ['pipe', 'ignore', 'inherit'] },
);
const bare = spawn(
  process.execPath,
  ['--import', 'tsx', join(ROOT, 'bench', 'agent-bare-client.ts'), '--thing', 'footprint-bare', '--host', 'localhost', '--port', port, '--cert', b.cert, '--key', b.key, '--ca', ca],
  { stdio: ['ignore', 'ignore', 'inherit'] },
);

function cpuTicks(p: ChildProcess): number {
  const f = readFileSync(`/proc/${p.pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return Number(rest[11]) + Number(rest[12]); // utime + stime
}
function rssMb(p: ChildProcess): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p.pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) / 1024;
}

await new Promise((r) => setTimeout(r, WARMUP * 1000));
const start = { t: performance.now(), agent: cpuTicks(agent), bare: cpuTicks(bare) };
const rss = { agent: [] as number[], bare: [] as number[] };
for (let i = 0; i < SECONDS; i++) {
  await new Promise((r) => setTimeout(r, 1000));
  rss.agent.push(rssMb(agent));
  rss.bare.push(rssMb(bare));
}
const wall = (performance.now() - start.t) / 1000;
const cpuPct = (p: ChildProcess, t0: number): number => ((cpuTicks(p) - t0) / CLK_TCK / wall) * 100;
const stats = (xs: number[]) => ({ meanMb: Math.round((xs.reduce((s, x) => s + x, 0) / xs.length) * 10) / 10, maxMb: Math.round(Math.max(...xs) * 10) / 10 });
const result = {
  agent: { rss: stats(rss.agent), cpuPercent: Math.round(cpuPct(agent, start.agent) * 100) / 100 },
  bare: { rss: stats(rss.bare), cpuPercent: Math.round(cpuPct(bare, start.bare) * 100) / 100 },
};
agent.kill('SIGTERM');
bare.kill('SIGTERM');
await Promise.all([agent, bare].map((p) => new Promise((r) => p.once('exit', r))));
await fx.close();
const rssRatio = result.agent.rss.meanMb / result.bare.rss.meanMb;
const cpuRatio = result.agent.cpuPercent / Math.max(result.bare.cpuPercent, 0.01);
process.stdout.write(
  `${JSON.stringify(
    {
      bench: 'agent-footprint',
      seconds: SECONDS,
      sensorHz: 1,
      batchIntervalS: 10,
      telemetryMessagesSeen: received,
      ...result,
      rssRatio: Math.round(rssRatio * 100) / 100,
      cpuRatio: Math.round(cpuRatio * 100) / 100,
      targets: { rssRatio: 1.25, cpuRatio: 2, met: rssRatio <= 1.25 && cpuRatio <= 2 },
    },
    null,
    2,
  )}\n`,
);
process.exit(0);
