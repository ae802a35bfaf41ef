/**
 * Devices provisioned by claim per second, end to end: connect with the claim
 * certificate → CreateCertificateFromCsr (key made on the device) → RegisterThing on a
 * fleet template → connect as the new thing. Baseline, same run, same stack: the
 * admin-API path (CreateThing + CreateKeysAndCertificate + AttachPolicy +
 * AttachThingPrincipal through client-iot) → connect as the new thing. A third figure
 * runs the agent's own path (`pulsepet agent --claim-config`, in-process): the claim
 * folder from `pulsepet fleet claim create`, aws-iot-device-sdk-v2's identity client,
 * the identity committed to disk (fsync + rename), then the agent's MQTT 3.1.1
 * transport connected as the thing.
 *
 *   npx tsx bench/provisioning-by-claim.ts [--devices 200] [--concurrency 10] [--format json|cbor]
 *
 * Prints one JSON object on stdout. Not a test: nothing is asserted.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { createCsr } from '../certs/index';
import { silentLogger } from '../common/logger';
import { ensureIdentity, mqtt311Transport, parseAgentConfig, parseMqttEndpoint } from '../device-agent/index';
import { startLocalStack } from '../local/index';
import { factoryLine } from '../test/support/local/fleet-cli';
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
const agentClaim = await factoryLine(stack, dir, 'bench-agent');

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

/** The agent's path: first start by claim (identity stored on disk), then connected as the thing with its transport. */
async function byAgent(serial: string): Promise<void> {
  const logger = silentLogger();
  const id = await ensureIdentity({ deviceDir: join(dir, 'devices', serial), claimConfigFile: agentClaim, serial, logger });
  const cfg = parseAgentConfig(['--config', id.configFile], { scenarios: [] });
  if (cfg === 'help') return;
  const { host, port } = parseMqttEndpoint(cfg.endpoint);
  const pem = (f: string) => readFileSync(f, 'utf8');
  const transport = mqtt311Transport({ host, port, clientId: cfg.thing, certPem: pem(cfg.cert), keyPem: pem(cfg.key), caPem: pem(cfg.ca), logger })();
  await transport.connect();
  await transport.disconnect();
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
await run('WG', flags.concurrency, byAgent);
const admin = await run('A', flags.devices, byAdminApi);
const claimed = await run('C', flags.devices, byClaim);
const agentPath = await run('G', flags.devices, byAgent);

process.stdout.write(
  `${JSON.stringify({
    bench: 'provisioning-by-claim',
    devices: flags.devices,
    concurrency: flags.concurrency,
    format: flags.format,
    byClaim: { devicesPerSec: round(claimed), what: 'claim connect → CreateCertificateFromCsr → RegisterThing → connected as the thing' },
    baseline: { devicesPerSec: round(admin), what: 'client-iot CreateThing + CreateKeysAndCertificate + AttachPolicy + AttachThingPrincipal → connected as the thing' },
    ratio: round(claimed / admin, 3),
    byAgent: {
      devicesPerSec: round(agentPath),
      what: 'pulsepet agent --claim-config path: SDK v2 identity client (CSR) → RegisterThing → identity fsynced to disk → connected as the thing (CRT MQTT 3.1.1)',
      ratio: round(agentPath / admin, 3),
    },
  })}\n`,
);
await stack.close();
rmSync(dir, { recursive: true, force: true });
