import { describe, expect, it } from 'vitest';
import { parsePolicyDocument } from '../local/policy/document';
import { type AuthzContext, PolicyEvaluator } from '../local/policy/evaluator';
import { connectionThingName, iotResourceArn } from '../local/policy/resources';
import {
  CLAIM_POLICY_NAME,
  claimPolicyDocument,
  DEVICE_POLICY_NAME,
  devicePolicyDocument,
  OPERATOR_CLIENT_ID_PREFIX,
  OPERATOR_POLICY_NAME,
  operatorPolicyDocument,
} from './policies';

const region = 'eu-west-1';
const accountId = '000000000000';
const device = PolicyEvaluator.fromJson([devicePolicyDocument()]);
const pet1: AuthzContext = { region, accountId, clientId: 'pet-1', thingName: 'pet-1' };
const arn = (kind: 'client' | 'topic' | 'topicfilter', name: string) => iotResourceArn({ region, accountId }, kind, name);

describe('Policy: pulsepet-device', () => {
  const check = device.forConnection(pet1);

  it('is named pulsepet-device and is a valid IoT policy within the size limit', () => {
    expect(DEVICE_POLICY_NAME).toBe('pulsepet-device');
    expect(() => parsePolicyDocument(devicePolicyDocument())).not.toThrow();
    expect(devicePolicyDocument().length).toBeLessThanOrEqual(2048);
  });

  it('uses region and account wildcards so the same document deploys to AWS', () => {
    const doc = parsePolicyDocument(devicePolicyDocument());
    for (const st of doc.Statement) for (const r of st.Resource) expect(r.startsWith('arn:aws:iot:*:*:')).toBe(true);
  });

  it('lets a device connect with its own thing name as client id', () => {
    expect(check('iot:Connect', arn('client', 'pet-1')).allowed).toBe(true);
  });

  it('refuses a client id that is not the attached thing name', () => {
    const ctx = { ...pet1, clientId: 'pet-2', thingName: connectionThingName('pet-2', ['pet-1']) };
    expect(device.authorize('iot:Connect', arn('client', 'pet-2'), ctx).allowed).toBe(false);
  });

  it('refuses to connect a certificate attached to no thing', () => {
    const ctx = { region, accountId, clientId: 'pet-1', thingName: connectionThingName('pet-1', []) };
    expect(device.authorize('iot:Connect', arn('client', 'pet-1'), ctx).decision).toBe('implicit-deny');
  });

  it.each([
    ['iot:Publish', 'topic', 'dt/pulsepet/pet-1/telemetry'],
    ['iot:Receive', 'topic', 'dt/pulsepet/pet-1/commands'],
    ['iot:Publish', 'topic', '$aws/things/pet-1/shadow/update'],
    ['iot:Publish', 'topic', '$aws/things/pet-1/shadow/name/pet/update'],
    ['iot:Receive', 'topic', '$aws/things/pet-1/shadow/name/pet/update/documents'],
    ['iot:Subscribe', 'topicfilter', '$aws/things/pet-1/shadow/name/pet/update/delta'],
    ['iot:Subscribe', 'topicfilter', '$aws/things/pet-1/shadow/#'],
    ['iot:Subscribe', 'topicfilter', 'dt/pulsepet/pet-1/+'],
  ] as const)('allows %s on its own %s %s', (action, kind, name) => {
    expect(check(action, arn(kind, name)).allowed).toBe(true);
  });

  it.each([
    ['iot:Publish', 'topic', 'dt/pulsepet/pet-2/telemetry'],
    ['iot:Publish', 'topic', 'dt/pulsepet/pet-10/telemetry'],
    ['iot:Receive', 'topic', '$aws/things/pet-2/shadow/update/delta'],
    ['iot:Subscribe', 'topicfilter', 'dt/pulsepet/+/telemetry'],
    ['iot:Subscribe', 'topicfilter', 'dt/pulsepet/#'],
    ['iot:Subscribe', 'topicfilter', '$aws/things/+/shadow/update/delta'],
    ['iot:Subscribe', 'topicfilter', '#'],
    ['iot:Publish', 'topic', 'pulsepet/errors'],
    ['iot:Subscribe', 'topicfilter', 'pulsepet/errors'],
    ['iot:RetainPublish', 'topic', 'dt/pulsepet/pet-1/telemetry'],
    ['iot:Publish', 'topic', 'dt/pulsepet/pet-1'],
    ['iot:Publish', 'topic', '$aws/things/pet-1/shadow/name/reasoning/get'],
    ['iot:Receive', 'topic', '$aws/things/pet-1/shadow/name/reasoning/get/accepted'],
    ['iot:Receive', 'topic', '$aws/things/pet-1/shadow/name/reasoning/update/documents'],
    ['iot:Subscribe', 'topicfilter', '$aws/things/pet-1/shadow/name/reasoning/update/accepted'],
    ['iot:Publish', 'topic', '$aws/things/pet-1/shadow/name/reasoning-coach/get'],
    ['iot:Receive', 'topic', '$aws/things/pet-1/shadow/name/reasoning-coach/update/documents'],
    ['iot:Subscribe', 'topicfilter', '$aws/things/pet-1/shadow/name/reasoning-coach/update/accepted'],
  ] as const)('refuses %s on %s %s', (action, kind, name) => {
    expect(check(action, arn(kind, name)).allowed).toBe(false);
  });
});

describe('Policy: pulsepet-operator', () => {
  const operator = PolicyEvaluator.fromJson([operatorPolicyDocument()]);
  const ctx: AuthzContext = { region, accountId, clientId: `${OPERATOR_CLIENT_ID_PREFIX}ana` };
  const check = operator.forConnection(ctx);

  it('is a valid IoT policy named pulsepet-operator', () => {
    expect(OPERATOR_POLICY_NAME).toBe('pulsepet-operator');
    expect(() => parsePolicyDocument(operatorPolicyDocument())).not.toThrow();
  });

  it('lets an operator connect, subscribe to and receive pulsepet/errors', () => {
    expect(check('iot:Connect', arn('client', ctx.clientId)).allowed).toBe(true);
    expect(check('iot:Subscribe', arn('topicfilter', 'pulsepet/errors')).allowed).toBe(true);
    expect(check('iot:Receive', arn('topic', 'pulsepet/errors')).allowed).toBe(true);
    expect(check('iot:Subscribe', arn('topicfilter', '$aws/events/presence/+/+')).allowed).toBe(true);
  });

  it('refuses operator publishes and non-operator client ids', () => {
    expect(check('iot:Publish', arn('topic', 'pulsepet/errors')).allowed).toBe(false);
    expect(check('iot:Publish', arn('topic', 'dt/pulsepet/pet-1/telemetry')).allowed).toBe(false);
    expect(check('iot:Connect', arn('client', 'pet-1')).allowed).toBe(false);
  });
});

describe('Policy: pulsepet-claim', () => {
  const claim = PolicyEvaluator.fromJson([claimPolicyDocument()]);
  const ctx: AuthzContext = { region, accountId, clientId: 'factory-serial-42' };
  const check = claim.forConnection(ctx);

  it('is a valid IoT policy named pulsepet-claim within the size limit, with region/account wildcards', () => {
    expect(CLAIM_POLICY_NAME).toBe('pulsepet-claim');
    const doc = parsePolicyDocument(claimPolicyDocument());
    for (const st of doc.Statement) for (const r of st.Resource) expect(r.startsWith('arn:aws:iot:*:*:')).toBe(true);
    expect(claimPolicyDocument(['fleet-a', 'fleet-b']).length).toBeLessThanOrEqual(2048);
  });

  it.each([
    ['iot:Connect', 'client', 'factory-serial-42'],
    ['iot:Publish', 'topic', '$aws/certificates/create/json'],
    ['iot:Publish', 'topic', '$aws/certificates/create-from-csr/cbor'],
    ['iot:Receive', 'topic', '$aws/certificates/create-from-csr/json/accepted'],
    ['iot:Subscribe', 'topicfilter', '$aws/certificates/create/json/rejected'],
    ['iot:Publish', 'topic', '$aws/provisioning-templates/fleet-a/provision/json'],
    ['iot:Subscribe', 'topicfilter', '$aws/provisioning-templates/fleet-a/provision/json/accepted'],
  ] as const)('allows %s on %s %s', (action, kind, name) => {
    expect(check(action, arn(kind, name)).allowed).toBe(true);
  });

  it.each([
    ['iot:Publish', 'topic', 'dt/pulsepet/factory-serial-42/telemetry'],
    ['iot:Publish', 'topic', '$aws/things/pet-1/shadow/update'],
    ['iot:Publish', 'topic', '$aws/things/pet-1/shadow/name/pet/update'],
    ['iot:Receive', 'topic', '$aws/things/pet-1/shadow/update/delta'],
    ['iot:Subscribe', 'topicfilter', '$aws/things/+/shadow/#'],
    ['iot:Subscribe', 'topicfilter', '#'],
    ['iot:Subscribe', 'topicfilter', '$aws/events/presence/+/+'],
    ['iot:Publish', 'topic', 'pulsepet/errors'],
    ['iot:RetainPublish', 'topic', '$aws/certificates/create/json'],
  ] as const)('refuses %s on %s %s (never telemetry, shadows or anything else)', (action, kind, name) => {
    expect(check(action, arn(kind, name)).allowed).toBe(false);
  });

  it('limits a per-template claim policy to its templates', () => {
    const only = PolicyEvaluator.fromJson([claimPolicyDocument(['fleet-a'])]).forConnection(ctx);
    expect(only('iot:Publish', arn('topic', '$aws/provisioning-templates/fleet-a/provision/json')).allowed).toBe(true);
    expect(only('iot:Publish', arn('topic', '$aws/provisioning-templates/fleet-b/provision/json')).allowed).toBe(false);
  });
});
