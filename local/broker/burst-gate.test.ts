import { describe, expect, it } from 'vitest';
import { BurstGate } from './burst-gate';

describe('Class: BurstGate', () => {
  describe('Method: run', () => {
    it('runs tasks at once while the turn has room', () => {
      const gate = new BurstGate(3, () => {});
      const ran: number[] = [];
      for (let i = 0; i < 3; i++) gate.run(() => ran.push(i));
      expect(ran).toEqual([0, 1, 2]);
      expect(gate.waiting).toBe(0);
    });

    it('spreads a burst over later turns in arrival order, at most perTurn per turn', async () => {
      const gate = new BurstGate(4, () => {});
      const turns: number[][] = [];
      let turn = 0;
      const ran: number[] = [];
      for (let i = 0; i < 11; i++)
        gate.run(() => {
          ran.push(i);
          const t = turns[turn] ?? [];
          t.push(i);
          turns[turn] = t;
        });
      expect(ran).toEqual([0, 1, 2, 3]);
      expect(gate.waiting).toBe(7);
      turn = 1;
      // count turns with an immediate that re-arms itself until everything ran
      await new Promise<void>((resolve) => {
        const tick = () => {
          turn++;
          if (gate.waiting === 0 && ran.length === 11) resolve();
          else setImmediate(tick);
        };
        setImmediate(tick);
      });
      expect(ran).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(turns.every((t) => t.length <= 4)).toBe(true);
      expect(turns.filter((t) => t.length > 0).length).toBeGreaterThanOrEqual(3);
    });

    it('reports a throwing task and goes on with the others', async () => {
      const errors: unknown[] = [];
      const gate = new BurstGate(1, (e) => errors.push(e));
      const ran: number[] = [];
      gate.run(() => ran.push(0));
      gate.run(() => {
        throw new Error('boom');
      });
      gate.run(() => ran.push(2));
      await new Promise<void>((resolve) => {
        const check = () => (ran.length === 2 ? resolve() : setImmediate(check));
        setImmediate(check);
      });
      expect(ran).toEqual([0, 2]);
      expect(errors).toHaveLength(1);
    });
  });
});
