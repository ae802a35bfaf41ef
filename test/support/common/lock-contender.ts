/**
 * Test support (not product code): a process that tries to take the lock of the dir
 * given as argv[2] at the time (ms since the epoch) given as argv[3], so that several
 * contenders really race; prints `held` or `refused`, and keeps a held lock until its
 * stdin closes.
 */
import { acquireDirLock } from '../../../common/dir-lock';
import { DirUnusableError } from '../../../common/startup-errors';

const dir = process.argv[2] ?? '';
const startAt = Number(process.argv[3] ?? 0);
// Sleep to just before the common start, then spin: a timer alone wakes each contender at a different moment.
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.max(0, startAt - Date.now() - 5));
while (Date.now() < startAt) {
  // spin
}
try {
  const lock = acquireDirLock(dir, 'lock contender');
  process.stdout.write('held\n');
  process.stdin.resume();
  process.stdin.once('end', () => lock.release());
} catch (e) {
  if (!(e instanceof DirUnusableError) || e.problem !== 'locked') throw e;
  process.stdout.write('refused\n');
}
