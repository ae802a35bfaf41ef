import {
  AttachThingPrincipalCommand,
  CreateKeysAndCertificateCommand,
  CreateThingCommand,
  DeleteThingCommand,
  DescribeEndpointCommand,
  DescribeThingCommand,
  DetachThingPrincipalCommand,
  InvalidRequestException,
  ListPrincipalThingsCommand,
  ListThingPrincipalsCommand,
  ListThingsCommand,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
  VersionConflictException,
} from '@aws-sdk/client-iot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../../../test/support/local/gateway';

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway({ mqttAddress: 'broker.local:18883' });
});
afterAll(async () => {
  await t.close();
});

describe('iot service: things', () => {
  describe('Operation: CreateThing', () => {
    it('creates a thing and DescribeThing returns its attributes and ARN', async () => {
      const iot = t.iot();
      const created = await iot.send(
        new CreateThingCommand({ thingName: 'thing-a', attributePayload: { attributes: { model: 'w1' } } }),
      );
      expect(created.thingArn).toBe('arn:aws:iot:us-east-1:000000000000:thing/thing-a');
      const d = await iot.send(new DescribeThingCommand({ thingName: 'thing-a' }));
      expect(d).toMatchObject({
        thingName: 'thing-a',
        thingId: created.thingId,
        attributes: { model: 'w1' },
        version: 1,
        defaultClientId: 'thing-a',
      });
    });

    it('returns the same thing for an identical repeat and ResourceAlreadyExistsException for a different one', async () => {
      const iot = t.iot();
      const a = await iot.send(new CreateThingCommand({ thingName: 'thing-b' }));
      const b = await iot.send(new CreateThingCommand({ thingName: 'thing-b' }));
      expect(b.thingId).toBe(a.thingId);
      const err = await iot
        .send(new CreateThingCommand({ thingName: 'thing-b', attributePayload: { attributes: { x: '1' } } }))
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ResourceAlreadyExistsException);
      expect((err as ResourceAlreadyExistsException).resourceArn).toBe(a.thingArn);
    });

    it('rejects an invalid thing name with InvalidRequestException', async () => {
      await expect(t.iot().send(new CreateThingCommand({ thingName: 'no spaces allowed' }))).rejects.toBeInstanceOf(
        InvalidRequestException,
      );
    });

    it('rejects an unknown thing type with ResourceNotFoundException', async () => {
      await expect(
        t.iot().send(new CreateThingCommand({ thingName: 'typed', thingTypeName: 'nope' })),
      ).rejects.toBeInstanceOf(ResourceNotFoundException);
    });
  });

  describe('Operation: DescribeThing', () => {
    it('answers a missing thing with ResourceNotFoundException', async () => {
      await expect(t.iot().send(new DescribeThingCommand({ thingName: 'ghost' }))).rejects.toBeInstanceOf(
        ResourceNotFoundException,
      );
    });
  });

  describe('Operation: ListThings', () => {
    it('pages through every thing with maxResults and nextToken', async () => {
      const iot = t.iot();
      for (let i = 0; i < 7; i++) {
        await iot.send(
          new CreateThingCommand({ thingName: `page-${i}`, attributePayload: { attributes: { batch: 'p' } } }),
        );
      }
      const names: string[] = [];
      let nextToken: string | undefined;
      let pages = 0;
      do {
        const r = await iot.send(
          new ListThingsCommand({ maxResults: 3, nextToken, attributeName: 'batch', attributeValue: 'p' }),
        );
        names.push(...(r.things ?? []).map((x) => x.thingName ?? ''));
        nextToken = r.nextToken;
        pages++;
      } while (nextToken);
      expect(names).toEqual(['page-0', 'page-1', 'page-2', 'page-3', 'page-4', 'page-5', 'page-6']);
      expect(pages).toBe(3);
    });

    it('rejects maxResults out of range with InvalidRequestException', async () => {
      await expect(t.iot().send(new ListThingsCommand({ maxResults: 1000 }))).rejects.toBeInstanceOf(
        InvalidRequestException,
      );
    });
  });

  describe('Operation: AttachThingPrincipal / ListThingPrincipals / DetachThingPrincipal', () => {
    it('attaches a certificate, lists it both ways, refuses DeleteThing, then detaches', async () => {
      const iot = t.iot();
      await iot.send(new CreateThingCommand({ thingName: 'with-cert' }));
      const cert = await iot.send(new CreateKeysAndCertificateCommand({ setAsActive: true }));
      const principal = cert.certificateArn!;
      await iot.send(new AttachThingPrincipalCommand({ thingName: 'with-cert', principal }));
      const listed = await iot.send(new ListThingPrincipalsCommand({ thingName: 'with-cert' }));
      expect(listed.principals).toEqual([principal]);
      const things = await iot.send(new ListPrincipalThingsCommand({ principal }));
      expect(things.things).toEqual(['with-cert']);
      await expect(iot.send(new DeleteThingCommand({ thingName: 'with-cert' }))).rejects.toBeInstanceOf(
        InvalidRequestException,
      );
      await iot.send(new DetachThingPrincipalCommand({ thingName: 'with-cert', principal }));
      expect((await iot.send(new ListThingPrincipalsCommand({ thingName: 'with-cert' }))).principals).toEqual([]);
      await iot.send(new DeleteThingCommand({ thingName: 'with-cert' }));
      await expect(iot.send(new DescribeThingCommand({ thingName: 'with-cert' }))).rejects.toBeInstanceOf(
        ResourceNotFoundException,
      );
    });

    it('rejects a principal that is not a known certificate', async () => {
      const iot = t.iot();
      await iot.send(new CreateThingCommand({ thingName: 'lonely' }));
      const missing = `arn:aws:iot:us-east-1:000000000000:cert/${'0'.repeat(64)}`;
      await expect(
        iot.send(new AttachThingPrincipalCommand({ thingName: 'lonely', principal: missing })),
      ).rejects.toBeInstanceOf(ResourceNotFoundException);
      await expect(
        iot.send(new AttachThingPrincipalCommand({ thingName: 'lonely', principal: 'not-an-arn' })),
      ).rejects.toBeInstanceOf(InvalidRequestException);
    });

    it('answers ListThingPrincipals for a missing thing with ResourceNotFoundException', async () => {
      await expect(t.iot().send(new ListThingPrincipalsCommand({ thingName: 'ghost' }))).rejects.toBeInstanceOf(
        ResourceNotFoundException,
      );
    });
  });

  describe('Operation: DeleteThing', () => {
    it('succeeds for a thing that does not exist, as AWS documents', async () => {
      await expect(t.iot().send(new DeleteThingCommand({ thingName: 'never-was' }))).resolves.toBeDefined();
    });

    it('rejects a stale expectedVersion with VersionConflictException', async () => {
      const iot = t.iot();
      await iot.send(new CreateThingCommand({ thingName: 'versioned' }));
      await expect(iot.send(new DeleteThingCommand({ thingName: 'versioned', expectedVersion: 5 }))).rejects.toBeInstanceOf(
        VersionConflictException,
      );
    });
  });

  describe('Operation: DescribeEndpoint', () => {
    it('returns the broker address for iot:Data-ATS', async () => {
      const r = await t.iot().send(new DescribeEndpointCommand({ endpointType: 'iot:Data-ATS' }));
      expect(r.endpointAddress).toBe('broker.local:18883');
    });

    it('rejects an unknown endpoint type with InvalidRequestException', async () => {
      await expect(t.iot().send(new DescribeEndpointCommand({ endpointType: 'iot:Nope' }))).rejects.toBeInstanceOf(
        InvalidRequestException,
      );
    });
  });
});
