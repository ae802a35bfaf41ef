import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectedCount, httpInputPort, metric, newOutboxDir, statusPort, agentArgs } from '../test/support/device-agent/agent-args';
import { AgentProcess } from '../test/support/device-agent/agent-process';
import { type CloudHarness, startStackHarness } from '../test/support/device-agent/harness';
import { TelemetryObserver } from '../test/support/device-agent/observer';
import { TcpProxy } from '../test/support/device-agent/tcp-proxy';
import { SampleWriter } from '../test/support/device-agent/writer';

// Fault injection against the local IoT Core stack (mTLS broker, registry, device policy, shadows).
// Every scenario ends with a count line and checks that each accepted sample arrived
// exactly once after de-duplication by (thing, batchId), in order.
const FAST = ['--input', 'http:0', '--batch-max-samples', '10', '--batch-interval', '100ms', '--status-port', '0', '--log-level', 'info'];

async function until(cond: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function report(name: string, counts: Record<string, number>): void {
  console.info(JSON.stringify({ scenario: name, ...counts }));
}

function expectExactlyOnceInOrder(obs: TelemetryObserver, thing: string, accepted: number[], mayAlsoContain: number[] = []): number[] {
  const delivered = obs.samples(thing).map((s) => s.t);
  expect(obs.invalid).toEqual([]);
  expect(new Set(delivered).size).toBe(delivered.length); // no duplicates after de-dup by batchId
  expect(delivered).toEqual([...delivered].sort((a, b) => a - b)); // in order
  const set = new Set(delivered);
  expect(accepted.filter((t) => !set.has(t))).toEqual([]); // nothing accepted is missing
  const allowed = new Set([...accepted, ...mayAlsoContain]);
  expect(delivered.filter((t) => !allowed.has(t))).toEqual([]);
  const seqs = obs.seqs(thing);
  expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  return delivered;
}

describe('pulsepet agent under faults (local stack)', () => {
  let cloud: CloudHarness;
  const obs = new TelemetryObserver();
  beforeAll(async () => {
    cloud = await startStackHarness();
    cloud.observe('dt/pulsepet/+/telemetry', ({ topic, payload }) => obs.add(topic, payload));
  });
  afterAll(async () => {
    await cloud?.close();
  });

  it('(a) loses nothing when the broker restarts mid-stream', async () => {
    const dev = await cloud.device('watch-a');
    const agent = new AgentProcess(agentArgs(dev, cloud.endpoint(), FAST));
    const writer = new SampleWriter(await httpInputPort(agent));
    try {
      await agent.waitForLog((l) => l.msg === 'connected');
      writer.start();
      await obs.waitForSamples(60, 30_000, dev.thing);
      await cloud.restartBroker();
      await writer.waitAccepted(writer.accepted.length + 150);
      await agent.waitFor(() => connectedCount(agent) >= 2, 30_000, 'reconnect');
      await writer.stop();
      await obs.waitForTimes(writer.accepted, 30_000, dev.thing);
      const delivered = expectExactlyOnceInOrder(obs, dev.thing, writer.accepted, writer.failed);
      const sp = await statusPort(agent);
      report('broker-restart', {
        accepted: writer.accepted.length,
        delivered: delivered.length,
        duplicatesDropped: obs.duplicates,
        reconnects: await metric(sp, 'pulsepet_agent_reconnects_total'),
        retries: await metric(sp, 'pulsepet_agent_publish_retries_total'),
      });
      expect(await agent.stop()).toBe(0);
    } finally {
      await writer.stop();
      await agent.stop('SIGKILL');
    }
  }, 90_000);

  it('(b) loses nothing when the agent is killed with SIGKILL mid-stream and restarted', async () => {
    const dev = await cloud.device('watch-b');
    const outbox = newOutboxDir();
    const first = new AgentProcess(agentArgs(dev, cloud.endpoint(), FAST, outbox));
    const writer = new SampleWriter(await httpInputPort(first));
    let second: AgentProcess | undefined;
    try {
      writer.start();
      await obs.waitForSamples(60, 30_000, dev.thing);
      await first.stop('SIGKILL');
      const acceptedBeforeKill = writer.accepted.length;
      second = new AgentProcess(agentArgs(dev, cloud.endpoint(), FAST, outbox));
      writer.retarget(await httpInputPort(second));
      await writer.waitAccepted(acceptedBeforeKill + 150);
      await writer.stop();
      await obs.waitForTimes(writer.accepted, 30_000, dev.thing);
      const delivered = expectExactlyOnceInOrder(obs, dev.thing, writer.accepted, writer.failed);
      report('agent-sigkill', {
        acceptedBeforeKill,
        accepted: writer.accepted.length,
        failedDuringRestart: writer.failed.length,
        delivered: delivered.length,
        duplicatesDropped: obs.duplicates,
      });
      expect(await second.stop()).toBe(0);
    } finally {
      await writer.stop();
      await first.stop('SIGKILL');
      await second?.stop('SIGKILL');
    }
  }, 90_000);

  it('(c) loses nothing across a network cut and reconnects at most once per second', async () => {
    const dev = await cloud.device('watch-c');
    const proxy = new TcpProxy({ host: '127.0.0.1', port: cloud.port });
    await proxy.start();
    const agent = new AgentProcess(agentArgs(dev, `mqtts://localhost:${proxy.port}`, FAST));
    const writer = new SampleWriter(await httpInputPort(agent));
    try {
      await agent.waitForLog((l) => l.msg === 'connected');
      writer.start();
      await obs.waitForSamples(60, 30_000, dev.thing);
      proxy.cut();
      const cutAt = writer.accepted.length;
      await agent.waitForLog((l) => l.msg === 'connection lost');
      await writer.waitAccepted(cutAt + 150);
      await agent.waitFor(() => agent.logs.filter((l) => l.msg === 'connect failed').length >= 2, 30_000, 'reconnect attempts');
      proxy.restore();
      await agent.waitFor(() => connectedCount(agent) >= 2, 30_000, 'reconnect');
      await writer.stop();
      await obs.waitForTimes(writer.accepted, 30_000, dev.thing);
      const delivered = expectExactlyOnceInOrder(obs, dev.thing, writer.accepted, writer.failed);
      const attempts = agent.logs.filter((l) => l.msg === 'connect failed' || l.msg === 'connected').map((l) => Date.parse(String(l.time)));
      const gaps = attempts.slice(1).map((t, i) => t - attempts[i]!);
      // log timestamps are taken after CONNECT fails/succeeds; allow scheduling jitter
      expect(Math.min(...gaps)).toBeGreaterThanOrEqual(900);
      report('network-cut', {
        accepted: writer.accepted.length,
        acceptedDuringCut: writer.accepted.length - cutAt,
        delivered: delivered.length,
        duplicatesDropped: obs.duplicates,
        connectAttempts: attempts.length,
        minMsBetweenConnects: Math.min(...gaps),
      });
    } finally {
      await writer.stop();
      await agent.stop('SIGKILL');
      await proxy.close();
    }
  }, 90_000);

  it('(d) drops the oldest samples when the outbox fills in a long outage, and says so', async () => {
    const dev = await cloud.device('watch-d1');
    const proxy = new TcpProxy({ host: '127.0.0.1', port: cloud.port });
    await proxy.start();
    proxy.cut();
    const agent = new AgentProcess(
      agentArgs(dev, `mqtts://localhost:${proxy.port}`, [...FAST, '--outbox-max-bytes', '4096', '--outbox-policy', 'drop-oldest']),
    );
    const writer = new SampleWriter(await httpInputPort(agent), { perPost: 10 });
    try {
      for (let i = 0; i < 30; i++) expect(await writer.postOnce()).toBe(202);
      const sp = await statusPort(agent);
      const dropped = await metric(sp, 'pulsepet_agent_outbox_dropped_total');
      expect(dropped).toBeGreaterThan(0);
      await agent.waitForLog((l) => l.msg === 'outbox full: dropped oldest samples');
      proxy.restore();
      const kept = writer.accepted.length - dropped;
      await obs.waitForSamples(kept, 30_000, dev.thing);
      const delivered = obs.samples(dev.thing).map((s) => s.t);
      // exactly the newest `kept` samples, in order, once each
      expect(delivered).toEqual(writer.accepted.slice(dropped));
      await until(async () => (await metric(sp, 'pulsepet_agent_outbox_depth')) === 0, 10_000, 'an empty outbox');
      report('outbox-full-drop-oldest', { accepted: writer.accepted.length, dropped, delivered: delivered.length });
    } finally {
      await agent.stop('SIGKILL');
      await proxy.close();
    }
  }, 90_000);

  it('(d) refuses new samples with 503 under reject-new and delivers every accepted one', async () => {
    const dev = await cloud.device('watch-d2');
    const proxy = new TcpProxy({ host: '127.0.0.1', port: cloud.port });
    await proxy.start();
    proxy.cut();
    const agent = new AgentProcess(
      agentArgs(dev, `mqtts://localhost:${proxy.port}`, [...FAST, '--outbox-max-bytes', '4096', '--outbox-policy', 'reject-new']),
    );
    const writer = new SampleWriter(await httpInputPort(agent), { perPost: 10 });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 30; i++) statuses.push(await writer.postOnce());
      expect(statuses).toContain(503);
      const sp = await statusPort(agent);
      const rejectedFull = await metric(sp, 'pulsepet_agent_samples_rejected_total\\{reason="outbox_full"\\}');
      expect(rejectedFull).toBeGreaterThan(0);
      proxy.restore();
      await obs.waitForTimes(writer.accepted, 30_000, dev.thing);
      const delivered = obs.samples(dev.thing).map((s) => s.t);
      // the first samples are kept; a 400/503 body may carry some accepted ones too
      expect(delivered.slice(0, writer.accepted.length)).toEqual(writer.accepted);
      report('outbox-full-reject-new', {
        accepted: writer.accepted.length,
        refused: writer.refused.length + writer.failed.length,
        rejectedOutboxFull: rejectedFull,
        delivered: delivered.length,
      });
    } finally {
      await agent.stop('SIGKILL');
      await proxy.close();
    }
  }, 90_000);
});
