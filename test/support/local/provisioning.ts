/**
 * Test support for fleet provisioning by claim against a running {@link LocalStack}:
 * a claim certificate (CreateKeysAndCertificate + the `pulsepet-claim` policy), a
 * fleet template (CreateProvisioningTemplate), and one request/response exchange of
 * the fleet provisioning MQTT API over MQTT.js, all through the real clients. Not product code.
 */
import { readFileSync } from 'node:fs';
import {
  AttachPolicyCommand,
  CreateKeysAndCertificateCommand,
  CreateProvisioningTemplateCommand,
  type CreateProvisioningTemplateCommandInput,
  IoTClient,
} from '@aws-sdk/client-iot';
import { decode as cborDecode, encode as cborEncode } from 'cborg';
import type { MqttClient } from 'mqtt';
import { CLAIM_POLICY_NAME, DEVICE_POLICY_NAME } from '../../../protocol/policies';
import type { LocalStack } from '../../../local/stack';
import { awsClientConfig, type TestDevice } from './stack';

export const PROVISIONING_ROLE_ARN = 'arn:aws:iam::000000000000:role/pulsepet-provisioning';

/** A fleet template: thing `pet-{SerialNumber}` with a serial attribute, the device policy, ACTIVE certificate, a device configuration. */
export function fleetTemplateBody(): string {
  return JSON.stringify({
    Parameters: { SerialNumber: { Type: 'String' }, Batch: { Type: 'String', Default: 'none' } },
    Resources: {
      thing: {
        Type: 'AWS::IoT::Thing',
        Properties: {
          ThingName: { 'Fn::Join': ['', ['pet-', { Ref: 'SerialNumber' }]] },
          AttributePayload: { serial: { Ref: 'SerialNumber' }, batch: { Ref: 'Batch' } },
        },
      },
      certificate: { Type: 'AWS::IoT::Certificate', Properties: { CertificateId: { Ref: 'AWS::IoT::Certificate::Id' }, Status: 'ACTIVE' } },
      policy: { Type: 'AWS::IoT::Policy', Properties: { PolicyName: DEVICE_POLICY_NAME } },
    },
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Fn::Sub variable syntax, not a JS template
    DeviceConfiguration: { telemetryTopic: { 'Fn::Sub': 'dt/pulsepet/pet-${SerialNumber}/telemetry' } },
  });
}

/** CreateProvisioningTemplate (enabled) with {@link fleetTemplateBody} unless a body is given. */
export async function createFleetTemplate(
  stack: Pick<LocalStack, 'httpEndpoint' | 'region' | 'credentials'>,
  templateName: string,
  extra: Partial<CreateProvisioningTemplateCommandInput> = {},
): Promise<void> {
  const iot = new IoTClient(awsClientConfig(stack));
  try {
    await iot.send(
      new CreateProvisioningTemplateCommand({
        templateName,
        templateBody: fleetTemplateBody(),
        provisioningRoleArn: PROVISIONING_ROLE_ARN,
        enabled: true,
        ...extra,
      }),
    );
  } finally {
    iot.destroy();
  }
}

/** A claim certificate: ACTIVE, with only the `pulsepet-claim` policy, attached to no thing. */
export async function createClaimCertificate(stack: Pick<LocalStack, 'httpEndpoint' | 'region' | 'credentials' | 'caFile'>): Promise<TestDevice> {
  const iot = new IoTClient(awsClientConfig(stack));
  try {
    const cert = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
    await iot.send(new AttachPolicyCommand({ policyName: CLAIM_POLICY_NAME, target: cert.certificateArn }));
    return {
      thingName: 'claim',
      certificatePem: cert.certificatePem!,
      privateKeyPem: cert.keyPair!.PrivateKey!,
      caPem: readFileSync(stack.caFile, 'utf8'),
      certificateId: cert.certificateId!,
      certificateArn: cert.certificateArn!,
    };
  } finally {
    iot.destroy();
  }
}

export type Format = 'json' | 'cbor';
export type ProvisioningReply = { accepted: true; body: Record<string, unknown> } | { accepted: false; body: { statusCode: number; errorCode: string; errorMessage: string } };

function decode(format: Format, payload: Buffer): Record<string, unknown> {
  return (format === 'json' ? JSON.parse(payload.toString('utf8')) : cborDecode(payload)) as Record<string, unknown>;
}

/**
 * One exchange of the fleet provisioning MQTT API: subscribes to `{topic}/accepted`
 * and `/rejected`, publishes the request (encoded as `format`) and resolves with the reply.
 */
export async function provisioningRequest(client: MqttClient, topic: string, request: object, format: Format, timeoutMs = 10_000): Promise<ProvisioningReply> {
  const accepted = `${topic}/accepted`;
  const rejected = `${topic}/rejected`;
  const granted = await client.subscribeAsync([accepted, rejected], { qos: 1 });
  if (granted.some((g) => g.qos === 128)) throw new Error(`subscription to ${topic}/… refused`);
  const reply = new Promise<ProvisioningReply>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no reply on ${topic} within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (t: string, payload: Buffer) => {
      if (t !== accepted && t !== rejected) return;
      clearTimeout(timer);
      client.off('message', onMessage);
      const body = decode(format, payload);
      resolve(t === accepted ? { accepted: true, body } : { accepted: false, body: body as { statusCode: number; errorCode: string; errorMessage: string } });
    };
    client.on('message', onMessage);
  });
  const bytes = format === 'json' ? JSON.stringify(request) : Buffer.from(cborEncode(request));
  await client.publishAsync(topic, bytes, { qos: 1 });
  return reply;
}

/** The accepted body of a reply; throws with the rejection when it was rejected. */
export function acceptedBody(r: ProvisioningReply): Record<string, unknown> {
  if (!r.accepted) throw new Error(`rejected: ${r.body.errorCode} ${r.body.errorMessage}`);
  return r.body;
}
