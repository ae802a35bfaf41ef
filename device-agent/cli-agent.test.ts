import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AgentProcess } from '../test/support/device-agent/agent-process';
import { treeDigest } from '../test/support/dir-tree';

/** Agent flags over an endpoint nothing answers on: the agent runs (and retries) without a broker. */
function offlineArgs(outbox: string, extra: string[] = []): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'pp-agent-fail-'));
  const pem = join(dir, 'unused.pem');
  writeFileSync(pem, 'not a certificate\n');
  return ['--thing', 'pet-1', '--endpoint', 'mqtts://127.0.0.1:1', '--cert', pem, '--key', pem, '--ca', pem, '--outbox', outbox, '--input', 'stdin', ...extra];
}

const newOutbox = (): string => join(mkdtempSync(join(tmpdir(), 'pp-agent-fail-')), 'outbox');

/** The agent's one line that is not a JSON log line (there must be exactly one, and no stack trace). */
function oneLine(a: AgentProcess): string {
  const lines = a.stderrText.split('\n').filter((l) => l !== '' && !l.startsWith('{'));
  expect(lines, a.stderrText).toHaveLength(1);
  expect(a.stderrText).not.toMatch(/^\s+at /m);
  return lines[0] ?? '';
}

describe('Command: pulsepet agent', () => {
  it('exits 2 and lists every configuration problem', async () => {
    const a = new AgentProcess(['--thing', 'bad thing', '--endpoint', 'http://x', '--mqtt', '4', '--input', 'sim:dance']);
    expect(await a.exited).toBe(2);
    for (const flag of ['--thing', '--endpoint', '--cert', '--key', '--ca', '--mqtt', '--input[0]']) expect(a.stderrText).toContain(`  - ${flag}:`);
    // The scenarios come from simulators/, wired in by cli/agent.ts.
    expect(a.stderrText).toContain('  - --input[0]: expected stdin | http:PORT | sim:rest|run|stress|sleep\n');
  }, 30_000);

  it('prints its flags for --help and exits 0', async () => {
    const a = new AgentProcess(['--help']);
    expect(await a.exited).toBe(0);
    expect(a.stdoutLines.join('\n')).toContain('--outbox-policy');
    expect(a.stdoutLines.join('\n')).toContain('--input SPEC             stdin | http:PORT | sim:rest|run|stress|sleep');
  }, 30_000);

  it('refuses a second agent on the same outbox with exit 4, naming the running pid and --outbox, and leaves the outbox as it was', async () => {
    const outbox = newOutbox();
    const first = new AgentProcess(offlineArgs(outbox));
    try {
      await first.waitForLog((l) => l.msg === 'agent starting');
      first.writeStdin(`${JSON.stringify({ t: Date.now(), hr: 61 })}\n`);
      await first.waitFor(() => readdirSync(outbox).some((f) => f.startsWith('seg-') && readFileSync(join(outbox, f), 'utf8').length > 0));
      const before = treeDigest(outbox);
      const second = new AgentProcess(offlineArgs(outbox));
      expect(await second.exited).toBe(4);
      expect(oneLine(second)).toBe(`pulsepet agent: outbox ${outbox} is in use by another pulsepet (pid ${first.child.pid}) — stop it first, or pass --outbox with another directory`);
      expect(treeDigest(outbox)).toEqual(before);
    } finally {
      expect(await first.stop('SIGTERM')).toBe(0);
    }
    // The first agent's accepted sample is still there for the next run, and its lock is gone.
    expect(readdirSync(outbox)).not.toContain('pulsepet.lock');
  }, 60_000);

  it('refuses a status port in use with exit 3, naming the port and --status-port', async () => {
    const holder = createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', () => r()));
    const port = (holder.address() as { port: number }).port;
    try {
      const a = new AgentProcess(offlineArgs(newOutbox(), ['--status-port', String(port)]));
      expect(await a.exited).toBe(3);
      expect(oneLine(a)).toBe(
        `pulsepet agent: cannot listen on 127.0.0.1:${port} (status server): the port is already in use — stop what holds it, or pass --status-port 0 (any free port) or another port`,
      );
    } finally {
      holder.close();
    }
  }, 60_000);

  it('refuses a corrupt outbox segment with exit 5, naming the file, and changes nothing', async () => {
    const outbox = newOutbox();
    const first = new AgentProcess(offlineArgs(outbox));
    await first.waitForLog((l) => l.msg === 'agent starting');
    for (let i = 0; i < 3; i++) first.writeStdin(`${JSON.stringify({ t: Date.now() + i, hr: 61 })}\n`);
    await first.waitFor(() => readdirSync(outbox).some((f) => f.startsWith('seg-') && readFileSync(join(outbox, f), 'utf8').split('\n').length > 3));
    expect(await first.stop('SIGTERM')).toBe(0);
    const seg = join(outbox, readdirSync(outbox).find((f) => f.startsWith('seg-')) ?? '');
    const lines = readFileSync(seg, 'utf8').split('\n');
    lines[0] = '0\t{garbage';
    writeFileSync(seg, lines.join('\n'));
    const before = treeDigest(outbox);
    const a = new AgentProcess(offlineArgs(outbox));
    expect(await a.exited).toBe(5);
    expect(oneLine(a)).toBe(`pulsepet agent: corrupt outbox segment ${seg} at line 1 — move ${seg} aside (or restore it from a backup) and start again`);
    expect(treeDigest(outbox)).toEqual(before);
  }, 60_000);
});
