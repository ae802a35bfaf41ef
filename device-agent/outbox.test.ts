import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../common/logger';
import { isPulsepetError } from '../protocol/errors';
import { TelemetryV1Schema } from '../protocol/telemetry';
import { Outbox, type OutboxRecord } from './outbox';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'pp-outbox-'));
const rec = (t: number, hr = 60): OutboxRecord => ({ s: { t, hr } });
const open = (dir: string, extra: Partial<Parameters<typeof Outbox.open>[0]> = {}): Outbox =>
  Outbox.open({ dir, logger: silentLogger(), ...extra });

describe('Class: Outbox', () => {
  describe('Method: append', () => {
    it('keeps appended samples across a reopen until they are acknowledged', async () => {
      const dir = tmp();
      const ob = open(dir);
      for (let i = 1; i <= 5; i++) await ob.append(rec(i));
      await ob.close();
      const again = open(dir);
      expect(again.depth).toBe(5);
      const b = await again.formBatch({ maxSamples: 10, maxBytes: 32_768 });
      expect(again.message(b!).samples.map((s) => s.t)).toEqual([1, 2, 3, 4, 5]);
      await again.close();
    });

    it('writes segment files readable only by the owner', async () => {
      const dir = tmp();
      const ob = open(dir);
      await ob.append(rec(1));
      await ob.close();
      const seg = readdirSync(dir).find((f) => f.startsWith('seg-'))!;
      expect(statSync(join(dir, seg)).mode & 0o777).toBe(0o600);
    });

    it('refuses new samples with PP_ERR_OUTBOX_FULL under reject-new and keeps the old ones', async () => {
      const ob = open(tmp(), { maxEntries: 3, policy: 'reject-new' });
      for (let i = 1; i <= 3; i++) await ob.append(rec(i));
      const err = await ob.append(rec(4)).catch((e: unknown) => e);
      expect(isPulsepetError(err, 'PP_ERR_OUTBOX_FULL')).toBe(true);
      const b = await ob.formBatch({ maxSamples: 10, maxBytes: 32_768 });
      expect(ob.message(b!).samples.map((s) => s.t)).toEqual([1, 2, 3]);
      await ob.close();
    });

    it('drops the oldest samples under drop-oldest and counts them', async () => {
      const ob = open(tmp(), { maxEntries: 3, policy: 'drop-oldest' });
      const dropped: number[] = [];
      ob.onDrop = (n) => dropped.push(n);
      for (let i = 1; i <= 5; i++) await ob.append(rec(i));
      expect(ob.stats().droppedTotal).toBe(2);
      expect(dropped).toEqual([1, 1]);
      const b = await ob.formBatch({ maxSamples: 10, maxBytes: 32_768 });
      expect(ob.message(b!).samples.map((s) => s.t)).toEqual([3, 4, 5]);
      await ob.close();
    });

    it('drops a whole batch at once so a batch id never ships a subset', async () => {
      const ob = open(tmp(), { maxEntries: 4, policy: 'drop-oldest' });
      for (let i = 1; i <= 3; i++) await ob.append(rec(i));
      const b = await ob.formBatch({ maxSamples: 3, maxBytes: 32_768 });
      await ob.append(rec(4));
      await ob.append(rec(5));
      expect(ob.isPending(b!.seq)).toBe(false);
      expect(ob.stats().droppedTotal).toBe(3);
      await ob.close();
    });
  });

  describe('Method: formBatch', () => {
    it('builds schema-valid telemetry v1 with the latest context and battery', async () => {
      const ob = open(tmp());
      await ob.append({ s: { t: 1, hr: 60, steps: 3 }, c: { weather: 'rain' }, b: 0.9 });
      await ob.append({ s: { t: 2, hr: 80, steps: 4 }, c: { weather: 'sun' } });
      const b = await ob.formBatch({ maxSamples: 10, maxBytes: 32_768 });
      const msg = TelemetryV1Schema.parse(ob.message(b!));
      expect(msg.context).toEqual({ weather: 'sun' });
      expect(msg.battery).toBe(0.9);
      expect(msg.summary).toMatchObject({ from: 1, to: 2, n: 2, hrMax: 80, stepsSum: 7 });
      await ob.close();
    });

    it('bounds a batch by count and by bytes', async () => {
      const ob = open(tmp());
      for (let i = 1; i <= 50; i++) await ob.append(rec(i));
      const byCount = await ob.formBatch({ maxSamples: 7, maxBytes: 32_768 });
      expect(byCount!.last - byCount!.first + 1).toBe(7);
      const byBytes = await ob.formBatch({ maxSamples: 600, maxBytes: 400 + 10 * 20 });
      const n = byBytes!.last - byBytes!.first + 1;
      expect(n).toBeGreaterThan(1);
      expect(n).toBeLessThan(20);
      expect(Buffer.byteLength(JSON.stringify(ob.message(byBytes!)))).toBeLessThanOrEqual(600);
      await ob.close();
    });

    it('reuses the same batch id and seq for an unacknowledged batch after a crash', async () => {
      const dir = tmp();
      const ob = open(dir);
      for (let i = 1; i <= 4; i++) await ob.append(rec(i));
      const b1 = await ob.formBatch({ maxSamples: 2, maxBytes: 32_768 });
      await ob.ack(b1!.seq);
      const b2 = await ob.formBatch({ maxSamples: 2, maxBytes: 32_768 });
      ob.closeAbruptly();
      const again = open(dir);
      expect(again.pendingBatches()).toEqual([b2]);
      const b3 = await again.formBatch({ maxSamples: 2, maxBytes: 32_768 });
      expect(b3).toBeUndefined();
      await again.append(rec(5));
      const b4 = await again.formBatch({ maxSamples: 2, maxBytes: 32_768 });
      expect(b4!.seq).toBe(b2!.seq + 1);
      await again.close();
    });
  });

  describe('Method: oldestUnassignedAt', () => {
    it('tracks when the oldest waiting sample arrived and treats a recovered backlog as due', async () => {
      const dir = tmp();
      const ob = open(dir);
      expect(ob.oldestUnassignedAt()).toBeUndefined();
      const before = Date.now();
      await ob.append(rec(1));
      await ob.append(rec(2));
      expect(ob.oldestUnassignedAt()).toBeGreaterThanOrEqual(before);
      await ob.formBatch({ maxSamples: 1, maxBytes: 32_768 });
      expect(ob.oldestUnassignedAt()).toBeGreaterThanOrEqual(before);
      await ob.close();
      expect(open(dir).oldestUnassignedAt()).toBe(0);
    });
  });

  describe('Method: ack', () => {
    it('moves the cursor only over a contiguous prefix of acknowledged batches', async () => {
      const dir = tmp();
      const ob = open(dir);
      for (let i = 1; i <= 3; i++) await ob.append(rec(i));
      const a = await ob.formBatch({ maxSamples: 1, maxBytes: 32_768 });
      const b = await ob.formBatch({ maxSamples: 1, maxBytes: 32_768 });
      await ob.ack(b!.seq);
      expect(ob.depth).toBe(3);
      await ob.ack(a!.seq);
      expect(ob.depth).toBe(1);
      await ob.close();
      expect(open(dir).depth).toBe(1);
    });

    it('deletes segment files once everything in them is acknowledged', async () => {
      const dir = tmp();
      const ob = open(dir, { segmentBytes: 64 });
      for (let i = 1; i <= 20; i++) await ob.append(rec(i));
      expect(readdirSync(dir).filter((f) => f.startsWith('seg-')).length).toBeGreaterThan(3);
      const b = await ob.formBatch({ maxSamples: 600, maxBytes: 32_768 });
      await ob.ack(b!.seq);
      expect(readdirSync(dir).filter((f) => f.startsWith('seg-')).length).toBe(1);
      await ob.close();
    });
  });

  describe('Method: open', () => {
    it('cuts a torn last line left by a crash and keeps every complete entry', async () => {
      const dir = tmp();
      const ob = open(dir);
      await ob.append(rec(1));
      await ob.append(rec(2));
      await ob.close();
      const seg = join(dir, readdirSync(dir).find((f) => f.startsWith('seg-'))!);
      writeFileSync(seg, `${readFileSync(seg, 'utf8')}2\t{"s":{"t":3,`);
      const again = open(dir);
      expect(again.depth).toBe(2);
      await again.append(rec(3));
      await again.close();
      expect(open(dir).depth).toBe(3);
    });

    it('refuses a segment corrupted in the middle instead of silently skipping data', async () => {
      const dir = tmp();
      const ob = open(dir);
      for (let i = 1; i <= 3; i++) await ob.append(rec(i));
      await ob.close();
      const seg = join(dir, readdirSync(dir).find((f) => f.startsWith('seg-'))!);
      const lines = readFileSync(seg, 'utf8').split('\n');
      lines[0] = '0\t{garbage';
      writeFileSync(seg, lines.join('\n'));
      expect(() => open(dir)).toThrow(/corrupt outbox segment/);
    });
  });
});
