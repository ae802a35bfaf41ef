import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CreatePolicyCommand, CreateProvisioningTemplateCommand, DescribeCACertificateCommand, DescribeProvisioningTemplateCommand } from '@aws-sdk/client-iot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCa, inspectCertificate, subjectAttributes, verifyIssuedBy } from '../../certs/index';
import { runFleetCaptured } from '../../test/support/fleet';
import { startTestGateway, type TestGateway } from '../../test/support/local/gateway';
import { jitpTemplateBody } from '../../test/support/local/jitp';
import { DEVICE_POLICY_NAME, devicePolicyDocument } from '../../protocol/policies';
import { DeviceConfigSchema } from './files';

let t: TestGateway;
let work: string;
let rootCa: string;

beforeAll(async () => {
  t = await startTestGateway({ mqttAddress: 'localhost:18883' });
  work = mkdtempSync(join(tmpdir(), 'pp-fleet-ca-'));
  rootCa = join(work, 'root-ca.pem');
  writeFileSync(rootCa, t.ca.certificatePem);
  const iot = t.iot();
  const template = { provisioningRoleArn: 'arn:aws:iam::000000000000:role/JITPRole', templateBody: jitpTemplateBody(), enabled: true };
  await iot.send(new CreateProvisioningTemplateCommand({ templateName: 'watch-jitp', type: 'JITP', ...template }));
  const claimBody = JSON.stringify({
    Parameters: { SerialNumber: { Type: 'String' }, 'AWS::IoT::Certificate::Id': { Type: 'String' } },
    Resources: { certificate: { Type: 'AWS::IoT::Certificate', Properties: { CertificateId: { Ref: 'AWS::IoT::Certificate::Id' } } } },
  });
  await iot.send(new CreateProvisioningTemplateCommand({ ...template, templateName: 'watch-claim', templateBody: claimBody }));
});
afterAll(async () => {
  await t.close();
  rmSync(work, { recursive: true, force: true });
});

const env = () => ({
  AWS_ENDPOINT_URL: t.gateway.url,
  AWS_REGION: t.region,
  AWS_ACCESS_KEY_ID: t.credentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: t.credentials.secretAccessKey,
  PULSEPET_ROOT_CA: rootCa,
});
const fleet = (argv: string[]) => runFleetCaptured(argv, env());
const mode = (p: string) => statSync(p).mode & 0o777;

/** `fleet ca create` into a fresh folder; the CA's files. */
async function newCa(name: string): Promise<{ cert: string; key: string; id: string }> {
  const dir = join(work, name);
  const r = await fleet(['ca', 'create', '--out', dir, '--json']);
  expect(r.code, r.err).toBe(0);
  const o = JSON.parse(r.out) as { certificateId: string; certFile: string; keyFile: string };
  return { cert: o.certFile, key: o.keyFile, id: o.certificateId };
}

describe('Command: fleet ca create', () => {
  it('writes a CA certificate and its key (0600), and never overwrites them', async () => {
    const dir = join(work, 'made');
    const r = await fleet(['ca', 'create', '--out', dir, '--name', 'Acme test CA']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^created CA [0-9a-f]{64}: certificate .*ca\.pem, key .*ca\.key \(0600\)\n$/);
    expect(new X509Certificate(readFileSync(join(dir, 'ca.pem'))).ca).toBe(true);
    expect(inspectCertificate(readFileSync(join(dir, 'ca.pem'), 'utf8')).subjectCommonName).toBe('Acme test CA');
    expect(mode(join(dir, 'ca.key'))).toBe(0o600);
    const key = readFileSync(join(dir, 'ca.key'), 'utf8');
    const again = await fleet(['ca', 'create', '--out', dir]);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/a CA already exists/);
    expect(readFileSync(join(dir, 'ca.key'), 'utf8')).toBe(key);
  });
});

describe('Command: fleet ca register', () => {
  it('registers the CA ACTIVE after the verification step, with auto-registration and the JITP template when given', async () => {
    const ca = await newCa('ca-jitp');
    const r = await fleet(['ca', 'register', '--ca-cert', ca.cert, '--ca-key', ca.key, '--template', 'watch-jitp']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe(
      `registered CA ${ca.id}: ACTIVE, auto-registration ENABLE (template watch-jitp), arn arn:aws:iot:us-east-1:000000000000:cacert/${ca.id}\n`,
    );
    const d = await t.iot().send(new DescribeCACertificateCommand({ certificateId: ca.id }));
    expect(d.certificateDescription).toMatchObject({ status: 'ACTIVE', autoRegistrationStatus: 'ENABLE', certificateMode: 'DEFAULT' });
    expect(d.registrationConfig).toEqual({ templateName: 'watch-jitp' });
  });

  it('takes a JITP template made by `fleet template create --type JITP` (default role, which infra creates); refuses a hook on JITP', async () => {
    const body = join(work, 'jitp.json');
    writeFileSync(body, jitpTemplateBody());
    // the default role's account is read from the device policy's ARN (on AWS the iot stack deploys both)
    await t.iot().send(new CreatePolicyCommand({ policyName: DEVICE_POLICY_NAME, policyDocument: devicePolicyDocument() }));
    const made = await fleet(['template', 'create', 'cli-jitp', '--file', body, '--type', 'JITP']);
    expect(made.code, made.err).toBe(0);
    expect(made.out).toBe(
      'created template cli-jitp: JITP, enabled, version 1, role arn:aws:iam::000000000000:role/pulsepet-provisioning, arn arn:aws:iot:us-east-1:000000000000:provisioningtemplate/cli-jitp\n',
    );
    const d = await t.iot().send(new DescribeProvisioningTemplateCommand({ templateName: 'cli-jitp' }));
    expect(d).toMatchObject({ type: 'JITP', enabled: true, provisioningRoleArn: 'arn:aws:iam::000000000000:role/pulsepet-provisioning' });
    const ca = await newCa('ca-cli-jitp');
    const r = await fleet(['ca', 'register', '--ca-cert', ca.cert, '--ca-key', ca.key, '--template', 'cli-jitp', '--json']);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ autoRegistrationStatus: 'ENABLE', template: 'cli-jitp' });
    const hook = 'arn:aws:lambda:us-east-1:000000000000:function:serial-check';
    const refused = await fleet(['template', 'create', 'cli-jitp-hook', '--file', body, '--type', 'JITP', '--pre-provisioning-hook', hook]);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('a JITP template has no pre-provisioning hook');
    const badType = await fleet(['template', 'create', 'cli-x', '--file', body, '--type', 'JITR']);
    expect(badType.code).toBe(2);
    expect(badType.err).toContain('expected FLEET_PROVISIONING or JITP');
  });

  it('registers without auto-registration when no template is given, and brings a registered CA to the asked state', async () => {
    const ca = await newCa('ca-plain');
    const r = await fleet(['ca', 'register', '--ca-cert', ca.cert, '--ca-key', ca.key, '--json']);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ certificateId: ca.id, status: 'ACTIVE', autoRegistrationStatus: 'DISABLE', created: true });
    const again = await fleet(['ca', 'register', '--ca-cert', ca.cert, '--ca-key', ca.key, '--template', 'watch-jitp']);
    expect(again.code, again.err).toBe(0);
    expect(again.out).toMatch(/^updated already registered CA [0-9a-f]{64}: ACTIVE, auto-registration ENABLE \(template watch-jitp\)/);
    const d = await t.iot().send(new DescribeCACertificateCommand({ certificateId: ca.id }));
    expect(d.registrationConfig).toEqual({ templateName: 'watch-jitp' });
  });

  it('refuses a key that is not the CA’s, a missing template and a template that is not JITP, registering nothing', async () => {
    const ca = await newCa('ca-refused');
    const other = await createCa({ commonName: 'other' });
    const wrongKey = join(work, 'other.key');
    writeFileSync(wrongKey, other.privateKeyPem, { mode: 0o600 });
    const cases: Array<[string[], RegExp]> = [
      [['--ca-key', wrongKey], /the CA key does not belong to the CA certificate/],
      [['--ca-key', ca.key, '--template', 'no-such-template'], /provisioning template no-such-template not found/],
      [['--ca-key', ca.key, '--template', 'watch-claim'], /watch-claim is of type FLEET_PROVISIONING; .* needs a JITP template/],
      [['--ca-key', join(work, 'missing.key')], /cannot read CA key/],
    ];
    for (const [flags, message] of cases) {
      const r = await fleet(['ca', 'register', '--ca-cert', ca.cert, ...flags]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(message);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
    expect(t.registry.getCaCertificate(ca.id)).toBeUndefined();
    const usage = await fleet(['ca', 'register', '--ca-cert', ca.cert]);
    expect(usage.code).toBe(2);
    expect(usage.err).toMatch(/--ca-key: required/);
  });
});

describe('Command: fleet ca issue', () => {
  it('writes the device files fleet provision writes, with a key made here and a certificate CN=THING signed by the CA', async () => {
    const ca = await newCa('ca-issue');
    expect((await fleet(['ca', 'register', '--ca-cert', ca.cert, '--ca-key', ca.key, '--template', 'watch-jitp'])).code).toBe(0);
    const out = join(work, 'watch-9');
    const r = await fleet(['ca', 'issue', '--ca-cert', ca.cert, '--ca-key', ca.key, 'watch-9', '--out', out, '--serial', 'SN-9']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toBe('');
    expect(r.out).toMatch(/^issued watch-9: certificate [0-9a-f]{64} signed by CA [0-9a-f]{64} \(registered on first connect\), endpoint mqtts:\/\/localhost:18883, config /);
    const config = DeviceConfigSchema.parse(JSON.parse(readFileSync(join(out, 'watch-9.config.json'), 'utf8')));
    expect(config).toMatchObject({
      thing: 'watch-9',
      endpoint: 'mqtts://localhost:18883',
      cert: resolve(out, 'watch-9.cert.pem'),
      key: resolve(out, 'watch-9.private.key'),
      ca: resolve(out, 'root-ca.pem'),
      region: 'us-east-1',
    });
    expect(mode(config.key)).toBe(0o600);
    const certPem = readFileSync(config.cert, 'utf8');
    expect(await verifyIssuedBy(certPem, readFileSync(ca.cert, 'utf8'))).toBe(true);
    expect(subjectAttributes(certPem)).toEqual({ CommonName: 'watch-9', SerialNumber: 'SN-9' });
    expect(new X509Certificate(certPem).checkPrivateKey((await import('node:crypto')).createPrivateKey(readFileSync(config.key)))).toBe(true);
    expect(readFileSync(config.ca, 'utf8')).toBe(t.ca.certificatePem);
    // nothing registered yet: IoT Core registers the certificate on the device's first connect
    expect(t.registry.getCertificate(config.certificateId)).toBeUndefined();

    const again = await fleet(['ca', 'issue', '--ca-cert', ca.cert, '--ca-key', ca.key, 'watch-9', '--out', out]);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/already has device files/);
    expect(readFileSync(config.cert, 'utf8')).toBe(certPem);
  });

  it('warns when the CA cannot auto-register the device yet, and still writes its files', async () => {
    const ca = await newCa('ca-unregistered');
    const out = join(work, 'watch-early');
    const r = await fleet(['ca', 'issue', '--ca-cert', ca.cert, '--ca-key', ca.key, 'watch-early', '--out', out]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/^warning: CA [0-9a-f]{64} is not registered; run 'pulsepet fleet ca register'/);
    expect(existsSync(join(out, 'watch-early.config.json'))).toBe(true);
  });
});
