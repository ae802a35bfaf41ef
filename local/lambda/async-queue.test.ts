import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger';
import { RecordLog } from '../../common/record-log';
import { type AsyncFailure, type AsyncInvocation, AsyncQueue, type AsyncQueueOptions, LambdaThrottledError } from './async-queue';
import type { AsyncInvokeConfig, LambdaContext, LambdaHandler } from './types';

const dirs: string[] = [];
const queues: AsyncQueue[] = [];
afterEach(async () => {
  for (const q of queues.splice(0)) await q.close(0);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'pp-aq-'));
  dirs.push(d);
  return d;
}

const DEFAULT_CONFIG: AsyncInvokeConfig = { maximumRetryAttempts: 2, maximumEventAgeSeconds: 21_600 };

interface Harness {
  queue: AsyncQueue;
  failures: AsyncFailure[];
  calls: Array<{ event: unknown; ctx: LambdaContext }>;
}

function open(dir: string, handler: LambdaHandler, extra: Partial<AsyncQueueOptions> & { config?: AsyncInvokeConfig } = {}): Harness {
  const failures: AsyncFailure[] = [];
  const calls: Harness['calls'] = [];
  const { config, ...rest } = extra;
  const queue = new AsyncQueue({
    dir,
    delaysMs: [5, 10],
    logger: silentLogger(),
    target: (name) =>
      name === 'fn'
        ? {
            target: async (event, ctx) => {
              calls.push({ event, ctx });
              return handler(event, ctx);
            },
            config: config ?? DEFAULT_CONFIG,
          }
        : undefined,
    destination: () => async (f) => void failures.push(f),
    ...rest,
  });
  queues.push(queue);
  return { queue, failures, calls };
}

const req = (event: unknown, extra: { attachment?: Buffer } = {}) => ({
  functionName: 'fn',
  functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:fn',
  eventJson: JSON.stringify(event),
  source: 'rule',
  origin: { tag: 'o' },
  ...extra,
});

describe('Class: AsyncQueue', () => {
  it('runs a queued event once it is durable, with a Lambda-like context, and forgets it after success', async () => {
    const h = open(tmp(), async () => undefined);
    h.queue.start();
    const inv = await h.queue.enqueue(req({ n: 1 }));
    await h.queue.idle();
    expect(h.calls).toEqual([{ event: { n: 1 }, ctx: expect.objectContaining({ functionName: 'fn', awsRequestId: inv.requestId, attempt: 1, ruleName: 'rule' }) }]);
    expect(h.queue.stats()).toMatchObject({ depth: 0, running: 0, memoryBytes: 0 });
  });

  it('replays events queued before a restart in enqueue order, per thing and overall', async () => {
    const dir = tmp();
    const first = open(dir, async () => undefined);
    // not started: nothing runs before the "crash"
    for (let i = 0; i < 30; i++) await first.queue.enqueue(req({ thing: `t${i % 3}`, i }));
    await first.queue.close(0);
    const order: number[] = [];
    const again = open(dir, async (e) => void order.push((e as { i: number }).i), { limits: { concurrency: 1 } });
    again.queue.start();
    await again.queue.idle();
    expect(order).toEqual([...Array(30).keys()]);
  });

  it('keeps the attempts an event made across a restart and retries it from there', async () => {
    const dir = tmp();
    const first = open(dir, async () => {
      throw new Error('down');
    }, { delaysMs: [60_000, 60_000] });
    first.queue.start();
    await first.queue.enqueue(req({ n: 2 }));
    await new Promise((r) => setTimeout(r, 50));
    await first.queue.close(0);
    const again = open(dir, async () => undefined);
    again.queue.start();
    await again.queue.idle();
    expect(again.calls.map((c) => c.ctx.attempt)).toEqual([2]);
    expect(again.failures).toEqual([]);
  });

  it('hands an event that fails every attempt to the destination with its event, origin and attachment', async () => {
    const h = open(tmp(), async () => {
      throw new Error('bad batch');
    });
    h.queue.start();
    await h.queue.enqueue(req({ n: 3 }, { attachment: Buffer.from([1, 2, 3]) }));
    await h.queue.idle();
    expect(h.calls).toHaveLength(3);
    expect(h.failures).toHaveLength(1);
    const f = h.failures[0] as AsyncFailure;
    expect(f).toMatchObject({ condition: 'RetriesExhausted', error: 'bad batch' });
    expect(f.invocation).toMatchObject({ eventJson: '{"n":3}', attempts: 3, origin: { tag: 'o' } });
    expect(f.invocation.attachment).toEqual(Buffer.from([1, 2, 3]));
  });

  it("honours the function's maximumRetryAttempts", async () => {
    const h = open(tmp(), async () => {
      throw new Error('no');
    }, { config: { maximumRetryAttempts: 0, maximumEventAgeSeconds: 60 } });
    h.queue.start();
    await h.queue.enqueue(req({ n: 4 }));
    await h.queue.idle();
    expect(h.calls).toHaveLength(1);
    expect(h.failures[0]?.condition).toBe('RetriesExhausted');
  });

  it('sends an event older than the maximum event age to the destination without running it', async () => {
    let now = 1_000_000;
    const dir = tmp();
    const first = open(dir, async () => undefined, { now: () => now });
    await first.queue.enqueue(req({ n: 5 }));
    await first.queue.close(0);
    now += 61_000;
    const again = open(dir, async () => undefined, { now: () => now, config: { maximumRetryAttempts: 2, maximumEventAgeSeconds: 60 } });
    again.queue.start();
    await again.queue.idle();
    expect(again.calls).toEqual([]);
    expect(again.failures.map((f) => f.condition)).toEqual(['EventAgeExceeded']);
  });

  it('refuses events past maxBytes with TooManyRequestsException, writes nothing for them, and takes events again once drained', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const h = open(tmp(), () => gate, { limits: { maxBytes: 64 * 1024, concurrency: 1 } });
    h.queue.start();
    const big = { pad: 'x'.repeat(10_000) };
    const accepted: Array<Promise<AsyncInvocation>> = [];
    let refused: unknown;
    for (let i = 0; i < 20 && refused === undefined; i++) {
      try {
        accepted.push(h.queue.enqueue(req({ ...big, i })));
      } catch (e) {
        refused = e;
      }
      await Promise.all(accepted).catch((e: unknown) => {
        refused = e;
      });
    }
    expect(refused).toBeInstanceOf(LambdaThrottledError);
    expect((refused as LambdaThrottledError).errorType).toBe('TooManyRequestsException');
    expect(h.queue.stats()).toMatchObject({ throttled: 1 });
    expect(h.queue.stats().diskBytes).toBeLessThanOrEqual(64 * 1024);
    release();
    await h.queue.idle();
    await expect(h.queue.enqueue(req({ after: true }))).resolves.toMatchObject({ functionName: 'fn' });
  });

  it("throttles a function past its share of the queue and still takes other functions' events, also after a restart", async () => {
    const dir = tmp();
    const gate = new Promise<void>(() => {});
    const limits = { maxBytes: 256 * 1024, functionMaxBytes: 64 * 1024, concurrency: 1 };
    const h = open(dir, () => gate, { limits });
    h.queue.start();
    const big = { pad: 'x'.repeat(10_000) };
    let refused: unknown;
    for (let i = 0; i < 20 && refused === undefined; i++) await h.queue.enqueue(req({ ...big, i })).catch((e: unknown) => (refused = e));
    expect(refused).toBeInstanceOf(LambdaThrottledError);
    expect((refused as Error).message).toMatch(/^Rate Exceeded\. The asynchronous event queue is full for fn \(\d+ of at most 65536 bytes on disk\)\.$/);
    const other = { ...req(big), functionName: 'other', functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:other' };
    await expect(h.queue.enqueue(other)).resolves.toMatchObject({ functionName: 'other' });
    expect(h.queue.stats().byFunction).toMatchObject({ fn: { throttled: 1 }, other: { depth: 1 } });
    await h.queue.close(0);

    // the share is counted again from the log: still full for fn, not for the other
    const again = open(dir, () => gate, { limits });
    await expect(again.queue.enqueue(req(big))).rejects.toBeInstanceOf(LambdaThrottledError);
    await expect(again.queue.enqueue(other)).resolves.toMatchObject({ functionName: 'other' });
  });

  it('refuses any function once all functions together reach maxBytes', async () => {
    const gate = new Promise<void>(() => {});
    const h = open(tmp(), () => gate, { limits: { maxBytes: 48 * 1024, functionMaxBytes: 32 * 1024, concurrency: 1 } });
    const big = { pad: 'x'.repeat(10_000) };
    const other = (i: number) => ({ ...req({ ...big, i }), functionName: 'other', functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:other' });
    await h.queue.enqueue(req({ ...big, i: 0 }));
    await h.queue.enqueue(req({ ...big, i: 1 }));
    await h.queue.enqueue(other(0));
    await h.queue.enqueue(other(1));
    const refused = await h.queue.enqueue(other(2)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(LambdaThrottledError);
    expect((refused as Error).message).toMatch(/^Rate Exceeded\. The asynchronous event queue is full \(\d+ of at most 49152 bytes on disk\)\.$/);
  });

  it('replays events an earlier version queued in one log for all functions, and runs them', async () => {
    const dir = tmp();
    const { log } = RecordLog.open(dir, { fsync: { kind: 'always' } });
    for (const i of [1, 2]) {
      const header = { id: `old-${i}`, fn: 'fn', arn: 'arn:aws:lambda:us-east-1:000000000000:function:fn', src: 'rule', at: Date.now(), origin: {}, eventBytes: 9 };
      log.append('E', header, [Buffer.from(JSON.stringify({ i }).padEnd(9)), Buffer.alloc(0)], true);
    }
    await log.durable();
    log.close();
    const h = open(dir, async () => {});
    h.queue.start();
    await h.queue.idle();
    expect(h.calls.map((c) => c.event)).toEqual([{ i: 1 }, { i: 2 }]);
    // done: nothing replays the next time
    await h.queue.close(0);
    const again = open(dir, async () => {});
    again.queue.start();
    await again.queue.idle();
    expect(again.calls).toEqual([]);
  });

  it('keeps at most memoryBytes of events in memory and reads the rest back from disk when they run', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const seen: number[] = [];
    const h = open(tmp(), async (e) => {
      await gate;
      seen.push((e as { i: number }).i);
    }, { limits: { memoryBytes: 50_000, concurrency: 2 } });
    h.queue.start();
    for (let i = 0; i < 40; i++) await h.queue.enqueue(req({ i, pad: 'y'.repeat(5_000) }));
    expect(h.queue.stats().memoryBytes).toBeLessThanOrEqual(50_000);
    expect(h.queue.stats().depth).toBe(40);
    release();
    await h.queue.idle();
    expect(seen.sort((a, b) => a - b)).toEqual([...Array(40).keys()]);
  });

  it('runs at most `concurrency` attempts of one function at once', async () => {
    let running = 0;
    let peak = 0;
    const h = open(tmp(), async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
    }, { limits: { concurrency: 3 } });
    h.queue.start();
    await Promise.all(Array.from({ length: 20 }, (_, i) => h.queue.enqueue(req({ i }))));
    await h.queue.idle();
    expect(peak).toBe(3);
    expect(h.calls).toHaveLength(20);
  });

  it('keeps an event whose destination failed in the queue, to hand it over again after a restart', async () => {
    const dir = tmp();
    const first = open(dir, async () => {
      throw new Error('no');
    }, { destination: () => async () => {
      throw new Error('dead-letter store down');
    } });
    first.queue.start();
    await first.queue.enqueue(req({ n: 6 }));
    await first.queue.idle();
    await first.queue.close(0);
    const again = open(dir, async () => {
      throw new Error('still no');
    });
    again.queue.start();
    await again.queue.idle();
    expect(again.failures).toHaveLength(1);
    expect(again.failures[0]?.invocation.eventJson).toBe('{"n":6}');
  });
});
