import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger';
import { TelemetryStore } from './store';

/** Queries take a free read connection or wait for one in JS (reader-pool.ts: a waiting query holds no libuv pool thread). */

const stores: TelemetryStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

describe('Timestream store: queries', () => {
  it('answers concurrent queries each with its own result, in turn', async () => {
    const s = await TelemetryStore.open({ logger: silentLogger() });
    stores.push(s);
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => s.query('SELECT $1::INTEGER * 2 AS v, count(*) FROM range(20000)', [i])));
    expect(answers.map((rows) => Number(rows[0]?.[0]))).toEqual(Array.from({ length: 40 }, (_, i) => i * 2));
    expect(s.stats.queries).toBe(40);
  });

  it('lets a failing query fail alone: the queries behind it still run', async () => {
    const s = await TelemetryStore.open({ logger: silentLogger() });
    stores.push(s);
    const [bad, good] = await Promise.allSettled([s.query('SELECT * FROM no_such_table', []), s.query('SELECT 7', [])]);
    expect(bad.status).toBe('rejected');
    expect(good.status === 'fulfilled' && Number(good.value[0]?.[0])).toBe(7);
  });

  it('on close, finishes the running query and refuses the queued ones with InternalServerException', async () => {
    const s = await TelemetryStore.open({ logger: silentLogger(), readConnections: 1 });
    const running = s.query('SELECT count(*) FROM range(2000000)', []);
    const queued = s.query('SELECT 1', []);
    await s.close();
    expect(Number((await running)[0]?.[0])).toBe(2_000_000);
    await expect(queued).rejects.toMatchObject({ type: 'InternalServerException' });
    await expect(s.query('SELECT 1', [])).rejects.toMatchObject({ type: 'InternalServerException' });
  });
});
