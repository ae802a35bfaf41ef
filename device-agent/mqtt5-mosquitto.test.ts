import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentArgs, connectedCount, httpInputPort } from '../test/support/device-agent/agent-args';
import { AgentProcess } from '../test/support/device-agent/agent-process';
import { type Mosquitto, startMosquitto } from '../test/support/device-agent/mosquitto';
import { TelemetryObserver } from '../test/support/device-agent/observer';
import { TcpProxy } from '../test/support/device-agent/tcp-proxy';
import { SampleWriter } from '../test/support/device-agent/writer';

// The local broker (aedes) speaks MQTT 3.1.1 only, so the MQTT 5 path is tested
// against a real MQTT 5 broker: mosquitto with TLS and required client certificates.
describe('pulsepet agent over MQTT 5 (mosquitto, mTLS)', () => {
  let broker: Mosquitto;
  beforeAll(async () => {
    broker = await startMosquitto();
  });
  afterAll(async () => {
    await broker?.close();
  });

  it.each(['5', '3.1.1'] as const)('delivers stdin samples as telemetry v1 over MQTT %s', async (version) => {
    const thing = `watch-m${version.replace(/\./g, '')}`;
    const dev = await broker.device(thing);
    const obsDev = await broker.device(`observer-${thing}`);
    const observer = new TelemetryObserver();
    const sub = await mqtt.connectAsync(`mqtts://localhost:${broker.port}`, {
      protocolVersion: 5,
      clientId: `observer-${thing}`,
      ca: obsDev.caPem,
      cert: obsDev.certPem,
      key: obsDev.keyPem,
      reconnectPeriod: 0,
    });
    sub.on('message', (topic, payload) => observer.add(topic, payload));
    await sub.subscribeAsync(`dt/pulsepet/${thing}/telemetry`, { qos: 1 });
    const outbox = join(mkdtempSync(join(tmpdir(), 'pp-agent-')), 'outbox');
    const agent = new AgentProcess([
      '--thing', thing, '--endpoint', broker.endpoint, '--cert', dev.certFile, '--key', dev.keyFile, '--ca', dev.caFile,
      '--mqtt', version, '--input', 'stdin', '--outbox', outbox, '--batch-max-samples', '10', '--batch-interval', '200ms',
    ]);
    try {
      await agent.waitForLog((l) => l.msg === 'connected');
      const t0 = 1_700_000_000_000;
      const lines = Array.from({ length: 25 }, (_, i) => JSON.stringify({ t: t0 + i * 1000, hr: 60 + i, steps: i }));
      agent.writeStdin(`${lines.join('\n')}\n{"t": 5, "hr": 999}\nnot json\n`);
      await observer.waitForSamples(25);
      expect(observer.invalid).toEqual([]);
      expect(observer.samples().map((s) => s.t)).toEqual(lines.map((l) => (JSON.parse(l) as { t: number }).t));
      expect(observer.seqs()).toEqual([...observer.seqs()].sort((a, b) => a - b));
      // logged asynchronously: the line can trail the samples it was logged before
      await agent.waitForLog((l) => l.msg === 'sample rejected', 10_000);
      expect(await agent.stop()).toBe(0);
    } finally {
      await agent.stop('SIGKILL');
      await sub.endAsync();
    }
  }, 60_000);

  it('keeps every accepted sample across a network cut over MQTT 5', async () => {
    const thing = 'watch-m5-cut';
    const dev = await broker.device(thing);
    const obsDev = await broker.device(`observer-${thing}`);
    const observer = new TelemetryObserver();
    const sub = await mqtt.connectAsync(`mqtts://localhost:${broker.port}`, {
      protocolVersion: 5,
      clientId: `observer-${thing}`,
      ca: obsDev.caPem,
      cert: obsDev.certPem,
      key: obsDev.keyPem,
      reconnectPeriod: 0,
    });
    sub.on('message', (topic, payload) => observer.add(topic, payload));
    await sub.subscribeAsync(`dt/pulsepet/${thing}/telemetry`, { qos: 1 });
    const proxy = new TcpProxy({ host: '127.0.0.1', port: broker.port });
    await proxy.start();
    const agent = new AgentProcess(
      agentArgs(dev, `mqtts://localhost:${proxy.port}`, ['--mqtt', '5', '--input', 'http:0', '--batch-max-samples', '10', '--batch-interval', '100ms']),
    );
    const writer = new SampleWriter(await httpInputPort(agent));
    try {
      await agent.waitForLog((l) => l.msg === 'connected');
      writer.start();
      await observer.waitForSamples(40);
      proxy.cut();
      await agent.waitForLog((l) => l.msg === 'connection lost');
      const cutAt = writer.accepted.length;
      await writer.waitAccepted(cutAt + 100);
      proxy.restore();
      await agent.waitFor(() => connectedCount(agent) >= 2, 30_000, 'reconnect');
      await writer.stop();
      await observer.waitForTimes(writer.accepted);
      const delivered = observer.samples().map((s) => s.t);
      expect(new Set(delivered).size).toBe(delivered.length);
      expect(delivered).toEqual([...delivered].sort((a, b) => a - b));
      const got = new Set(delivered);
      expect(writer.accepted.filter((t) => !got.has(t))).toEqual([]);
      console.info(JSON.stringify({ scenario: 'mqtt5-network-cut', accepted: writer.accepted.length, delivered: delivered.length, duplicatesDropped: observer.duplicates }));
      expect(await agent.stop()).toBe(0);
    } finally {
      await writer.stop();
      await agent.stop('SIGKILL');
      await proxy.close();
      await sub.endAsync();
    }
  }, 60_000);
});
