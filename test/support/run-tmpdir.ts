/**
 * vitest globalSetup: the test run's own temporary directory.
 *
 * Tests make data dirs, certificates, function bundles and browser profiles under
 * `os.tmpdir()`, and so do the processes they start (the CLI, mosquitto, chromium).
 * Node reads `TMPDIR` on every `os.tmpdir()` call and the workers and their children
 * inherit it, so pointing it at one directory per run puts all of that in one place,
 * which goes when the run ends. Suites still remove what they make; this is the net
 * under the ones that cannot (a killed child, a bundle shared by a whole file), so
 * repeated runs do not fill the disk.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function setup(): () => void {
  const previous = process.env.TMPDIR;
  const dir = mkdtempSync(join(tmpdir(), 'pulsepet-test-run-'));
  // as /tmp is: some suites run the CLI as another user (nobody), whose tsx writes its cache here
  chmodSync(dir, 0o1777);
  process.env.TMPDIR = dir;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(dir, { recursive: true, force: true });
  };
}
