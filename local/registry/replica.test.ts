import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger';
import { iotArn } from '../aws-identity';
import { iotErrorTypeOf } from './errors';
import { Registry, type RegistryEventMap } from './registry';
import { type RegistryReader, RegistryReplica } from './replica';
import type { MapChange } from './storage';

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
const validity = { notBefore: 0, notAfter: 4_000_000_000_000 };
const certId = (c: string) => c.repeat(64);
const CERTS = ['a', 'b', 'c', 'd'].map(certId);
const CAS = ['e', 'f'].map(certId);
const THINGS = ['pet-0', 'pet-1', 'pet-2', 'pet-3'];

const open: Registry[] = [];
afterEach(() => {
  for (const r of open.splice(0)) r.close();
});

/** A durable registry whose changes are queued as the broker process would receive them (structured clone). */
function openMain(dir = mkdtempSync(join(tmpdir(), 'pp-replica-'))) {
  const changes: MapChange[] = [];
  const registry = Registry.open(dir, {
    region: REGION,
    accountId: ACCOUNT,
    logger: silentLogger(),
    onChange: (c) => changes.push(structuredClone(c)),
  });
  open.push(registry);
  return { registry, changes, dir };
}

function replicaOf(registry: Registry): RegistryReplica {
  return new RegistryReplica(structuredClone(registry.snapshot()), { region: REGION, accountId: ACCOUNT, logger: silentLogger() });
}

/** Every read the broker makes, for every key the scenario uses. */
function reads(r: RegistryReader) {
  const principals = [...CERTS.map((c) => iotArn(REGION, `cert/${c}`)), 'arn:aws:iot:x:y:cert/none'];
  return {
    things: THINGS.map((t) => r.getThing(t)),
    certificates: CERTS.map((c) => r.getCertificate(c)),
    cas: CAS.map((c) => r.getCaCertificate(c)),
    thingsFor: principals.map((p) => r.thingsForPrincipal(p)),
    policiesFor: principals.map((p) => r.policiesForPrincipal(p)),
  };
}

function drain(changes: MapChange[]): MapChange[] {
  return changes.splice(0);
}

/** Writes of every kind (some refused), with `afterStep` called after each. */
async function runScenario(main: Registry, afterStep: () => void = () => {}): Promise<void> {
  const arn = (c: string) => main.certificateArn(c);
  const [a = '', b = '', c = ''] = CERTS;
  const steps: (() => Promise<unknown>)[] = [
    () => main.createThing({ thingName: 'pet-1', attributes: { model: 'w1' } }),
    () => main.createThing({ thingName: 'pet-2' }),
    () => main.updateThing('pet-1', { attributes: { colour: 'red' }, merge: true }),
    () => main.addCertificate({ certificateId: a, certificatePem: 'PEM-A', status: 'ACTIVE', validity }),
    () => main.addCertificate({ certificateId: b, certificatePem: 'PEM-B', status: 'INACTIVE', validity }),
    () => main.addCertificate({ certificateId: c, certificatePem: 'PEM-C', status: 'ACTIVE', validity }),
    () => main.registerCaCertificate({ certificateId: CAS[1] ?? '', certificatePem: 'CA', status: 'ACTIVE', autoRegistrationStatus: 'ENABLE' }),
    () => main.updateCaCertificate(CAS[1] ?? '', { status: 'INACTIVE' }),
    () => main.createPolicy('p1', '{"v":1}'),
    () => main.createPolicy('p2', '{"v":"p2"}'),
    () => main.policyVersions.createVersion('p1', '{"v":2}', false),
    () => main.policyVersions.setDefault('p1', '2'),
    () => main.policyVersions.createVersion('p1', '{"v":3}', true),
    () => main.policyVersions.deleteVersion('p1', '1'),
    () => main.attachPolicy('p1', arn(a)),
    () => main.attachPolicy('p2', arn(a)),
    () => main.attachPolicy('p2', arn(b)),
    () => main.attachThingPrincipal('pet-1', arn(a), 'EXCLUSIVE_THING'),
    () => main.attachThingPrincipal('pet-1', arn(b)),
    () => main.attachThingPrincipal('pet-2', arn(b)),
    () => main.attachThingPrincipal('pet-2', arn(c)),
    () => main.detachThingPrincipal('pet-2', arn(c)),
    () => main.updateCertificateStatus(a, 'INACTIVE'),
    () => main.updateCertificateStatus(c, 'REVOKED'),
    () => main.detachPolicy('p2', arn(a)),
    () => main.deleteCertificate(c),
    () => main.detachThingPrincipal('pet-2', arn(b)),
    () => main.deleteThing('pet-2'),
    () => main.deleteCertificate(b, { forceDelete: true }).catch(() => undefined),
    () => main.detachThingPrincipal('pet-1', arn(b)),
    () => main.deleteCertificate(b, { forceDelete: true }),
    () => main.deletePolicy('p2'),
    () => main.deleteCaCertificate(CAS[1] ?? ''),
  ];
  for (const step of steps) {
    await step();
    afterStep();
  }
}

/** After each write: the replica, given the changes so far, answers as the registry does. */
function followed(main: Registry, replica: RegistryReplica, changes: MapChange[]): () => void {
  return () => {
    replica.apply(drain(changes));
    expect(reads(replica)).toEqual(reads(main));
  };
}

describe('Class: RegistryReplica', () => {
  describe('Method: apply', () => {
    it('answers every read as the registry does after each replicated write', async () => {
      const { registry, changes } = openMain();
      await registry.createThing({ thingName: 'pet-0' });
      await registry.addCertificate({ certificateId: certId('d'), certificatePem: 'PEM-D', status: 'ACTIVE', validity });
      await registry.attachThingPrincipal('pet-0', registry.certificateArn(certId('d')));
      const replica = replicaOf(registry);
      drain(changes);
      expect(reads(replica)).toEqual(reads(registry));

      await runScenario(registry, followed(registry, replica, changes));
      const before = reads(registry);
      expect(before.things.filter(Boolean)).toHaveLength(2);
      expect(before.thingsFor.slice(0, 4)).toEqual([['pet-1'], [], [], ['pet-0']]);
      expect(before.policiesFor[0]?.map((p) => [p.policyName, p.defaultVersionId, p.policyDocument])).toEqual([['p1', '3', '{"v":3}']]);
      expect(replica.region).toBe(REGION);
      expect(replica.accountId).toBe(ACCOUNT);

      const later = replicaOf(registry);
      expect(reads(later)).toEqual(reads(registry));
    });

    it('catches up from every change of the scenario applied as one batch', async () => {
      const { registry, changes } = openMain();
      const replica = replicaOf(registry);
      await runScenario(registry);
      expect(reads(replica)).not.toEqual(reads(registry));
      replica.apply(drain(changes));
      expect(reads(replica)).toEqual(reads(registry));
    });

    it('builds the same registry from a snapshot replayed as changes over an empty one', async () => {
      const { registry } = openMain();
      await runScenario(registry);
      const replica = new RegistryReplica({}, { region: REGION, accountId: ACCOUNT, logger: silentLogger() });
      replica.apply(replicaChangesOf(registry));
      expect(reads(replica)).toEqual(reads(registry));
    });

    it('emits nothing while applying, and re-emits the events the registry forwards', async () => {
      const { registry, changes } = openMain();
      const replica = replicaOf(registry);
      const seen: string[] = [];
      const names: (keyof RegistryEventMap)[] = ['certificate-status', 'certificate-deleted', 'ca-status', 'policy-changed', 'attachments-changed'];
      const emitted: string[] = [];
      for (const n of names) {
        replica.on(n, () => seen.push(n));
        registry.on(n, () => emitted.push(n));
      }
      await runScenario(registry, followed(registry, replica, changes));
      expect(new Set(emitted)).toEqual(new Set(names));
      expect(seen).toEqual([]);

      replica.emitEvent('certificate-status', { certificateId: certId('a'), status: 'REVOKED' });
      replica.emitEvent('policy-changed', { policyName: 'p1' });
      expect(seen).toEqual(['certificate-status', 'policy-changed']);
    });
  });

  it('satisfies the same reader type as the registry', () => {
    const { registry } = openMain();
    const readers: RegistryReader[] = [registry, replicaOf(registry)];
    expect(readers.map((r) => r.getThing('pet-0'))).toEqual([undefined, undefined]);
  });
});

/** Everything the registry holds, as the changes that would build it from nothing. */
function replicaChangesOf(registry: Registry): MapChange[] {
  return Object.entries(structuredClone(registry.snapshot())).flatMap(([map, entries]) =>
    entries.map(([key, value]) => ({ map, key, value })),
  );
}

describe('Class: Registry', () => {
  describe('Option: onChange', () => {
    it('reports each change in the order made and nothing for a refused write', async () => {
      const { registry, changes } = openMain();
      await registry.createPolicy('p1', '{}');
      await registry.addCertificate({ certificateId: certId('a'), certificatePem: 'PEM', status: 'INACTIVE', validity });
      const arn = registry.certificateArn(certId('a'));
      await registry.attachPolicy('p1', arn);
      const refused = await registry.createPolicy('p1', '{"other":1}').catch((e: unknown) => iotErrorTypeOf(e));
      expect(refused).toBe('ResourceAlreadyExistsException');
      await registry.deleteThing('ghost');
      await registry.detachPolicy('p1', 'arn:aws:iot:x:y:cert/none');
      await registry.deleteCertificate(certId('a'), { forceDelete: true });

      expect(changes.map((c) => [c.map, c.key, c.value === undefined ? 'delete' : 'set'])).toEqual([
        ['policies', 'p1', 'set'],
        ['certificates', certId('a'), 'set'],
        ['policy-attachments', `p1|${arn}`, 'set'],
        ['policy-attachments', `p1|${arn}`, 'delete'],
        ['certificates', certId('a'), 'delete'],
      ]);
      expect(changes[0]?.value).toMatchObject({ policyName: 'p1', policyDocument: '{}' });
      expect(changes[3]).not.toHaveProperty('value');
    });
  });

  describe('Method: snapshot', () => {
    it('is the same after the registry is closed and reopened from disk', async () => {
      const { registry, dir } = openMain();
      await runScenario(registry);
      const before = registry.snapshot();
      expect(Object.keys(before).sort()).toEqual(
        [
          'ca-certificates',
          'certificates',
          'policies',
          'policy-attachments',
          'provisioning-templates',
          'registration-code',
          'thing-principals',
          'thing-types',
          'things',
        ].sort(),
      );
      registry.close();
      const reopened = Registry.open(dir, { region: REGION, accountId: ACCOUNT, logger: silentLogger() });
      open.push(reopened);
      expect(reopened.snapshot()).toEqual(structuredClone(before));
    });
  });
});
