import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentProcess } from '../test/support/device-agent/agent-process';
import { type CloudHarness, startStackHarness } from '../test/support/device-agent/harness';
import { TelemetryObserver } from '../test/support/device-agent/observer';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [join(ROOT, 'bin', 'pulsepet.mjs'), ...args], { env: { ...process.env, ...env }, cwd: ROOT });
    let out = '';
    let err = '';
    c.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    c.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    c.once('exit', (code) => resolve({ code, out, err }));
  });
}

// The user journey: `pulsepet fleet provision` writes a config file; `pulsepet agent
// --config` runs from it unchanged (the endpoint is the one DescribeEndpoint gave).
describe('pulsepet agent --config from fleet provision', () => {
  let cloud: CloudHarness;
  const obs = new TelemetryObserver();
  beforeAll(async () => {
    cloud = await startStackHarness();
    cloud.observe('dt/pulsepet/+/telemetry', ({ topic, payload }) => obs.add(topic, payload));
  });
  afterAll(async () => {
    await cloud?.close();
  });

  it('connects with the provisioned files and delivers telemetry', async () => {
    const out = mkdtempSync(join(tmpdir(), 'pp-provisioned-'));
    const c = cloud.clientConfig();
    const env = {
      AWS_ENDPOINT_URL: c.endpoint,
      AWS_REGION: c.region,
      AWS_ACCESS_KEY_ID: c.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: c.credentials.secretAccessKey,
    };
    const p = await run(['fleet', 'provision', 'watch-prov', '--out', out, '--root-ca', cloud.stack.caFile, '--json'], env);
    expect(p.code, p.err).toBe(0);
    const { configFile } = JSON.parse(p.out) as { configFile: string };
    expect(JSON.parse(readFileSync(configFile, 'utf8'))).toMatchObject({ thing: 'watch-prov', endpoint: expect.stringMatching(/^mqtts:\/\//) });
    const agent = new AgentProcess(['--config', configFile, '--input', 'stdin', '--outbox', join(out, 'outbox'), '--batch-interval', '200ms']);
    try {
      await agent.waitForLog((l) => l.msg === 'connected');
      agent.writeStdin('{"t":1700000000000,"hr":64}\n{"t":1700000001000,"hr":66}\n');
      await obs.waitForSamples(2, 20_000, 'watch-prov');
      expect(obs.samples('watch-prov').map((s) => s.hr)).toEqual([64, 66]);
    } finally {
      await agent.stop();
    }
  }, 60_000);
});
