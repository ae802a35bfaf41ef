import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeEndpointCommand, IoTClient } from '@aws-sdk/client-iot';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { describe, expect, it, vi } from 'vitest';
import { runCli, startUp } from '../test/support/cli';

describe('pulsepet up', () => {
  it('prints exactly one JSON ready object, writes the env file, serves signed requests and exits 0 on SIGTERM', async () => {
    const dataDir = join(mkdtempSync(join(tmpdir(), 'pp-up-')), 'state');
    const up = await startUp(dataDir, ['--log-level', 'info']);
    try {
      expect(Object.keys(up.ready).sort()).toEqual(
        ['accessKeyId', 'caFile', 'envFile', 'event', 'httpEndpoint', 'mqttEndpoint', 'region', 'secretAccessKey'].sort(),
      );
      expect(up.ready.event).toBe('ready');
      expect(up.ready.mqttEndpoint).toMatch(/^mqtts:\/\/127\.0\.0\.1:\d+$/);
      expect(up.ready.httpEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(readFileSync(up.ready.caFile, 'utf8')).toContain('BEGIN CERTIFICATE');
      const env = readFileSync(up.ready.envFile, 'utf8');
      expect(env).toContain(`AWS_ENDPOINT_URL=${up.ready.httpEndpoint}`);
      expect(env).toContain(`AWS_REGION=${up.ready.region}`);
      expect(env).toContain(`AWS_ACCESS_KEY_ID=${up.ready.accessKeyId}`);
      expect(env).toContain(`AWS_SECRET_ACCESS_KEY=${up.ready.secretAccessKey}`);
      expect(statSync(up.ready.envFile).mode & 0o777).toBe(0o600);
      expect(statSync(join(dataDir, 'ca', 'root-ca.private.key')).mode & 0o777).toBe(0o600);

      const iot = new IoTClient({
        endpoint: up.ready.httpEndpoint,
        region: up.ready.region,
        credentials: { accessKeyId: up.ready.accessKeyId, secretAccessKey: up.ready.secretAccessKey },
      });
      const ep = await iot.send(new DescribeEndpointCommand({ endpointType: 'iot:Data-ATS' }));
      expect(`mqtts://${ep.endpointAddress}`).toBe(up.ready.mqttEndpoint);
      iot.destroy();
      // Secrets never reach the logs.
      expect(up.stderr()).not.toContain(up.ready.secretAccessKey);
    } finally {
      expect(await up.stop('SIGTERM')).toBe(0);
    }
    // Every log line names its component exactly once (a child's replaces the root's).
    const lines = up.stderr().split('\n').filter((l) => l.startsWith('{'));
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l.split('"component":').length - 1, l).toBe(1);
  });

  it('exits 2 with the reason on bad flags', async () => {
    const r = await runCli(['up', '--mqtt-port', '70000', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bogus/);
    const r2 = await runCli(['up', '--mqtt-port', '70000']);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/mqtt-port/);
    const r3 = await runCli(['up', '--shadow-fsync', 'interval:0']);
    expect(r3.code).toBe(2);
    expect(r3.stderr).toMatch(/shadow-fsync/);
    expect(r3.stderr).toContain('always | interval:MS | never');
  });

  it('acknowledges shadow updates per --shadow-fsync (default interval:1000) and says so at start', async () => {
    for (const [extra, policy] of [
      [[], 'interval:1000'],
      [['--shadow-fsync', 'always'], 'always'],
    ] as const) {
      const up = await startUp(join(mkdtempSync(join(tmpdir(), 'pp-up-')), 'state'), ['--log-level', 'info', ...extra]);
      try {
        await vi.waitFor(() => expect(up.stderr()).toContain(`"shadowFsync":"${policy}"`), { timeout: 5000 });
      } finally {
        expect(await up.stop('SIGTERM')).toBe(0);
      }
    }
  });

  it('exits 2 with the reason for a bad --bedrock-faults', async () => {
    const r = await runCli(['up', '--bedrock-faults', 'bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bedrock-faults/);
    expect(r.stderr).toMatch(/not key=value/);
    const r2 = await runCli(['up', '--bedrock-faults', 'throttle=1.5']);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/probability/);
  });

  it('shows --bedrock-faults in the JSON ready line and serves the Bedrock counter on GET /metrics', async () => {
    const up = await startUp(join(mkdtempSync(join(tmpdir(), 'pp-up-')), 'state'), ['--bedrock-faults', 'throttle=0.3,malformed=0.1,latency=2s']);
    try {
      expect(JSON.parse(up.line).bedrockFaults).toEqual({ throttle: 0.3, malformed: 0.1, latencyMs: 2000, seed: 1 });
      const metrics = await (await fetch(`${up.ready.httpEndpoint}/metrics`)).text();
      expect(metrics).toContain('# TYPE pulsepet_bedrock_converse_requests_total counter');
    } finally {
      expect(await up.stop('SIGTERM')).toBe(0);
    }
  });

  it('with --https-port adds exactly httpsEndpoint to the JSON ready line, where the real client-iot trusting caFile is served', async () => {
    const up = await startUp(join(mkdtempSync(join(tmpdir(), 'pp-up-')), 'state'), ['--https-port', '0']);
    try {
      expect(Object.keys(up.ready).sort()).toEqual(
        ['accessKeyId', 'caFile', 'envFile', 'event', 'httpEndpoint', 'httpsEndpoint', 'mqttEndpoint', 'region', 'secretAccessKey'].sort(),
      );
      expect(up.ready.httpsEndpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(up.ready.httpsEndpoint).not.toBe(up.ready.httpEndpoint.replace('http:', 'https:'));
      const iot = new IoTClient({
        endpoint: up.ready.httpsEndpoint,
        region: up.ready.region,
        credentials: { accessKeyId: up.ready.accessKeyId, secretAccessKey: up.ready.secretAccessKey },
        requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca: readFileSync(up.ready.caFile, 'utf8') }) }),
      });
      const ep = await iot.send(new DescribeEndpointCommand({ endpointType: 'iot:Data-ATS' }));
      expect(`mqtts://${ep.endpointAddress}`).toBe(up.ready.mqttEndpoint);
      iot.destroy();
    } finally {
      expect(await up.stop('SIGTERM')).toBe(0);
    }
  });

  it('exits 2 for an unknown command', async () => {
    const r = await runCli(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command 'frobnicate'/);
  });
});
