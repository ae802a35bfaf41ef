import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DurableMap } from '../../common/journal';
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
    await q.add(entry(1, 1500));
    await q.add(entry(2, 1500));
    await expect(q.add(entry(3, 1500))).rejects.toMatchObject({ code: 'PP_ERR_LIMIT' });
    expect(q.size).toBe(2);
    q.close();
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
