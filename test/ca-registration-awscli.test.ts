import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificateIdFromPem } from '../certs/index';
import { awsCliEnv } from './support/awscli';
import { runProcess } from './support/cli';
import { opensslRootCa, opensslSigned } from './support/openssl';
import { startTestGateway, type TestGateway } from './support/local/gateway';
import { jitpTemplateBody } from './support/local/jitp';

/**
 * Registering a CA exactly as the AWS IoT developer guide does it
 * (https://docs.aws.amazon.com/iot/latest/developerguide/register-CA-cert.html): openssl for
 * the CA and the verification certificate, the AWS CLI (botocore) for the API calls, with
 * nothing but --endpoint-url pointing at the local gateway.
 */

function tool(name: string, versionArg: string, install: string): string {
  const found = spawnSync(name, [versionArg], { encoding: 'utf8' });
  if (found.error || found.status !== 0) throw new Error(`${name} is not installed; install it with: ${install}`);
  return name;
}

let t: TestGateway;
let dir: string;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  tool('aws', '--version', 'apt-get update && apt-get install -y awscli');
  tool('openssl', 'version', 'apt-get install -y openssl');
  t = await startTestGateway();
  dir = mkdtempSync(join(tmpdir(), 'pp-ca-awscli-'));
  env = awsCliEnv({ home: dir, credentials: t.credentials, region: t.region });
});
afterAll(async () => {
  await t?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const aws = (args: string[]) => runProcess('aws', ['--endpoint-url', t.gateway.url, 'iot', ...args], env);

/** The guide's root CA and verification certificate (CN = the registration code, signed by the CA). */
const rootCa = (name: string) => opensslRootCa(dir, name);
const verificationCert = (caName: string, commonName: string, out: string) => opensslSigned(dir, caName, out, `/CN=${commonName}`);

describe('CA registration with the AWS CLI and openssl', () => {
  it('get-registration-code, then register-ca-certificate with the verification certificate and a JITP registration config', async () => {
    const code1 = await aws(['get-registration-code']);
    expect(code1.code, code1.stderr).toBe(0);
    const { registrationCode } = JSON.parse(code1.stdout) as { registrationCode: string };
    expect(registrationCode).toMatch(/^[0-9a-f]{64}$/);
    const code2 = await aws(['get-registration-code']);
    expect(JSON.parse(code2.stdout)).toEqual({ registrationCode });

    rootCa('rootCA');
    verificationCert('rootCA', registrationCode, 'verificationCert');
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ templateBody: jitpTemplateBody(), roleArn: 'arn:aws:iam::000000000000:role/JITPRole' }));
    const reg = await aws([
      'register-ca-certificate',
      '--ca-certificate', `file://${join(dir, 'rootCA.pem')}`,
      '--verification-cert', `file://${join(dir, 'verificationCert.pem')}`,
      '--set-as-active',
      '--allow-auto-registration',
      '--registration-config', `file://${join(dir, 'config.json')}`,
    ]);
    expect(reg.code, reg.stderr).toBe(0);
    const { certificateId, certificateArn } = JSON.parse(reg.stdout) as { certificateId: string; certificateArn: string };
    expect(certificateArn).toBe(`arn:aws:iot:us-east-1:000000000000:cacert/${certificateId}`);

    const d = await aws(['describe-ca-certificate', '--certificate-id', certificateId]);
    expect(d.code, d.stderr).toBe(0);
    const described = JSON.parse(d.stdout) as { certificateDescription: Record<string, unknown>; registrationConfig: Record<string, unknown> };
    expect(described.certificateDescription).toMatchObject({ status: 'ACTIVE', autoRegistrationStatus: 'ENABLE', certificateMode: 'DEFAULT' });
    expect(described.registrationConfig).toEqual({ templateBody: jitpTemplateBody(), roleArn: 'arn:aws:iam::000000000000:role/JITPRole' });

    const upd = await aws(['update-ca-certificate', '--certificate-id', certificateId, '--new-auto-registration-status', 'DISABLE']);
    expect(upd.code, upd.stderr).toBe(0);
    const after = JSON.parse((await aws(['describe-ca-certificate', '--certificate-id', certificateId])).stdout) as typeof described;
    expect(after.certificateDescription.autoRegistrationStatus).toBe('DISABLE');
  });

  it('refuses a verification certificate whose CN is not the registration code (RegistrationCodeValidationException)', async () => {
    rootCa('otherCA');
    verificationCert('otherCA', 'not-the-registration-code', 'wrongCode');
    const r = await aws([
      'register-ca-certificate',
      '--ca-certificate', `file://${join(dir, 'otherCA.pem')}`,
      '--verification-cert', `file://${join(dir, 'wrongCode.pem')}`,
    ]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/RegistrationCodeValidationException/);
    const refusedId = certificateIdFromPem(readFileSync(join(dir, 'otherCA.pem'), 'utf8'));
    const list = JSON.parse((await aws(['list-ca-certificates'])).stdout) as { certificates: Array<{ certificateId: string }> };
    expect(list.certificates.map((c) => c.certificateId)).not.toContain(refusedId);
  });
});
