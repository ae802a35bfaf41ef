import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeCertificateCommand, IoTClient, ListAttachedPoliciesCommand, ListThingPrincipalsCommand, DescribeThingCommand } from '@aws-sdk/client-iot';
import { decode as cborDecode, encode as cborEncode } from 'cborg';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCsr } from '../../certs/index';
import { DEVICE_POLICY_NAME } from '../../protocol/policies';
import { type LocalStack, startLocalStack } from '../stack';
import { captureLogger, subscribeCodes, until } from '../../test/support/local/broker';
import { awsClientConfig, connectMqtt, type TestDevice } from '../../test/support/local/stack';
import { acceptedBody, createClaimCertificate, createFleetTemplate, type Format, provisioningRequest } from '../../test/support/local/provisioning';

const DENIED_SERIALS = new Set(['SN-STOLEN']);
const HOOK_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:pulsepet-serial-hook';
const hookEvents: Array<Record<string, unknown>> = [];

/** the stack's log, at debug level: key material must never be in it */
const captured = captureLogger();
let dir: string;
let stack: LocalStack;
let iot: IoTClient;
let claim: TestDevice;
const clients: MqttClient[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pp-fleet-'));
  const hook = async (event: unknown) => {
    const e = event as { parameters: Record<string, string> };
    hookEvents.push(event as Record<string, unknown>);
    if (DENIED_SERIALS.has(e.parameters.SerialNumber ?? '')) return { allowProvisioning: false };
    return { allowProvisioning: true, parameterOverrides: { Batch: 'hooked' } };
  };
  stack = await startLocalStack({ dataDir: join(dir, 'data'), handlers: new Map([['pulsepet-serial-hook', hook]]), tuneGc: false, logger: captured.logger });
  iot = new IoTClient(awsClientConfig(stack));
  claim = await createClaimCertificate(stack);
  await createFleetTemplate(stack, 'fleet');
  await createFleetTemplate(stack, 'fleet-hooked', { preProvisioningHook: { targetArn: HOOK_ARN } });
  await createFleetTemplate(stack, 'fleet-off', { enabled: false });
}, 60_000);
afterAll(async () => {
  for (const c of clients) c.end(true);
  iot?.destroy();
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function claimConnection(clientId: string): Promise<MqttClient> {
  const c = await connectMqtt(stack, { ...claim, thingName: clientId });
  clients.push(c);
  return c;
}

/** CreateKeysAndCertificate then RegisterThing on `template`, as one factory device would. */
async function provisionByClaim(clientId: string, serial: string, format: Format, template = 'fleet') {
  const c = await claimConnection(clientId);
  const created = await provisioningRequest(c, `$aws/certificates/create/${format}`, {}, format);
  const body = acceptedBody(created);
  const token = body.certificateOwnershipToken as string;
  const registered = await provisioningRequest(c, `$aws/provisioning-templates/${template}/provision/${format}`, { certificateOwnershipToken: token, parameters: { SerialNumber: serial } }, format);
  return { client: c, created: body, registered, token };
}

/** One request with raw bytes as its payload: the reply's topic and decoded body. */
async function rawRequest(c: MqttClient, topic: string, bytes: Buffer): Promise<{ topic: string; body: Record<string, unknown> }> {
  await c.subscribeAsync([`${topic}/accepted`, `${topic}/rejected`], { qos: 1 });
  const reply = new Promise<{ topic: string; payload: Buffer }>((resolve) => {
    const on = (t: string, payload: Buffer) => {
      if (t !== `${topic}/accepted` && t !== `${topic}/rejected`) return;
      c.off('message', on);
      resolve({ topic: t, payload });
    };
    c.on('message', on);
  });
  await c.publishAsync(topic, bytes, { qos: 1 });
  const r = await reply;
  const body = topic.endsWith('/cbor') ? cborDecode(r.payload) : JSON.parse(r.payload.toString('utf8'));
  return { topic: r.topic, body: body as Record<string, unknown> };
}

async function statusOf(certificateId: string): Promise<string | undefined> {
  return (await iot.send(new DescribeCertificateCommand({ certificateId }))).certificateDescription?.status;
}

describe('Fleet provisioning by claim over MQTT (mqtt.js, mTLS)', () => {
  it('JSON: CreateKeysAndCertificate gives a PENDING_ACTIVATION certificate; RegisterThing makes it the ACTIVE identity of its thing', async () => {
    const c = await claimConnection('factory-json');
    const created = await provisioningRequest(c, '$aws/certificates/create/json', {}, 'json');
    expect(created.accepted).toBe(true);
    const body = created.body as { certificateId: string; certificatePem: string; privateKey: string; certificateOwnershipToken: string };
    expect(Object.keys(body).sort()).toEqual(['certificateId', 'certificateOwnershipToken', 'certificatePem', 'privateKey']);
    expect(await statusOf(body.certificateId)).toBe('PENDING_ACTIVATION');

    const reg = await provisioningRequest(c, '$aws/provisioning-templates/fleet/provision/json', { certificateOwnershipToken: body.certificateOwnershipToken, parameters: { SerialNumber: 'J1' } }, 'json');
    expect(reg).toEqual({ accepted: true, body: { thingName: 'pet-J1', deviceConfiguration: { telemetryTopic: 'dt/pulsepet/pet-J1/telemetry' } } });
    expect(await statusOf(body.certificateId)).toBe('ACTIVE');
    const certArn = stack.registry.certificateArn(body.certificateId);
    expect((await iot.send(new ListThingPrincipalsCommand({ thingName: 'pet-J1' }))).principals).toEqual([certArn]);
    expect((await iot.send(new ListAttachedPoliciesCommand({ target: certArn }))).policies?.map((p) => p.policyName)).toEqual([DEVICE_POLICY_NAME]);
    expect((await iot.send(new DescribeThingCommand({ thingName: 'pet-J1' }))).attributes).toEqual({ serial: 'J1', batch: 'none' });

    const device = await connectMqtt(stack, { thingName: 'pet-J1', certificatePem: body.certificatePem, privateKeyPem: body.privateKey, caPem: claim.caPem, certificateId: body.certificateId, certificateArn: certArn });
    clients.push(device);
    const seen: string[] = [];
    const off = stack.broker.onPublish('dt/pulsepet/pet-J1/telemetry', (m) => void seen.push(m.origin.thingName ?? ''));
    await device.publishAsync('dt/pulsepet/pet-J1/telemetry', '{"v":1}', { qos: 1 });
    await until(() => seen.length === 1, 5000, 'telemetry of the new identity');
    off();
    expect(seen).toEqual(['pet-J1']);
  });

  it('CBOR: CreateCertificateFromCsr with a key made on the device, then RegisterThing', async () => {
    const c = await claimConnection('factory-cbor');
    const { csrPem, privateKeyPem } = await createCsr({ commonName: 'pet-C1' });
    const created = await provisioningRequest(c, '$aws/certificates/create-from-csr/cbor', { certificateSigningRequest: csrPem }, 'cbor');
    expect(created.accepted).toBe(true);
    const body = created.body as { certificateId: string; certificatePem: string; certificateOwnershipToken: string };
    expect(Object.keys(body).sort()).toEqual(['certificateId', 'certificateOwnershipToken', 'certificatePem']);
    const reg = await provisioningRequest(c, '$aws/provisioning-templates/fleet/provision/cbor', { certificateOwnershipToken: body.certificateOwnershipToken, parameters: { SerialNumber: 'C1' } }, 'cbor');
    expect(reg).toMatchObject({ accepted: true, body: { thingName: 'pet-C1' } });
    const device = await connectMqtt(stack, { thingName: 'pet-C1', certificatePem: body.certificatePem, privateKeyPem, caPem: claim.caPem, certificateId: body.certificateId, certificateArn: '' });
    clients.push(device);
    expect(device.connected).toBe(true);
  });

  it('rejects a replayed ownership token, and a token presented by another connection', async () => {
    const first = await provisionByClaim('factory-replay', 'R1', 'json');
    expect(first.registered.accepted).toBe(true);
    const replay = await provisioningRequest(first.client, '$aws/provisioning-templates/fleet/provision/json', { certificateOwnershipToken: first.token, parameters: { SerialNumber: 'R2' } }, 'json');
    expect(replay).toEqual({ accepted: false, body: { statusCode: 400, errorCode: 'InvalidCertificateOwnershipToken', errorMessage: 'The certificate ownership token has already been used.' } });

    const owner = await claimConnection('factory-owner');
    const created = await provisioningRequest(owner, '$aws/certificates/create/json', {}, 'json');
    const token = acceptedBody(created).certificateOwnershipToken as string;
    const thief = await claimConnection('factory-thief');
    const stolen = await provisioningRequest(thief, '$aws/provisioning-templates/fleet/provision/json', { certificateOwnershipToken: token, parameters: { SerialNumber: 'T1' } }, 'json');
    expect(stolen).toMatchObject({ accepted: false, body: { statusCode: 400, errorCode: 'InvalidCertificateOwnershipToken' } });
    expect(stack.registry.getThing('pet-T1')).toBeUndefined();
    const mine = await provisioningRequest(owner, '$aws/provisioning-templates/fleet/provision/json', { certificateOwnershipToken: token, parameters: { SerialNumber: 'O1' } }, 'json');
    expect(mine.accepted).toBe(true);
  });

  it("answers only the requesting connection: another claim connection subscribed to the reply topic never sees the key", async () => {
    const spy = await claimConnection('factory-spy');
    const got: string[] = [];
    spy.on('message', (t, p) => got.push(`${t} ${p.toString()}`));
    await spy.subscribeAsync('$aws/certificates/create/json/accepted', { qos: 1 });
    await provisionByClaim('factory-victim', 'V1', 'json');
    const own = await provisioningRequest(spy, '$aws/certificates/create/json', {}, 'json');
    expect(own.accepted).toBe(true);
    // the spy's own reply came after the victim's, on the same topic: only its own arrived
    expect(got).toHaveLength(1);
    expect(got[0]).toContain(acceptedBody(own).certificateId as string);
  });

  it('rejects empty tokens, bad payloads, unknown and disabled templates with AWS error payloads', async () => {
    const c = await claimConnection('factory-bad');
    expect(await provisioningRequest(c, '$aws/provisioning-templates/fleet/provision/json', { parameters: {} }, 'json')).toEqual({
      accepted: false,
      body: { statusCode: 400, errorCode: 'InvalidCertificateOwnershipToken', errorMessage: 'Certificate ownership token cannot be empty.' },
    });
    expect(await provisioningRequest(c, '$aws/certificates/create-from-csr/json', { certificateSigningRequest: 'not a csr' }, 'json')).toMatchObject({
      accepted: false,
      body: { statusCode: 400 },
    });
    expect(await provisioningRequest(c, '$aws/provisioning-templates/nope/provision/json', { certificateOwnershipToken: 'x' }, 'json')).toMatchObject({
      accepted: false,
      body: { statusCode: 404, errorCode: 'ResourceNotFound' },
    });
    expect(await provisioningRequest(c, '$aws/provisioning-templates/fleet-off/provision/json', { certificateOwnershipToken: 'x' }, 'json')).toMatchObject({
      accepted: false,
      body: { statusCode: 400, errorMessage: 'Provisioning template fleet-off is disabled' },
    });
  });

  it.each([
    ['$aws/certificates/create/json', Buffer.from('{not json')],
    ['$aws/certificates/create/cbor', Buffer.from([0xff, 0x00])],
    ['$aws/certificates/create-from-csr/json', Buffer.from('null')],
    ['$aws/certificates/create-from-csr/cbor', Buffer.from([0x61])],
    ['$aws/provisioning-templates/fleet/provision/json', Buffer.from('[1,2]')],
    ['$aws/provisioning-templates/fleet/provision/cbor', Buffer.from([0xa1, 0x01, 0x02])],
  ])('answers malformed bytes on %s with a 400 /rejected and keeps the connection', async (topic, bytes) => {
    const c = await claimConnection(`factory-garbage-${clients.length}`);
    const reply = await rawRequest(c, topic, bytes);
    expect(reply.topic).toBe(`${topic}/rejected`);
    expect(reply.body).toMatchObject({ statusCode: 400, errorCode: 'InvalidPayload' });
    expect(Object.keys(reply.body).sort()).toEqual(['errorCode', 'errorMessage', 'statusCode']);
    expect(c.connected).toBe(true);
    // the same connection still provisions
    expect((await provisioningRequest(c, '$aws/certificates/create/json', {}, 'json')).accepted).toBe(true);
  });

  it('decodes self-described CBOR (tag 55799, RFC 8949 §3.4.6) like plain CBOR', async () => {
    const c = await claimConnection('factory-self-described');
    const { csrPem } = await createCsr({ commonName: 'pet-SD1' });
    const bytes = Buffer.concat([Buffer.from([0xd9, 0xd9, 0xf7]), Buffer.from(cborEncode({ certificateSigningRequest: csrPem }))]);
    const reply = await rawRequest(c, '$aws/certificates/create-from-csr/cbor', bytes);
    expect(reply.topic).toBe('$aws/certificates/create-from-csr/cbor/accepted');
    expect(Object.keys(reply.body).sort()).toEqual(['certificateId', 'certificateOwnershipToken', 'certificatePem']);
  });
});

describe('Pre-provisioning hook', () => {
  it('refuses a serial on the deny list: AccessDenied, no thing, the certificate stays PENDING_ACTIVATION', async () => {
    const r = await provisionByClaim('factory-stolen', 'SN-STOLEN', 'json', 'fleet-hooked');
    expect(r.registered).toMatchObject({ accepted: false, body: { statusCode: 403, errorCode: 'AccessDenied' } });
    expect(stack.registry.getThing('pet-SN-STOLEN')).toBeUndefined();
    expect(await statusOf(r.created.certificateId as string)).toBe('PENDING_ACTIVATION');
  });

  it("gets AWS's payload and its parameter overrides are applied", async () => {
    const r = await provisionByClaim('factory-hooked', 'H1', 'cbor', 'fleet-hooked');
    expect(r.registered).toMatchObject({ accepted: true, body: { thingName: 'pet-H1' } });
    expect(stack.registry.getThing('pet-H1')?.attributes).toEqual({ serial: 'H1', batch: 'hooked' });
    const event = hookEvents.find((e) => (e.parameters as Record<string, string>).SerialNumber === 'H1');
    expect(event).toEqual({
      claimCertificateId: claim.certificateId,
      certificateId: r.created.certificateId,
      certificatePem: r.created.certificatePem,
      templateArn: 'arn:aws:iot:us-east-1:000000000000:provisioningtemplate/fleet-hooked',
      clientId: 'factory-hooked',
      parameters: { SerialNumber: 'H1' },
    });
  });
});

describe('Policy: a claim certificate can do nothing but provision', () => {
  it('cannot subscribe to a shadow or telemetry', async () => {
    const c = await claimConnection('factory-nosy');
    expect(await subscribeCodes(c, { '$aws/things/pet-J1/shadow/update/delta': { qos: 1 }, 'dt/pulsepet/+/telemetry': { qos: 1 } })).toEqual([128, 128]);
  });

  it.each([['dt/pulsepet/factory-x/telemetry'], ['$aws/things/pet-J1/shadow/update']])('is disconnected when it publishes to %s', async (topic) => {
    const c = await claimConnection('factory-x');
    const closed = new Promise<void>((resolve) => c.once('close', () => resolve()));
    c.publish(topic, '{"state":{}}', { qos: 1 });
    await closed;
    expect(c.connected).toBe(false);
  });
});

describe('Logs', () => {
  it('never hold a private key or an ownership token, after every exchange above (debug level)', () => {
    const text = captured.records.map((r) => JSON.stringify(r)).join('\n');
    expect(captured.records.some((r) => r.msg === 'device provisioned by claim')).toBe(true);
    expect(text).not.toContain('PRIVATE KEY');
    expect(text).not.toMatch(/certificateOwnershipToken"\s*:\s*"[A-Za-z0-9_-]{20,}/);
  });
});

describe('Restart', () => {
  it('keeps templates, and provisioning by claim works after it', async () => {
    await stack.close();
    stack = await startLocalStack({ dataDir: join(dir, 'data'), tuneGc: false });
    iot.destroy();
    iot = new IoTClient(awsClientConfig(stack));
    const r = await provisionByClaim('factory-after', 'A1', 'json');
    expect(r.registered).toMatchObject({ accepted: true, body: { thingName: 'pet-A1' } });
  });
});
