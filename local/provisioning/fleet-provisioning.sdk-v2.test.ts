import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeCertificateCommand, IoTClient } from '@aws-sdk/client-iot';
import { iotidentity, mqtt } from 'aws-iot-device-sdk-v2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCsr } from '../../certs/index';
import { type LocalStack, startLocalStack } from '../stack';
import { until } from '../../test/support/local/broker';
import { awsClientConfig, type TestDevice } from '../../test/support/local/stack';
import { createClaimCertificate, createFleetTemplate } from '../../test/support/local/provisioning';
import { releaseSdkV2, sdkV2Connection } from '../../test/support/local/sdk-v2';

let dir: string;
let stack: LocalStack;
let claim: TestDevice;
const client = new mqtt.MqttClient();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pp-fleet-sdk-'));
  stack = await startLocalStack({ dataDir: join(dir, 'data'), tuneGc: false });
  claim = await createClaimCertificate(stack);
  await createFleetTemplate(stack, 'fleet-sdk');
}, 60_000);
afterAll(async () => {
  await stack?.close();
  rmSync(dir, { recursive: true, force: true });
});

function connection(certificatePem: string, privateKeyPem: string, clientId: string): mqtt.MqttClientConnection {
  return sdkV2Connection(client, { certificatePem, privateKeyPem, caPem: claim.caPem, port: stack.mqttPort, clientId });
}

/** Subscribes to both outcomes of one identity operation and resolves with the first reply. */
function outcome<A>(
  subscribe: (onAccepted: (e?: iotidentity.IotIdentityError, r?: A) => void, onRejected: (e?: iotidentity.IotIdentityError, r?: iotidentity.model.ErrorResponse) => void) => Promise<unknown>,
): { subscribed: Promise<unknown>; reply: Promise<A> } {
  let subscribed!: Promise<unknown>;
  const reply = new Promise<A>((resolve, reject) => {
    subscribed = subscribe(
      (e, r) => (e || !r ? reject(e ?? new Error('empty accepted')) : resolve(r)),
      (_e, r) => reject(new Error(`rejected: ${JSON.stringify(r)}`)),
    );
  });
  return { subscribed, reply };
}

describe('Fleet provisioning by claim with aws-iot-device-sdk-v2 (IotIdentityClient, MQTT 3.1.1)', () => {
  it('CreateCertificateFromCsr with a key generated on the device, RegisterThing, then connects as its new thing', async () => {
    const conn = connection(claim.certificatePem, claim.privateKeyPem, 'sdk-factory-1');
    const identity = new iotidentity.IotIdentityClient(conn);
    let certificateId = '';
    let certificatePem = '';
    const { csrPem, privateKeyPem } = await createCsr({ commonName: 'sdk-device' });
    try {
      await conn.connect();
      const csr = outcome<iotidentity.model.CreateCertificateFromCsrResponse>((ok, ko) =>
        Promise.all([
          identity.subscribeToCreateCertificateFromCsrAccepted({}, mqtt.QoS.AtLeastOnce, ok),
          identity.subscribeToCreateCertificateFromCsrRejected({}, mqtt.QoS.AtLeastOnce, ko),
        ]),
      );
      await csr.subscribed;
      await identity.publishCreateCertificateFromCsr({ certificateSigningRequest: csrPem }, mqtt.QoS.AtLeastOnce);
      const created = await csr.reply;
      certificateId = created.certificateId!;
      certificatePem = created.certificatePem!;

      const reg = outcome<iotidentity.model.RegisterThingResponse>((ok, ko) =>
        Promise.all([
          identity.subscribeToRegisterThingAccepted({ templateName: 'fleet-sdk' }, mqtt.QoS.AtLeastOnce, ok),
          identity.subscribeToRegisterThingRejected({ templateName: 'fleet-sdk' }, mqtt.QoS.AtLeastOnce, ko),
        ]),
      );
      await reg.subscribed;
      await identity.publishRegisterThing(
        { templateName: 'fleet-sdk', certificateOwnershipToken: created.certificateOwnershipToken!, parameters: { SerialNumber: 'S1' } },
        mqtt.QoS.AtLeastOnce,
      );
      const registered = await reg.reply;
      expect(registered).toEqual({ thingName: 'pet-S1', deviceConfiguration: { telemetryTopic: 'dt/pulsepet/pet-S1/telemetry' } });
    } finally {
      await releaseSdkV2(conn);
    }

    const iotClient = new IoTClient(awsClientConfig(stack));
    const d = await iotClient.send(new DescribeCertificateCommand({ certificateId }));
    iotClient.destroy();
    expect(d.certificateDescription?.status).toBe('ACTIVE');

    const device = connection(certificatePem, privateKeyPem, 'pet-S1');
    const seen: string[] = [];
    const off = stack.broker.onPublish('dt/pulsepet/pet-S1/telemetry', (m) => void seen.push(m.origin.thingName ?? ''));
    try {
      expect(await device.connect()).toBe(false);
      await device.publish('dt/pulsepet/pet-S1/telemetry', '{"v":1}', mqtt.QoS.AtLeastOnce);
      await until(() => seen.length === 1, 5000, 'telemetry from the provisioned device');
      expect(seen).toEqual(['pet-S1']);
    } finally {
      off();
      await releaseSdkV2(device);
    }
  });
});

describe('Fleet provisioning by claim with aws-iot-device-sdk-v2 (IotIdentityClientv2, the request-response client, over MQTT 3.1.1)', () => {
  it('CreateKeysAndCertificate, CreateCertificateFromCsr and RegisterThing resolve with AWS shapes; a replayed token is a modeled error', async () => {
    const conn = connection(claim.certificatePem, claim.privateKeyPem, 'sdk-factory-rr');
    await conn.connect();
    const identity = iotidentity.IotIdentityClientv2.newFromMqtt311(conn, { maxRequestResponseSubscriptions: 4, maxStreamingSubscriptions: 2, operationTimeoutInSeconds: 10 });
    try {
      const keys = await identity.createKeysAndCertificate({});
      expect(Object.keys(keys).sort()).toEqual(['certificateId', 'certificateOwnershipToken', 'certificatePem', 'privateKey']);
      const { csrPem } = await createCsr({ commonName: 'sdk-rr' });
      const created = await identity.createCertificateFromCsr({ certificateSigningRequest: csrPem });
      expect(Object.keys(created).sort()).toEqual(['certificateId', 'certificateOwnershipToken', 'certificatePem']);
      const request = { templateName: 'fleet-sdk', certificateOwnershipToken: created.certificateOwnershipToken ?? '', parameters: { SerialNumber: 'RR1' } };
      expect(await identity.registerThing(request)).toEqual({ thingName: 'pet-RR1', deviceConfiguration: { telemetryTopic: 'dt/pulsepet/pet-RR1/telemetry' } });
      const replay = await identity.registerThing(request).then(
        () => undefined,
        (e: unknown) => (e as { modeledError?: unknown }).modeledError,
      );
      expect(replay).toEqual({ statusCode: 400, errorCode: 'InvalidCertificateOwnershipToken', errorMessage: 'The certificate ownership token has already been used.' });
    } finally {
      identity.close();
      await releaseSdkV2(conn);
    }
  });
});
