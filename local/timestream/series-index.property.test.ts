import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SeriesIndex, type TimeKey } from './series-index';

const key = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 40 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 40 }).map((n) => `${n}000001`) },
);
const op = fc.record({ key, v: fc.integer({ min: 1, max: 5 }), fp: fc.integer({ min: 0, max: 3 }) });

describe('Class: SeriesIndex', () => {
  it('answers like a Map of time to (version, fingerprint) for any order of writes, in-order or not', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), fc.array(key, { maxLength: 20 }), (ops, probes) => {
        const idx = new SeriesIndex();
        const model = new Map<TimeKey, { v: number; fp: number }>();
        for (const o of ops) {
          const hit = idx.find(o.key);
          expect(hit).toBe(model.has(o.key));
          if (hit) {
            expect({ v: idx.version, fp: idx.fingerprint }).toEqual(model.get(o.key));
            idx.update(o.v, o.fp);
          } else idx.add(o.key, o.v, o.fp);
          model.set(o.key, { v: o.v, fp: o.fp });
        }
        expect(idx.size).toBe(model.size);
        for (const p of probes) {
          expect(idx.find(p)).toBe(model.has(p));
          if (model.has(p)) expect({ v: idx.version, fp: idx.fingerprint }).toEqual(model.get(p));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('keeps the highest version of each time when built from stored rows in any order', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (rows) => {
        const idx = SeriesIndex.fromRows(rows.map((r) => ({ key: r.key, v: r.v, fp: r.fp })));
        const best = new Map<TimeKey, number>();
        for (const r of rows) best.set(r.key, Math.max(best.get(r.key) ?? 0, r.v));
        expect(idx.size).toBe(best.size);
        for (const [k, v] of best) {
          expect(idx.find(k)).toBe(true);
          expect(idx.version).toBe(v);
        }
      }),
      { numRuns: 300 },
    );
  });
});
