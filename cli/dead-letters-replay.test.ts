import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { QueryCommand, TimestreamQueryClient } from '@aws-sdk/client-timestream-query';
import { afterAll, describe, expect, it } from 'vitest';
import type { LambdaHandler, LocalStack } from '../local/index';
import { FUNCTION_NAMES } from '../protocol/resources';
import { summarize } from '../protocol/telemetry';
import { awsClientConfig, connectMqtt, provisionTestDevice } from '../test/support/local/stack';
import { deadLetters } from './dead-letters';
import { startPulsepetStack } from './pulsepet-stack';

/**
 * `pulsepet dead-letters replay`: acknowledged telemetry whose ingest failed for good (the
 * store was down) is dead-lettered with its payload; once the cause is gone, replay puts
 * it in the store through the data dir's own stack, and removes the letters.
 */

const dir = mkdtempSync(join(tmpdir(), 'pp-dlq-replay-'));
const dataDir = join(dir, 'data');
const open: LocalStack[] = [];
afterAll(async () => {
  for (const s of open) await s.close();
  rmSync(dir, { recursive: true, force: true });
});

async function run(argv: string[]): Promise<{ code: number; lines: Array<Record<string, string>> }> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => {
    text += c.toString();
  });
  const code = await deadLetters([...argv, '--data-dir', dataDir], out);
  return { code, lines: text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) };
}

async function runShow(id: string): Promise<Record<string, unknown>> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => {
    text += c.toString();
  });
  expect(await deadLetters(['show', id, '--data-dir', dataDir], out)).toBe(0);
  return JSON.parse(text) as Record<string, unknown>;
}

const storeDown: LambdaHandler = async () => {
  throw new Error('the telemetry store is down');
};

describe('Function: deadLetters (CLI), replay', () => {
  it('puts dead-lettered telemetry in the store once ingest works again, and removes those letters', async () => {
    const first = await startPulsepetStack({ dataDir, handlers: new Map([[FUNCTION_NAMES.ingest, storeDown]]), lambdaRetryDelaysMs: [10, 10], displayDir: false });
    open.push(first);
    const device = await provisionTestDevice(first, 'replay-1');
    const client = await connectMqtt(first, device);
    const now = Date.now();
    for (const n of [0, 1]) {
      const samples = Array.from({ length: 5 }, (_, i) => ({ t: now - 60_000 + n * 10_000 + i * 1_000, hr: 70 + i, hrvRmssd: 45, steps: 3 }));
      await client.publishAsync('dt/pulsepet/replay-1/telemetry', JSON.stringify({ v: 1, batchId: `rp-${n}`, seq: n, samples, summary: summarize(samples) }), { qos: 1 });
    }
    await client.endAsync();
    await expect.poll(() => first.rules.listDeadLetters().filter((d) => d.ruleName === 'ingest_telemetry').length, { timeout: 15_000 }).toBe(2);
    // and their errorActions have reported them (the queue is idle once its failure destination returned)
    await first.lambda.idle();
    await first.rules.idle();

    // refused while the stack owns the data dir
    await expect(run(['replay'])).rejects.toThrow(/pulsepet up/);
    const envBefore = readFileSync(join(dataDir, 'env'), 'utf8');
    await first.close();
    open.splice(0);

    // the failed ingest invocations: one per batch (not the errorAction's republish, which a shutdown can cut short)
    const ingestLetters = (await run(['list'])).lines.filter((l) => l.ruleName === 'ingest_telemetry' && l.actionType === 'lambda').map((l) => String(l.id));
    expect(ingestLetters).toHaveLength(2);
    const batchIds = await Promise.all(
      ingestLetters.map(async (id) => {
        const shown = await runShow(id);
        return (JSON.parse(String(shown.actionPayload)) as { batchId: string }).batchId;
      }),
    );
    expect(new Set(batchIds)).toEqual(new Set(['rp-0', 'rp-1']));
    const replayed = await run(['replay', ...ingestLetters]);
    expect(replayed.code).toBe(0);
    expect(replayed.lines).toEqual(ingestLetters.map((id) => ({ id, outcome: 'replayed' })));
    expect((await run(['list'])).lines.filter((l) => ingestLetters.includes(String(l.id)))).toEqual([]);
    // the replay ran on free ports: the env file still names the stack's own
    expect(readFileSync(join(dataDir, 'env'), 'utf8')).toBe(envBefore);

    const again = await startPulsepetStack({ dataDir, displayDir: false });
    open.push(again);
    const q = new TimestreamQueryClient(awsClientConfig(again));
    const r = await q.send(new QueryCommand({ QueryString: `SELECT count(*) FROM "pulsepet"."telemetry" WHERE thing = 'replay-1' AND measure_name = 'vitals'` }));
    q.destroy();
    expect(r.Rows?.[0]?.Data?.[0]?.ScalarValue).toBe('10');
  }, 60_000);

  it('says which ids it does not know and exits 1', async () => {
    for (const s of open.splice(0)) await s.close();
    const r = await run(['replay', 'no-such-letter']);
    expect(r.code).toBe(1);
    expect(r.lines).toEqual([{ id: 'no-such-letter', outcome: 'not-found' }]);
  }, 30_000);
});
