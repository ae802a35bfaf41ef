import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it, onTestFinished } from 'vitest';
import { silentLogger } from '../common/logger';
import { Outbox } from './outbox';

type Op =
  | { kind: 'append'; n: number }
  | { kind: 'batch'; max: number }
  | { kind: 'ackOldest' }
  | { kind: 'ackRandom'; pick: number }
  | { kind: 'crash' }
  | { kind: 'reopen' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('append' as const), n: fc.integer({ min: 1, max: 5 }) }),
  fc.record({ kind: fc.constant('batch' as const), max: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ kind: fc.constant('ackOldest' as const) }),
  fc.record({ kind: fc.constant('ackRandom' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('crash' as const) }),
  fc.record({ kind: fc.constant('reopen' as const) }),
);

describe('Class: Outbox (properties)', () => {
  it('never loses, duplicates or reorders an accepted sample across random append/ack/crash sequences', async () => {
    const root = mkdtempSync(join(tmpdir(), 'pp-outbox-prop-'));
    onTestFinished(() => rmSync(root, { recursive: true, force: true }));
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 40 }), fc.integer({ min: 40, max: 400 }), async (ops, segmentBytes) => {
        const dir = mkdtempSync(join(root, 'run-'));
        const open = (): Outbox => Outbox.open({ dir, logger: silentLogger(), segmentBytes });
        let ob = open();
        let t = 0;
        const accepted: number[] = [];
        /** batchId → sample times, as a de-duplicating cloud would see them on ack */
        const delivered = new Map<string, number[]>();
        const order: string[] = [];
        for (const op of ops) {
          if (op.kind === 'append') {
            const ps: Array<Promise<number>> = [];
            for (let i = 0; i < op.n; i++) ps.push(ob.append({ s: { t: ++t, hr: 60 } }));
            await Promise.all(ps);
            for (let i = op.n - 1; i >= 0; i--) accepted.push(t - i);
          } else if (op.kind === 'batch') {
            await ob.formBatch({ maxSamples: op.max, maxBytes: 32_768 });
          } else if (op.kind === 'ackOldest' || op.kind === 'ackRandom') {
            const pending = ob.pendingBatches();
            if (pending.length === 0) continue;
            const k = op.kind === 'ackOldest' ? 0 : op.pick % pending.length;
            // Batches go out in seq order on one TCP connection, so a PUBACK for batch k
            // means the broker got every earlier one too (their PUBACKs may be lost).
            for (const b of pending.slice(0, k + 1)) {
              if (!delivered.has(b.batchId)) {
                delivered.set(b.batchId, ob.message(b).samples.map((s) => s.t));
                order.push(b.batchId);
              }
            }
            await ob.ack(pending[k]!.seq);
          } else if (op.kind === 'crash') {
            ob.closeAbruptly();
            ob = open();
          } else {
            await ob.close();
            ob = open();
          }
        }
        // Drain what is left, in seq order, as the agent does after reconnecting.
        for (;;) {
          const b = ob.pendingBatches()[0] ?? (await ob.formBatch({ maxSamples: 3, maxBytes: 32_768 }));
          if (b === undefined) break;
          if (!delivered.has(b.batchId)) {
            delivered.set(b.batchId, ob.message(b).samples.map((s) => s.t));
            order.push(b.batchId);
          }
          await ob.ack(b.seq);
        }
        expect(ob.depth).toBe(0);
        await ob.close();
        const reopened = Outbox.open({ dir, logger: silentLogger() });
        expect(reopened.depth).toBe(0);
        await reopened.close();
        // De-duplicated by batchId in arrival order, the samples are exactly the accepted ones.
        const all = order.flatMap((id) => delivered.get(id)!);
        expect(all).toEqual(accepted);
      }),
      { numRuns: 60 },
    );
  });

  it('under drop-oldest, delivers an in-order subset and counts every sample that did not arrive', async () => {
    const root = mkdtempSync(join(tmpdir(), 'pp-outbox-drop-'));
    onTestFinished(() => rmSync(root, { recursive: true, force: true }));
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 12 }), async (ops, maxEntries) => {
        const dir = mkdtempSync(join(root, 'run-'));
        const open = (): Outbox => Outbox.open({ dir, logger: silentLogger(), maxEntries, policy: 'drop-oldest', segmentBytes: 200 });
        let ob = open();
        let t = 0;
        const delivered: number[] = [];
        const seen = new Set<string>();
        const deliver = (b: { batchId: string }, o: Outbox, batch: Parameters<Outbox['message']>[0]): void => {
          if (seen.has(b.batchId)) return;
          seen.add(b.batchId);
          delivered.push(...o.message(batch).samples.map((s) => s.t));
        };
        for (const op of ops) {
          if (op.kind === 'append') {
            for (let i = 0; i < op.n; i++) await ob.append({ s: { t: ++t, hr: 60 } });
          } else if (op.kind === 'batch') {
            await ob.formBatch({ maxSamples: op.max, maxBytes: 32_768 });
          } else if (op.kind === 'ackOldest' || op.kind === 'ackRandom') {
            const pending = ob.pendingBatches();
            if (pending.length === 0) continue;
            const k = op.kind === 'ackOldest' ? 0 : op.pick % pending.length;
            for (const b of pending.slice(0, k + 1)) deliver(b, ob, b);
            await ob.ack(pending[k]!.seq);
          } else if (op.kind === 'crash') {
            await ob.flush();
            ob.closeAbruptly();
            ob = open();
          } else {
            await ob.close();
            ob = open();
          }
          expect(ob.depth).toBeLessThanOrEqual(maxEntries);
        }
        for (;;) {
          const b = ob.pendingBatches()[0] ?? (await ob.formBatch({ maxSamples: 3, maxBytes: 32_768 }));
          if (b === undefined) break;
          deliver(b, ob, b);
          await ob.ack(b.seq);
        }
        const dropped = ob.stats().droppedTotal;
        await ob.close();
        expect(delivered).toEqual([...delivered].sort((a, b) => a - b));
        expect(new Set(delivered).size).toBe(delivered.length);
        // Loss is never silent: every sample that did not arrive is counted as dropped.
        // (A batch dropped while its PUBACK was outstanding may have arrived anyway, so
        // the count is an upper bound on the loss.)
        expect(t - delivered.length).toBeLessThanOrEqual(dropped);
        expect(dropped).toBeLessThanOrEqual(t);
      }),
      { numRuns: 60 },
    );
  });
});
