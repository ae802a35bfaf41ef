import {
  CreateProvisioningTemplateCommand,
  CreateProvisioningTemplateVersionCommand,
  DeleteConflictException,
  DeleteProvisioningTemplateCommand,
  DeleteProvisioningTemplateVersionCommand,
  DescribeProvisioningTemplateCommand,
  DescribeProvisioningTemplateVersionCommand,
  InvalidRequestException,
  ListProvisioningTemplatesCommand,
  ListProvisioningTemplateVersionsCommand,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
  UpdateProvisioningTemplateCommand,
  VersionsLimitExceededException,
} from '@aws-sdk/client-iot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../../../test/support/local/gateway';

const ROLE = 'arn:aws:iam::000000000000:role/pulsepet-provisioning';
const HOOK = 'arn:aws:lambda:us-east-1:000000000000:function:pulsepet-provisioning-hook';
const BODY = JSON.stringify({
  Parameters: { SerialNumber: { Type: 'String' } },
  Resources: {
    thing: { Type: 'AWS::IoT::Thing', Properties: { ThingName: { 'Fn::Join': ['', ['pet-', { Ref: 'SerialNumber' }]] } } },
    certificate: { Type: 'AWS::IoT::Certificate', Properties: { CertificateId: { Ref: 'AWS::IoT::Certificate::Id' }, Status: 'ACTIVE' } },
    policy: { Type: 'AWS::IoT::Policy', Properties: { PolicyName: 'pulsepet-device' } },
  },
  DeviceConfiguration: { fallback: 'none' },
});

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(async () => {
  await t.close();
});

function create(templateName: string, extra: Record<string, unknown> = {}) {
  return t.iot().send(new CreateProvisioningTemplateCommand({ templateName, templateBody: BODY, provisioningRoleArn: ROLE, ...extra }));
}

describe('iot service: provisioning templates', () => {
  describe('Operation: CreateProvisioningTemplate / DescribeProvisioningTemplate', () => {
    it('creates a template and describes it with its ARN, default version, hook and type', async () => {
      const c = await create('fleet-a', { enabled: true, description: 'factory line 1', preProvisioningHook: { targetArn: HOOK } });
      expect(c).toMatchObject({
        templateName: 'fleet-a',
        templateArn: 'arn:aws:iot:us-east-1:000000000000:provisioningtemplate/fleet-a',
        defaultVersionId: 1,
      });
      const d = await t.iot().send(new DescribeProvisioningTemplateCommand({ templateName: 'fleet-a' }));
      expect(d).toMatchObject({
        templateName: 'fleet-a',
        description: 'factory line 1',
        templateBody: BODY,
        enabled: true,
        defaultVersionId: 1,
        provisioningRoleArn: ROLE,
        preProvisioningHook: { targetArn: HOOK, payloadVersion: '2020-04-01' },
        type: 'FLEET_PROVISIONING',
      });
      expect(d.creationDate).toBeInstanceOf(Date);
    });

    it('creates a template disabled unless enabled is given, as AWS does', async () => {
      await create('fleet-off');
      const d = await t.iot().send(new DescribeProvisioningTemplateCommand({ templateName: 'fleet-off' }));
      expect(d.enabled).toBe(false);
    });

    it('refuses an existing name with ResourceAlreadyExistsException', async () => {
      await create('fleet-dup');
      await expect(create('fleet-dup')).rejects.toBeInstanceOf(ResourceAlreadyExistsException);
    });

    it('refuses a template that does not validate, saying what is wrong, and stores nothing', async () => {
      const bad = JSON.stringify({ Resources: { thing: { Type: 'AWS::IoT::Thing', Properties: { ThingName: { Ref: 'Serial' } } } } });
      const err = await t
        .iot()
        .send(new CreateProvisioningTemplateCommand({ templateName: 'fleet-bad', templateBody: bad, provisioningRoleArn: ROLE }))
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidRequestException);
      expect((err as Error).message).toContain("Resources.thing.Properties.ThingName.Ref: Ref to 'Serial', which is not declared in Parameters");
      expect((err as Error).message).toContain('Resources: exactly one AWS::IoT::Certificate (found 0)');
      await expect(t.iot().send(new DescribeProvisioningTemplateCommand({ templateName: 'fleet-bad' }))).rejects.toBeInstanceOf(
        ResourceNotFoundException,
      );
    });

    it('refuses a bad name, a hook that is not a Lambda ARN and a hook on a JITP template', async () => {
      await expect(create('bad name!')).rejects.toBeInstanceOf(InvalidRequestException);
      await expect(create('fleet-hook', { preProvisioningHook: { targetArn: 'arn:aws:sns:us-east-1:000000000000:topic' } })).rejects.toThrow(
        /Lambda function ARN/,
      );
      await expect(create('jitp-hook', { type: 'JITP', preProvisioningHook: { targetArn: HOOK } })).rejects.toThrow(/FLEET_PROVISIONING/);
    });

    it('answers ResourceNotFoundException for a template that does not exist', async () => {
      await expect(t.iot().send(new DescribeProvisioningTemplateCommand({ templateName: 'nope' }))).rejects.toBeInstanceOf(
        ResourceNotFoundException,
      );
    });
  });

  describe('Operation: ListProvisioningTemplates / UpdateProvisioningTemplate / DeleteProvisioningTemplate', () => {
    it('lists templates by name with paging', async () => {
      for (const n of ['list-1', 'list-2', 'list-3']) await create(n);
      const names: string[] = [];
      let nextToken: string | undefined;
      do {
        const page = await t.iot().send(new ListProvisioningTemplatesCommand({ maxResults: 2, nextToken }));
        names.push(...(page.templates ?? []).map((x) => x.templateName!));
        nextToken = page.nextToken;
      } while (nextToken);
      expect(names.filter((n) => n.startsWith('list-'))).toEqual(['list-1', 'list-2', 'list-3']);
    });

    it('updates enabled, description and the hook, then removes the hook', async () => {
      await create('upd-a');
      const iot = t.iot();
      await iot.send(new UpdateProvisioningTemplateCommand({ templateName: 'upd-a', enabled: true, description: 'v2', preProvisioningHook: { targetArn: HOOK } }));
      let d = await iot.send(new DescribeProvisioningTemplateCommand({ templateName: 'upd-a' }));
      expect(d).toMatchObject({ enabled: true, description: 'v2', preProvisioningHook: { targetArn: HOOK } });
      await iot.send(new UpdateProvisioningTemplateCommand({ templateName: 'upd-a', removePreProvisioningHook: true }));
      d = await iot.send(new DescribeProvisioningTemplateCommand({ templateName: 'upd-a' }));
      expect(d.preProvisioningHook).toBeUndefined();
    });

    it('deletes a template; deleting it again is ResourceNotFoundException', async () => {
      await create('del-a');
      await t.iot().send(new DeleteProvisioningTemplateCommand({ templateName: 'del-a' }));
      await expect(t.iot().send(new DeleteProvisioningTemplateCommand({ templateName: 'del-a' }))).rejects.toBeInstanceOf(
        ResourceNotFoundException,
      );
    });
  });

  describe('Operation: provisioning template versions', () => {
    it('adds versions, switches the default, refuses to delete the default and a sixth version', async () => {
      await create('ver-a');
      const iot = t.iot();
      const v2 = await iot.send(new CreateProvisioningTemplateVersionCommand({ templateName: 'ver-a', templateBody: BODY, setAsDefault: true }));
      expect(v2).toMatchObject({ versionId: 2, isDefaultVersion: true });
      expect((await iot.send(new DescribeProvisioningTemplateCommand({ templateName: 'ver-a' }))).defaultVersionId).toBe(2);
      await expect(iot.send(new DeleteProvisioningTemplateVersionCommand({ templateName: 'ver-a', versionId: 2 }))).rejects.toBeInstanceOf(
        DeleteConflictException,
      );
      await iot.send(new UpdateProvisioningTemplateCommand({ templateName: 'ver-a', defaultVersionId: 1 }));
      await iot.send(new DeleteProvisioningTemplateVersionCommand({ templateName: 'ver-a', versionId: 2 }));
      for (let i = 0; i < 4; i++) await iot.send(new CreateProvisioningTemplateVersionCommand({ templateName: 'ver-a', templateBody: BODY }));
      await expect(iot.send(new CreateProvisioningTemplateVersionCommand({ templateName: 'ver-a', templateBody: BODY }))).rejects.toBeInstanceOf(
        VersionsLimitExceededException,
      );
      const list = await iot.send(new ListProvisioningTemplateVersionsCommand({ templateName: 'ver-a' }));
      expect(list.versions?.map((v) => [v.versionId, v.isDefaultVersion])).toEqual([
        [1, true],
        [3, false],
        [4, false],
        [5, false],
        [6, false],
      ]);
      const v1 = await iot.send(new DescribeProvisioningTemplateVersionCommand({ templateName: 'ver-a', versionId: 1 }));
      expect(v1).toMatchObject({ versionId: 1, templateBody: BODY, isDefaultVersion: true });
    });

    it('refuses a new version that does not validate', async () => {
      await create('ver-bad');
      await expect(
        t.iot().send(new CreateProvisioningTemplateVersionCommand({ templateName: 'ver-bad', templateBody: '{"Resources": 1}' })),
      ).rejects.toThrow(/Resources: required/);
    });
  });

  it('keeps templates across a restart', async () => {
    await create('persist-a', { enabled: true, preProvisioningHook: { targetArn: HOOK } });
    await t.restart();
    const d = await t.iot().send(new DescribeProvisioningTemplateCommand({ templateName: 'persist-a' }));
    expect(d).toMatchObject({ templateBody: BODY, enabled: true, preProvisioningHook: { targetArn: HOOK } });
  });
});
