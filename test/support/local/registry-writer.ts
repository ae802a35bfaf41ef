// Child process for the registry kill -9 test: provisions devices forever through the
// registry, printing each number once all of its writes are acknowledged.
import { createHash } from 'node:crypto';
import { silentLogger } from '../../../common/logger';
import { Registry } from '../../../local/registry/registry';

const dir = process.argv[2];
if (!dir) throw new Error('usage: registry-writer DIR');
const registry = Registry.open(dir, { region: 'us-east-1', logger: silentLogger() });

function certIdFor(n: number): string {
  return createHash('sha256').update(`cert-${n}`).digest('hex');
}

async function loop(): Promise<void> {
  await registry.createPolicy('kill-policy', '{"Version":"2012-10-17","Statement":[]}');
  for (let n = 0; ; n++) {
    const id = certIdFor(n);
    await Promise.all([
      registry.createThing({ thingName: `kill-${n}` }),
      registry.addCertificate({ certificateId: id, certificatePem: 'PEM', status: 'ACTIVE', validity: { notBefore: 0, notAfter: 1 } }),
    ]);
    const arn = registry.certificateArn(id);
    await Promise.all([registry.attachThingPrincipal(`kill-${n}`, arn), registry.attachPolicy('kill-policy', arn)]);
    process.stdout.write(`${n}\n`);
  }
}
void loop();
