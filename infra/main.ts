/**
 * The cdktf app (cdktf.json `app`): reads the deployment's configuration from the
 * environment once (infra/config.ts), builds the stacks and writes the Terraform JSON
 * to cdktf.out/. Run through the CLI (`npx cdktf synth`, `npx cdktf deploy '*'`), or
 * directly (`npx tsx infra/main.ts`) where the CLI cannot run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isPulsepetError } from '../protocol/errors';
import { pulsepetApp } from './app';
import { loadInfraConfig } from './config';

try {
  // the one place infra reads process.env (CONVENTIONS.md rule 4)
  const config = loadInfraConfig(process.env);
  // synth copies each bundle into cdktf.out's assets, so the bundles need not outlive it
  const bundleDir = mkdtempSync(join(tmpdir(), 'pulsepet-bundles-'));
  try {
    pulsepetApp(config, { bundleDir }).app.synth();
  } finally {
    rmSync(bundleDir, { recursive: true, force: true });
  }
} catch (e) {
  if (!isPulsepetError(e, 'PP_ERR_CONFIG')) throw e;
  const problems = Array.isArray(e.details?.problems) ? (e.details.problems as string[]) : [e.message];
  process.stderr.write(`pulsepet infra: invalid configuration\n${problems.map((p) => `  ${p}`).join('\n')}\n`);
  process.exit(2);
}
