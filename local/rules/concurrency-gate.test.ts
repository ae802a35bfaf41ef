import type { WriteRecordsCommand } from '@aws-sdk/client-timestream-write';
import { describe, expect, it } from 'vitest';
import { PulsepetError } from '../../protocol/errors';
import { timestreamWriterFor } from './actions';
import { ConcurrencyGate } from './concurrency-gate';

/** A call that settles when the test says so. */
function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const turn = () => new Promise<void>((r) => setImmediate(r));

describe('ConcurrencyGate', () => {
  it('runs at most maxInFlight calls at once and the rest in arrival order', async () => {
    const gate = new ConcurrencyGate(2, 10);
    const started: number[] = [];
    const calls = Array.from({ length: 5 }, () => deferred<number>());
    const results = calls.map((c, i) =>
      gate.run(() => {
        started.push(i);
        return c.promise;
      }),
    );
    const firstOutcome = results[0]?.catch((e: unknown) => e);
    await turn();
    expect(started).toEqual([0, 1]);
    expect([gate.running, gate.waiting]).toEqual([2, 3]);
    calls[1]?.resolve(1);
    await turn();
    expect(started).toEqual([0, 1, 2]);
    calls[0]?.reject(new Error('zero failed'));
    await turn();
    expect(started).toEqual([0, 1, 2, 3]);
    for (const i of [2, 3, 4]) calls[i]?.resolve(i);
    expect(await firstOutcome).toEqual(new Error('zero failed'));
    expect(await Promise.all(results.slice(1))).toEqual([1, 2, 3, 4]);
    expect([gate.running, gate.waiting]).toEqual([0, 0]);
  });

  it('refuses a call at once when maxWaiting calls already wait, and takes calls again once they ran', async () => {
    const gate = new ConcurrencyGate(1, 1);
    const first = deferred();
    const running = gate.run(() => first.promise);
    const waiting = gate.run(async () => 'second');
    const refused = gate.run(async () => 'third');
    await expect(refused).rejects.toSatisfy((e: unknown) => e instanceof PulsepetError && e.code === 'PP_ERR_LIMIT' && e.retryable);
    first.resolve();
    await running;
    expect(await waiting).toBe('second');
    expect(await gate.run(async () => 'fourth')).toBe('fourth');
  });

  it('rejects limits that are not counts', () => {
    expect(() => new ConcurrencyGate(0, 1)).toThrow(RangeError);
    expect(() => new ConcurrencyGate(1.5, 1)).toThrow(RangeError);
    expect(() => new ConcurrencyGate(1, -1)).toThrow(RangeError);
  });
});

describe('timestreamWriterFor', () => {
  it('starts at most maxInFlight WriteRecords of a burst, the others as those finish', async () => {
    const pending: Array<{ resolve: (v: undefined) => void }> = [];
    const tables: string[] = [];
    const client = {
      send(cmd: WriteRecordsCommand) {
        tables.push(cmd.input.TableName ?? '');
        const d = deferred<undefined>();
        pending.push(d);
        return d.promise;
      },
    };
    const write = timestreamWriterFor(client, { maxInFlight: 3 });
    const burst = Array.from({ length: 10 }, (_, i) => write({ DatabaseName: 'pulsepet', TableName: `t${i}`, Records: [] }));
    await turn();
    expect(tables).toEqual(['t0', 't1', 't2']);
    while (pending.length > 0) {
      pending.shift()?.resolve(undefined);
      await turn();
      expect(pending.length).toBeLessThanOrEqual(3);
    }
    await Promise.all(burst);
    expect(tables).toEqual(Array.from({ length: 10 }, (_, i) => `t${i}`));
  });
});
