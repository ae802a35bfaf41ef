import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IoTClient } from '@aws-sdk/client-iot';
import { afterEach, describe, expect, it } from 'vitest';
import { createCa } from '../../certs/index';
import { until } from '../../test/support/local/broker';
import { registerVerifiedCa } from '../../test/support/local/ca';
import { cloudSubscriber, jitpTemplateBody, operatorDevice } from '../../test/support/local/jitp';
import { acceptedBody, createClaimCertificate, createFleetTemplate, provisioningRequest } from '../../test/support/local/provisioning';
import { awsClientConfig, connectMqtt } from '../../test/support/local/stack';
import { type LocalStack, startLocalStack } from '../stack';

const stacks: LocalStack[] = [];
afterEach(async () => {
  for (const s of stacks.splice(0)) await s.close();
});

async function start(): Promise<LocalStack> {
  const s = await startLocalStack({ dataDir: mkdtempSync(join(tmpdir(), 'pp-brokerproc-prov-')), brokerProcess: true, tuneGc: false });
  stacks.push(s);
  return s;
}

describe('Provisioning with the broker in a process of its own', () => {
  it('registers a device just in time on its first connect and admits it on the next', async () => {
    const stack = await start();
    const iot = new IoTClient(awsClientConfig(stack));
    const ca = await createCa({ commonName: 'pulsepet factory CA' });
    await registerVerifiedCa(iot, ca, {
      setAsActive: true,
      allowAutoRegistration: true,
      registrationConfig: { templateBody: jitpTemplateBody(), roleArn: 'arn:aws:iam::000000000000:role/JITPRole' },
    });
    iot.destroy();
    const events = await cloudSubscriber(stack, 'jitp-watcher', '$aws/events/certificates/registered/+');
    const device = await operatorDevice(stack, ca, 'watch-jitp-1');
    await expect(connectMqtt(stack, device)).rejects.toThrow('connection closed before CONNACK');
    await until(() => events.messages.some((m) => m.body.certificateId === device.certificateId), 10_000, 'the certificate-registered event');
    const client = await connectMqtt(stack, device);
    expect(client.connected).toBe(true);
    await client.endAsync();
    await events.close();
  });

  it('provisions by claim over MQTT: the replies reach the requesting connection and the new identity connects', async () => {
    const stack = await start();
    const claim = await createClaimCertificate(stack);
    await createFleetTemplate(stack, 'fleet');
    const c = await connectMqtt(stack, { ...claim, thingName: 'factory-1' });
    const created = acceptedBody(await provisioningRequest(c, '$aws/certificates/create/json', {}, 'json'));
    const registered = await provisioningRequest(
      c,
      '$aws/provisioning-templates/fleet/provision/json',
      { certificateOwnershipToken: created.certificateOwnershipToken, parameters: { SerialNumber: 'P1' } },
      'json',
    );
    expect(registered).toMatchObject({ accepted: true, body: { thingName: 'pet-P1' } });
    await c.endAsync();
    const device = await connectMqtt(stack, {
      thingName: 'pet-P1',
      certificatePem: created.certificatePem as string,
      privateKeyPem: created.privateKey as string,
      caPem: claim.caPem,
      certificateId: created.certificateId as string,
      certificateArn: '',
    });
    await device.publishAsync('dt/pulsepet/pet-P1/telemetry', '{"v":1}', { qos: 1 });
    await device.endAsync();
  });
});
