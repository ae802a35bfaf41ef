import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SMALL_HOST_MAX_CPUS, tuneGcForHost } from './gc-tuning';

/**
 * Milliseconds V8's helper threads spent in each of the last 30 scavenges of the
 * fixture's run: those of its own workload, after the tuning (the first few belong
 * to loading tsx and the fixture).
 */
function helperScavengeMs(mode: 'tuned' | 'default'): number[] {
  const r = spawnSync(process.execPath, ['--trace-gc-nvp', '--import', 'tsx', join(import.meta.dirname, '..', 'test', 'support', 'common', 'gc-survivors.ts'), mode], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(r.status).toBe(0);
  const lines = r.stdout.split('\n').filter((l) => l.includes(' gc=s '));
  return lines.slice(-30).map((l) => Number(/ background\.scavenge\.parallel=([\d.]+)/.exec(l)?.[1] ?? Number.NaN));
}

describe('Function: tuneGcForHost', () => {
  it('turns parallel scavenging off on a host with two CPUs or fewer', () => {
    for (const cpus of [1, SMALL_HOST_MAX_CPUS]) {
      const set: string[] = [];
      expect(tuneGcForHost({ cpus, setFlags: (f) => set.push(f) })).toEqual({ cpus, parallelScavenge: false });
      expect(set).toEqual(['--no-parallel-scavenge']);
    }
  });

  it('leaves V8 alone on a larger host', () => {
    const set: string[] = [];
    expect(tuneGcForHost({ cpus: 8, setFlags: (f) => set.push(f) })).toEqual({ cpus: 8, parallelScavenge: true });
    expect(set).toEqual([]);
  });

  it("uses a flag this Node's V8 knows (an unknown one would be ignored silently at run time)", () => {
    const r = spawnSync(process.execPath, ['--no-parallel-scavenge', '-e', '0'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('takes effect after start-up: no scavenge uses helper threads once applied', { timeout: 120_000 }, () => {
    const tuned = helperScavengeMs('tuned');
    expect(tuned.length).toBe(30);
    expect(tuned.every((ms) => ms === 0)).toBe(true);
    // the control: untuned, V8 does hand scavenging work to helper threads here
    if (availableParallelism() >= 2) expect(helperScavengeMs('default').some((ms) => ms > 0)).toBe(true);
  });
});
