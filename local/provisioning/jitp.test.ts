import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateProvisioningTemplateCommand,
  DescribeCertificateCommand,
  DescribeThingCommand,
  IoTClient,
  ListAttachedPoliciesCommand,
  ListCertificatesByCACommand,
  ListThingPrincipalsCommand,
  ResourceNotFoundException,
  UpdateCACertificateCommand,
} from '@aws-sdk/client-iot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CaMaterial, certificateIdFromPem, createCa } from '../../certs/index';
import { DEVICE_POLICY_NAME } from '../../protocol/policies';
import { until } from '../../test/support/local/broker';
import { registerVerifiedCa } from '../../test/support/local/ca';
import { opensslRootCa, opensslSigned } from '../../test/support/openssl';
import { type CloudSubscriber, cloudSubscriber, jitpTemplateBody, operatorDevice } from '../../test/support/local/jitp';
import { awsClientConfig, connectMqtt, type TestDevice } from '../../test/support/local/stack';
import { type LocalStack, startLocalStack } from '../stack';
import { certificateRegisteredEventSchema } from './jitp';

let dir: string;
let stack: LocalStack;
let iot: IoTClient;
let events: CloudSubscriber;
let factoryCa: CaMaterial;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pp-jitp-'));
  stack = await startLocalStack({ dataDir: dir });
  iot = new IoTClient(awsClientConfig(stack));
  events = await cloudSubscriber(stack, 'jitp-watcher', '$aws/events/certificates/registered/+');
  factoryCa = await createCa({ commonName: 'pulsepet factory CA' });
  await registerVerifiedCa(iot, factoryCa, {
    setAsActive: true,
    allowAutoRegistration: true,
    registrationConfig: { templateBody: jitpTemplateBody({ serialAttribute: true }), roleArn: 'arn:aws:iam::000000000000:role/JITPRole' },
  });
}, 60_000);
afterAll(async () => {
  await events?.close();
  iot?.destroy();
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The first connect's outcome: the error when the broker closed it, or the connected client. */
async function firstConnect(device: TestDevice): Promise<string> {
  try {
    const c = await connectMqtt(stack, device);
    await c.endAsync();
    return 'connected';
  } catch (e) {
    return (e as Error).message;
  }
}

function registeredEventsFor(certificateId: string) {
  return events.messages.filter((m) => m.body.certificateId === certificateId);
}

async function certificateStatus(certificateId: string): Promise<string | undefined> {
  try {
    return (await iot.send(new DescribeCertificateCommand({ certificateId }))).certificateDescription?.status;
  } catch (e) {
    if (e instanceof ResourceNotFoundException) return undefined;
    throw e;
  }
}

describe('JITP on the local broker', () => {
  it('registers a device on its first connect, closes that connection, announces it, and lets it in on the next', async () => {
    const device = await operatorDevice(stack, factoryCa, 'watch-jitp-1', { SerialNumber: 'PP-0001' });
    expect(await firstConnect(device)).toBe('connection closed before CONNACK');
    await until(() => registeredEventsFor(device.certificateId).length === 1, 10_000, 'the certificate-registered event');
    const [event] = registeredEventsFor(device.certificateId);
    expect(event?.topic).toBe(`$aws/events/certificates/registered/${factoryCa.certificateId}`);
    expect(certificateRegisteredEventSchema.parse(event?.body)).toMatchObject({
      certificateId: device.certificateId,
      caCertificateId: factoryCa.certificateId,
      certificateStatus: 'PENDING_ACTIVATION',
      awsAccountId: '000000000000',
    });

    const cert = await iot.send(new DescribeCertificateCommand({ certificateId: device.certificateId }));
    expect(cert.certificateDescription).toMatchObject({ status: 'ACTIVE', caCertificateId: factoryCa.certificateId });
    const thing = await iot.send(new DescribeThingCommand({ thingName: 'watch-jitp-1' }));
    expect(thing.attributes).toEqual({ version: 'v1', serialNumber: 'PP-0001' });
    const principals = await iot.send(new ListThingPrincipalsCommand({ thingName: 'watch-jitp-1' }));
    expect(principals.principals).toEqual([cert.certificateDescription?.certificateArn]);
    const policies = await iot.send(new ListAttachedPoliciesCommand({ target: cert.certificateDescription?.certificateArn }));
    expect(policies.policies?.map((p) => p.policyName)).toEqual([DEVICE_POLICY_NAME]);

    const client = await connectMqtt(stack, device);
    // the device policy now lets it publish its telemetry as its thing
    await client.publishAsync('dt/pulsepet/watch-jitp-1/telemetry', '{}', { qos: 1 });
    await client.endAsync();
    expect(registeredEventsFor(device.certificateId)).toHaveLength(1);
  });

  it('provisions an RSA device certificate made with openssl from an openssl CA, with its subject fields', async () => {
    const work = mkdtempSync(join(dir, 'openssl-'));
    const ca = opensslRootCa(work, 'rootCA');
    await registerVerifiedCa(iot, ca, { setAsActive: true, allowAutoRegistration: true, registrationConfig: { templateBody: jitpTemplateBody({ serialAttribute: true }) } });
    const cert = opensslSigned(work, 'rootCA', 'device', '/C=DE/O=Acme/serialNumber=AC-77/CN=watch-openssl');
    const device: TestDevice = { ...(await operatorDevice(stack, factoryCa, 'watch-openssl')), certificatePem: cert.certificatePem, privateKeyPem: cert.privateKeyPem };
    device.certificateId = certificateIdFromPem(cert.certificatePem);
    expect(await firstConnect(device)).toBe('connection closed before CONNACK');
    expect((await iot.send(new DescribeThingCommand({ thingName: 'watch-openssl' }))).attributes).toEqual({ version: 'v1', serialNumber: 'AC-77' });
    expect(await firstConnect(device)).toBe('connected');
  });

  it('registers a certificate once when two first connects race', async () => {
    const device = await operatorDevice(stack, factoryCa, 'watch-jitp-race', { SerialNumber: 'PP-0002' });
    const outcomes = await Promise.all([firstConnect(device), firstConnect(device), firstConnect(device)]);
    expect(outcomes.filter((o) => o === 'connected').length).toBeLessThanOrEqual(1);
    await until(() => registeredEventsFor(device.certificateId).length >= 1, 10_000, 'the certificate-registered event');
    const byCa = await iot.send(new ListCertificatesByCACommand({ caCertificateId: factoryCa.certificateId, pageSize: 250 }));
    expect(byCa.certificates?.filter((c) => c.certificateId === device.certificateId)).toHaveLength(1);
    expect(await firstConnect(device)).toBe('connected');
    expect(registeredEventsFor(device.certificateId)).toHaveLength(1);
  });

  it('refuses a certificate from an unregistered CA and registers nothing', async () => {
    const stranger = await createCa({ commonName: 'stranger CA' });
    const device = await operatorDevice(stack, stranger, 'watch-stranger');
    expect(await firstConnect(device)).toBe('connection closed before CONNACK');
    expect(await firstConnect(device)).toBe('connection closed before CONNACK');
    expect(await certificateStatus(device.certificateId)).toBeUndefined();
    expect(registeredEventsFor(device.certificateId)).toEqual([]);
  });

  it('registers nothing when the CA does not allow auto-registration', async () => {
    const manual = await createCa({ commonName: 'manual CA' });
    await registerVerifiedCa(iot, manual, { setAsActive: true, registrationConfig: { templateBody: jitpTemplateBody() } });
    const device = await operatorDevice(stack, manual, 'watch-manual');
    expect(await firstConnect(device)).toBe('connection closed before CONNACK');
    expect(await certificateStatus(device.certificateId)).toBeUndefined();
    expect(registeredEventsFor(device.certificateId)).toEqual([]);
  });

  it('without a template registers PENDING_ACTIVATION only (JITR), for the operator to activate', async () => {
    const jitrCa = await createCa({ commonName: 'jitr CA' });
    await registerVerifiedCa(iot, jitrCa, { setAsActive: true, allowAutoRegistration: true });
    const device = await operatorDevice(stack, jitrCa, 'watch-jitr');
    expect(await firstConnect(device)).toBe('connection closed before CONNACK');
    expect(await certificateStatus(device.certificateId)).toBe('PENDING_ACTIVATION');
    expect(await firstConnect(device)).toBe('connection closed before CONNACK');
    await until(() => registeredEventsFor(device.certificateId).length === 1, 10_000, 'the certificate-registered event');
  });

  it('applies a named JITP template, and finishes a provisioning its template could not complete once the CA is given one that can', async () => {
    await iot.send(
      new CreateProvisioningTemplateCommand({
        templateName: 'pulsepet-jitp',
        type: 'JITP',
        enabled: true,
        provisioningRoleArn: 'arn:aws:iam::000000000000:role/JITPRole',
        templateBody: jitpTemplateBody(),
      }),
    );
    const namedCa = await createCa({ commonName: 'named-template CA' });
    // the inline template needs a subject serialNumber this device's certificate lacks
    await registerVerifiedCa(iot, namedCa, {
      setAsActive: true,
      allowAutoRegistration: true,
      registrationConfig: { templateBody: jitpTemplateBody({ serialAttribute: true }) },
    });
    const device = await operatorDevice(stack, namedCa, 'watch-named');
    expect(await firstConnect(device)).toBe('connection closed before CONNACK');
    expect(await certificateStatus(device.certificateId)).toBe('PENDING_ACTIVATION');
    await expect(iot.send(new DescribeThingCommand({ thingName: 'watch-named' }))).rejects.toBeInstanceOf(ResourceNotFoundException);

    await iot.send(new UpdateCACertificateCommand({ certificateId: namedCa.certificateId, registrationConfig: { templateName: 'pulsepet-jitp' } }));
    expect(await firstConnect(device)).toBe('connection closed before CONNACK');
    expect(await certificateStatus(device.certificateId)).toBe('ACTIVE');
    expect(await firstConnect(device)).toBe('connected');
    expect(registeredEventsFor(device.certificateId)).toHaveLength(1);
  });
});
