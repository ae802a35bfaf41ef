import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCliEnv, requireAwsCli } from './support/awscli';
import { runProcess } from './support/cli';
import { startTestGateway, type TestGateway } from './support/local/gateway';

/**
 * Provisioning templates through an independent client: the AWS CLI (botocore)
 * with nothing but `--endpoint-url` and credentials in the environment.
 */

let t: TestGateway;
let env: NodeJS.ProcessEnv;
beforeAll(async () => {
  requireAwsCli();
  t = await startTestGateway();
  env = awsCliEnv({ home: t.dir, credentials: t.credentials, region: t.region });
});
afterAll(async () => {
  await t?.close();
});

function aws(args: string[]) {
  return runProcess(requireAwsCli(), ['--endpoint-url', t.gateway.url, ...args], env);
}

const BODY = {
  Parameters: { SerialNumber: { Type: 'String' } },
  Resources: {
    thing: { Type: 'AWS::IoT::Thing', Properties: { ThingName: { Ref: 'SerialNumber' } } },
    certificate: { Type: 'AWS::IoT::Certificate', Properties: { CertificateId: { Ref: 'AWS::IoT::Certificate::Id' }, Status: 'ACTIVE' } },
    policy: { Type: 'AWS::IoT::Policy', Properties: { PolicyName: 'pulsepet-device' } },
  },
};

describe('The AWS CLI: iot provisioning templates', () => {
  it('creates, describes, lists and deletes a template (create-provisioning-template --template-body file://)', async () => {
    const file = join(t.dir, 'template.json');
    writeFileSync(file, JSON.stringify(BODY));
    const role = 'arn:aws:iam::000000000000:role/pulsepet-provisioning';
    const c = await aws(['iot', 'create-provisioning-template', '--template-name', 'cli-fleet', '--template-body', `file://${file}`, '--provisioning-role-arn', role, '--enabled']);
    expect(c.code, c.stderr).toBe(0);
    expect(JSON.parse(c.stdout)).toMatchObject({ templateName: 'cli-fleet', defaultVersionId: 1 });
    const d = await aws(['iot', 'describe-provisioning-template', '--template-name', 'cli-fleet']);
    expect(d.code, d.stderr).toBe(0);
    expect(JSON.parse(d.stdout)).toMatchObject({ templateName: 'cli-fleet', enabled: true, type: 'FLEET_PROVISIONING', templateBody: JSON.stringify(BODY) });
    const l = await aws(['iot', 'list-provisioning-templates']);
    expect(JSON.parse(l.stdout).templates.map((x: { templateName: string }) => x.templateName)).toContain('cli-fleet');
    const del = await aws(['iot', 'delete-provisioning-template', '--template-name', 'cli-fleet']);
    expect(del.code, del.stderr).toBe(0);
  });

  it('gets InvalidRequestException naming the problem for a template that does not validate', async () => {
    const file = join(t.dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ ...BODY, Resources: { ...BODY.Resources, thing: { Type: 'AWS::IoT::Thingy' } } }));
    const r = await aws(['iot', 'create-provisioning-template', '--template-name', 'cli-bad', '--template-body', `file://${file}`, '--provisioning-role-arn', 'arn:aws:iam::000000000000:role/x']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/InvalidRequestException/);
    expect(r.stderr).toContain('Resources.thing.Type: "AWS::IoT::Thingy" is not a resource type');
  });
});
