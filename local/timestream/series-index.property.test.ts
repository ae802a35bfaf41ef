import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { msOfKey, SeriesIndex, type TimeKey } from './series-index';

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

  it('answers like the stored records when trimmed at any point and read back from disk (islands or up to the floor) before each older write', () => {
    const step = fc.oneof({ weight: 8, arbitrary: fc.record({ o: op, island: fc.boolean(), width: fc.integer({ min: 0, max: 6 }) }) }, { weight: 1, arbitrary: fc.constant('trim' as const) });
    fc.assert(
      fc.property(fc.boolean(), fc.array(step, { maxLength: 80 }), fc.array(key, { maxLength: 20 }), (hadRows, steps, probes) => {
        // `disk`: every write is committed at once, so a trim may come between any two
        const disk = new Map<TimeKey, { v: number; fp: number }>();
        if (hadRows) for (let t = 0; t <= 40; t += 7) disk.set(t, { v: 1, fp: 0 });
        const idx = new SeriesIndex(hadRows ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY);
        const stored = (lo: number, below: number) => [...disk].filter(([k]) => msOfKey(k) >= lo && msOfKey(k) < below).map(([k, e]) => ({ key: k, ...e }));
        const readBack = (ms: number, island = false, width = 0) => {
          if (idx.covers(ms)) return;
          if (island && Number.isFinite(idx.floor)) {
            const hi = Math.min(ms + width, idx.floor - 1);
            idx.addIsland(stored(ms, hi + 1), ms, hi);
          } else idx.extend(stored(ms, idx.floor), ms);
        };
        for (const s of steps) {
          if (s === 'trim') {
            const before = idx.size;
            expect(idx.trimOlderHalf()).toBe(before - idx.size);
            if (before > 0) expect(idx.size).toBeLessThan(before);
            expect(idx.islandCount).toBe(0);
            continue;
          }
          readBack(msOfKey(s.o.key), s.island, s.width);
          const hit = idx.find(s.o.key);
          expect(hit).toBe(disk.has(s.o.key));
          if (hit) {
            expect({ v: idx.version, fp: idx.fingerprint }).toEqual(disk.get(s.o.key));
            idx.update(s.o.v, s.o.fp);
          } else idx.add(s.o.key, s.o.v, s.o.fp);
          disk.set(s.o.key, { v: s.o.v, fp: s.o.fp });
        }
        // the index holds exactly the stored records of the times it covers
        expect(idx.size).toBe([...disk.keys()].filter((k) => idx.covers(msOfKey(k))).length);
        for (const p of probes) {
          readBack(msOfKey(p), true, 2);
          expect(idx.find(p)).toBe(disk.has(p));
          if (disk.has(p)) expect({ v: idx.version, fp: idx.fingerprint }).toEqual(disk.get(p));
        }
      }),
      { numRuns: 1000 },
    );
  });
});
