import { stat } from 'node:fs/promises';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { Outbox, SlicedInbox } from './framing';

describe('Outbox', () => {
  it('writes the messages of one turn as one array in the order they were pushed', async () => {
    const writes: number[][] = [];
    const box = new Outbox<number>((b) => writes.push(b));
    for (let i = 0; i < 5; i++) box.push(i);
    expect(writes).toEqual([]);
    await nextTurn();
    box.push(5);
    await nextTurn();
    expect(writes).toEqual([[0, 1, 2, 3, 4], [5]]);
  });

  it('writes at once on flush and not again for the same messages', async () => {
    const writes: string[][] = [];
    const box = new Outbox<string>((b) => writes.push(b));
    box.push('a');
    box.flush();
    expect(writes).toEqual([['a']]);
    await nextTurn();
    box.flush();
    expect(writes).toEqual([['a']]);
  });
});

const fail = (err: unknown) => {
  throw err;
};

describe('SlicedInbox', () => {
  it('handles at most a slice per turn and keeps the order across batches', async () => {
    const seen: number[] = [];
    const inbox = new SlicedInbox<number>((m) => seen.push(m), 3, fail);
    inbox.receive([0, 1, 2, 3]);
    inbox.receive([4, 5, 6]);
    expect(inbox.waiting).toBe(7);
    await nextTurn();
    expect(seen).toEqual([0, 1, 2]);
    await nextTurn();
    expect(seen).toEqual([0, 1, 2, 3, 4, 5]);
    await nextTurn();
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(inbox.waiting).toBe(0);
  });

  it('lets I/O completions run between slices', async () => {
    const order: string[] = [];
    let handled = 0;
    const all = new Promise<void>((resolve) => {
      const inbox = new SlicedInbox<number>(
        () => {
          handled += 1;
          if (handled === 1000) resolve();
        },
        1,
        fail,
      );
      inbox.receive(Array.from({ length: 1000 }, (_, i) => i));
    });
    // a thread-pool completion queued after the messages arrived
    const io = stat(import.meta.dirname).then(() => order.push(`io after ${handled}`));
    await Promise.all([all, io]);
    expect(order).toHaveLength(1);
    expect(order[0]).not.toBe('io after 1000');
  });

  it('goes on with the next message when a handler throws', async () => {
    const seen: number[] = [];
    const errors: Array<[string, number]> = [];
    const inbox = new SlicedInbox<number>(
      (m) => {
        if (m === 1) throw new Error('bad message');
        seen.push(m);
      },
      10,
      (err, m) => errors.push([(err as Error).message, m]),
    );
    inbox.receive([0, 1, 2]);
    await nextTurn();
    expect(seen).toEqual([0, 2]);
    expect(errors).toEqual([['bad message', 1]]);
  });

  it('refuses a slice that is not a positive integer', () => {
    expect(() => new SlicedInbox<number>(() => {}, 0, fail)).toThrow(/positive integer/);
  });
});
