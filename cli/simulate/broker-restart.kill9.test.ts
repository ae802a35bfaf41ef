/**
 * A broker restart during a fleet run loses nothing acknowledged: `pulsepet up` is killed
 * with SIGKILL while 12 simulated devices publish, and started again on the same data dir
 * and ports; the devices reconnect with jittered backoff, publish again what was not
 * acknowledged, and at the end every acknowledged sample is in the store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, expect, it } from 'vitest';
import type { FleetSummary } from '../../simulators/index';
import { type RunningUp, startUp } from '../../test/support/cli';
import { runSimulate } from '../simulate';

const dir = mkdtempSync(join(tmpdir(), 'pp-sim-restart-'));
const running: RunningUp[] = [];
afterAll(async () => {
  for (const up of running) await up.stop('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

async function up(ports: string[]): Promise<RunningUp> {
  const u = await startUp(join(dir, 'data'), ports);
  running.push(u);
  return u;
}

it('loses nothing acknowledged when the broker is killed and restarted mid-run', async () => {
  const ports = ['--mqtt-port', String(await freePort()), '--http-port', String(await freePort())];
  const first = await up(ports);
  const r = first.ready;
  const env = {
    AWS_ENDPOINT_URL: r.httpEndpoint,
    AWS_REGION: r.region,
    AWS_ACCESS_KEY_ID: r.accessKeyId,
    AWS_SECRET_ACCESS_KEY: r.secretAccessKey,
    PULSEPET_ROOT_CA: r.caFile,
    PULSEPET_MQTT_ENDPOINT: r.mqttEndpoint,
  };
  let stdout = '';
  let stderr = '';
  const sink = (f: (s: string) => void) =>
    new Writable({
      write(c, _e, cb) {
        f(c.toString());
        cb();
      },
    });
  const run = runSimulate(['--devices', '12', '--duration', '25s', '--speedup', '20', '--batch-interval', '1s', '--state-dir', join(dir, 'state'), '--settle', '30s'], {
    env,
    stdout: sink((s) => (stdout += s)),
    stderr: sink((s) => (stderr += s)),
  });
  // kill it once the fleet is connected and publishing
  const deadline = Date.now() + 20_000;
  while (!/connected 12\/12 .* pub_ack [1-9]/.test(stderr) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
  await first.stop('SIGKILL');
  running.splice(running.indexOf(first), 1);
  await new Promise((res) => setTimeout(res, 1_500));
  await up(ports);
  const code = await run;
  const s = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as FleetSummary;
  expect(code, stderr).toBe(0);
  expect(s.connect.disconnects).toBeGreaterThanOrEqual(12);
  expect(s.connect.reconnects).toBeGreaterThanOrEqual(12);
  expect(Object.keys(s.connect.failuresByReason).length).toBeGreaterThan(0);
  expect(s.batches.acked).toBeGreaterThan(100);
  expect(s.batches.lost).toBe(0);
  expect(s.samples.stored).toBe(s.samples.acked);
}, 120_000);
