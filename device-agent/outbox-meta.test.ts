import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../common/logger';
import { OutboxMeta } from './outbox-meta';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'pp-outbox-meta-'));

describe('Class: OutboxMeta', () => {
  it('starts a new outbox at head 0, seq 0, nothing dropped', () => {
    const meta = OutboxMeta.open(tmp(), silentLogger());
    expect([meta.head(), meta.nextSeq(), meta.dropped()]).toEqual([0, 0, 0]);
    meta.close();
  });

  it('reopens with the cursor, seq, dropped count and batches it wrote', async () => {
    const dir = tmp();
    const meta = OutboxMeta.open(dir, silentLogger());
    await Promise.all([
      meta.setHead(5),
      meta.setNextSeq(3),
      meta.setDropped(2),
      meta.putBatch({ batchId: 'b1', seq: 1, first: 5, last: 6 }),
      meta.putBatch({ batchId: 'b2', seq: 2, first: 7, last: 9 }),
    ]);
    await meta.deleteBatch(2);
    meta.close();
    const again = OutboxMeta.open(dir, silentLogger());
    expect([again.head(), again.nextSeq(), again.dropped()]).toEqual([5, 3, 2]);
    expect(again.recoverBatches(5, 10)).toEqual([{ batchId: 'b1', seq: 1, first: 5, last: 6 }]);
    again.close();
  });

  it('recovers only batches inside [head, end) in seq order and deletes the rest', async () => {
    const dir = tmp();
    const meta = OutboxMeta.open(dir, silentLogger());
    await Promise.all([
      meta.putBatch({ batchId: 'acked', seq: 0, first: 0, last: 1 }),
      meta.putBatch({ batchId: 'late', seq: 2, first: 4, last: 5 }),
      meta.putBatch({ batchId: 'early', seq: 1, first: 2, last: 3 }),
      meta.putBatch({ batchId: 'torn', seq: 3, first: 6, last: 9 }),
    ]);
    expect(meta.recoverBatches(2, 8).map((b) => b.batchId)).toEqual(['early', 'late']);
    await meta.flush();
    meta.close();
    const again = OutboxMeta.open(dir, silentLogger());
    expect(again.recoverBatches(0, 100).map((b) => b.batchId)).toEqual(['early', 'late']);
    again.close();
  });

  it('moves nextSeq past a recovered batch whose seq write did not reach the disk', async () => {
    const dir = tmp();
    const meta = OutboxMeta.open(dir, silentLogger());
    await meta.putBatch({ batchId: 'b', seq: 4, first: 0, last: 0 });
    meta.recoverBatches(0, 1);
    expect(meta.nextSeq()).toBe(5);
    meta.close();
  });
});
