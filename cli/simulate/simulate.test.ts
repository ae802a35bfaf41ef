/**
 * `pulsepet simulate` end to end against the local IoT Core with pulsepet's functions and
 * rules: real provisioning through client-iot, real mTLS connections held to the
 * pulsepet-device policy, real ingest into the store, and an independent operator
 * watching the telemetry topic to hold the summary to what actually happened.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { CreatePolicyCommand, DisableTopicRuleCommand, EnableTopicRuleCommand, IoTClient, ListThingPrincipalsCommand, UpdateCertificateCommand } from '@aws-sdk/client-iot';
import { GetThingShadowCommand, IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { QueryCommand, TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import { CreateTableCommand, TimestreamWriteClient, WriteRecordsCommand } from '@aws-sdk/client-timestream-write';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack';
import { INGEST_RULE_NAME } from '../../cloud-rules/rules';
import { previousUtcDay } from '../../functions/daily-summary/summarize-day';
import { OPERATOR_POLICY_NAME, operatorPolicyDocument } from '../../protocol/policies';
import type { FleetSummary } from '../../simulators/index';
import { bodyPersonaFor, FleetConnection, timestreamStoreCheck } from '../../simulators/index';
import { BatchLedger } from '../../simulators/fleet/ledger';
import { awsClientConfig, connectMqtt, provisionTestDevice } from '../../test/support/local/stack';
import { startPulsepetStack } from '../pulsepet-stack';
import { runSimulate } from '../simulate';

let stack: LocalStack;
let dir: string;
let env: Record<string, string>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pp-simulate-'));
  stack = await startPulsepetStack({ dataDir: join(dir, 'data') });
  env = {
    AWS_ENDPOINT_URL: stack.httpEndpoint,
    AWS_REGION: stack.region,
    AWS_ACCESS_KEY_ID: stack.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: stack.credentials.secretAccessKey,
    PULSEPET_ROOT_CA: stack.caFile,
    PULSEPET_MQTT_ENDPOINT: stack.mqttEndpoint,
  };
}, 60_000);

afterAll(async () => {
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});

function sink(): Writable & { text(): string } {
  let buf = '';
  const w = new Writable({
    write(chunk, _enc, cb) {
      buf += chunk.toString();
      cb();
    },
  });
  return Object.assign(w, { text: () => buf });
}

async function simulate(args: string[]): Promise<{ code: number; stdout: string; stderr: string; summary: FleetSummary }> {
  const out = sink();
  const err = sink();
  const code = await runSimulate(args, { env, stdout: out, stderr: err });
  const last = out.text().trim().split('\n').pop() ?? '';
  return { code, stdout: out.text(), stderr: err.text(), summary: (last.startsWith('{') ? JSON.parse(last) : undefined) as FleetSummary };
}

/** An operator (pulsepet-operator policy) counting every telemetry message the broker delivers, by (thing, batchId). */
async function watchTelemetry(): Promise<{ client: MqttClient; batches: Map<string, number>; messages: () => number }> {
  const iot = new IoTClient(awsClientConfig(stack));
  await iot.send(new CreatePolicyCommand({ policyName: OPERATOR_POLICY_NAME, policyDocument: operatorPolicyDocument() })).catch(() => undefined);
  iot.destroy();
  const op = await provisionTestDevice(stack, 'pulsepet-operator-watch', { policyName: OPERATOR_POLICY_NAME });
  const client = await connectMqtt(stack, op);
  await client.subscribeAsync('dt/pulsepet/+/telemetry', { qos: 1 });
  const batches = new Map<string, number>();
  let messages = 0;
  client.on('message', (topic, payload) => {
    const b = JSON.parse(payload.toString()) as { batchId: string; samples: unknown[] };
    messages++;
    batches.set(`${topic.split('/')[2]}/${b.batchId}`, b.samples.length);
  });
  return { client, batches, messages: () => messages };
}

async function storedCount(things: string[], from: string, to: string): Promise<number> {
  const q = new TimestreamQueryClient(awsClientConfig(stack));
  try {
    const list = things.map((t) => `'${t}'`).join(', ');
    const sql = `SELECT count(*) AS n FROM "pulsepet"."telemetry" WHERE measure_name = 'vitals' AND thing IN (${list}) AND time BETWEEN from_iso8601_timestamp('${from}') AND from_iso8601_timestamp('${to}')`;
    const r = await q.send(new QueryCommand({ QueryString: sql }));
    return Number(r.Rows?.[0]?.Data?.[0]?.ScalarValue ?? 0);
  } finally {
    q.destroy();
  }
}

const things = (n: number) => Array.from({ length: n }, (_, i) => `sim-${String(i + 1).padStart(5, '0')}`);

describe('pulsepet simulate', () => {
  it('runs 20 devices on their own certificates; the summary matches what the broker delivered and the store holds', async () => {
    const watch = await watchTelemetry();
    const stateDir = join(dir, 'state');
    const running = simulate(['--devices', '20', '--duration', '10s', '--speedup', '30', '--batch-interval', '2s', '--state-dir', stateDir, '--connect-rate', '50']);
    // a persona set while the fleet runs reaches the device, which applies and reports it
    await new Promise((r) => setTimeout(r, 4_000));
    const persona = await simulate(['persona', '--thing', 'sim-00003', 'strict']);
    expect(persona.code, persona.stderr).toBe(0);
    expect(persona.stderr).toBe('');
    const { code, stderr, summary: s } = await running;
    watch.client.end(true);
    expect(code, stderr).toBe(0);
    expect(stderr).toMatch(/connected 20\/20/);
    // every device connected on its own certificate
    expect(s.connect.peakConnected).toBe(20);
    expect(s.connect.failures).toBe(0);
    const iot = new IoTClient(awsClientConfig(stack));
    const principals = await Promise.all(things(20).map(async (t) => (await iot.send(new ListThingPrincipalsCommand({ thingName: t }))).principals ?? []));
    iot.destroy();
    expect(principals.every((p) => p.length === 1)).toBe(true);
    expect(new Set(principals.flat()).size).toBe(20);
    expect(statSync(join(stateDir, 'sim-00001', 'sim-00001.private.key')).mode & 0o777).toBe(0o600);
    // the figures are the broker's: what the operator saw delivered is what was acknowledged
    expect(s.batches.acked).toBeGreaterThan(60);
    expect(watch.batches.size).toBe(s.batches.acked + s.batches.unacked);
    expect([...watch.batches.values()].reduce((a, b) => a + b, 0)).toBe(s.samples.acked);
    expect(s.latencyMs.publishToPuback.n).toBe(s.batches.acked);
    expect(s.latencyMs.connect.n).toBe(20);
    // …and the store holds every acknowledged sample once (de-duplicated by (thing, time))
    expect(s.batches.lost).toBe(0);
    expect(s.samples.stored).toBe(s.samples.acked);
    expect(await storedCount(things(20), s.scenarioTime.from, new Date(Date.parse(s.scenarioTime.to) + 1).toISOString())).toBe(s.samples.acked);
    // pet deltas came from the reasoning function, each matched to at most one batch
    expect(s.petDeltas).toBeGreaterThan(0);
    expect(s.latencyMs.publishToPetDelta.n).toBeLessThanOrEqual(s.petDeltas);
    const data = new IoTDataPlaneClient(awsClientConfig(stack));
    const cfg = await data.send(new GetThingShadowCommand({ thingName: 'sim-00003', shadowName: 'config' }));
    data.destroy();
    expect(JSON.parse(Buffer.from(cfg.payload ?? new Uint8Array()).toString())).toMatchObject({ state: { reported: { persona: 'strict', batchIntervalMs: 2000 } } });
  }, 120_000);

  it('reuses kept devices, replaces one whose certificate was revoked, and provisions the new ones', async () => {
    const stateDir = join(dir, 'state');
    const cfg = JSON.parse(readFileSync(join(stateDir, 'sim-00002', 'sim-00002.config.json'), 'utf8')) as { certificateId: string };
    const iot = new IoTClient(awsClientConfig(stack));
    await iot.send(new UpdateCertificateCommand({ certificateId: cfg.certificateId, newStatus: 'REVOKED' }));
    iot.destroy();
    // long enough for all 22 TLS connects on a loaded machine: the run ends its devices when its duration is up
    const { code, stderr, summary } = await simulate(['--devices', '22', '--duration', '8s', '--scenario', 'rest', '--state-dir', stateDir, '--batch-interval', '1s']);
    expect(code, stderr).toBe(0);
    expect(stderr).toContain('22 ready (2 created, 19 reused, 1 replaced, 0 failed)');
    expect(summary.connect.peakConnected).toBe(22);
  }, 60_000);

  it("holds a device to its policy: it cannot connect as another device, nor publish another's telemetry", async () => {
    const keyOf = (t: string) => readFileSync(join(dir, 'state', t, `${t}.private.key`), 'utf8');
    const certOf = (t: string) => readFileSync(join(dir, 'state', t, `${t}.cert.pem`), 'utf8');
    const url = new URL(stack.mqttEndpoint);
    const as = (clientId: string) =>
      FleetConnection.connect({ host: url.hostname, port: Number(url.port), clientId, cert: certOf('sim-00004'), key: keyOf('sim-00004'), ca: readFileSync(stack.caFile, 'utf8') });
    await expect(as('sim-00005')).rejects.toMatchObject({ code: 'PP_ERR_TRANSPORT' });
    const c = await as('sim-00004');
    const closed = new Promise<Error | undefined>((r) => c.onClose(r));
    const t = Date.now() + 7 * 86_400_000; // a time no run writes
    const batch = { v: 1, batchId: 'forged-1', seq: 1, samples: [{ t, hr: 60 }], summary: { from: t, to: t, n: 1, hrMean: 60, hrMax: 60, stepsSum: 0 } };
    await c.publish('dt/pulsepet/sim-00005/telemetry', JSON.stringify(batch), 1).catch(() => undefined);
    expect(await closed).toMatchObject({ code: 'PP_ERR_TRANSPORT' });
    await stack.rules.idle();
    expect(await storedCount(['sim-00005'], new Date(t - 1).toISOString(), new Date(t + 1).toISOString())).toBe(0);
  }, 30_000);

  it('exits 6 and says where to look when acknowledged batches never reach the store', async () => {
    const iot = new IoTClient(awsClientConfig(stack));
    await iot.send(new DisableTopicRuleCommand({ ruleName: INGEST_RULE_NAME }));
    try {
      const stateDir = join(dir, 'state-unstored');
      const { code, stderr, summary } = await simulate(['--devices', '2', '--prefix', 'unstored-', '--duration', '4s', '--batch-interval', '1s', '--settle', '1s', '--state-dir', stateDir]);
      expect(code, stderr).toBe(6);
      expect(summary.batches.acked).toBeGreaterThan(0);
      expect(summary.batches.lost).toBe(summary.batches.acked);
      expect(stderr).toContain(`simulate: ${summary.batches.acked} of ${summary.batches.acked} acknowledged batches are not in the store`);
      expect(stderr).toContain('pulsepet dead-letters list');
    } finally {
      await iot.send(new EnableTopicRuleCommand({ ruleName: INGEST_RULE_NAME }));
      iot.destroy();
    }
  }, 60_000);

  it('sets a persona for a name the registry does not know, and says so', async () => {
    const r = await simulate(['persona', '--thing', 'no-such-pet', 'encouraging', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ thing: 'no-such-pet', persona: 'encouraging', version: 1 });
    expect(r.stderr).toBe('note: no thing named no-such-pet in the registry; its config shadow was written anyway (IoT Core keeps a shadow of any name), but no device of that name plays it yet\n');
  });

  it('exits 7 and says what to check when no device ever connects', async () => {
    const out = sink();
    const err = sink();
    const args = ['--devices', '2', '--prefix', 'noconn-', '--duration', '3s', '--batch-interval', '1s', '--settle', '1s', '--state-dir', join(dir, 'state-noconn')];
    const code = await runSimulate(args, { env: { ...env, PULSEPET_MQTT_ENDPOINT: 'mqtts://127.0.0.1:1' }, stdout: out, stderr: err });
    const summary = JSON.parse(out.text().trim().split('\n').pop() ?? '{}') as FleetSummary;
    expect(code, err.text()).toBe(7);
    expect(summary.connect.peakConnected).toBe(0);
    expect(summary.connect.failures).toBeGreaterThan(0);
    expect(err.text()).toMatch(/simulate: no device connected to mqtts:\/\/127\.0\.0\.1:1 \(\d+ connect failures: econnrefused=\d+\)/);
  }, 60_000);

  it('exits 2 with one line, not a stack, when the IoT endpoint cannot be reached', async () => {
    const out = sink();
    const err = sink();
    const code = await runSimulate(['--devices', '1', '--prefix', 'unreach-', '--duration', '2s', '--state-dir', join(dir, 'state-unreach')], {
      env: { ...env, AWS_ENDPOINT_URL: 'http://127.0.0.1:1' },
      stdout: out,
      stderr: err,
    });
    expect(code).toBe(2);
    expect(err.text()).toMatch(/^pulsepet simulate: \w+ failed: cannot reach the IoT endpoint http:\/\/127\.0\.0\.1:1 \(ECONNREFUSED\)$/m);
    expect(err.text()).not.toMatch(/^\s+at /m);
    expect(out.text()).toBe('');
  }, 60_000);

  it('reports an acknowledged batch the store lacks as lost, by (thing, batchId), and rows of no batch as extra', async () => {
    // sample times the first run stored for sim-00001, read back from the store
    const q = new TimestreamQueryClient(awsClientConfig(stack));
    const r = await q.send(new QueryCommand({ QueryString: `SELECT time FROM "pulsepet"."telemetry" WHERE thing = 'sim-00001' ORDER BY time LIMIT 12` }));
    const stored = (r.Rows ?? []).map((row) => Date.parse(`${(row.Data?.[0]?.ScalarValue ?? '').slice(0, 23).replace(' ', 'T')}Z`));
    expect(stored).toHaveLength(12);
    const ledger = new BatchLedger();
    const present = ledger.add({ thing: 'sim-00001', batchId: 'present', seq: 1, times: Float64Array.from(stored.slice(0, 5)) });
    // acknowledged, but its samples (between stored ones, at odd milliseconds) were never written
    const missing = ledger.add({ thing: 'sim-00001', batchId: 'missing', seq: 2, times: Float64Array.from(stored.slice(5, 8), (t) => t + 1) });
    present.publishes = present.acks = 1;
    missing.publishes = missing.acks = 1;
    const report = await timestreamStoreCheck(q, { database: 'pulsepet', table: 'telemetry', settleMs: 1_000, pollMs: 200 })(ledger.acked());
    q.destroy();
    expect(report.lost).toEqual([{ thing: 'sim-00001', batchId: 'missing', samples: 3, missing: 3 }]);
    expect(report).toMatchObject({ lostBatches: 1, lostSamples: 3, storedSamples: 5 });
    // the stored rows in the range that no batch of this ledger claims
    expect(report.extraRows).toBeGreaterThanOrEqual(2);
  }, 30_000);

  it('counts each thing within its own time range when one count query covers things of different ranges', async () => {
    // range-a rows at t0..t0+4 s (acknowledged) and t0+60..64 s (not in its ledger); range-b rows at t0+60..64 s
    const t0 = Date.now() - 2 * 3_600_000;
    const row = (thing: string, t: number) => ({ Dimensions: [{ Name: 'thing', Value: thing }], MeasureName: 'vitals', MeasureValueType: 'MULTI' as const, MeasureValues: [{ Name: 'hr', Value: '61', Type: 'DOUBLE' as const }], Time: String(t) });
    const secs = (from: number) => Array.from({ length: 5 }, (_, i) => t0 + (from + i) * 1_000);
    const w = new TimestreamWriteClient(awsClientConfig(stack));
    const Records = [...secs(0).map((t) => row('range-a', t)), ...secs(60).map((t) => row('range-a', t)), ...secs(60).map((t) => row('range-b', t))];
    await w.send(new WriteRecordsCommand({ DatabaseName: 'pulsepet', TableName: 'telemetry', Records }));
    w.destroy();
    const ledger = new BatchLedger();
    for (const [thing, from] of [['range-a', 0], ['range-b', 60]] as const) {
      const e = ledger.add({ thing, batchId: 'b1', seq: 1, times: secs(from) });
      e.publishes = e.acks = 1;
    }
    const q = new TimestreamQueryClient(awsClientConfig(stack));
    const report = await timestreamStoreCheck(q, { database: 'pulsepet', table: 'telemetry', settleMs: 1_000, pollMs: 200 })(ledger.acked());
    q.destroy();
    // both complete from the one count query: range-a's later rows lie in the query's span but outside its own range
    expect(report).toMatchObject({ storedSamples: 10, lostBatches: 0, extraRows: 0, queries: 1 });
  }, 30_000);

  it('reports every acknowledged batch as lost when nothing was ever written to the table (it has no columns yet)', async () => {
    const w = new TimestreamWriteClient(awsClientConfig(stack));
    await w.send(new CreateTableCommand({ DatabaseName: 'pulsepet', TableName: 'never-written' }));
    w.destroy();
    const q = new TimestreamQueryClient(awsClientConfig(stack));
    const ledger = new BatchLedger();
    const t = Date.now() - 60_000;
    const acked = ledger.add({ thing: 'sim-00001', batchId: 'nowhere', seq: 1, times: Float64Array.from([t, t + 1_000]) });
    acked.publishes = acked.acks = 1;
    const report = await timestreamStoreCheck(q, { database: 'pulsepet', table: 'never-written', settleMs: 500, pollMs: 100 })(ledger.acked());
    q.destroy();
    expect(report).toMatchObject({ lostBatches: 1, lostSamples: 2, storedSamples: 0, lost: [{ thing: 'sim-00001', batchId: 'nowhere', samples: 2, missing: 2 }] });
  }, 30_000);

  it('seeds past days through ingest and summarizes each, so the thing has daily baselines', async () => {
    const out = sink();
    const err = sink();
    const yesterday = () => previousUtcDay(Date.now());
    // seeding can straddle 00:00 UTC: the last day seeded is yesterday as of its start or its end
    const before = yesterday();
    const code = await runSimulate(['seed-history', '--thing', 'seeded-1', '--days', '3', '--scenario', 'ordinary', '--json'], { env, stdout: out, stderr: err });
    expect(code, err.text()).toBe(0);
    // seeded-1 is no registered thing: seeded all the same, with a note
    expect(err.text()).toContain('note: no thing named seeded-1 in the registry; its days are written and summarized anyway');
    const r = JSON.parse(out.text()) as { persona: string; days: Array<{ day: string; samples: number; metrics: { restingHrBpm?: number; sleepMin?: number; samples: number } }> };
    expect(r.days).toHaveLength(3);
    // without --persona, the body simulate (same --seed) plays for this thing
    expect(r.persona).toBe(bodyPersonaFor(1, 'seeded-1'));
    expect([before, yesterday()]).toContain(r.days[2]?.day);
    for (const d of r.days) {
      expect(d.metrics.samples).toBe(d.samples);
      expect(d.samples).toBeGreaterThan(8_000);
      expect(d.metrics.restingHrBpm).toBeGreaterThan(50);
    }
  }, 60_000);

  it('seeds the days before the day given with --before', async () => {
    const out = sink();
    const err = sink();
    const code = await runSimulate(['seed-history', '--thing', 'seeded-2', '--days', '2', '--scenario', 'ordinary', '--before', '2026-11-08', '--json'], { env, stdout: out, stderr: err });
    expect(code, err.text()).toBe(0);
    const r = JSON.parse(out.text()) as { days: Array<{ day: string; samples: number }> };
    expect(r.days.map((d) => d.day)).toEqual(['2026-11-06', '2026-11-07']);
    expect(r.days.every((d) => d.samples > 8_000)).toBe(true);
  }, 60_000);

  it('refuses bad flags with every problem listed', async () => {
    await expect(runSimulate(['--devices', '0', '--scenario', 'party', '--speedup', '0.5'], { env, stdout: sink(), stderr: sink() })).rejects.toMatchObject({
      problems: expect.arrayContaining([expect.stringMatching(/^--devices/), expect.stringMatching(/^--scenario/), expect.stringMatching(/^--speedup/)]),
    });
    await expect(runSimulate(['persona', '--thing', 'sim-00001', 'grumpy'], { env, stdout: sink(), stderr: sink() })).rejects.toMatchObject({
      problems: [expect.stringMatching(/PERSONA: give one of strict, encouraging/)],
    });
    await expect(runSimulate(['seed-history', '--thing', 'x', '--days', '70', '--scenario', 'ordinary'], { env, stdout: sink(), stderr: sink() })).rejects.toMatchObject({
      problems: [expect.stringMatching(/--days: an ordinary history has 60 days/)],
    });
    const future = new Date(Date.now() + 3_600_000).toISOString();
    for (const start of [future, '2026-11-08 18:00', '1999-12-31T23:00:00Z', 'yesterday']) {
      await expect(runSimulate(['--devices', '1', '--scenario-start', start], { env, stdout: sink(), stderr: sink() })).rejects.toMatchObject({
        problems: [expect.stringMatching(/^--scenario-start: expected a time from 2000 up to now, in ISO 8601 with its zone/)],
      });
    }
    await expect(runSimulate(['--devices', '1', '--scenario', 'mix,run'], { env, stdout: sink(), stderr: sink() })).rejects.toMatchObject({
      problems: [expect.stringMatching(/^--scenario: expected mix\|rest\|.+, or a comma-separated list of rest\|run\|.+; got 'mix,run'$/)],
    });
    await expect(runSimulate(['extra', '--devices', '1'], { env, stdout: sink(), stderr: sink() })).rejects.toMatchObject({
      problems: ['unexpected arguments: extra'],
    });
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    await expect(runSimulate(['seed-history', '--thing', 'x', '--before', tomorrow], { env, stdout: sink(), stderr: sink() })).rejects.toMatchObject({
      problems: [expect.stringMatching(/^--before: .+ is after today/)],
    });
    await expect(runSimulate(['seed-history', '--thing', 'x', '--before', '2026-02-30'], { env, stdout: sink(), stderr: sink() })).rejects.toMatchObject({
      problems: [expect.stringMatching(/^--before: not a calendar day/)],
    });
  });
});
