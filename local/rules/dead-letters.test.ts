import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { DurableMap } from '../../common/journal';
import { RecordLog, recordLogBytes } from '../../common/record-log';
import { type DeadLetter, DeadLetterQueue, readDeadLetters } from './dead-letters';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'pp-dlq-'));
  dirs.push(d);
  return d;
}

const entry = (n: number, payloadBytes = 10): Omit<DeadLetter, 'id' | 'createdAt'> => ({
  ruleName: 'r',
  actionType: 'lambda',
  action: { lambda: { functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:f' } },
  failedResource: 'arn:aws:lambda:us-east-1:000000000000:function:f',
  topic: 'dt/pulsepet/p/telemetry',
  clientId: 'p',
  base64OriginalPayload: Buffer.alloc(payloadBytes, n).toString('base64'),
  base64ActionPayload: Buffer.from(JSON.stringify({ n })).toString('base64'),
  request: n % 2 === 0 ? { DatabaseName: 'pulsepet', n } : undefined,
  attempts: 3,
  errorMessage: `failed ${n}`,
});

describe('Class: DeadLetterQueue', () => {
  it('keeps letters with their payloads across a reopen; updates and removals too', async () => {
    const dir = tmp();
    const q = DeadLetterQueue.open(dir);
    const a = await q.add(entry(1), 1000);
    const b = await q.add(entry(2), 1001);
    await q.add(entry(3), 1002);
    await q.update({ ...b, attempts: 4, errorMessage: 'again' });
    await q.remove(a.id);
    q.close();
    const again = DeadLetterQueue.open(dir);
    const letters = again.list();
    expect(letters.map((d) => d.errorMessage)).toEqual(['again', 'failed 3']);
    expect(letters[0]).toEqual({ ...b, attempts: 4, errorMessage: 'again' });
    expect(readDeadLetters(dir)).toEqual(letters);
    again.close();
  });

  it('refuses a letter past its disk bound instead of growing, and keeps the ones it has', async () => {
    const q = DeadLetterQueue.open(tmp(), { maxBytes: 4096 });
    // random bytes do not deflate: each letter takes its full size on disk
    const incompressible = (n: number) => ({ ...entry(n), base64OriginalPayload: randomBytes(1500).toString('base64') });
    await q.add(incompressible(1));
    await q.add(incompressible(2));
    await expect(q.add(incompressible(3))).rejects.toMatchObject({ code: 'PP_ERR_LIMIT' });
    expect(q.size).toBe(2);
    q.close();
  });

  it('keeps a refused telemetry batch deflated: the original and action payloads in under a quarter of their size, read back whole', async () => {
    const dir = tmp();
    const samples = Array.from({ length: 30 }, (_, i) => ({ t: 1_796_000_000_000 + i * 1000, hr: 60 + ((i * 7) % 23), hrvRmssd: 40 + (i % 9), steps: i % 4, skinTempC: 33.1 + (i % 5) / 10 }));
    const batch = { v: 1, batchId: 'mx-1', seq: 1, samples };
    const original = Buffer.from(JSON.stringify(batch));
    const letter = { ...entry(1), base64OriginalPayload: original.toString('base64'), base64ActionPayload: Buffer.from(JSON.stringify({ ...batch, thing: 'p' })).toString('base64'), request: undefined };
    const q = DeadLetterQueue.open(dir);
    const added = await q.add(letter, 1000);
    q.close();
    // both payloads raw would take over twice the batch; the whole record (header too) takes under half of one
    expect(recordLogBytes(join(dir, 'dead-letter-log'))).toBeLessThan(original.length / 2);
    const again = DeadLetterQueue.open(dir);
    expect(again.list()).toEqual([added]);
    expect(readDeadLetters(dir)).toEqual([added]);
    again.close();
  });

  it('leaves out a deflated letter whose payload does not inflate to the lengths it names, and keeps the others', async () => {
    const dir = tmp();
    const q = DeadLetterQueue.open(dir);
    const good = await q.add(entry(1), 1000);
    q.close();
    const { log } = RecordLog.open(join(dir, 'dead-letter-log'), { fsync: { kind: 'always' } });
    const header = { id: '01ZZZZZZZZZZZZZZZZZZZZZZZZ', createdAt: 2, ruleName: 'r', actionType: 'lambda', action: {}, failedResource: 'f', topic: 't', attempts: 1, errorMessage: 'e' };
    log.append('E', { ...header, z: [10, 10, 0] }, [Buffer.from('not deflate data')]);
    log.append('E', { ...header, id: '01ZZZZZZZZZZZZZZZZZZZZZZZY', z: [1, 1, 1] }, [deflateRawSync(Buffer.from('four'))]);
    await log.durable();
    log.close();
    expect(readDeadLetters(dir)).toEqual([good]);
    const again = DeadLetterQueue.open(dir);
    expect(again.list()).toEqual([good]);
    again.close();
  });

  it("moves an earlier version's journal-based queue into the log once", async () => {
    const dir = tmp();
    const old = DurableMap.open<DeadLetter>(dir, 'dead-letters');
    const letter: DeadLetter = { ...entry(7), id: '01OLDLETTER0000000000000000', createdAt: 5 };
    await old.set(letter.id, letter);
    old.close();
    const q = DeadLetterQueue.open(dir);
    expect(q.list()).toEqual([letter]);
    q.close();
    expect(existsSync(join(dir, 'dead-letters.journal'))).toBe(false);
    expect(DeadLetterQueue.open(dir).list()).toEqual([letter]);
  });
});
