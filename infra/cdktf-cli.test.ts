import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from '@cdktf/hcl2json';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, runProcess } from '../test/support/cli';
import { TEST_ENV } from '../test/support/infra/synth';

/**
 * The cdktf CLI itself, offline and without node-pty: `npx cdktf synth` runs cdktf.json's
 * app and writes the Terraform JSON; `--hcl` writes the same configuration as plain
 * Terraform (the exit now that cdktf is archived).
 */

const ROOT = join(import.meta.dirname, '..');
let dir: string;
let json: CliResult;
let hcl: CliResult;

function cdktf(args: string[], env: Record<string, string>): Promise<CliResult> {
  // a temp dir of its own, to see what synth leaves there
  const base = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? dir, TMPDIR: join(dir, 'tmp'), CHECKPOINT_DISABLE: '1', CI: '1', NO_COLOR: '1' };
  return runProcess(join(ROOT, 'node_modules', '.bin', 'cdktf'), args, { ...base, ...env }, 120_000);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pp-cdktf-cli-'));
  mkdirSync(join(dir, 'tmp'));
  [json, hcl] = await Promise.all([
    cdktf(['synth', '--output', join(dir, 'json')], TEST_ENV),
    cdktf(['synth', '--hcl', '--output', join(dir, 'hcl')], TEST_ENV),
  ]);
}, 180_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Blocks as hcl2json gives them (lists of one object) and as cdktf's JSON writes them,
 * made alike; heredocs lose their last newline; strings are otherwise compared exactly.
 */
function normalize(v: unknown, expected?: unknown): unknown {
  if (Array.isArray(v)) {
    if (v.length === 1 && typeof v[0] === 'object' && v[0] !== null && !Array.isArray(expected)) return normalize(v[0], expected);
    return v.map((x, i) => normalize(x, Array.isArray(expected) ? expected[i] : undefined));
  }
  if (typeof v === 'object' && v !== null) {
    const e = (typeof expected === 'object' && expected !== null ? expected : {}) as Record<string, unknown>;
    return Object.fromEntries(
      Object.entries(v)
        .filter(([k]) => k !== '//')
        .map(([k, x]) => [k, normalize(x, e[k])]),
    );
  }
  if (typeof v === 'string' && typeof expected === 'string') {
    if (v === `${expected}\n`) return expected;
    // a bare expression (a variable's `type = number`) reads back as a template
    if (v === `\${${expected}}`) return expected;
  }
  return v;
}

describe('The cdktf CLI', () => {
  it('synthesizes every stack offline', () => {
    expect(json.code, json.stderr + json.stdout).toBe(0);
    expect(readdirSync(join(dir, 'json', 'stacks')).sort()).toEqual(['pp-test-compute', 'pp-test-data', 'pp-test-display', 'pp-test-iot', 'pp-test-observability']);
    const compute = JSON.parse(readFileSync(join(dir, 'json', 'stacks', 'pp-test-compute', 'cdk.tf.json'), 'utf8')) as { resource: Record<string, Record<string, { filename?: string }>> };
    for (const fn of Object.values(compute.resource.aws_lambda_function ?? {})) {
      expect(readFileSync(join(dir, 'json', 'stacks', 'pp-test-compute', String(fn.filename))).subarray(0, 2).toString()).toBe('PK');
    }
  });

  it('removes the function bundles it made once their assets are written', () => {
    expect(json.code, json.stderr + json.stdout).toBe(0);
    expect(readdirSync(join(dir, 'tmp')).filter((name) => name.startsWith('pulsepet-bundles-'))).toEqual([]);
  });

  it('writes with --hcl the same resources, variables and outputs as the JSON', async () => {
    expect(hcl.code, hcl.stderr + hcl.stdout).toBe(0);
    for (const stack of readdirSync(join(dir, 'json', 'stacks'))) {
      const fromJson = JSON.parse(readFileSync(join(dir, 'json', 'stacks', stack, 'cdk.tf.json'), 'utf8')) as Record<string, unknown>;
      const fromHcl = (await parse('cdk.tf', readFileSync(join(dir, 'hcl', 'stacks', stack, 'cdk.tf'), 'utf8'))) as Record<string, unknown>;
      for (const section of ['resource', 'data', 'variable', 'output']) {
        const expected = normalize(fromJson[section] ?? {});
        expect(normalize(fromHcl[section] ?? {}, expected), `${stack} ${section}`).toEqual(expected);
      }
    }
  });

  it('stops with every configuration problem and writes nothing', async () => {
    const bad = await cdktf(['synth', '--output', join(dir, 'bad')], { PULSEPET_AWS_REGION: 'moon-1' });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr + bad.stdout).toContain('PULSEPET_AWS_ACCOUNT_ID: required');
    expect(bad.stderr + bad.stdout).toContain('PULSEPET_AWS_REGION: not an AWS region name');
  }, 120_000);
});
