import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger';
import { tableMeta, vitalsRecord } from '../../test/support/local/timestream';
import { DimensionRanges } from './dimension-ranges';
import { translateQuery } from './query-translator';
import type { NormalizedRecord } from './records';
import { TelemetryStore } from './store';
import type { WireRecord } from './write-request';

/**
 * Queries whose scope no stored row is in are answered over none of the table's rows
 * (dimension-ranges.ts): always the result the full scan gives.
 */

const dirs: string[] = [];
const stores: TelemetryStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
async function open(dataDir?: string): Promise<TelemetryStore> {
  const s = await TelemetryStore.open({ logger: silentLogger(), now: () => NOW, ...(dataDir ? { dataDir } : {}) });
  stores.push(s);
  return s;
}

const NOW = 1_790_000_000_000;
const T0 = NOW - 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();
const rec = vitalsRecord;
const write = (s: TelemetryStore, Records: WireRecord[]) => s.write({ DatabaseName: 'pulsepet', TableName: 'telemetry', Records });

/** Runs a query as the Query operation does, and the same translated SQL over the whole table; both must agree. */
async function both(s: TelemetryStore, where: string, select = 'thing, time, hr', tail = ''): Promise<{ rows: unknown[][]; pruned: boolean }> {
  const q = translateQuery(`SELECT ${select} FROM "pulsepet"."telemetry" WHERE ${where}${tail}`, (db, t) => s.catalog.table(db, t), NOW);
  const before = s.stats.queriesPruned;
  const rows = await s.runQuery(q);
  const pruned = s.stats.queriesPruned > before;
  expect(rows, where).toEqual(await s.query(q.sql, q.params));
  return { rows, pruned };
}
/** A timestamp literal with all nine digits of its ns. */
const literal = (ns: bigint) => `'${new Date(Number(ns / 1_000_000n)).toISOString().slice(0, 19).replace('T', ' ')}.${String(ns % 1_000_000_000n).padStart(9, '0')}'`;
const window = (thing: string, from: number, to: number) =>
  `thing = '${thing}' AND measure_name = 'vitals' AND time >= from_iso8601_timestamp('${iso(from)}') AND time < from_iso8601_timestamp('${iso(to)}')`;

describe('Class: TelemetryStore — queries no row can match', () => {
  it('answers them without the scan, with the full scan’s result; aggregates still give their one row', async () => {
    const s = await open();
    await write(s, [rec('a', T0, 60), rec('a', T0 + 60_000, 61), rec('b', T0 + 30_000, 70)]);
    expect(await both(s, window('new-device', T0 - 1_800_000, T0 + 120_000))).toEqual({ rows: [], pruned: true });
    expect(await both(s, window('a', T0 - 1_800_000, T0))).toEqual({ rows: [], pruned: true }); // ends before its first row
    expect(await both(s, window('a', T0 + 60_001, NOW))).toEqual({ rows: [], pruned: true }); // starts after its last
    const counted = await both(s, `thing = 'c'`, 'count(*), max(hr)');
    expect(counted).toEqual({ rows: [[0n, null]], pruned: true });
    expect(await both(s, `thing = 'c'`, 'count(*)', ' HAVING count(*) > 0')).toEqual({ rows: [], pruned: true });
    expect(await both(s, `thing = 'c'`, 'thing, count(*)', ' GROUP BY thing')).toEqual({ rows: [], pruned: true });
    // rows in scope: read as before
    expect((await both(s, window('a', T0, T0 + 1))).pruned).toBe(false);
    expect((await both(s, window('a', T0 + 60_000, T0 + 60_001))).rows).toHaveLength(1);
    expect((await both(s, `thing = 'c' OR thing = 'a'`)).pruned).toBe(false);
  });

  it('prunes a table that had rows at open only once they were read back, and never loses a row written meanwhile', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pp-ts-ranges-'));
    dirs.push(dir);
    const first = await open(dir);
    await write(first, [rec('a', T0, 60), rec('b', T0 + 1_000, 70)]);
    await first.close();
    stores.splice(stores.indexOf(first), 1);

    const s = await open(dir);
    // the first query scans (and starts the read-back); writes race with the read-back
    const [firstQuery] = await Promise.all([both(s, window('a', T0 - 60_000, T0)), write(s, [rec('z', T0 + 5_000, 80)]), write(s, [rec('a', T0 + 9_000, 62)])]);
    expect(firstQuery).toEqual({ rows: [], pruned: false });
    let pruned = false;
    for (let i = 0; i < 100 && !pruned; i++) pruned = (await both(s, window('a', T0 - 60_000, T0))).pruned;
    expect(pruned).toBe(true);
    expect((await both(s, window('a', T0, T0 + 10_000))).rows.map((r) => r[2])).toEqual([60, 62]);
    expect((await both(s, `thing = 'z'`)).rows).toHaveLength(1);
    expect((await both(s, `thing = 'b' AND time > '${iso(T0 + 1_000).replace('T', ' ').replace('Z', '')}'`)).pruned).toBe(true);
  });

  it('gives the full scan’s result for any writes and scoped queries (property)', async () => {
    const things = ['a', 'b', 'c'];
    // times in ns: whole seconds, or a few ns either side of a millisecond
    const arbNs = fc.tuple(fc.integer({ min: -5, max: 605 }), fc.constantFrom(0, 1, 999_999, 1_000_000, 1_000_001)).map(([sec, ns]) => BigInt(T0 + sec * 1_000) * 1_000_000n + BigInt(ns));
    const arbWrite = fc.array(fc.record({ thing: fc.constantFrom(...things), ns: arbNs, hr: fc.integer({ min: 40, max: 200 }) }), { minLength: 1, maxLength: 8 });
    const arbQuery = fc.record({
      thing: fc.constantFrom(...things, 'never'),
      from: fc.option(arbNs, { nil: undefined }),
      to: fc.option(arbNs, { nil: undefined }),
      op: fc.constantFrom('<', '<=', '=', '>=', '>'),
      aggregate: fc.constantFrom('none', 'all', 'grouped'),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(arbWrite, arbQuery), { minLength: 1, maxLength: 6 }), async (steps) => {
        const s = await open();
        try {
          for (const [w, q] of steps) {
            await write(s, w.map((r) => ({ ...rec(r.thing, 0, r.hr), Time: String(r.ns), TimeUnit: 'NANOSECONDS' })));
            const terms = [`thing = '${q.thing}'`];
            if (q.from !== undefined) terms.push(`time ${q.op} ${literal(q.from)}`);
            if (q.to !== undefined) terms.push(`${literal(q.to)} >= time`);
            const where = terms.join(' AND ');
            if (q.aggregate === 'none') await both(s, where);
            else if (q.aggregate === 'all') await both(s, where, 'count(*), min(time)');
            else await both(s, where, 'bin(time, 1m), count(*)', ' GROUP BY bin(time, 1m) ORDER BY 1');
          }
        } finally {
          await s.close();
          stores.splice(stores.indexOf(s), 1);
        }
      }),
      { numRuns: 40 },
    );
  });
});

describe('Class: DimensionRanges', () => {
  const table = tableMeta({
    database: 'pulsepet',
    name: 'telemetry',
    columns: [{ name: 'thing', kind: 'dimension', type: 'VARCHAR', internal: 'd_0' }],
    retention: { MemoryStoreRetentionPeriodInHours: 24, MagneticStoreRetentionPeriodInDays: 365 },
    magneticStoreWrites: true,
  });
  const record = (thing: string, timeMs: number) => ({ dims: { dimensions: [['thing', thing]] }, timeMs }) as unknown as NormalizedRecord;

  it('stops pruning on a dimension with more values than it tracks', () => {
    const r = new DimensionRanges(new Set(), async () => [], silentLogger(), 3);
    r.observe(table, [record('a', 1), record('b', 1), record('c', 1)]);
    expect(r.mayMatch(table, { equals: [['thing', 'd']] })).toBe(false);
    r.observe(table, [record('d', 5)]);
    expect(r.mayMatch(table, { equals: [['thing', 'e']] })).toBe(true);
  });

  it('keeps a table whose read-back failed unpruned, and reads it back again on a later query', async () => {
    let calls = 0;
    const load = async () => {
      calls++;
      if (calls === 1) throw new Error('disk I/O error');
      return [['a', 1_000_000n, 2_000_000n] as [string, bigint, bigint]];
    };
    const r = new DimensionRanges(new Set([table]), load, silentLogger());
    expect(r.mayMatch(table, { equals: [['thing', 'x']] })).toBe(true);
    await new Promise((res) => setTimeout(res, 10));
    expect(r.mayMatch(table, { equals: [['thing', 'x']] })).toBe(true);
    await new Promise((res) => setTimeout(res, 10));
    expect(calls).toBe(2);
    expect(r.mayMatch(table, { equals: [['thing', 'x']] })).toBe(false);
    expect(r.mayMatch(table, { equals: [['thing', 'a']], minNs: 2_000_000n })).toBe(true);
    expect(r.mayMatch(table, { equals: [['thing', 'a']], minNs: 2_000_001n })).toBe(false);
    expect(r.mayMatch(table, { equals: [['thing', 'a']], maxNs: 999_999n })).toBe(false);
    expect(r.mayMatch(table, { equals: [['thing', 'a']], maxNs: 1_000_000n })).toBe(true);
  });
});
