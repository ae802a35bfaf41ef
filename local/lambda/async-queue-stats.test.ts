import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger';
import { AsyncQueue } from './async-queue';

const dirs: string[] = [];
const queues: AsyncQueue[] = [];
afterEach(async () => {
  for (const q of queues.splice(0)) await q.close(0);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A queue over `dir` whose function `a` succeeds at once and whose function `b` never finishes. */
function open(dir: string, clock: { ms: number }): AsyncQueue {
  const queue = new AsyncQueue({
    dir,
    delaysMs: [5, 10],
    logger: silentLogger(),
    now: () => clock.ms,
    target: (name) => ({
      target: name === 'a' ? async () => undefined : () => new Promise<never>(() => undefined),
      config: { maximumRetryAttempts: 2, maximumEventAgeSeconds: 21_600 },
    }),
    destination: () => async () => undefined,
  });
  queues.push(queue);
  return queue;
}

const req = (fn: string, n: number) => ({
  functionName: fn,
  functionArn: `arn:aws:lambda:us-east-1:000000000000:function:${fn}`,
  eventJson: JSON.stringify({ n }),
  source: 'rule',
  origin: { tag: 'stats' },
});

describe('AsyncQueue.stats', () => {
  it('gives the depth per function and the age of the event waiting longest, before and after a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pp-aq-stats-'));
    dirs.push(dir);
    const clock = { ms: 1_000 };
    const queue = open(dir, clock);
    await queue.enqueue(req('a', 1));
    clock.ms = 2_000;
    await queue.enqueue(req('b', 2));
    clock.ms = 3_000;
    await queue.enqueue(req('a', 3));
    clock.ms = 10_000;
    expect(queue.stats()).toMatchObject({ depth: 3, oldestAgeMs: 9_000, byFunction: { a: { depth: 2 }, b: { depth: 1 } } });

    // a's events finish, b's keeps running: the oldest is now b's
    queue.start();
    while (queue.stats().depth > 1) await new Promise((r) => setTimeout(r, 5));
    const running = queue.stats();
    expect(running).toMatchObject({ depth: 1, oldestAgeMs: 8_000, byFunction: { b: { depth: 1, running: 1 } } });
    expect(running.byFunction.a).toBeUndefined();

    // b's event was never done: after a restart it is queued again, with its first enqueue time
    await queue.close(0);
    clock.ms = 12_000;
    const reopened = open(dir, clock);
    expect(reopened.stats()).toMatchObject({ depth: 1, oldestAgeMs: 10_000, byFunction: { b: { depth: 1 } } });
  });

  it('reports an empty queue with no age', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pp-aq-stats-'));
    dirs.push(dir);
    const queue = open(dir, { ms: 5_000 });
    expect(queue.stats()).toMatchObject({ depth: 0, oldestAgeMs: 0, byFunction: {} });
  });
});
