import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger';
import { AsyncQueue, type AsyncQueueOptions } from './async-queue';
import { lambdaQueueMetrics } from './metrics';

type AsyncQueueLimitsInput = AsyncQueueOptions['limits'];

const dirs: string[] = [];
const queues: AsyncQueue[] = [];
afterEach(async () => {
  for (const q of queues.splice(0)) await q.close(0);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A function whose attempts wait until the test lets them finish; counts what runs at once. */
class Gated {
  running = 0;
  peak = 0;
  done = 0;
  private readonly gates: Array<() => void> = [];

  readonly handler = async (): Promise<void> => {
    this.running++;
    this.peak = Math.max(this.peak, this.running);
    await new Promise<void>((r) => this.gates.push(r));
    this.running--;
    this.done++;
  };

  /** Lets `n` running attempts finish (all when omitted). */
  release(n = this.gates.length): void {
    for (const g of this.gates.splice(0, n)) g();
  }

  resetPeak(): void {
    this.peak = this.running;
  }
}

const settle = () => new Promise((r) => setTimeout(r, 20));

const INGEST_FIRST = { concurrency: 8, priority: { functions: ['ingest'], backlog: 4, yieldedConcurrency: 2 } };

function openQueue(fns: Record<string, Gated>, limits: AsyncQueueLimitsInput = INGEST_FIRST) {
  const dir = mkdtempSync(join(tmpdir(), 'pp-aqp-'));
  dirs.push(dir);
  const queue = new AsyncQueue({
    dir,
    fsync: { kind: 'never' },
    logger: silentLogger(),
    limits,
    target: (name) => {
      const fn = fns[name];
      return fn ? { target: fn.handler, config: { maximumRetryAttempts: 0, maximumEventAgeSeconds: 21_600 } } : undefined;
    },
    destination: () => async () => undefined,
  });
  queues.push(queue);
  queue.start();
  const enqueue = (functionName: string, n: number) =>
    Promise.all(
      Array.from({ length: n }, (_, i) => queue.enqueue({ functionName, functionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`, eventJson: JSON.stringify({ i }), source: 'rule', origin: {} })),
    );
  return { queue, enqueue };
}

describe('AsyncQueue priority: the functions that come first', () => {
  it('runs other functions at full concurrency while the first ones keep up', async () => {
    const ingest = new Gated();
    const other = new Gated();
    const { queue, enqueue } = openQueue({ ingest, other });
    await enqueue('ingest', 3);
    await enqueue('other', 20);
    await settle();
    expect(other.running).toBe(8);
    expect(queue.stats().yielding).toBe(false);
    ingest.release();
    other.release();
  });

  it('starts at most yieldedConcurrency attempts of other functions while a first function has a backlog, and goes back to full concurrency once it drained', async () => {
    const ingest = new Gated();
    const other = new Gated();
    const { queue, enqueue } = openQueue({ ingest, other });
    await enqueue('other', 30);
    await settle();
    expect(other.running).toBe(8);

    // 8 ingest attempts run and 4 wait: the backlog mark
    await enqueue('ingest', 12);
    await settle();
    expect(ingest.running).toBe(8);
    expect(queue.stats().yielding).toBe(true);
    expect(queue.stats().yieldSpells).toBe(1);
    expect(lambdaQueueMetrics(queue.stats())).toContain('pulsepet_lambda_async_queue_yielding 1');

    // the other function's running attempts finish; only 2 start in their place
    other.release();
    await settle();
    other.resetPeak();
    for (let i = 0; i < 3; i++) {
      other.release();
      await settle();
    }
    expect(other.peak).toBe(2);
    expect(ingest.running).toBe(8);

    // ingest catches up: under half the mark waiting, the others run at full concurrency again
    ingest.release(3);
    await settle();
    expect(queue.stats().yielding).toBe(false);
    expect(other.running).toBe(8);
    expect(lambdaQueueMetrics(queue.stats())).toContain('pulsepet_lambda_async_queue_yielding 0');

    // nothing was refused or lost: every event runs
    for (let i = 0; i < 10 && (ingest.done < 12 || other.done < 30); i++) {
      ingest.release();
      other.release();
      await settle();
    }
    expect(ingest.done).toBe(12);
    expect(other.done).toBe(30);
    expect(queue.stats().throttled).toBe(0);
  });

  it('keeps full concurrency for every function when no priority is configured', async () => {
    const ingest = new Gated();
    const other = new Gated();
    const { queue, enqueue } = openQueue({ ingest, other }, { concurrency: 8 });
    await enqueue('ingest', 40);
    await enqueue('other', 20);
    await settle();
    expect(ingest.running).toBe(8);
    expect(other.running).toBe(8);
    expect(queue.stats().yielding).toBe(false);
    ingest.release();
    other.release();
  });
});
