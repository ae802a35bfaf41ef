import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetThingShadowCommand, IoTDataPlaneClient, UpdateThingShadowCommand } from '@aws-sdk/client-iot-data-plane';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceConfigSchema, type PetState, PetStateSchema } from '../protocol/shadows';
import { agentArgs, connectedCount, httpInputPort, metric, newOutboxDir, statusPort } from '../test/support/device-agent/agent-args';
import { AgentProcess } from '../test/support/device-agent/agent-process';
import { freePort } from '../test/support/device-agent/mosquitto';
import { type CloudHarness, startStackHarness } from '../test/support/device-agent/harness';
import { TelemetryObserver } from '../test/support/device-agent/observer';
import { SampleWriter } from '../test/support/device-agent/writer';

function report(counts: Record<string, number | string>): void {
  console.info(JSON.stringify(counts));
}

// The agent as users run it (a child process) against the local IoT Core stack;
// shadows are changed through the real @aws-sdk/client-iot-data-plane.
describe('pulsepet agent against the local stack', () => {
  let cloud: CloudHarness;
  let data: IoTDataPlaneClient;
  const obs = new TelemetryObserver();
  beforeAll(async () => {
    cloud = await startStackHarness();
    cloud.observe('dt/pulsepet/+/telemetry', ({ topic, payload }) => obs.add(topic, payload));
    // the reasoning function shares each thing's shadow request rate (20/s, as IoT Core) with
    // this test's reads while batches arrive every 500 ms: the SDK's retries wait out a 429
    data = new IoTDataPlaneClient({ ...cloud.clientConfig(), maxAttempts: 6 });
  });
  afterAll(async () => {
    data?.destroy();
    await cloud?.close();
  });

  const shadow = async (thing: string, name: string): Promise<{ state: Record<string, Record<string, unknown> | undefined>; version: number }> => {
    const r = await data.send(new GetThingShadowCommand({ thingName: thing, shadowName: name }));
    return JSON.parse(new TextDecoder().decode(r.payload)) as { state: Record<string, Record<string, unknown> | undefined>; version: number };
  };
  const desire = (thing: string, name: string, desired: object) =>
    data.send(new UpdateThingShadowCommand({ thingName: thing, shadowName: name, payload: new TextEncoder().encode(JSON.stringify({ state: { desired } })) }));
  const until = async (cond: () => Promise<boolean>, what: string, ms = 20_000): Promise<void> => {
    const deadline = Date.now() + ms;
    while (!(await cond().catch(() => false))) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const fast = ['--batch-max-samples', '10', '--batch-interval', '200ms'];

  it('delivers stdin samples as schema-valid telemetry v1 with summary, batch id and increasing seq', async () => {
    const dev = await cloud.device('watch-stdin');
    const agent = new AgentProcess(agentArgs(dev, cloud.endpoint(), ['--input', 'stdin', ...fast]));
    try {
      await agent.waitForLog((l) => l.msg === 'connected');
      const ts = Array.from({ length: 25 }, (_, i) => 1_700_000_000_000 + i * 1_000);
      agent.writeStdin(`${ts.map((t, i) => JSON.stringify({ t, hr: 70 + i, steps: 2, context: { weather: 'rain' }, battery: 0.5 })).join('\n')}\n`);
      await obs.waitForSamples(25, 20_000, dev.thing);
      expect(obs.invalid).toEqual([]);
      expect(obs.samples(dev.thing).map((s) => s.t)).toEqual(ts);
      const batches = obs.batches.filter((b) => b.thing === dev.thing);
      expect(batches[0]).toMatchObject({ v: 1, seq: 0, context: { weather: 'rain' }, battery: 0.5, summary: { n: batches[0]!.samples.length, stepsSum: 2 * batches[0]!.samples.length } });
      expect(batches.map((b) => b.seq)).toEqual(batches.map((_, i) => i));
      // Structured logs never carry key material.
      const keyBody = dev.keyPem.split('\n')[1]!;
      expect(agent.stderrText).not.toContain(keyBody);
      expect(agent.logs.some((l) => l.component === 'agent' && l.thing === dev.thing)).toBe(true);
    } finally {
      await agent.stop();
    }
  }, 60_000);

  it('delivers samples posted to the local HTTP input and answers 400 with the reason for a bad one', async () => {
    const dev = await cloud.device('watch-http');
    const agent = new AgentProcess(agentArgs(dev, cloud.endpoint(), ['--input', 'http:0', '--status-port', '0', ...fast]));
    try {
      const port = await httpInputPort(agent);
      await agent.waitForLog((l) => l.msg === 'connected');
      const health = await fetch(`http://127.0.0.1:${await statusPort(agent)}/healthz`);
      expect(await health.json()).toEqual({ status: 'ok', connected: true, outboxDepth: 0 });
      const writer = new SampleWriter(port, { perPost: 7 });
      for (let i = 0; i < 3; i++) expect(await writer.postOnce()).toBe(202);
      const bad = await fetch(`http://127.0.0.1:${port}/samples`, { method: 'POST', body: JSON.stringify({ t: 1, hr: 300 }) });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { message: string }).message).toMatch(/hr/);
      await obs.waitForSamples(21, 20_000, dev.thing);
      expect(obs.samples(dev.thing).map((s) => s.t)).toEqual(writer.accepted);
    } finally {
      await agent.stop();
    }
  }, 60_000);

  it('delivers the built-in watch simulator’s samples', async () => {
    const dev = await cloud.device('watch-sim');
    const agent = new AgentProcess(agentArgs(dev, cloud.endpoint(), ['--input', 'sim:run', '--sample-interval', '100ms', ...fast]));
    try {
      await obs.waitForSamples(20, 20_000, dev.thing);
      const samples = obs.samples(dev.thing);
      expect(samples.every((s) => s.hr >= 140 && s.hr <= 172)).toBe(true);
      expect(obs.batches.find((b) => b.thing === dev.thing)?.context?.speedKmh).toBeGreaterThan(5);
    } finally {
      await agent.stop();
    }
  }, 60_000);

  it('applies a config change made through client-iot-data-plane and reports it', async () => {
    const dev = await cloud.device('watch-config');
    const agent = new AgentProcess(agentArgs(dev, cloud.endpoint(), ['--input', 'sim:rest', '--sample-interval', '100ms', '--batch-max-samples', '50', '--batch-interval', '500ms']));
    try {
      // The agent creates the config shadow with what is in force.
      await until(async () => (await shadow(dev.thing, 'config')).state.reported?.batchMaxSamples === 50, 'initial config report');
      await desire(dev.thing, 'config', { batchMaxSamples: 3, batchIntervalMs: 1_000, persona: 'strict' });
      await until(async () => {
        const r = (await shadow(dev.thing, 'config')).state.reported;
        return r?.batchMaxSamples === 3 && r?.persona === 'strict';
      }, 'config reported');
      DeviceConfigSchema.parse((await shadow(dev.thing, 'config')).state.reported);
      // Applied, not just echoed: new batches hold at most 3 samples.
      const seen = obs.batches.filter((b) => b.thing === dev.thing).length;
      await agent.waitFor(() => obs.batches.filter((b) => b.thing === dev.thing).length >= seen + 4, 20_000, 'new batches');
      const recent = obs.batches.filter((b) => b.thing === dev.thing).slice(seen + 1);
      expect(Math.max(...recent.map((b) => b.samples.length))).toBeLessThanOrEqual(3);
    } finally {
      await agent.stop();
    }
  }, 60_000);

  it('forwards a pet change to the watch output and reports what is shown, including one made while offline', async () => {
    const dev = await cloud.device('watch-pet');
    const outbox = newOutboxDir();
    const args = agentArgs(dev, cloud.endpoint(), ['--input', 'http:0', '--watch-output', 'stdout'], outbox);
    const happy: PetState = { mood: 'happy', energy: 0.8, message: 'Nice walk!', persona: 'encouraging', updatedAt: 1 };
    const tired: PetState = { mood: 'tired', energy: 0.2, message: 'Rest now.', updatedAt: 2 };
    const frames = (a: AgentProcess) => a.stdoutLines.map((l) => JSON.parse(l) as { type: string; state: PetState; version: number });
    let agent = new AgentProcess(args);
    try {
      await agent.waitForLog((l) => l.msg === 'connected');
      await desire(dev.thing, 'pet', happy);
      const shown = await agent.waitFor(() => frames(agent).find((f) => f.state.mood === 'happy'), 20_000, 'pet frame');
      expect(PetStateSchema.parse(shown.state)).toEqual(happy);
      await until(async () => (await shadow(dev.thing, 'pet')).state.reported?.mood === 'happy', 'pet reported');
      expect((await shadow(dev.thing, 'pet')).state.delta).toBeUndefined();
      // Offline change: the restarted agent gets both shadows on connect.
      expect(await agent.stop()).toBe(0);
      await desire(dev.thing, 'pet', tired);
      agent = new AgentProcess(args);
      await agent.waitFor(() => frames(agent).find((f) => f.state.mood === 'tired'), 20_000, 'pet frame after restart');
      await until(async () => (await shadow(dev.thing, 'pet')).state.reported?.mood === 'tired', 'pet reported after restart');
    } finally {
      await agent.stop();
    }
  }, 60_000);

  it('replays a backlog in order and within 100 publishes/s per connection', async () => {
    const dev = await cloud.device('watch-backlog');
    const arrivals: number[] = [];
    cloud.observe(`dt/pulsepet/${dev.thing}/telemetry`, () => void arrivals.push(Date.now()));
    const outbox = newOutboxDir();
    // First run: nobody listens at the endpoint, so everything stays in the outbox.
    const offline = new AgentProcess(agentArgs(dev, `mqtts://localhost:${await freePort()}`, ['--input', 'stdin', '--status-port', '0', '--batch-max-samples', '4'], outbox));
    const N = 1_600;
    const t0 = 1_700_000_000_000;
    try {
      const sp = await statusPort(offline);
      offline.writeStdin(`${Array.from({ length: N }, (_, i) => JSON.stringify({ t: t0 + i, hr: 60 })).join('\n')}\n`);
      await until(async () => (await metric(sp, 'pulsepet_agent_outbox_depth')) === N, 'backlog in the outbox');
      expect(await offline.stop()).toBe(0);
    } finally {
      await offline.stop('SIGKILL');
    }
    const agent = new AgentProcess(agentArgs(dev, cloud.endpoint(), ['--input', 'stdin', '--batch-max-samples', '4'], outbox));
    try {
      await obs.waitForSamples(N, 30_000, dev.thing);
      expect(obs.samples(dev.thing).map((s) => s.t)).toEqual(Array.from({ length: N }, (_, i) => t0 + i));
      // No more than 100 arrivals in any one-second window (IoT Core's per-connection limit).
      let maxPerSecond = 0;
      for (let i = 0, j = 0; i < arrivals.length; i++) {
        while (arrivals[i]! - arrivals[j]! >= 1_000) j++;
        maxPerSecond = Math.max(maxPerSecond, i - j + 1);
      }
      report({ scenario: 'backlog-replay', batches: arrivals.length, seconds: (arrivals[arrivals.length - 1]! - arrivals[0]!) / 1000, maxPerSecond });
      expect(arrivals.length).toBe(N / 4);
      expect(maxPerSecond).toBeLessThanOrEqual(100);
    } finally {
      await agent.stop();
    }
  }, 60_000);

  it('recovers from a shadow version conflict: a report computed from a stale version is refused (409), re-read and redone', async () => {
    const dev = await cloud.device('watch-conflict');
    const frames: PetState[] = [];
    let release: (() => void) | undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    // The watch (an HTTP callback) is slow to show the first state; meanwhile the cloud changes it again.
    const watch = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => {
        body += d.toString();
      });
      req.on('end', () => {
        frames.push((JSON.parse(body) as { state: PetState }).state);
        void (frames.length === 1 ? gate : Promise.resolve()).then(() => res.end('ok'));
      });
    });
    await new Promise<void>((r) => watch.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(watch.address() as AddressInfo).port}/frame`;
    const agent = new AgentProcess(agentArgs(dev, cloud.endpoint(), ['--input', 'http:0', '--watch-output', url]));
    try {
      await agent.waitForLog((l) => l.msg === 'connected');
      await desire(dev.thing, 'pet', { mood: 'happy', energy: 0.9, message: 'one' });
      await until(async () => frames.length === 1, 'first frame');
      await desire(dev.thing, 'pet', { mood: 'tired', energy: 0.1, message: 'two' });
      release?.();
      await until(async () => (await shadow(dev.thing, 'pet')).state.reported?.mood === 'tired', 'final report');
      expect(frames.map((f) => f.mood)).toEqual(['happy', 'tired']);
      // The agent logs asynchronously (pino to stderr, not synced): its log line may
      // reach us after the shadow traffic that followed it, so wait for it.
      await agent.waitForLog((l) => l.msg === 'shadow request rejected' && l.code === 409, 10_000);
      const doc = await shadow(dev.thing, 'pet');
      expect(doc.state.delta).toBeUndefined();
      expect(doc.state.reported).toMatchObject({ mood: 'tired', message: 'two' });
    } finally {
      await agent.stop();
      watch.closeAllConnections();
      watch.close();
    }
  }, 60_000);

  it('in duty-cycle mode connects, flushes, syncs shadows and disconnects once per cycle', async () => {
    const dev = await cloud.device('watch-duty');
    const disconnects: Array<{ clientInitiatedDisconnect?: boolean; disconnectReason?: string }> = [];
    cloud.observe(`$aws/events/presence/disconnected/${dev.thing}`, ({ payload }) => void disconnects.push(JSON.parse(payload.toString())));
    const agent = new AgentProcess(agentArgs(dev, cloud.endpoint(), ['--input', 'http:0', '--duty-cycle', '2s', '--batch-interval', '60s', '--watch-output', 'stdout']));
    try {
      const writer = new SampleWriter(await httpInputPort(agent), { perPost: 5 });
      await agent.waitForLog((l) => l.msg === 'connected');
      await agent.waitForLog((l) => l.msg === 'duty cycle: burst done');
      for (let i = 0; i < 4; i++) expect(await writer.postOnce()).toBe(202);
      await desire(dev.thing, 'pet', { mood: 'calm', energy: 0.5, message: 'steady' });
      // The next burst flushes the samples despite the 60 s batch interval and picks up the pet change.
      await obs.waitForSamples(20, 20_000, dev.thing);
      await agent.waitFor(() => agent.stdoutLines.some((l) => l.includes('"calm"')), 20_000, 'pet frame');
      await agent.waitFor(() => connectedCount(agent) >= 2, 20_000, 'a second burst');
      expect(agent.logs.filter((l) => l.msg === 'duty cycle: burst done').length).toBeGreaterThanOrEqual(1);
      // Between bursts the radio is off: the broker saw the agent disconnect on purpose.
      expect(disconnects.length).toBeGreaterThanOrEqual(1);
      expect(disconnects[0]).toMatchObject({ clientInitiatedDisconnect: true, disconnectReason: 'CLIENT_INITIATED_DISCONNECT' });
      expect(obs.samples(dev.thing).map((s) => s.t)).toEqual(writer.accepted);
    } finally {
      await agent.stop();
    }
  }, 60_000);

  it('ends each duty-cycle burst even while samples keep streaming in', async () => {
    const dev = await cloud.device('watch-duty-stream');
    const agent = new AgentProcess(agentArgs(dev, cloud.endpoint(), ['--input', 'sim:run', '--sample-interval', '100ms', '--duty-cycle', '2s']));
    try {
      await agent.waitFor(() => agent.logs.filter((l) => l.msg === 'duty cycle: burst done').length >= 2, 30_000, 'two bursts');
      const bursts = agent.logs.filter((l) => l.msg === 'duty cycle: burst done');
      expect(Math.max(...bursts.map((b) => b.burstMs as number))).toBeLessThan(10_000);
      expect(obs.samples(dev.thing).length).toBeGreaterThan(0);
    } finally {
      await agent.stop();
    }
  }, 60_000);
});
