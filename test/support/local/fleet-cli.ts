/**
 * Test support: `pulsepet fleet …` run in-process (runFleet) against a running
 * {@link LocalStack}, with the stack's endpoint and credentials as the AWS env, and
 * the factory-line set-up it is used for (a template and a claim folder). Not product code.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LocalStack } from '../../../local/stack';
import { runFleetCaptured } from '../fleet';
import { fleetTemplateBody } from './provisioning';

export interface FleetRun {
  code: number;
  out: string;
  err: string;
}

type StackEndpoints = Pick<LocalStack, 'httpEndpoint' | 'region' | 'credentials' | 'caFile'>;

/** Runs `pulsepet fleet ...argv` against `stack`; never throws for a non-zero exit. */
export async function fleetCli(stack: StackEndpoints, ...argv: string[]): Promise<FleetRun> {
  return runFleetCaptured(argv, {
    AWS_ENDPOINT_URL: stack.httpEndpoint,
    AWS_REGION: stack.region,
    AWS_ACCESS_KEY_ID: stack.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: stack.credentials.secretAccessKey,
    PULSEPET_ROOT_CA: stack.caFile,
  });
}

/** Runs `pulsepet fleet ...argv` and fails with its stderr unless it exits 0; returns stdout. */
export async function fleetOk(stack: StackEndpoints, ...argv: string[]): Promise<string> {
  const r = await fleetCli(stack, ...argv);
  if (r.code !== 0 || r.err !== '') throw new Error(`pulsepet fleet ${argv.join(' ')} exited ${r.code}: ${r.err}`);
  return r.out;
}

/**
 * A factory line through the CLI: `fleet template create TEMPLATE` (the body of
 * {@link fleetTemplateBody}: thing `pet-{SerialNumber}`, the device policy) and
 * `fleet claim create --template TEMPLATE --out DIR/claim-TEMPLATE`. Returns the claim config's path.
 */
export async function factoryLine(stack: StackEndpoints, dir: string, template: string, opts: { hookArn?: string } = {}): Promise<string> {
  const file = join(dir, `${template}.template.json`);
  writeFileSync(file, fleetTemplateBody());
  await fleetOk(stack, 'template', 'create', template, '--file', file, ...(opts.hookArn ? ['--pre-provisioning-hook', opts.hookArn] : []));
  const out = join(dir, `claim-${template}`);
  await fleetOk(stack, 'claim', 'create', '--template', template, '--out', out);
  return join(out, 'claim.config.json');
}
