import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DurableMap } from './journal';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'pp-journal-'));
}

describe('Class: DurableMap', () => {
  it('keeps sets and deletes across close and reopen', async () => {
    const dir = tmp();
    const a = DurableMap.open<number>(dir, 'm');
    await Promise.all([a.set('x', 1), a.set('y', 2), a.set('z', 3)]);
    await a.delete('y');
    a.close();
    const b = DurableMap.open<number>(dir, 'm');
    expect([...b.entries()]).toEqual([
      ['x', 1],
      ['z', 3],
    ]);
    b.close();
  });

  it('keeps everything through compaction', async () => {
    const dir = tmp();
    const a = DurableMap.open<number>(dir, 'm', { compactEvery: 10 });
    for (let i = 0; i < 55; i++) await a.set(`k${i % 20}`, i);
    a.close();
    const b = DurableMap.open<number>(dir, 'm');
    expect(b.size).toBe(20);
    expect(b.get('k14')).toBe(54);
    b.close();
  });

  it('ignores a torn last line and keeps appending cleanly after it', async () => {
    const dir = tmp();
    const a = DurableMap.open<number>(dir, 'm');
    await a.set('ok', 1);
    a.close();
    appendFileSync(join(dir, 'm.journal'), '{"k":"torn","v":');
    const b = DurableMap.open<number>(dir, 'm');
    expect(b.has('torn')).toBe(false);
    await b.set('after', 2);
    b.close();
    const c = DurableMap.open<number>(dir, 'm');
    expect(c.get('ok')).toBe(1);
    expect(c.get('after')).toBe(2);
    c.close();
  });

  it('loses no acknowledged write when the process is killed with SIGKILL', async () => {
    const dir = tmp();
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'testdata/journal-writer.ts'), dir], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const acked: string[] = [];
    let buf = '';
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        const lines = buf.split('\n');
        buf = lines.pop() ?? '';
        acked.push(...lines);
        if (acked.length >= 2000) resolve();
      });
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const m = DurableMap.open<{ n: number }>(dir, 'kv');
    const missing = acked.filter((k) => !m.has(k));
    expect(missing).toEqual([]);
    expect(acked.length).toBeGreaterThanOrEqual(2000);
    m.close();
  });
});
