/**
 * An exclusive lock on a state directory, held by one process at a time: a lock file
 * created with O_EXCL that holds the owner's pid. A lock whose pid no longer runs
 * (kill -9, power loss) is stale and taken over. Until the lock is held nothing in
 * the directory is read or written except the lock file itself.
 */
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { DirUnusableError, dirFailure } from './startup-errors';

/** The lock file's name inside the locked directory. */
export const LOCK_FILE = 'pulsepet.lock';

/** What the lock file holds. */
export interface LockOwner {
  pid: number;
  host: string;
  /** what holds the lock, for people: `pulsepet up` */
  command: string;
  since: string;
}

/** A held lock; `release()` removes the lock file if it is still this process's. */
export interface DirLock {
  readonly dir: string;
  readonly path: string;
  release(): void;
}

/** Lock files this process holds: a lock naming our own pid that is not here is left from an earlier process with that pid. */
const heldHere = new Set<string>();

/** A lock file that does not parse yet may be being written: it is stale only once it is older than this. */
const UNREADABLE_GRACE_MS = 2_000;

/**
 * Takes the lock on `dir` (created if missing, 0700), or throws a
 * {@link DirUnusableError}: `locked` naming the running holder, or `not-writable`.
 *
 * @example
 * const lock = acquireDirLock(dataDir, 'pulsepet up');
 * try { ... } finally { lock.release(); }
 */
export function acquireDirLock(dir: string, command: string): DirLock {
  try {
    return acquire(dir, command);
  } catch (e) {
    throw dirFailure(e, dir) ?? e;
  }
}

function acquire(dir: string, command: string): DirLock {
  const path = join(dir, LOCK_FILE);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // A few rounds: each either creates the lock, refuses, or removes one stale lock.
  for (let round = 0; round < 5; round++) {
    if (tryCreate(path, command)) {
      heldHere.add(path);
      return { dir, path, release: () => release(path) };
    }
    const seen = readLock(path);
    if (seen.state === 'gone') continue;
    const holder = liveHolder(path, seen);
    if (holder !== undefined) throw lockedError(dir, holder);
    removeStale(path, seen.raw);
  }
  throw new DirUnusableError(dir, 'locked', `cannot take the lock ${path}: other processes keep replacing it`);
}

/** Creates the lock file with O_EXCL and writes this process into it; false if it exists. */
function tryCreate(path: string, command: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  const owner: LockOwner = { pid: process.pid, host: hostname(), command, since: new Date().toISOString() };
  try {
    writeSync(fd, `${JSON.stringify(owner)}\n`);
  } catch (e) {
    unlinkSync(path);
    throw e;
  } finally {
    closeSync(fd);
  }
  return true;
}

type Seen = { state: 'owned'; owner: LockOwner; raw: string } | { state: 'unreadable'; raw: string } | { state: 'gone' };

function readLock(path: string): Seen {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'gone' };
    throw e;
  }
  try {
    const owner = JSON.parse(raw) as Partial<LockOwner>;
    if (Number.isSafeInteger(owner.pid) && typeof owner.host === 'string') return { state: 'owned', owner: owner as LockOwner, raw };
  } catch {
    // written by a process that died between create and write, or being written now
  }
  return { state: 'unreadable', raw };
}

/** The holder if the lock is live; undefined if it is stale. */
function liveHolder(path: string, seen: Exclude<Seen, { state: 'gone' }>): Partial<LockOwner> | undefined {
  if (seen.state === 'unreadable') {
    const st = statSync(path, { throwIfNoEntry: false });
    return st !== undefined && Date.now() - st.mtimeMs < UNREADABLE_GRACE_MS ? {} : undefined;
  }
  const { owner } = seen;
  // Another host's pid means nothing here (a shared file system): never taken over.
  if (owner.host !== hostname()) return owner;
  if (owner.pid === process.pid) return heldHere.has(path) ? owner : undefined;
  return isRunning(owner.pid) ? owner : undefined;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it runs, as another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Moves the stale lock aside and deletes it. If another process replaced it with a
 * live lock in between (its contents differ from what was judged stale), that lock
 * is put back.
 */
function removeStale(path: string, judged: string): void {
  const aside = `${path}.stale-${process.pid}`;
  try {
    renameSync(path, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  const moved = readFileSync(aside, 'utf8');
  if (moved === judged) {
    unlinkSync(aside);
    return;
  }
  try {
    renameSync(aside, path);
  } catch {
    unlinkSync(aside);
  }
}

function release(path: string): void {
  if (!heldHere.delete(path)) return;
  try {
    const seen = readLock(path);
    if (seen.state === 'owned' && seen.owner.pid === process.pid) unlinkSync(path);
  } catch {
    // The dir is gone or no longer ours to change: the lock is released either way,
    // and a lock file left behind names a pid that will not run for long.
  }
}

function lockedError(dir: string, holder: Partial<LockOwner>): DirUnusableError {
  const who = holder.pid === undefined ? 'another process' : `${holder.command ?? 'another process'} (pid ${holder.pid}${holder.host && holder.host !== hostname() ? ` on ${holder.host}` : ''})`;
  return new DirUnusableError(dir, 'locked', `${dir} is in use by ${who}`, {
    ...(holder.pid === undefined ? {} : { pid: holder.pid }),
    ...(holder.host && holder.host !== hostname() ? { host: holder.host } : {}),
  });
}
