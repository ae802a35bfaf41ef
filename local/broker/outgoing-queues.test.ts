import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DurableMap } from '../../common/journal';
import { type OutgoingEntry, OutgoingQueues } from './outgoing-queues';
import { decode, type JournalRecord, type PersistedPacket } from './persistence-records';

const publish = (messageId: number, brokerCounter: number, payload: string): PersistedPacket => ({
  cmd: 'publish',
  topic: 't',
  payload: Buffer.from(payload),
  qos: 1,
  messageId,
  brokerId: 'b1',
  brokerCounter,
});

async function drain(q: OutgoingQueues, clientId: string): Promise<string[]> {
  const out: string[] = [];
  for await (const p of q.stream(clientId)) out.push(String((p as PersistedPacket).payload));
  return out;
}

describe('Class: OutgoingQueues', () => {
  let dir: string;
  let journal: DurableMap<JournalRecord>;
  let q: OutgoingQueues;
  const background: Promise<void>[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pulsepet-outgoing-'));
    journal = DurableMap.open<JournalRecord>(dir, 'q');
    q = new OutgoingQueues(journal, (w) => void background.push(w));
  });
  afterEach(async () => {
    await Promise.all(background.splice(0));
    journal.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('queues copies per client in order and journals each under its own key', async () => {
    await q.enqueue('a', publish(0, 1, 'one'));
    await q.enqueue('b', publish(0, 2, 'other'));
    await q.enqueue('a', publish(0, 3, 'two'));
    expect(await drain(q, 'a')).toEqual(['one', 'two']);
    expect(await drain(q, 'b')).toEqual(['other']);
    expect([...journal.keys()]).toEqual(['o:0', 'o:1', 'o:2']);
  });

  it('records the message id given on sending, found by broker counter', async () => {
    await q.enqueue('a', publish(0, 7, 'one'));
    await q.update('a', publish(42, 7, 'one'));
    await Promise.all(background);
    const rec = journal.get('o:0');
    expect(rec?.t === 'o' && (decode(rec.p) as PersistedPacket).messageId).toBe(42);
    await expect(q.update('a', publish(1, 99, 'none'))).rejects.toThrow('no such packet');
  });

  it('replaces a PUBLISH by its PUBREL (another broker id, same message id)', async () => {
    await q.enqueue('a', { ...publish(0, 1, 'one'), qos: 2 });
    await q.update('a', { ...publish(5, 1, 'one'), qos: 2 });
    await q.update('a', { cmd: 'pubrel', messageId: 5 });
    const [first] = await new Promise<PersistedPacket[]>((resolve) => {
      const got: PersistedPacket[] = [];
      q.stream('a')
        .on('data', (p: PersistedPacket) => got.push(p))
        .on('end', () => resolve(got));
    });
    expect(first?.cmd).toBe('pubrel');
  });

  it('clears an acknowledged delivery and forgets its journal entry', async () => {
    // the copy queued has no message id until aedes assigns one on sending
    await q.enqueue('a', publish(3, 1, 'one'));
    await q.enqueue('a', publish(4, 2, 'two'));
    expect(q.clearMessageId('a', { cmd: 'puback', messageId: 3 })).toBeUndefined();
    await q.update('a', publish(3, 1, 'one'));
    await q.update('a', publish(4, 2, 'two'));
    expect(q.clearMessageId('a', { cmd: 'puback', messageId: 3 })?.payload?.toString()).toBe('one');
    expect(q.clearMessageId('a', { cmd: 'puback', messageId: 3 })).toBeUndefined();
    await Promise.all(background);
    expect([...journal.keys()]).toEqual(['o:1']);
    expect(await drain(q, 'a')).toEqual(['two']);
  });

  it('restores replayed entries in enqueue order and continues the sequence after them', async () => {
    const entry = (seq: number, payload: string): { clientId: string; entry: OutgoingEntry } => ({
      clientId: 'a',
      entry: { key: `o:${seq}`, seq, packet: publish(0, seq, payload) },
    });
    q.restore([entry(9, 'late'), entry(2, 'early')]);
    await q.enqueue('a', publish(0, 10, 'new'));
    expect(await drain(q, 'a')).toEqual(['early', 'late', 'new']);
    expect(journal.has('o:10')).toBe(true);
  });
});
