import { describe, expect, it } from 'vitest';
import { AgentProcess } from '../test/support/device-agent/agent-process';

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
});
