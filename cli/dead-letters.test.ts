import { rmSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { UsageError } from '../common/cli-config';
import { DeadLetterQueue } from '../local/rules/dead-letters';
import { deadLetters, readDeadLetters } from './dead-letters';
import { tempDir } from '../test/support/local/rules';

const dirs: string[] = [];
const queues: DeadLetterQueue[] = [];
afterEach(() => {
  for (const q of queues.splice(0)) q.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function seeded(): Promise<{ dataDir: string; ids: string[] }> {
  const dataDir = tempDir();
  dirs.push(dataDir);
  const q = DeadLetterQueue.open(`${dataDir}/rules`);
  queues.push(q);
  const base = {
    ruleName: 'ingest_telemetry',
    actionType: 'lambda',
    action: { lambda: { functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:pulsepet-ingest' } },
    failedResource: 'arn:aws:lambda:us-east-1:000000000000:function:pulsepet-ingest',
    topic: 'dt/pulsepet/pet-1/telemetry',
    clientId: 'pet-1',
    base64OriginalPayload: Buffer.from('{"batchId":"b1"}').toString('base64'),
    base64ActionPayload: Buffer.from('{"batchId":"b1","thing":"pet-1"}').toString('base64'),
    attempts: 3,
    errorMessage: 'batch rejected',
  };
  const a = await q.add(base, 1_700_000_000_000);
  const b = await q.add({ ...base, errorMessage: 'second' }, 1_700_000_000_001);
  await q.remove(a.id);
  const c = await q.add({ ...base, errorMessage: 'third' }, 1_700_000_000_002);
  // the queue stays open, as in a running stack: the reader must not need it closed
  return { dataDir, ids: [b.id, c.id] };
}

async function run(argv: string[]): Promise<{ code: number; text: string }> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => {
    text += c.toString();
  });
  const code = await deadLetters(argv, out);
  return { code, text };
}

describe('Function: deadLetters (CLI)', () => {
  it('lists the live dead letters oldest first, one JSON line each, without payload bytes', async () => {
    const { dataDir, ids } = await seeded();
    expect(readDeadLetters(dataDir).map((d) => d.id)).toEqual(ids);
    const { code, text } = await run(['list', '--data-dir', dataDir]);
    expect(code).toBe(0);
    const lines = text.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.id, l.errorMessage])).toEqual([
      [ids[0], 'second'],
      [ids[1], 'third'],
    ]);
    expect(lines[0].base64OriginalPayload).toBeUndefined();
    expect(lines[0].createdAt).toBe('2023-11-14T22:13:20.001Z');
  });

  it('shows one letter with its payloads decoded, and exits 1 for an unknown id', async () => {
    const { dataDir, ids } = await seeded();
    const shown = await run(['show', ids[1] as string, '--data-dir', dataDir]);
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.text)).toMatchObject({ originalPayload: '{"batchId":"b1"}', actionPayload: '{"batchId":"b1","thing":"pet-1"}', errorMessage: 'third' });
    expect((await run(['show', 'nope', '--data-dir', dataDir])).code).toBe(1);
  });

  it('rejects a missing or unknown command with a UsageError', async () => {
    await expect(run([])).rejects.toBeInstanceOf(UsageError);
    await expect(run(['redrive'])).rejects.toBeInstanceOf(UsageError);
    await expect(run(['show'])).rejects.toBeInstanceOf(UsageError);
  });
});
