import { describe, expect, it } from 'vitest';
import { AgentProcess } from '../test/support/device-agent/agent-process';

describe('Command: pulsepet agent', () => {
  it('exits 2 and lists every configuration problem', async () => {
    const a = new AgentProcess(['--thing', 'bad thing', '--endpoint', 'http://x', '--mqtt', '4', '--input', 'sim:dance']);
    expect(await a.exited).toBe(2);
    for (const flag of ['--thing', '--endpoint', '--cert', '--key', '--ca', '--mqtt', '--input[0]']) expect(a.stderrText).toContain(`  - ${flag}:`);
  }, 30_000);

  it('prints its flags for --help and exits 0', async () => {
    const a = new AgentProcess(['--help']);
    expect(await a.exited).toBe(0);
    expect(a.stdoutLines.join('\n')).toContain('--outbox-policy');
  }, 30_000);
});
