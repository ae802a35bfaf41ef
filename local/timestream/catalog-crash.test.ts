import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger';
import { captureLogger } from '../../test/support/local/broker';
import { TelemetryStore } from './store';
import type { WireRecord } from './write-request';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'pp-ts-crash-'));
  dirs.push(d);
  return d;
}

const NOW = Date.now();
const rec = (thing: string, t: number, extra: Partial<WireRecord> = {}): WireRecord => ({
  Dimensions: [{ Name: 'thing', Value: thing }],
  MeasureName: 'vitals',
  MeasureValueType: 'MULTI',
  MeasureValues: [{ Name: 'hr', Value: '70', Type: 'DOUBLE' }],
  Time: String(t),
  ...extra,
});
const write = (s: TelemetryStore, Records: WireRecord[], TableName = 'telemetry') => s.write({ DatabaseName: 'pulsepet', TableName, Records });
const count = async (s: TelemetryStore, table = 'telemetry') => {
  const t = s.catalog.table('pulsepet', table);
  return Number((await s.query(`SELECT count(*) FROM ${t?.internal}`, []))[0]?.[0]);
};

/** Runs DDL on the store's file directly, as a crash between two catalog steps leaves it. */
async function leaveBehind(dir: string, sql: string): Promise<void> {
  const instance = await DuckDBInstance.create(join(dir, 'timestream.duckdb'));
  const conn = await instance.connect();
  await conn.run(sql);
  conn.closeSync();
  instance.closeSync();
}

describe('Class: Catalog', () => {
  describe('after a crash between a data table change and its catalog row', () => {
    it('drops a column the catalog does not know, says so, and takes the next write that adds a column', async () => {
      const dir = tempDir();
      let s = await TelemetryStore.open({ logger: silentLogger(), dataDir: dir });
      await write(s, [rec('a', NOW - 2_000)]);
      const t = s.catalog.table('pulsepet', 'telemetry')!;
      const next = `d_${t.order.length}`;
      await s.close();
      await leaveBehind(dir, `ALTER TABLE ${t.internal} ADD COLUMN ${next} VARCHAR`);

      const { logger, records } = captureLogger();
      s = await TelemetryStore.open({ logger, dataDir: dir });
      try {
        expect(records.map((l) => l.repair)).toContain(`column ${t.internal}.${next} without a catalog row dropped`);
        const r = await write(s, [rec('b', NOW - 1_000, { Dimensions: [{ Name: 'thing', Value: 'b' }, { Name: 'site', Value: 'x' }] })]);
        expect(r.rejected).toEqual([]);
        expect(await count(s)).toBe(2);
      } finally {
        await s.close();
      }
    });

    it('drops a data table the catalog does not know, so the next CreateTable gets its name', async () => {
      const dir = tempDir();
      let s = await TelemetryStore.open({ logger: silentLogger(), dataDir: dir });
      const nextInternal = `t_${Math.max(...s.catalog.listTables().map((x) => Number(x.internal.slice(2)))) + 1}`;
      await s.close();
      await leaveBehind(dir, `CREATE TABLE ${nextInternal} (series VARCHAR, measure_name VARCHAR, time BIGINT, version BIGINT, fp DOUBLE)`);

      s = await TelemetryStore.open({ logger: silentLogger(), dataDir: dir });
      try {
        expect(s.catalog.repairs).toEqual([`table ${nextInternal} without a catalog row dropped`]);
        await s.catalog.createTable('pulsepet', 'extra', { MemoryStoreRetentionPeriodInHours: 24, MagneticStoreRetentionPeriodInDays: 7 }, true);
        expect((await write(s, [rec('a', NOW - 1_000)], 'extra')).rejected).toEqual([]);
        expect(await count(s, 'extra')).toBe(1);
      } finally {
        await s.close();
      }
    });

    it('forgets a table whose data table is gone (a DeleteTable cut short) and still opens', async () => {
      const dir = tempDir();
      let s = await TelemetryStore.open({ logger: silentLogger(), dataDir: dir });
      await s.catalog.createTable('pulsepet', 'gone', { MemoryStoreRetentionPeriodInHours: 24, MagneticStoreRetentionPeriodInDays: 7 }, true);
      await write(s, [rec('a', NOW - 1_000)], 'gone');
      const internal = s.catalog.table('pulsepet', 'gone')!.internal;
      await s.close();
      await leaveBehind(dir, `DROP TABLE ${internal}`);

      s = await TelemetryStore.open({ logger: silentLogger(), dataDir: dir });
      try {
        expect(s.catalog.repairs).toEqual([`catalog row of missing table ${internal} deleted`]);
        expect(s.catalog.table('pulsepet', 'gone')).toBeUndefined();
        expect((await write(s, [rec('a', NOW - 1_000)])).rejected).toEqual([]);
      } finally {
        await s.close();
      }
    });
  });

  describe('durability', () => {
    it('keeps accepting writes that change the schema after being killed with SIGKILL mid-change, again and again', async () => {
      const dir = tempDir();
      const acked: number[] = [];
      for (let round = 0; round < 4; round++) {
        const start = round * 10_000;
        const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '../../test/support/local/timestream-schema-writer.ts'), dir, String(start)], {
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        const before = acked.length;
        let buf = '';
        await new Promise<void>((resolve) => {
          child.stdout.on('data', (d: Buffer) => {
            const lines = (buf + d.toString()).split('\n');
            buf = lines.pop() ?? '';
            acked.push(...lines.map(Number));
            // a different point of the schema change each round
            if (acked.length - before >= 20 + round * 7) resolve();
          });
        });
        child.kill('SIGKILL');
        await new Promise((r) => child.once('exit', r));
      }
      const s = await TelemetryStore.open({ logger: silentLogger(), dataDir: dir });
      try {
        const t = s.catalog.table('pulsepet', 'telemetry')!;
        for (const n of acked) expect(t.columns.has(`m_${n}`), `m_${n}`).toBe(true);
        expect(await count(s)).toBeGreaterThanOrEqual(acked.length);
        const r = await write(s, [rec('after', NOW - 1_000, { MeasureValues: [{ Name: 'fresh', Value: '1', Type: 'DOUBLE' }] })]);
        expect(r.rejected).toEqual([]);
      } finally {
        await s.close();
      }
    }, 60_000);
  });
});
