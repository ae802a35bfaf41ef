/**
 * Test support for integration suites: provisions devices through the real
 * `@aws-sdk/client-iot` against a running {@link LocalStack} and connects them with
 * MQTT.js over mutual TLS. Not product code.
 */
import { readFileSync } from 'node:fs';
import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateKeysAndCertificateCommand,
  CreateThingCommand,
  IoTClient,
} from '@aws-sdk/client-iot';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { DEVICE_POLICY_NAME } from '../../../protocol/policies';
import type { LocalStack } from '../../../local/stack';

export interface TestDevice {
  thingName: string;
  certificatePem: string;
  privateKeyPem: string;
  caPem: string;
  certificateId: string;
  certificateArn: string;
}

/** `{ endpoint, region, credentials }` for any `@aws-sdk/client-*` constructor. */
export function awsClientConfig(stack: Pick<LocalStack, 'httpEndpoint' | 'region' | 'credentials'>): {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  maxAttempts: number;
} {
  return { endpoint: stack.httpEndpoint, region: stack.region, credentials: { ...stack.credentials }, maxAttempts: 1 };
}

/** CreateThing + CreateKeysAndCertificate + AttachPolicy(pulsepet-device) + AttachThingPrincipal. */
export async function provisionTestDevice(
  stack: Pick<LocalStack, 'httpEndpoint' | 'region' | 'credentials' | 'caFile'>,
  thingName: string,
  opts: { policyName?: string } = {},
): Promise<TestDevice> {
  const iot = new IoTClient(awsClientConfig(stack));
  try {
    await iot.send(new CreateThingCommand({ thingName }));
    const cert = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
    if (!cert.certificateArn || !cert.certificatePem || !cert.keyPair?.PrivateKey || !cert.certificateId) {
      throw new Error('CreateKeysAndCertificate returned an incomplete answer');
    }
    await iot.send(
      new AttachPolicyCommand({ policyName: opts.policyName ?? DEVICE_POLICY_NAME, target: cert.certificateArn }),
    );
    await iot.send(new AttachThingPrincipalCommand({ thingName, principal: cert.certificateArn }));
    return {
      thingName,
      certificatePem: cert.certificatePem,
      privateKeyPem: cert.keyPair.PrivateKey,
      caPem: readFileSync(stack.caFile, 'utf8'),
      certificateId: cert.certificateId,
      certificateArn: cert.certificateArn,
    };
  } finally {
    iot.destroy();
  }
}

/**
 * Connects MQTT.js over mTLS as the device (client id = thing name unless given).
 * Resolves on CONNACK; rejects on error or when the broker closes the connection first.
 */
export function connectMqtt(
  stack: Pick<LocalStack, 'mqttEndpoint'>,
  device: TestDevice,
  opts: Partial<IClientOptions> = {},
): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(stack.mqttEndpoint, {
      clientId: device.thingName,
      cert: device.certificatePem,
      key: device.privateKeyPem,
      ca: device.caPem,
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 5_000,
      keepalive: 60,
      ...opts,
    });
    const fail = (e: Error) => {
      client.end(true);
      reject(e);
    };
    client.once('connect', () => {
      client.off('error', fail);
      client.off('close', onClose);
      resolve(client);
    });
    const onClose = () => fail(new Error('connection closed before CONNACK'));
    client.once('error', fail);
    client.once('close', onClose);
  });
}
