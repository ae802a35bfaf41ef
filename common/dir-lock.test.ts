import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireDirLock, LOCK_FILE } from './dir-lock';
import { DirUnusableError } from './startup-errors';

const CONTENDER = join(import.meta.dirname, '..', 'test', 'support', 'common', 'lock-contender.ts');

/** Starts `n` processes that race for the lock on `dir`; resolves with what each says (`held`/`refused`) and a way to end them. */
async function race(dir: string, n: number): Promise<{ outcomes: string[]; end: () => Promise<void> }> {
  const startAt = String(Date.now() + 2_000);
  const children = Array.from({ length: n }, () => spawn(process.execPath, ['--import', 'tsx', CONTENDER, dir, startAt], { stdio: ['pipe', 'pipe', 'inherit'] }));
  const outcomes = await Promise.all(
    children.map(
      (c) =>
        new Promise<string>((resolve) => {
          let out = '';
          c.stdout.on('data', (d: Buffer) => {
            out += d.toString();
            if (out.includes('\n')) resolve(out.trim());
          });
          c.once('exit', () => resolve(out.trim() || 'exited'));
        }),
    ),
  );
  const end = async () => {
    await Promise.all(
      children.map((c) => {
        c.stdin.end();
        return c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined;
      }),
    );
  };
  return { outcomes, end };
}

const tmp = (): string => join(mkdtempSync(join(tmpdir(), 'pp-lock-')), 'state');

/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(r.stdout.toString());
}

function writeLock(dir: string, owner: Record<string, unknown>): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify(owner));
}

function refusal(f: () => unknown): DirUnusableError {
  try {
    f();
  } catch (e) {
    if (e instanceof DirUnusableError) return e;
    throw e;
  }
  throw new Error('expected a DirUnusableError');
}

describe('Function: acquireDirLock', () => {
  it('creates the dir and an owner-only lock file holding this pid, and removes it on release', () => {
    const dir = tmp();
    const lock = acquireDirLock(dir, 'pulsepet up');
    const path = join(dir, LOCK_FILE);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ pid: process.pid, host: hostname(), command: 'pulsepet up' });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    lock.release();
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a second holder in the same process, naming the pid, until the first releases', () => {
    const dir = tmp();
    const first = acquireDirLock(dir, 'pulsepet up');
    const e = refusal(() => acquireDirLock(dir, 'pulsepet up'));
    expect(e.problem).toBe('locked');
    expect(e.info.pid).toBe(process.pid);
    expect(e.code).toBe('PP_ERR_DIR_UNUSABLE');
    first.release();
    acquireDirLock(dir, 'pulsepet up').release();
  });

  it('refuses a lock whose pid still runs, and leaves that lock file untouched', () => {
    const dir = tmp();
    const live = { pid: process.ppid, host: hostname(), command: 'pulsepet up', since: 'then' };
    writeLock(dir, live);
    const before = readFileSync(join(dir, LOCK_FILE), 'utf8');
    const e = refusal(() => acquireDirLock(dir, 'pulsepet up'));
    expect(e.message).toContain(`pid ${process.ppid}`);
    expect(readFileSync(join(dir, LOCK_FILE), 'utf8')).toBe(before);
    expect(readdirSync(dir)).toEqual([LOCK_FILE]);
  });

  it('takes over a stale lock whose pid no longer runs (kill -9, power loss)', () => {
    const dir = tmp();
    writeLock(dir, { pid: deadPid(), host: hostname(), command: 'pulsepet up', since: 'then' });
    const lock = acquireDirLock(dir, 'pulsepet up');
    expect(JSON.parse(readFileSync(lock.path, 'utf8')).pid).toBe(process.pid);
    expect(readdirSync(dir)).toEqual([LOCK_FILE]);
    lock.release();
  });

  it('takes over a lock naming this pid that this process does not hold (a restarted container is pid 1 again)', () => {
    const dir = tmp();
    writeLock(dir, { pid: process.pid, host: hostname(), command: 'pulsepet up', since: 'then' });
    acquireDirLock(dir, 'pulsepet up').release();
  });

  it("never takes over another host's lock: its pid means nothing here", () => {
    const dir = tmp();
    writeLock(dir, { pid: deadPid(), host: 'other-host.example', command: 'pulsepet up', since: 'then' });
    const e = refusal(() => acquireDirLock(dir, 'pulsepet up'));
    expect(e.info.host).toBe('other-host.example');
    expect(e.message).toContain('on other-host.example');
  });

  it('treats an unreadable lock as being written while it is fresh, and as stale once it is old', () => {
    const dir = tmp();
    mkdirSync(dir, { recursive: true });
    const path = join(dir, LOCK_FILE);
    writeFileSync(path, '');
    expect(refusal(() => acquireDirLock(dir, 'pulsepet up')).problem).toBe('locked');
    const old = new Date(Date.now() - 60_000);
    utimesSync(path, old, old);
    acquireDirLock(dir, 'pulsepet up').release();
  });

  it('does not remove a lock another process took over after this one lost it', () => {
    const dir = tmp();
    const lock = acquireDirLock(dir, 'pulsepet up');
    const other = { pid: process.ppid, host: hostname(), command: 'pulsepet up', since: 'later' };
    writeLock(dir, other);
    lock.release();
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'))).toEqual(other);
  });

  it('refuses a dir that cannot be created as not writable, naming the path', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'pp-lock-')), 'a-file');
    writeFileSync(file, 'x');
    const e = refusal(() => acquireDirLock(join(file, 'state'), 'pulsepet up'));
    expect(e.problem).toBe('not-writable');
    expect(e.info.errno).toBe('ENOTDIR');
  });

  it('lets exactly one of several processes racing for a free dir, or for a stale lock, hold it', async () => {
    for (const stale of [false, true]) {
      const dir = tmp();
      if (stale) writeLock(dir, { pid: deadPid(), host: hostname(), command: 'pulsepet up', since: 'then' });
      const { outcomes, end } = await race(dir, 4);
      try {
        expect(outcomes.filter((o) => o === 'held'), outcomes.join()).toHaveLength(1);
        expect(outcomes.filter((o) => o === 'refused')).toHaveLength(3);
      } finally {
        await end();
      }
      expect(readdirSync(dir)).toEqual([]);
    }
  }, 60_000);
});
