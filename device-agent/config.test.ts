import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../common/cli-config';
import { agentUsage, parseAgentArgs, parseAgentConfig, parseDurationMs } from './config';

/** The scenarios cli/agent.ts hands in (the watch simulator's). */
const scenarios = ['rest', 'run', 'stress', 'sleep'];

function files(): { dir: string; cert: string; key: string; ca: string } {
  const dir = mkdtempSync(join(tmpdir(), 'pp-agent-cfg-'));
  const f = (n: string): string => {
    writeFileSync(join(dir, n), 'x');
    return join(dir, n);
  };
  return { dir, cert: f('c.pem'), key: f('k.pem'), ca: f('ca.pem') };
}

const problemsOf = (argv: string[]): string[] => {
  try {
    parseAgentConfig(argv, { scenarios });
  } catch (e) {
    if (e instanceof UsageError) return e.problems;
    throw e;
  }
  return [];
};

describe('Function: parseAgentConfig', () => {
  it('reads the file fleet provision writes and lets flags override it', () => {
    const f = files();
    const cfgFile = join(f.dir, 'agent.json');
    writeFileSync(
      cfgFile,
      JSON.stringify({ thing: 'pet-1', endpoint: 'mqtts://localhost:8883', cert: f.cert, key: f.key, ca: f.ca, certificateId: 'abc', region: 'us-east-1' }),
    );
    const cfg = parseAgentConfig(['--config', cfgFile, '--mqtt', '5', '--batch-interval', '2s', '--input', 'sim:run', '--input', 'http:0'], { scenarios, cwd: f.dir });
    expect(cfg).toMatchObject({ thing: 'pet-1', mqtt: '5', batchInterval: 2_000, input: ['sim:run', 'http:0'], fsync: { kind: 'always' } });
    expect(cfg !== 'help' && cfg.outbox).toBe(join(f.dir, '.pulsepet', 'agent', 'pet-1', 'outbox'));
    expect(cfg !== 'help' && cfg.avatarDir).toBe(join(f.dir, '.pulsepet', 'agent', 'pet-1', 'outbox', 'avatar'));
    expect(Object.isFrozen(cfg)).toBe(true);
  });

  it('keeps the avatar in OUTBOX/avatar unless --avatar-dir names another dir', () => {
    const f = files();
    const base = ['--thing', 'pet-3', '--endpoint', 'mqtts://h:1', '--cert', f.cert, '--key', f.key, '--ca', f.ca, '--outbox', join(f.dir, 'ob')];
    const cfg = parseAgentConfig(base, { scenarios });
    expect(cfg !== 'help' && cfg.avatarDir).toBe(join(f.dir, 'ob', 'avatar'));
    const other = parseAgentConfig([...base, '--avatar-dir', join(f.dir, 'faces')], { scenarios });
    expect(other !== 'help' && other.avatarDir).toBe(join(f.dir, 'faces'));
    expect(agentUsage(scenarios)).toContain('--avatar-dir DIR');
  });

  it('resolves relative paths in the config file against the file’s directory', () => {
    const f = files();
    const cfgFile = join(f.dir, 'rel.json');
    writeFileSync(cfgFile, JSON.stringify({ thing: 'pet-2', endpoint: 'mqtts://h:1', cert: 'c.pem', key: 'k.pem', ca: 'ca.pem' }));
    const cfg = parseAgentConfig(['--config', cfgFile], { scenarios, cwd: '/' });
    expect(cfg !== 'help' && cfg.cert).toBe(f.cert);
  });

  it('lists every problem at once', () => {
    const problems = problemsOf(['--thing', 'bad thing', '--endpoint', 'http://x', '--mqtt', '4', '--fsync', 'sometimes', '--input', 'sim:dance']);
    expect(problems.map((p) => p.split(':')[0])).toEqual(
      expect.arrayContaining(['--thing', '--endpoint', '--cert', '--key', '--ca', '--mqtt', '--fsync', '--input[0]']),
    );
  });

  it('names a certificate file it cannot read', () => {
    const f = files();
    const problems = problemsOf(['--thing', 'p', '--endpoint', 'mqtts://h:1', '--cert', join(f.dir, 'missing.pem'), '--key', f.key, '--ca', f.ca]);
    expect(problems).toEqual([`--cert: cannot read file ${join(f.dir, 'missing.pem')}`]);
  });

  it('reports a config file that is not JSON', () => {
    const f = files();
    writeFileSync(join(f.dir, 'bad.json'), '{');
    expect(problemsOf(['--config', join(f.dir, 'bad.json')])[0]).toMatch(/^--config: cannot read/);
  });

  it('accepts only the simulator scenarios it was given and names them', () => {
    const f = files();
    const base = ['--thing', 'p', '--endpoint', 'mqtts://h:1', '--cert', f.cert, '--key', f.key, '--ca', f.ca];
    expect(problemsOf([...base, '--input', 'sim:stress'])).toEqual([]);
    expect(problemsOf([...base, '--input', 'stdin', '--input', 'sim:dance'])).toEqual(['--input[1]: expected stdin | http:PORT | sim:rest|run|stress|sleep']);
    expect(() => parseAgentConfig([...base, '--input', 'sim:run'], { scenarios: ['walk'] })).toThrow(UsageError);
  });

  it('rejects unknown flags', () => {
    expect(problemsOf(['--frobnicate'])[0]).toMatch(/frobnicate/);
  });
});

describe('Function: agentUsage', () => {
  it('lists the scenarios --input sim: takes', () => {
    expect(agentUsage(['a', 'b'])).toContain('stdin | http:PORT | sim:a|b (repeatable; default stdin)');
  });
});

describe('Function: parseDurationMs', () => {
  it.each([
    ['500ms', 500],
    ['60s', 60_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['250', 250],
    ['1.5s', 1_500],
  ])('reads %s as %d ms', (s, ms) => expect(parseDurationMs(s)).toBe(ms));

  it('refuses garbage', () => expect(parseDurationMs('soon')).toBeUndefined());
});

describe('Function: parseAgentArgs (first start by claim)', () => {
  const opts = { scenarios, cwd: '/work', defaultSerial: () => 'machine-1' };

  it('takes the claim flags, defaults the serial and the device folder, and completes the config from the identity', () => {
    const f = files();
    const a = parseAgentArgs(['--claim-config', 'claim/claim.config.json', '--input', 'sim:run', '--log-level', 'debug'], opts);
    expect(a.mode).toBe('claim');
    if (a.mode !== 'claim') return;
    expect(a.claim).toEqual({ claimConfig: 'claim/claim.config.json', serial: 'machine-1', deviceDir: '/work/.pulsepet/agent/device', logLevel: 'debug' });
    const idFile = join(f.dir, 'pet-9.config.json');
    writeFileSync(idFile, JSON.stringify({ thing: 'pet-9', endpoint: 'mqtts://h:1', cert: 'c.pem', key: 'k.pem', ca: 'ca.pem', certificateId: 'x', outbox: '../outbox' }));
    expect(a.withIdentity(idFile)).toMatchObject({ thing: 'pet-9', input: ['sim:run'], cert: f.cert, outbox: join(f.dir, '..', 'outbox') });
  });

  it('lists every problem before anything is provisioned', () => {
    let problems: string[] = [];
    try {
      parseAgentArgs(['--claim-config', 'c.json', '--thing', 'pet-1', '--serial', 'bad serial', '--template', 'no/slash', '--mqtt', '4'], opts);
    } catch (e) {
      if (e instanceof UsageError) problems = e.problems;
    }
    expect(problems.map((p) => p.split(':')[0])).toEqual(expect.arrayContaining(['--thing', '--serial', '--template', '--mqtt']));
    expect(problems).toContain('--thing: not with --claim-config (the device gets its identity by claim)');
  });

  it('refuses claim flags without --claim-config', () => {
    expect(() => parseAgentArgs(['--serial', 'S1', '--config', 'x.json'], opts)).toThrow(UsageError);
  });
});
