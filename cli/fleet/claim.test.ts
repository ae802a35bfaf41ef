/**
 * `fleet template …` and `fleet claim create` against the whole local IoT Core through
 * the real @aws-sdk/client-iot, and the claim folder used by the agent's provisioning
 * (aws-iot-device-sdk-v2's identity client) and by MQTT.js.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeCertificateCommand,
  DescribeProvisioningTemplateCommand,
  GetPolicyCommand,
  IoTClient,
  ListAttachedPoliciesCommand,
  ListCertificatesCommand,
  ListProvisioningTemplatesCommand,
} from '@aws-sdk/client-iot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../common/logger';
import { ClaimConfigSchema, readClaimConfig } from '../../device-agent/claim-config';
import { ClaimRejectedError, provisionByClaim } from '../../device-agent/claim-provisioning';
import { parseMqttEndpoint } from '../../device-agent/endpoint';
import { type LocalStack, startLocalStack } from '../../local/stack';
import { claimPolicyDocument } from '../../protocol/policies';
import { subscribeCodes } from '../../test/support/local/broker';
import { fleetCli, fleetOk } from '../../test/support/local/fleet-cli';
import { fleetTemplateBody } from '../../test/support/local/provisioning';
import { awsClientConfig, connectMqtt } from '../../test/support/local/stack';

let stack: LocalStack;
let work: string;
let iot: IoTClient;
let templateFile: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'pp-fleet-claim-'));
  stack = await startLocalStack({ dataDir: join(work, 'state'), tuneGc: false });
  iot = new IoTClient(awsClientConfig(stack));
  templateFile = join(work, 'template.json');
  writeFileSync(templateFile, fleetTemplateBody());
}, 60_000);
afterAll(async () => {
  iot?.destroy();
  await stack?.close();
  rmSync(work, { recursive: true, force: true });
});

const fleet = (...argv: string[]) => fleetCli(stack, ...argv);
const ok = (...argv: string[]) => fleetOk(stack, ...argv);

const templateNames = async (): Promise<string[]> => ((await iot.send(new ListProvisioningTemplatesCommand({}))).templates ?? []).map((t) => t.templateName ?? '');

describe('Command: fleet template', () => {
  it('creates an enabled fleet template from a file, lists, describes and deletes it', async () => {
    const out = await ok('template', 'create', 'tpl-crud', '--file', templateFile);
    expect(out).toMatch(/^created template tpl-crud: FLEET_PROVISIONING, enabled, version 1, role arn:aws:iam::\d{12}:role\/pulsepet-provisioning, arn arn:aws:iot:us-east-1:\d{12}:provisioningtemplate\/tpl-crud\n$/);
    const d = await iot.send(new DescribeProvisioningTemplateCommand({ templateName: 'tpl-crud' }));
    expect(d).toMatchObject({ enabled: true, type: 'FLEET_PROVISIONING', templateBody: fleetTemplateBody() });

    const list = await ok('template', 'list');
    expect(list.split('\n')[0]).toMatch(/^NAME\s+TYPE\s+ENABLED\s+MODIFIED$/);
    expect(list).toMatch(/\ntpl-crud\s+FLEET_PROVISIONING\s+true\s+\d{4}-/);
    const listed = JSON.parse(await ok('template', 'list', '--json')) as { templates: Array<{ templateName: string; enabled: boolean }> };
    expect(listed.templates).toContainEqual(expect.objectContaining({ templateName: 'tpl-crud', enabled: true }));

    const text = await ok('template', 'describe', 'tpl-crud');
    expect(text).toContain('template tpl-crud\n');
    expect(text).toContain('  enabled true\n');
    expect(text).toContain('"AWS::IoT::Certificate::Id"');
    const json = JSON.parse(await ok('template', 'describe', 'tpl-crud', '--json')) as { templateBody: string; type: string };
    expect(json).toMatchObject({ templateName: 'tpl-crud', type: 'FLEET_PROVISIONING', templateBody: fleetTemplateBody() });

    expect(await ok('template', 'delete', 'tpl-crud')).toBe('deleted template tpl-crud\n');
    expect(await templateNames()).not.toContain('tpl-crud');
    const gone = await fleet('template', 'describe', 'tpl-crud');
    expect(gone.code).toBe(2);
    expect(gone.err).toMatch(/^pulsepet fleet template: DescribeProvisioningTemplate failed: ResourceNotFoundException \(HTTP 404\)/);
  });

  it('refuses an invalid template with the server’s message naming every problem, and stores nothing', async () => {
    const bad = join(work, 'bad.json');
    writeFileSync(
      bad,
      JSON.stringify({
        Parameters: { SerialNumber: { Type: 'Number' } },
        Resources: { thing: { Type: 'AWS::IoT::Thing', Properties: { ThingName: { Ref: 'Serial' } } } },
      }),
    );
    const r = await fleet('template', 'create', 'tpl-bad', '--file', bad);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/^pulsepet fleet template: CreateProvisioningTemplate failed: InvalidRequestException \(HTTP 400\): /);
    expect(r.err).toContain('Parameters.SerialNumber.Type');
    expect(r.err).toContain("Ref to 'Serial', which is not declared in Parameters");
    expect(r.err).toMatch(/AWS::IoT::Certificate/);
    expect(await templateNames()).not.toContain('tpl-bad');
  });

  it('records a pre-provisioning hook and an explicit role', async () => {
    const hook = 'arn:aws:lambda:us-east-1:000000000000:function:serial-check';
    const role = 'arn:aws:iam::000000000000:role/factory-provisioning';
    const created = JSON.parse(await ok('template', 'create', 'tpl-hooked', '--file', templateFile, '--pre-provisioning-hook', hook, '--role-arn', role, '--json')) as { provisioningRoleArn: string };
    expect(created.provisioningRoleArn).toBe(role);
    const d = await iot.send(new DescribeProvisioningTemplateCommand({ templateName: 'tpl-hooked' }));
    expect(d.preProvisioningHook).toEqual({ targetArn: hook, payloadVersion: '2020-04-01' });
    expect(d.provisioningRoleArn).toBe(role);
  });

  it('takes every action as the issue writes it (`create|list|describe|delete NAME --file template.json`)', async () => {
    await ok('template', 'create', 'tpl-grammar', '--file', templateFile);
    const listed = await ok('template', 'list', 'tpl-grammar', '--file', templateFile);
    expect(listed.split('\n').filter((l) => l !== '')).toEqual([expect.stringMatching(/^NAME\s+TYPE/), expect.stringMatching(/^tpl-grammar\s+FLEET_PROVISIONING\s+true\s/)]);
    expect(JSON.parse(await ok('template', 'list', 'no-such-template', '--json'))).toEqual({ templates: [] });
    expect(await ok('template', 'describe', 'tpl-grammar', '--file', templateFile)).toContain('template tpl-grammar\n');
    expect(await ok('template', 'delete', 'tpl-grammar', '--file', templateFile)).toBe('deleted template tpl-grammar\n');
    expect(await templateNames()).not.toContain('tpl-grammar');
  });

  it('exits 2 with the reason for bad arguments, calling nothing', async () => {
    const noFile = await fleet('template', 'create', 'tpl-x');
    expect(noFile.code).toBe(2);
    expect(noFile.err).toContain('--file template.json is required');
    const badName = await fleet('template', 'describe', 'no spaces allowed');
    expect(badName.code).toBe(2);
    expect(badName.err).toContain('template names are [0-9A-Za-z_-]');
    const badAction = await fleet('template', 'update', 'tpl-x');
    expect(badAction.code).toBe(2);
    expect(badAction.err).toContain('expected one of create, list, describe, delete');
    const createOnly = await fleet('template', 'describe', 'tpl-x', '--role-arn', 'arn:aws:iam::000000000000:role/x');
    expect(createOnly.code).toBe(2);
    expect(createOnly.err).toContain('--role-arn, --pre-provisioning-hook, --description and --type go with create only');
    const missing = await fleet('template', 'create', 'tpl-x', '--file', join(work, 'nope.json'));
    expect(missing.code).toBe(2);
    expect(missing.err).toContain(`cannot read template ${join(work, 'nope.json')}`);
  });
});

describe('Command: fleet claim create', () => {
  beforeAll(async () => {
    await ok('template', 'create', 'factory', '--file', templateFile);
    await ok('template', 'create', 'other', '--file', templateFile);
  });

  it('writes a claim folder: ACTIVE certificate with only the template’s claim policy, key 0600, config for the agent', async () => {
    const dir = join(work, 'claim-1');
    const r = JSON.parse(await ok('claim', 'create', '--template', 'factory', '--out', dir, '--json')) as { certificateId: string; certificateArn: string; policy: string; createdPolicy: boolean; configFile: string };
    expect(r).toMatchObject({ policy: 'pulsepet-claim-factory', createdPolicy: true, configFile: join(dir, 'claim.config.json') });
    const config = ClaimConfigSchema.parse(JSON.parse(readFileSync(r.configFile, 'utf8')));
    expect(config).toEqual({
      endpoint: expect.stringMatching(new RegExp(`^mqtts://[^:/]+:${stack.mqttPort}$`)),
      cert: 'claim.cert.pem',
      key: 'claim.private.key',
      ca: 'root-ca.pem',
      template: 'factory',
      certificateId: r.certificateId,
      policy: 'pulsepet-claim-factory',
      region: stack.region,
    });
    expect(statSync(join(dir, 'claim.private.key')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'root-ca.pem'), 'utf8')).toBe(readFileSync(stack.caFile, 'utf8'));
    expect((await iot.send(new DescribeCertificateCommand({ certificateId: r.certificateId }))).certificateDescription?.status).toBe('ACTIVE');
    expect((await iot.send(new ListAttachedPoliciesCommand({ target: r.certificateArn }))).policies?.map((p) => p.policyName)).toEqual(['pulsepet-claim-factory']);
    const policy = await iot.send(new GetPolicyCommand({ policyName: 'pulsepet-claim-factory' }));
    expect(JSON.parse(policy.policyDocument ?? '')).toEqual(JSON.parse(claimPolicyDocument(['factory'])));

    // a second line reuses the policy
    const again = JSON.parse(await ok('claim', 'create', '--template', 'factory', '--out', join(work, 'claim-2'), '--json')) as { createdPolicy: boolean; certificateId: string };
    expect(again.createdPolicy).toBe(false);
    expect(again.certificateId).not.toBe(r.certificateId);
    const text = await ok('claim', 'create', '--template', 'factory', '--out', join(work, 'claim-3'));
    expect(text).toMatch(/^claim certificate [0-9a-f]{64} ACTIVE for template factory \(policy pulsepet-claim-factory\), endpoint mqtts:\/\/[^:]+:\d+, config .*claim-3\/claim\.config\.json\n$/);
  });

  it('gives a working claim: the agent’s provisioning gets an identity with it, for its template only; the claim itself can do nothing else', async () => {
    const dir = join(work, 'claim-works');
    await ok('claim', 'create', '--template', 'factory', '--out', dir);
    const claim = readClaimConfig(join(dir, 'claim.config.json'));
    const { host, port } = parseMqttEndpoint(claim.config.endpoint);
    const base = { host, port, claimCertPem: claim.certPem, claimKeyPem: claim.keyPem, caPem: claim.caPem, logger: silentLogger() };
    const got = await provisionByClaim({ ...base, template: 'factory', serial: 'CW1' });
    expect(got.thingName).toBe('pet-CW1');
    expect((await iot.send(new DescribeCertificateCommand({ certificateId: got.certificateId }))).certificateDescription?.status).toBe('ACTIVE');

    const refused = await provisionByClaim({ ...base, template: 'other', serial: 'CW2' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ClaimRejectedError);
    expect((refused as ClaimRejectedError).errorCode).toBe('AccessDenied');

    const c = await connectMqtt(stack, { thingName: 'claim-probe', certificatePem: claim.certPem, privateKeyPem: claim.keyPem, caPem: claim.caPem, certificateId: '', certificateArn: '' });
    try {
      expect(await subscribeCodes(c, { 'dt/pulsepet/pet-CW1/telemetry': { qos: 1 }, '$aws/things/pet-CW1/shadow/update/delta': { qos: 1 } })).toEqual([128, 128]);
    } finally {
      c.end(true);
    }
  });

  it('refuses a template that does not exist, creating nothing', async () => {
    const before = (await iot.send(new ListCertificatesCommand({}))).certificates?.length;
    const r = await fleet('claim', 'create', '--template', 'nope', '--out', join(work, 'claim-nope'));
    expect(r.code).toBe(2);
    expect(r.err).toBe('pulsepet fleet claim: template nope not found; nothing was created. Create it first: pulsepet fleet template create nope --file template.json\n');
    expect((await iot.send(new ListCertificatesCommand({}))).certificates?.length).toBe(before);
  });

  it('never overwrites an existing claim folder', async () => {
    const dir = join(work, 'claim-keep');
    await ok('claim', 'create', '--template', 'factory', '--out', dir);
    const key = readFileSync(join(dir, 'claim.private.key'), 'utf8');
    const before = (await iot.send(new ListCertificatesCommand({}))).certificates?.length;
    const r = await fleet('claim', 'create', '--template', 'factory', '--out', dir);
    expect(r.code).toBe(2);
    expect(r.err).toContain('already holds a claim');
    expect(readFileSync(join(dir, 'claim.private.key'), 'utf8')).toBe(key);
    expect((await iot.send(new ListCertificatesCommand({}))).certificates?.length).toBe(before);
  });
});
