import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger';
import { DEVICE_POLICY_NAME, devicePolicyDocument } from '../../protocol/policies';
import { iotErrorTypeOf } from '../registry/errors';
import { Registry } from '../registry/registry';
import { applyProvisioningPlan } from './apply-plan';
import { parseProvisioningTemplate, resolveProvisioningTemplate } from './template';

const CERT = 'e'.repeat(64);
let dir: string;
let registry: Registry;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pp-apply-'));
  registry = Registry.open(dir, { region: 'us-east-1', logger: silentLogger() });
  await registry.createPolicy(DEVICE_POLICY_NAME, devicePolicyDocument());
  await registry.addCertificate({ certificateId: CERT, certificatePem: 'pem', status: 'PENDING_ACTIVATION', validity: { notBefore: 0, notAfter: Date.now() + 1e9 } });
});
afterEach(() => {
  registry.close();
  rmSync(dir, { recursive: true, force: true });
});

function plan(thing: Record<string, unknown>, policy: Record<string, unknown> = { PolicyName: DEVICE_POLICY_NAME }, certificateId = CERT) {
  const body = {
    Resources: {
      thing: { Type: 'AWS::IoT::Thing', ...thing },
      certificate: { Type: 'AWS::IoT::Certificate', Properties: { CertificateId: { Ref: 'AWS::IoT::Certificate::Id' }, Status: 'ACTIVE' } },
      policy: { Type: 'AWS::IoT::Policy', Properties: policy },
    },
  };
  return resolveProvisioningTemplate(parseProvisioningTemplate(JSON.stringify(body)), { 'AWS::IoT::Certificate::Id': certificateId });
}

async function failure(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => 'resolved',
    (e: unknown) => `${iotErrorTypeOf(e)}: ${(e as Error).message}`,
  );
}

/** Nothing of the plan happened: no thing attached, no policy attached, still pending. */
function untouched(): void {
  const arn = registry.certificateArn(CERT);
  expect(registry.getCertificate(CERT)?.status).toBe('PENDING_ACTIVATION');
  expect(registry.policiesForPrincipal(arn)).toEqual([]);
  expect(registry.thingsForPrincipal(arn)).toEqual([]);
}

describe('Function: applyProvisioningPlan', () => {
  it('creates the thing, attaches policy and thing, then activates the certificate', async () => {
    const applied = await applyProvisioningPlan(registry, plan({ Properties: { ThingName: 'pet-1', AttributePayload: { a: '1' } } }), { certificateId: CERT });
    expect(applied).toMatchObject({ thingName: 'pet-1', certificateId: CERT, policyNames: [DEVICE_POLICY_NAME], status: 'ACTIVE' });
    const arn = registry.certificateArn(CERT);
    expect(registry.thingsForPrincipal(arn)).toEqual(['pet-1']);
    expect(registry.getThing('pet-1')?.attributes).toEqual({ a: '1' });
  });

  it('leaves an existing thing as it is by default, merges or replaces its attributes when told', async () => {
    await registry.createThing({ thingName: 'pet-2', attributes: { old: 'x' } });
    await applyProvisioningPlan(registry, plan({ Properties: { ThingName: 'pet-2', AttributePayload: { a: '1' } } }), { certificateId: CERT });
    expect(registry.getThing('pet-2')?.attributes).toEqual({ old: 'x' });
    await applyProvisioningPlan(registry, plan({ Properties: { ThingName: 'pet-2', AttributePayload: { a: '1' } }, OverrideSettings: { AttributePayload: 'MERGE' } }), { certificateId: CERT });
    expect(registry.getThing('pet-2')?.attributes).toEqual({ old: 'x', a: '1' });
    await applyProvisioningPlan(registry, plan({ Properties: { ThingName: 'pet-2', AttributePayload: { b: '2' } }, OverrideSettings: { AttributePayload: 'REPLACE' } }), { certificateId: CERT });
    expect(registry.getThing('pet-2')?.attributes).toEqual({ b: '2' });
  });

  it('refuses an existing thing under FAIL and changes nothing', async () => {
    await registry.createThing({ thingName: 'pet-3' });
    const p = plan({ Properties: { ThingName: 'pet-3' }, OverrideSettings: { ThingTypeName: 'FAIL' } });
    expect(await failure(applyProvisioningPlan(registry, p, { certificateId: CERT }))).toMatch(/^ResourceAlreadyExistsException: Thing pet-3 already exists/);
    untouched();
  });

  it('creates an inline policy (named by its hash) that does not exist yet, and reuses it the next time', async () => {
    const doc = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: '*' }] };
    const applied = await applyProvisioningPlan(registry, plan({ Properties: { ThingName: 'pet-4' } }, { PolicyDocument: doc }), { certificateId: CERT });
    const [name] = applied.policyNames;
    expect(name).toMatch(/^[0-9a-f]{64}$/);
    expect(registry.getPolicy(name!)?.policyDocument).toBe(JSON.stringify(doc));
    await applyProvisioningPlan(registry, plan({ Properties: { ThingName: 'pet-4' } }, { PolicyDocument: doc }), { certificateId: CERT });
    expect(registry.listPolicies().filter((p) => p.policyName === name)).toHaveLength(1);
  });

  it('refuses a malformed inline policy or a missing named one before creating the thing', async () => {
    const bad = plan({ Properties: { ThingName: 'pet-5' } }, { PolicyDocument: { Statement: 'nope' } });
    expect(await failure(applyProvisioningPlan(registry, bad, { certificateId: CERT }))).toMatch(/^MalformedPolicyException: Resources\.policy/);
    const missing = plan({ Properties: { ThingName: 'pet-5' } }, { PolicyName: 'no-such-policy' });
    expect(await failure(applyProvisioningPlan(registry, missing, { certificateId: CERT }))).toBe('ResourceNotFoundException: Policy no-such-policy not found');
    expect(registry.getThing('pet-5')).toBeUndefined();
    untouched();
  });

  it('refuses a plan that names another certificate, a bad thing name, a missing thing type or a thing group', async () => {
    const other = plan({ Properties: { ThingName: 'pet-6' } }, undefined, 'f'.repeat(64));
    expect(await failure(applyProvisioningPlan(registry, other, { certificateId: CERT }))).toMatch(/^InvalidRequestException: .*names certificate f+, not the one/);
    expect(await failure(applyProvisioningPlan(registry, plan({ Properties: { ThingName: 'pet 6' } }), { certificateId: CERT }))).toMatch(/^InvalidRequestException: .*thing name 'pet 6'/);
    expect(await failure(applyProvisioningPlan(registry, plan({ Properties: { ThingName: 'pet-6', ThingTypeName: 'watch' } }), { certificateId: CERT }))).toBe(
      'ResourceNotFoundException: Thing type watch is not found',
    );
    expect(await failure(applyProvisioningPlan(registry, plan({ Properties: { ThingName: 'pet-6', ThingGroups: ['lab'] } }), { certificateId: CERT }))).toMatch(
      /^ResourceNotFoundException: Thing group lab does not exist/,
    );
    untouched();
  });

  it('converges when applied twice (a retry after a crash)', async () => {
    const p = plan({ Properties: { ThingName: 'pet-7' } });
    await applyProvisioningPlan(registry, p, { certificateId: CERT });
    const again = await applyProvisioningPlan(registry, p, { certificateId: CERT });
    expect(again.status).toBe('ACTIVE');
    expect(registry.thingsForPrincipal(registry.certificateArn(CERT))).toEqual(['pet-7']);
  });
});
