/**
 * Test support for just-in-time registration: a JITP template, device certificates from an
 * operator CA as MQTT.js devices, and a cloud-side MQTT subscriber (a SigV4-presigned
 * WebSocket connection with the stack's credentials, an IAM principal). Not product code.
 */
import { readFileSync } from 'node:fs';
import type { MqttClient } from 'mqtt';
import { issueDeviceCertificate, type OperatorCa, type SubjectAttributes } from '../../../certs/index';
import type { LocalStack } from '../../../local/stack';
import { DEVICE_POLICY_NAME } from '../../../protocol/policies';
import { connectWs, presignMqttUrl } from './display';
import type { TestDevice } from './stack';

/**
 * The JITP template of the developer guide's example, for pulsepet: thing = the subject CN,
 * its serial number as an attribute, the certificate ACTIVE, the device policy by name.
 */
export function jitpTemplateBody(opts: { policyName?: string; serialAttribute?: boolean } = {}): string {
  const parameters: Record<string, { Type: 'String' }> = {
    'AWS::IoT::Certificate::CommonName': { Type: 'String' },
    'AWS::IoT::Certificate::Id': { Type: 'String' },
  };
  const thing: Record<string, unknown> = { ThingName: { Ref: 'AWS::IoT::Certificate::CommonName' } };
  if (opts.serialAttribute) {
    parameters['AWS::IoT::Certificate::SerialNumber'] = { Type: 'String' };
    thing.AttributePayload = { version: 'v1', serialNumber: { Ref: 'AWS::IoT::Certificate::SerialNumber' } };
  }
  return JSON.stringify({
    Parameters: parameters,
    Resources: {
      thing: { Type: 'AWS::IoT::Thing', Properties: thing },
      certificate: { Type: 'AWS::IoT::Certificate', Properties: { CertificateId: { Ref: 'AWS::IoT::Certificate::Id' }, Status: 'ACTIVE' } },
      policy: { Type: 'AWS::IoT::Policy', Properties: { PolicyName: opts.policyName ?? DEVICE_POLICY_NAME } },
    },
  });
}

/** A device whose certificate the operator CA signed (never registered through the API). */
export async function operatorDevice(
  stack: Pick<LocalStack, 'caFile'>,
  ca: OperatorCa,
  thingName: string,
  attributes?: SubjectAttributes,
): Promise<TestDevice> {
  const d = await issueDeviceCertificate(ca, { commonName: thingName, ...(attributes ? { attributes } : {}) });
  return {
    thingName,
    certificatePem: d.certificatePem,
    privateKeyPem: d.privateKeyPem,
    caPem: readFileSync(stack.caFile, 'utf8'),
    certificateId: d.certificateId,
    certificateArn: '',
  };
}

/** A cloud-side subscriber collecting (topic, JSON payload) pairs. */
export interface CloudSubscriber {
  messages: Array<{ topic: string; body: Record<string, unknown> }>;
  client: MqttClient;
  close(): Promise<void>;
}

/** Subscribes to `filter` as an IAM principal over MQTT/WebSocket (as a backend would on AWS). */
export async function cloudSubscriber(stack: LocalStack, clientId: string, filter: string): Promise<CloudSubscriber> {
  const out = await connectWs(await presignMqttUrl(stack, stack.credentials), clientId);
  if (!out.ok) throw new Error(`cloud subscriber could not connect: ${out.error}`);
  const messages: CloudSubscriber['messages'] = [];
  out.client.on('message', (topic, payload) => messages.push({ topic, body: JSON.parse(payload.toString()) as Record<string, unknown> }));
  await out.client.subscribeAsync(filter, { qos: 1 });
  return { messages, client: out.client, close: () => out.client.endAsync() };
}
