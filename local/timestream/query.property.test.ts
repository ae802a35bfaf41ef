import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger';
import type { GatewayRequest } from '../ports';
import { formatTimestampNs } from './query-results';
import { createTimestreamService, type TimestreamServiceHandle } from './timestream-service';

/**
 * Property: for any set of samples, `bin()` + aggregates through the whole service
 * (parse → translate → DuckDB → Timestream response shape) equal a plain model.
 */

const NOW = 1_790_000_000_000;
let ts: TimestreamServiceHandle;
beforeAll(async () => {
  ts = await createTimestreamService({ logger: silentLogger(), now: () => NOW });
});
afterAll(async () => {
  await ts.close();
});

let req = 0;
async function call(op: string, body: object): Promise<{ status: number; body: Record<string, unknown> }> {
  const r: GatewayRequest = {
    method: 'POST',
    path: '/',
    query: new URLSearchParams(),
    headers: { 'x-amz-target': `Timestream_20181101.${op}`, 'content-type': 'application/x-amz-json-1.0' },
    body: Buffer.from(JSON.stringify(body)),
    service: 'timestream',
    region: 'us-east-1',
    accessKeyId: 'AKIDTEST',
    requestId: String(req++),
  };
  const out = await ts.service.handle(r);
  return { status: out.status, body: out.body as Record<string, unknown> };
}

const sampleArb = fc.record({
  thing: fc.constantFrom('p-a', 'p-b', 'p-c'),
  ago: fc.integer({ min: 0, max: 40 * 60_000 }),
  hr: fc.integer({ min: 40, max: 200 }),
  steps: fc.integer({ min: 0, max: 50 }),
});

describe('Property: bin() aggregates', () => {
  it('match a model for any samples and bin size', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(sampleArb, { minLength: 1, maxLength: 120 }), fc.constantFrom(1, 5, 7, 10), async (samples, binMin) => {
        const tag = `r${run++}`;
        // one record per (thing, time): later duplicates are dropped like the model does
        const unique = new Map<string, (typeof samples)[number]>();
        for (const s of samples) if (!unique.has(`${s.thing}|${s.ago}`)) unique.set(`${s.thing}|${s.ago}`, s);
        const records = [...unique.values()].map((s) => ({
          Dimensions: [{ Name: 'thing', Value: `${tag}-${s.thing}` }],
          MeasureName: 'vitals',
          MeasureValueType: 'MULTI',
          MeasureValues: [
            { Name: 'hr', Value: String(s.hr), Type: 'DOUBLE' },
            { Name: 'steps', Value: String(s.steps), Type: 'BIGINT' },
          ],
          Time: String(NOW - s.ago),
        }));
        for (let i = 0; i < records.length; i += 100) {
          const w = await call('WriteRecords', { DatabaseName: 'pulsepet', TableName: 'telemetry', Records: records.slice(i, i + 100) });
          expect(w.status).toBe(200);
        }
        const q = await call('Query', {
          QueryString: `SELECT thing, bin(time, ${binMin}m) AS b, count(*) AS n, sum(steps) AS s, min(hr) AS lo, max(hr) AS hi, avg(hr) AS mean
            FROM "pulsepet"."telemetry" WHERE thing LIKE '${tag}-%' AND time > ago(30m) AND time <= now()
            GROUP BY thing, bin(time, ${binMin}m) ORDER BY thing, b`,
        });
        expect(q.status).toBe(200);
        const size = binMin * 60_000;
        const model = new Map<string, { n: number; s: number; lo: number; hi: number; sum: number }>();
        for (const s of unique.values()) {
          const t = NOW - s.ago;
          if (!(t > NOW - 30 * 60_000 && t <= NOW)) continue;
          const b = Math.floor(t / size) * size;
          const k = `${tag}-${s.thing}|${String(b).padStart(16, '0')}`;
          const m = model.get(k) ?? { n: 0, s: 0, lo: Number.POSITIVE_INFINITY, hi: Number.NEGATIVE_INFINITY, sum: 0 };
          m.n++;
          m.s += s.steps;
          m.lo = Math.min(m.lo, s.hr);
          m.hi = Math.max(m.hi, s.hr);
          m.sum += s.hr;
          model.set(k, m);
        }
        const expected = [...model.entries()]
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([k, m]) => {
            const [thing, b] = k.split('|');
            return [thing, formatTimestampNs(BigInt(Number(b)) * 1_000_000n), String(m.n), String(m.s), m.lo, m.hi, m.sum / m.n];
          });
        const rows = (q.body.Rows as Array<{ Data: Array<{ ScalarValue?: string }> }>).map((r) => {
          const d = r.Data.map((x) => x.ScalarValue ?? '');
          return [d[0], d[1], d[2], d[3], Number(d[4]), Number(d[5]), Number(d[6])];
        });
        expect(rows.length).toBe(expected.length);
        rows.forEach((r, i) => {
          const e = expected[i]!;
          expect(r.slice(0, 6)).toEqual(e.slice(0, 6));
          expect(r[6]).toBeCloseTo(e[6] as number, 9);
        });
      }),
      { numRuns: 40 },
    );
  });
});
