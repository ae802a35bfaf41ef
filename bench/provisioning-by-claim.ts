/**
 * Devices provisioned by claim per second, end to end: connect with the claim
 * certificate → CreateCertificateFromCsr (key made on the device) → RegisterThing on a
 * fleet template → connect as the new thing. Baseline, same run, same stack: the
 * admin-API path (CreateThing + CreateKeysAndCertificate + AttachPolicy +
 * AttachThingPrincipal through client-iot) → connect as the new thing.
 *
 *   npx tsx bench/provisioning-by-claim.ts [--devices 200] [--concurrency 10] [--format json|cbor]
 *
 * Prints one JSON object on stdout. Not a test: nothing is asserted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { createCsr } from '../certs/index';
import { startLocalStack } from '../local/index';
import { acceptedBody, createClaimCertificate, createFleetTemplate, provisioningRequest } from '../test/support/local/provisioning';
import { connectMqtt, provisionTestDevice, type TestDevice } from '../test/support/local/stack';
import { benchFlags, round } from './broker-support';

const flags = benchFlags(
  { devices: { type: 'string' }, concurrency: { type: 'string' }, format: { type: 'string' } },
  z.object({
    devices: z.coerce.number().int().min(10).max(5000).default(200),
    concurrency: z.coerce.number().int().min(1).max(100).default(10),
    format: z.enum(['json', 'cbor']).default('json'),
  }),
);

const dir = mkdtempSync(join(tmpdir(), 'pp-bench-claim-'));
const stack = await startLocalStack({ dataDir: join(dir, 'data') });
const claim = await createClaimCertificate(stack);
await createFleetTemplate(stack, 'bench-fleet');

async function byClaim(serial: string): Promise<void> {
  const c = await connectMqtt(stack, { ...claim, thingName: `claim-${serial}` });
  try {
    const f = flags.format;
    const { csrPem, privateKeyPem } = await createCsr({ commonName: serial });
    const created = acceptedBody(await provisioningRequest(c, `$aws/certificates/create-from-csr/${f}`, { certificateSigningRequest: csrPem }, f));
    const reg = acceptedBody(
      await provisioningRequest(c, `$aws/provisioning-templates/bench-fleet/provision/${f}`, { certificateOwnershipToken: created.certificateOwnershipToken, parameters: { SerialNumber: serial } }, f),
    );
    const device: TestDevice = { thingName: reg.thingName as string, certificatePem: created.certificatePem as string, privateKeyPem, caPem: claim.caPem, certificateId: '', certificateArn: '' };
    await (await connectMqtt(stack, device)).endAsync();
  } finally {
    c.end(true);
  }
}

async function byAdminApi(serial: string): Promise<void> {
  const device = await provisionTestDevice(stack, `pet-${serial}`);
  await (await connectMqtt(stack, device)).endAsync();
}

/** Provisions `n` devices with `concurrency` workers; devices per second. */
async function run(prefix: string, n: number, one: (serial: string) => Promise<void>): Promise<number> {
  const queue = Array.from({ length: n }, (_, i) => `${prefix}${i}`);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: flags.concurrency }, async () => {
      for (let s = queue.shift(); s !== undefined; s = queue.shift()) await one(s);
    }),
  );
  return n / ((performance.now() - t0) / 1000);
}

// warm-up: the first connections and key generations pay for JIT and TLS session setup
await run('WC', flags.concurrency, byClaim);
await run('WA', flags.concurrency, byAdminApi);
const admin = await run('A', flags.devices, byAdminApi);
const claimed = await run('C', flags.devices, byClaim);

process.stdout.write(
  `${JSON.stringify({
    bench: 'provisioning-by-claim',
    devices: flags.devices,
    concurrency: flags.concurrency,
    format: flags.format,
    byClaim: { devicesPerSec: round(claimed), what: 'claim connect → CreateCertificateFromCsr → RegisterThing → connected as the thing' },
    baseline: { devicesPerSec: round(admin), what: 'client-iot CreateThing + CreateKeysAndCertificate + AttachPolicy + AttachThingPrincipal → connected as the thing' },
    ratio: round(claimed / admin, 3),
  })}\n`,
);
await stack.close();
rmSync(dir, { recursive: true, force: true });
