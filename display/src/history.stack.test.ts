import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPulsepetStack } from '../../cli/pulsepet-stack';
import type { LocalStack } from '../../local/index';
import { TIMESTREAM } from '../../protocol/resources';
import { minutesOf, publish } from '../../test/support/functions/reasoning-e2e';
import { awsClientConfig, connectMqtt, provisionTestDevice } from '../../test/support/local/stack';
import { chartWindow, fleetRows, presenceRows, queryRows, sql, stressSpans, vitalsSeries } from './history';

/**
 * The display's history queries against the local stack's Timestream (the same SQL goes
 * to Amazon Timestream): a device connects, sends 10 stressed minutes and leaves; the
 * rules store its vitals, its presence and the pet state the reasoning gave it.
 */
let dir: string;
let stack: LocalStack;
let query: TimestreamQueryClient;
const db = TIMESTREAM.database;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pp-display-history-'));
  stack = await startPulsepetStack({ dataDir: join(dir, 'data'), displayDir: false });
  query = new TimestreamQueryClient(awsClientConfig(stack));
}, 60_000);
afterAll(async () => {
  query?.destroy();
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('The display history on the local stack', () => {
  it('answers before any data with empty lists, not errors (tables not created yet)', async () => {
    expect(await queryRows(query, sql.fleet(db))).toEqual([]);
    expect(await queryRows(query, sql.presence(db))).toEqual([]);
    expect(await queryRows(query, sql.stress(db, 'hist-1', chartWindow(Date.now(), undefined, 6)))).toEqual([]);
  });

  it('lists the pet, its last presence, its vitals per minute and its stress state', async () => {
    const dev = await provisionTestDevice(stack, 'hist-1');
    const client = await connectMqtt(stack, dev);
    const end = Date.now();
    await publish(client, 'hist-1', minutesOf('stress', end, 10), 0, undefined, 600);
    await client.endAsync();
    // the batch's rules, then the functions they invoked, then the rule on the pet write
    await stack.rules.idle();
    await stack.lambda.idle();
    await stack.rules.idle();

    const fleet = fleetRows(await queryRows(query, sql.fleet(db)));
    expect(fleet).toEqual([{ thing: 'hist-1', lastSampleAt: end }]);
    const presence = presenceRows(await queryRows(query, sql.presence(db)));
    expect(presence.get('hist-1')).toMatchObject({ connected: false });
    const w = chartWindow(Date.now(), fleet[0]?.lastSampleAt, 6);
    expect(w.live).toBe(true);
    const vitals = vitalsSeries(await queryRows(query, sql.vitals(db, 'hist-1', w)));
    expect(vitals.t.length).toBeGreaterThanOrEqual(10);
    expect(vitals.t.length).toBeLessThanOrEqual(11);
    expect(vitals.hr.every((x) => x !== null && x > 85 && x < 100)).toBe(true);
    const spans = stressSpans(await queryRows(query, sql.stress(db, 'hist-1', w)), w.from, w.to);
    expect(spans.map((s) => s.state)).toEqual(['stress']);
  }, 60_000);

  it('shows the last hours of a pet whose data lies days in the past (a stopped device, or scenario time played faster)', async () => {
    const dev = await provisionTestDevice(stack, 'hist-past');
    const client = await connectMqtt(stack, dev);
    const end = Date.now() - 29 * 86_400_000;
    await publish(client, 'hist-past', minutesOf('stress', end, 10), 0, undefined, 600);
    await client.endAsync();
    await stack.rules.idle();
    await stack.lambda.idle();
    await stack.rules.idle();

    const latest = fleetRows(await queryRows(query, sql.fleet(db))).find((r) => r.thing === 'hist-past')?.lastSampleAt;
    expect(latest).toBe(end);
    // the last hours before now hold nothing of it; the window at its latest data holds its 10 minutes
    expect(await queryRows(query, sql.vitals(db, 'hist-past', chartWindow(Date.now(), undefined, 6)))).toEqual([]);
    const w = chartWindow(Date.now(), latest, 6);
    expect(w).toMatchObject({ to: end, live: false });
    const vitals = vitalsSeries(await queryRows(query, sql.vitals(db, 'hist-past', w)));
    expect(vitals.t.length).toBeGreaterThanOrEqual(10);
    expect(vitals.t.every((t) => t >= w.from && t <= w.to)).toBe(true);
  }, 60_000);
});
