import {
  AttachPolicyCommand,
  AttachThingPrincipalCommand,
  CreateKeysAndCertificateCommand,
  CreatePolicyCommand,
  CreatePolicyVersionCommand,
  CreateThingCommand,
  DeleteCertificateCommand,
  DeleteConflictException,
  DeletePolicyCommand,
  DeletePolicyVersionCommand,
  DetachPolicyCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  InvalidRequestException,
  ListAttachedPoliciesCommand,
  ListPoliciesCommand,
  ListPolicyVersionsCommand,
  ListTargetsForPolicyCommand,
  MalformedPolicyException,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
  SetDefaultPolicyVersionCommand,
  UpdateCertificateCommand,
  VersionsLimitExceededException,
} from '@aws-sdk/client-iot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../../../test/support/local/gateway';

// A policy variable, written literally as AWS expects it in the document.
const THING_VAR = ['$', '{iot:Connection.Thing.ThingName}'].join('');
const DOC = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 'iot:Connect', Resource: `arn:aws:iot:us-east-1:000000000000:client/${THING_VAR}` }],
});

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(async () => {
  await t.close();
});

describe('iot service: policies', () => {
  describe('Operation: CreatePolicy / GetPolicy', () => {
    it('creates a policy and GetPolicy returns the document, ARN and default version', async () => {
      const iot = t.iot();
      const c = await iot.send(new CreatePolicyCommand({ policyName: 'pol-a', policyDocument: DOC }));
      expect(c).toMatchObject({ policyName: 'pol-a', policyVersionId: '1', policyArn: 'arn:aws:iot:us-east-1:000000000000:policy/pol-a' });
      const g = await iot.send(new GetPolicyCommand({ policyName: 'pol-a' }));
      expect(g.policyDocument).toBe(DOC);
      expect(g.defaultVersionId).toBe('1');
      expect(g.creationDate).toBeInstanceOf(Date);
    });

    it('rejects an existing name with ResourceAlreadyExistsException', async () => {
      const iot = t.iot();
      await iot.send(new CreatePolicyCommand({ policyName: 'pol-dup', policyDocument: DOC }));
      await expect(
        iot.send(new CreatePolicyCommand({ policyName: 'pol-dup', policyDocument: DOC })),
      ).rejects.toBeInstanceOf(ResourceAlreadyExistsException);
    });

    it('rejects a malformed document with MalformedPolicyException', async () => {
      const iot = t.iot();
      await expect(
        iot.send(new CreatePolicyCommand({ policyName: 'pol-bad', policyDocument: '{"Statement": 5' })),
      ).rejects.toBeInstanceOf(MalformedPolicyException);
      await expect(
        iot.send(new CreatePolicyCommand({ policyName: 'pol-bad2', policyDocument: '{"Version":"2012-10-17"}' })),
      ).rejects.toBeInstanceOf(MalformedPolicyException);
    });

    it('answers GetPolicy for a missing policy with ResourceNotFoundException and a bad name with InvalidRequestException', async () => {
      await expect(t.iot().send(new GetPolicyCommand({ policyName: 'ghost' }))).rejects.toBeInstanceOf(
        ResourceNotFoundException,
      );
      await expect(t.iot().send(new GetPolicyCommand({ policyName: 'bad name!' }))).rejects.toBeInstanceOf(
        InvalidRequestException,
      );
    });
  });

  describe('Operation: ListPolicies', () => {
    it('pages through policies by name with pageSize and marker', async () => {
      const iot = t.iot();
      for (const n of ['lp-3', 'lp-1', 'lp-2']) await iot.send(new CreatePolicyCommand({ policyName: n, policyDocument: DOC }));
      const names: string[] = [];
      let marker: string | undefined;
      do {
        const r = await iot.send(new ListPoliciesCommand({ pageSize: 2, marker }));
        names.push(...(r.policies ?? []).map((p) => p.policyName!));
        marker = r.nextMarker;
      } while (marker);
      expect(names.filter((n) => n.startsWith('lp-'))).toEqual(['lp-1', 'lp-2', 'lp-3']);
    });
  });

  describe('Operation: AttachPolicy / DetachPolicy / ListAttachedPolicies / DeletePolicy', () => {
    it('attaches to a certificate, blocks DeletePolicy and DeleteCertificate until detached', async () => {
      const iot = t.iot();
      await iot.send(new CreatePolicyCommand({ policyName: 'pol-att', policyDocument: DOC }));
      const cert = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: false }));
      const target = cert.certificateArn!;
      await iot.send(new AttachPolicyCommand({ policyName: 'pol-att', target }));
      const attached = await iot.send(new ListAttachedPoliciesCommand({ target }));
      expect(attached.policies?.map((p) => p.policyName)).toEqual(['pol-att']);
      const targets = await iot.send(new ListTargetsForPolicyCommand({ policyName: 'pol-att' }));
      expect(targets.targets).toEqual([target]);
      expect(t.registry.policiesForPrincipal(target).map((p) => p.policyName)).toEqual(['pol-att']);

      await expect(iot.send(new DeletePolicyCommand({ policyName: 'pol-att' }))).rejects.toBeInstanceOf(
        DeleteConflictException,
      );
      await expect(
        iot.send(new DeleteCertificateCommand({ certificateId: cert.certificateId })),
      ).rejects.toBeInstanceOf(DeleteConflictException);

      await iot.send(new DetachPolicyCommand({ policyName: 'pol-att', target }));
      expect((await iot.send(new ListAttachedPoliciesCommand({ target }))).policies).toEqual([]);
      await iot.send(new DeletePolicyCommand({ policyName: 'pol-att' }));
      await expect(iot.send(new GetPolicyCommand({ policyName: 'pol-att' }))).rejects.toBeInstanceOf(
        ResourceNotFoundException,
      );
      await iot.send(new DeleteCertificateCommand({ certificateId: cert.certificateId }));
    });

    it('rejects DeleteCertificate with things attached with DeleteConflictException', async () => {
      const iot = t.iot();
      const cert = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
      await iot.send(new CreateThingCommand({ thingName: 'holder' }));
      await iot.send(new AttachThingPrincipalCommand({ thingName: 'holder', principal: cert.certificateArn! }));
      await iot.send(new UpdateCertificateCommand({ certificateId: cert.certificateId, newStatus: 'INACTIVE' }));
      await expect(
        iot.send(new DeleteCertificateCommand({ certificateId: cert.certificateId, forceDelete: true })),
      ).rejects.toBeInstanceOf(DeleteConflictException);
    });

    it('rejects attaching a missing policy or to a missing certificate with ResourceNotFoundException', async () => {
      const iot = t.iot();
      const cert = await iot.send(new CreateKeysAndCertificateCommand({}));
      await expect(
        iot.send(new AttachPolicyCommand({ policyName: 'ghost', target: cert.certificateArn! })),
      ).rejects.toBeInstanceOf(ResourceNotFoundException);
      await iot.send(new CreatePolicyCommand({ policyName: 'pol-lonely', policyDocument: DOC }));
      await expect(
        iot.send(
          new AttachPolicyCommand({
            policyName: 'pol-lonely',
            target: `arn:aws:iot:us-east-1:000000000000:cert/${'e'.repeat(64)}`,
          }),
        ),
      ).rejects.toBeInstanceOf(ResourceNotFoundException);
      await expect(iot.send(new DeletePolicyCommand({ policyName: 'ghost' }))).rejects.toBeInstanceOf(
        ResourceNotFoundException,
      );
    });
  });

  describe('Operation: CreatePolicyVersion / SetDefaultPolicyVersion / DeletePolicyVersion', () => {
    it('switches the document the broker evaluates, keeps at most five versions, and guards deletes', async () => {
      const iot = t.iot();
      await iot.send(new CreatePolicyCommand({ policyName: 'pol-ver', policyDocument: DOC }));
      const cert = await iot.send(new CreateKeysAndCertificateCommand({}));
      await iot.send(new AttachPolicyCommand({ policyName: 'pol-ver', target: cert.certificateArn! }));
      const changed: string[] = [];
      t.registry.on('policy-changed', (e) => changed.push(e.policyName));

      const v2doc = DOC.replace('iot:Connect', 'iot:Publish');
      const v2 = await iot.send(
        new CreatePolicyVersionCommand({ policyName: 'pol-ver', policyDocument: v2doc, setAsDefault: true }),
      );
      expect(v2).toMatchObject({ policyVersionId: '2', isDefaultVersion: true });
      expect(changed).toEqual(['pol-ver']);
      expect(t.registry.policiesForPrincipal(cert.certificateArn!)[0]?.policyDocument).toBe(v2doc);
      expect((await iot.send(new GetPolicyCommand({ policyName: 'pol-ver' }))).defaultVersionId).toBe('2');

      for (let i = 0; i < 3; i++) {
        await iot.send(new CreatePolicyVersionCommand({ policyName: 'pol-ver', policyDocument: DOC }));
      }
      await expect(
        iot.send(new CreatePolicyVersionCommand({ policyName: 'pol-ver', policyDocument: DOC })),
      ).rejects.toBeInstanceOf(VersionsLimitExceededException);
      const listed = await iot.send(new ListPolicyVersionsCommand({ policyName: 'pol-ver' }));
      expect(listed.policyVersions?.map((v) => `${v.versionId}${v.isDefaultVersion ? '*' : ''}`)).toEqual([
        '5',
        '4',
        '3',
        '2*',
        '1',
      ]);

      await iot.send(new SetDefaultPolicyVersionCommand({ policyName: 'pol-ver', policyVersionId: '1' }));
      expect(t.registry.policiesForPrincipal(cert.certificateArn!)[0]?.policyDocument).toBe(DOC);
      const got = await iot.send(new GetPolicyVersionCommand({ policyName: 'pol-ver', policyVersionId: '2' }));
      expect(got).toMatchObject({ policyDocument: v2doc, isDefaultVersion: false });
      await expect(
        iot.send(new DeletePolicyVersionCommand({ policyName: 'pol-ver', policyVersionId: '1' })),
      ).rejects.toBeInstanceOf(DeleteConflictException);

      await iot.send(new DetachPolicyCommand({ policyName: 'pol-ver', target: cert.certificateArn! }));
      await expect(iot.send(new DeletePolicyCommand({ policyName: 'pol-ver' }))).rejects.toBeInstanceOf(
        DeleteConflictException,
      );
      for (const id of ['2', '3', '4', '5']) {
        await iot.send(new DeletePolicyVersionCommand({ policyName: 'pol-ver', policyVersionId: id }));
      }
      await expect(
        iot.send(new GetPolicyVersionCommand({ policyName: 'pol-ver', policyVersionId: '3' })),
      ).rejects.toBeInstanceOf(ResourceNotFoundException);
      await expect(
        iot.send(new CreatePolicyVersionCommand({ policyName: 'pol-ver', policyDocument: '{"nope":' })),
      ).rejects.toBeInstanceOf(MalformedPolicyException);
      const v6 = await iot.send(new CreatePolicyVersionCommand({ policyName: 'pol-ver', policyDocument: DOC }));
      expect(v6.policyVersionId).toBe('6');
      await iot.send(new DeletePolicyVersionCommand({ policyName: 'pol-ver', policyVersionId: '6' }));
      await iot.send(new DeletePolicyCommand({ policyName: 'pol-ver' }));
    });
  });
});
