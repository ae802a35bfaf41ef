import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { setup } from './support/run-tmpdir';

describe('The test run temporary directory (vitest globalSetup)', () => {
  it('is what os.tmpdir() gives here and in the processes a test starts', () => {
    expect(basename(tmpdir())).toMatch(/^pulsepet-test-run-/);
    const child = execFileSync(process.execPath, ['-e', 'process.stdout.write(require("node:os").tmpdir())'], { encoding: 'utf8' });
    expect(child).toBe(tmpdir());
  });

  it('is writable by every user with the sticky bit, as /tmp is', () => {
    expect(statSync(tmpdir()).mode & 0o7777).toBe(0o1777);
  });

  it('goes with everything in it when the run ends, and TMPDIR is as before', () => {
    const before = process.env.TMPDIR;
    const teardown = setup();
    const dir = tmpdir();
    try {
      expect(dir).not.toBe(before);
      mkdirSync(join(dir, 'left-behind', 'deep'), { recursive: true });
      writeFileSync(join(dir, 'left-behind', 'deep', 'file'), 'x');
    } finally {
      teardown();
    }
    expect(existsSync(dir)).toBe(false);
    expect(process.env.TMPDIR).toBe(before);
  });
});
