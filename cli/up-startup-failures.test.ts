import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { LOCK_FILE } from '../common/dir-lock';
import { type CliResult, runCli, startUp } from '../test/support/cli';
import { treeDigest } from '../test/support/dir-tree';

/** A data dir one `pulsepet up` has run in and left (SIGTERM); each test works on a copy. */
let fixture: string;

beforeAll(async () => {
  fixture = join(mkdtempSync(join(tmpdir(), 'pp-up-fail-')), 'state');
  const up = await startUp(fixture);
  expect(await up.stop('SIGTERM')).toBe(0);
}, 60_000);

function copyOfFixture(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'pp-up-fail-')), 'state');
  cpSync(fixture, dir, { recursive: true });
  return dir;
}

/** The run exited `code` with exactly one line that is not a JSON log line, and no stack trace; returns that line. */
function oneLine(r: CliResult, code: number): string {
  const lines = r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('{'));
  expect(lines, r.stderr).toHaveLength(1);
  expect(r.stderr).not.toMatch(/^\s+at /m);
  expect(r.code, r.stderr).toBe(code);
  return lines[0] ?? '';
}

async function holdPort(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { server, port: (server.address() as { port: number }).port };
}

const up = (dir: string, ...extra: string[]): Promise<CliResult> => runCli(['up', '--data-dir', dir, '--mqtt-port', '0', '--http-port', '0', ...extra]);

describe('pulsepet up: start-up failures', () => {
  it.each([
    ['HTTP', '--http-port', 'HTTP gateway'],
    ['HTTPS', '--https-port', 'HTTPS gateway'],
  ])('refuses an %s port in use with exit 3, naming the port and %s, and changes nothing in the data dir', async (_, flag, service) => {
    const { server, port } = await holdPort();
    const dir = copyOfFixture();
    const before = treeDigest(dir);
    try {
      const line = oneLine(await up(dir, flag, String(port)), 3);
      expect(line).toBe(
        `pulsepet up: cannot listen on 127.0.0.1:${port} (${service}): the port is already in use — stop what holds it, or pass ${flag} 0 (any free port) or another port`,
      );
    } finally {
      server.close();
    }
    expect(treeDigest(dir)).toEqual(before);
  }, 60_000);

  it('refuses an MQTT port in use with exit 3, naming the port and --mqtt-port, and changes nothing in the data dir', async () => {
    const { server, port } = await holdPort();
    const dir = copyOfFixture();
    const before = treeDigest(dir);
    try {
      const line = oneLine(await up(dir, '--mqtt-port', String(port)), 3);
      expect(line).toContain(`127.0.0.1:${port} (MQTT broker): the port is already in use`);
      expect(line).toContain('pass --mqtt-port 0 (any free port) or another port');
    } finally {
      server.close();
    }
    expect(treeDigest(dir)).toEqual(before);
  }, 60_000);

  it('refuses an --https-port equal to --http-port or --mqtt-port as a usage error (exit 2)', async () => {
    const r = await runCli(['up', '--http-port', '18080', '--https-port', '18080']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--https-port: must differ from --http-port and --mqtt-port');
    const r2 = await runCli(['up', '--mqtt-port', '18883', '--https-port', '18883']);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain('--https-port: must differ from --http-port and --mqtt-port');
  });

  it('refuses the same fixed port for MQTT and HTTP as a usage error (exit 2)', async () => {
    const r = await runCli(['up', '--mqtt-port', '18883', '--http-port', '18883']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--http-port: must differ from --mqtt-port');
  });

  it('refuses a data dir it cannot write with exit 4, naming the dir and --data-dir, and changes nothing', async () => {
    const dir = copyOfFixture();
    const before = treeDigest(dir);
    // Root writes anywhere: run as nobody over a root-owned dir; otherwise take the write bit away.
    const asRoot = process.getuid?.() === 0;
    if (asRoot) chmodSync(dirname(dir), 0o755);
    else chmodSync(dir, 0o500);
    let r: CliResult;
    try {
      r = await runCli(['up', '--data-dir', dir, '--mqtt-port', '0', '--http-port', '0'], process.env, 60_000, asRoot ? { uid: 65534, gid: 65534 } : undefined);
    } finally {
      if (!asRoot) chmodSync(dir, 0o700);
    }
    const line = oneLine(r, 4);
    expect(line).toContain(`pulsepet up: data dir ${dir} is not writable: permission denied (EACCES on ${join(dir, LOCK_FILE)})`);
    expect(line).toContain('pass --data-dir with another directory');
    expect(treeDigest(dir)).toEqual(before);
  }, 60_000);

  it('refuses a data dir written by a newer pulsepet with exit 4, saying which version wrote it', async () => {
    const dir = copyOfFixture();
    writeFileSync(join(dir, 'pulsepet-data.json'), JSON.stringify({ format: 99, writtenBy: 'pulsepet 9.9.9' }));
    const before = treeDigest(dir);
    const line = oneLine(await up(dir), 4);
    expect(line).toMatch(new RegExp(`^pulsepet up: data dir ${dir} was written by pulsepet 9\\.9\\.9 \\(data format 99\\); this pulsepet \\S+ reads format 1`));
    expect(line).toContain('pass --data-dir with another directory');
    expect(treeDigest(dir)).toEqual(before);
  }, 60_000);

  it('refuses a corrupt journal with exit 5, naming the file and what to do, and changes nothing', async () => {
    const dir = copyOfFixture();
    // The shadow journal opens late: the registry, the store and the broker's sessions are open by then.
    const journal = join(dir, 'shadows', 'shadows.journal');
    writeFileSync(journal, '{"k":"pet-1","v":{"state":{}}}\n{torn in the middle\n{"k":"pet-2","d":1}\n');
    const before = treeDigest(dir);
    const line = oneLine(await up(dir), 5);
    expect(line).toBe(`pulsepet up: corrupt journal ${journal} at line 2 — move ${journal} aside (or restore it from a backup) and start again`);
    expect(treeDigest(dir)).toEqual(before);
  }, 60_000);

  it('refuses a corrupt Timestream store file with exit 5, naming it, and changes nothing', async () => {
    const dir = copyOfFixture();
    const store = join(dir, 'timestream.duckdb');
    writeFileSync(store, Buffer.alloc(16_384, 0x5a));
    const before = treeDigest(dir);
    const line = oneLine(await up(dir), 5);
    expect(line).toMatch(new RegExp(`^pulsepet up: corrupt Timestream store ${store}: IO Error: .* — move ${store} aside`));
    expect(treeDigest(dir)).toEqual(before);
  }, 60_000);

  it('refuses a second up on the same data dir with exit 4, naming the running pid, and touches nothing of the running stack', async () => {
    const dir = copyOfFixture();
    const first = await startUp(dir);
    try {
      const before = treeDigest(dir);
      const line = oneLine(await up(dir), 4);
      expect(line).toBe(`pulsepet up: data dir ${dir} is in use by another pulsepet (pid ${first.child.pid}) — stop it first, or pass --data-dir with another directory`);
      expect(treeDigest(dir)).toEqual(before);
      expect(readFileSync(first.ready.envFile, 'utf8')).toContain(`AWS_ENDPOINT_URL=${first.ready.httpEndpoint}`);
    } finally {
      expect(await first.stop('SIGTERM')).toBe(0);
    }
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  }, 60_000);

  it('starts over the lock a killed up left behind (its pid no longer runs)', async () => {
    const dir = copyOfFixture();
    const first = await startUp(dir);
    expect(await first.stop('SIGKILL')).toBe(null);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(first.child.pid);
    const second = await startUp(dir);
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(second.child.pid);
    expect(await second.stop('SIGTERM')).toBe(0);
  }, 60_000);

  it('still prints the stack of an unexpected error (a bug report), once, with exit 1', async () => {
    const dir = copyOfFixture();
    // Not a failure pulsepet knows how to explain: the CA certificate is a directory.
    rmSync(join(dir, 'ca', 'root-ca.pem'));
    mkdirSync(join(dir, 'ca', 'root-ca.pem'));
    const r = await up(dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('pulsepet up: unexpected error — please report it with this output:');
    expect(r.stderr).toMatch(/EISDIR[\s\S]*^\s+at /m);
    expect(r.stderr.split('unexpected error').length).toBe(2);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  }, 60_000);
});
