import {
  CreateThingCommand,
  CreateThingTypeCommand,
  DeleteThingTypeCommand,
  DeprecateThingTypeCommand,
  DescribeThingCommand,
  DescribeThingTypeCommand,
  InvalidRequestException,
  ListThingTypesCommand,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
  UpdateThingCommand,
  VersionConflictException,
} from '@aws-sdk/client-iot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../../../test/support/local/gateway';

let t: TestGateway;
beforeAll(async () => {
  t = await startTestGateway();
});
afterAll(async () => {
  await t.close();
});

describe('iot service: thing types and UpdateThing', () => {
  describe('Operation: CreateThingType / DescribeThingType / ListThingTypes', () => {
    it('creates a type, describes it, lists it, and lets things use it', async () => {
      const iot = t.iot();
      const c = await iot.send(
        new CreateThingTypeCommand({
          thingTypeName: 'watch',
          thingTypeProperties: { thingTypeDescription: 'wearable', searchableAttributes: ['model'] },
        }),
      );
      expect(c.thingTypeArn).toBe('arn:aws:iot:us-east-1:000000000000:thingtype/watch');
      const d = await iot.send(new DescribeThingTypeCommand({ thingTypeName: 'watch' }));
      expect(d.thingTypeProperties).toEqual({ thingTypeDescription: 'wearable', searchableAttributes: ['model'] });
      expect(d.thingTypeMetadata?.deprecated).toBe(false);
      expect(d.thingTypeMetadata?.creationDate).toBeInstanceOf(Date);
      const l = await iot.send(new ListThingTypesCommand({}));
      expect(l.thingTypes?.map((x) => x.thingTypeName)).toContain('watch');
      await iot.send(new CreateThingCommand({ thingName: 'typed-1', thingTypeName: 'watch' }));
      expect((await iot.send(new DescribeThingCommand({ thingName: 'typed-1' }))).thingTypeName).toBe('watch');
      await expect(
        iot.send(new CreateThingTypeCommand({ thingTypeName: 'watch', thingTypeProperties: { thingTypeDescription: 'other' } })),
      ).rejects.toBeInstanceOf(ResourceAlreadyExistsException);
    });

    it('refuses new things of a deprecated type and deletes a type only when deprecated and unused', async () => {
      const iot = t.iot();
      await iot.send(new CreateThingTypeCommand({ thingTypeName: 'old' }));
      await expect(iot.send(new DeleteThingTypeCommand({ thingTypeName: 'old' }))).rejects.toBeInstanceOf(
        InvalidRequestException,
      );
      await iot.send(new DeprecateThingTypeCommand({ thingTypeName: 'old' }));
      expect((await iot.send(new DescribeThingTypeCommand({ thingTypeName: 'old' }))).thingTypeMetadata?.deprecated).toBe(
        true,
      );
      await expect(
        iot.send(new CreateThingCommand({ thingName: 'late', thingTypeName: 'old' })),
      ).rejects.toBeInstanceOf(InvalidRequestException);
      await iot.send(new DeleteThingTypeCommand({ thingTypeName: 'old' }));
      await expect(iot.send(new DescribeThingTypeCommand({ thingTypeName: 'old' }))).rejects.toBeInstanceOf(
        ResourceNotFoundException,
      );
    });
  });

  describe('Operation: UpdateThing', () => {
    it('merges or replaces attributes, bumps the version, and honours expectedVersion', async () => {
      const iot = t.iot();
      await iot.send(
        new CreateThingCommand({ thingName: 'upd', attributePayload: { attributes: { a: '1', b: '2' } } }),
      );
      await iot.send(
        new UpdateThingCommand({ thingName: 'upd', attributePayload: { attributes: { b: '', c: '3' }, merge: true } }),
      );
      let d = await iot.send(new DescribeThingCommand({ thingName: 'upd' }));
      expect(d.attributes).toEqual({ a: '1', c: '3' });
      expect(d.version).toBe(2);
      await iot.send(
        new UpdateThingCommand({ thingName: 'upd', expectedVersion: 2, attributePayload: { attributes: { z: '9' } } }),
      );
      d = await iot.send(new DescribeThingCommand({ thingName: 'upd' }));
      expect(d.attributes).toEqual({ z: '9' });
      await expect(
        iot.send(new UpdateThingCommand({ thingName: 'upd', expectedVersion: 1, attributePayload: { attributes: {} } })),
      ).rejects.toBeInstanceOf(VersionConflictException);
      await expect(iot.send(new UpdateThingCommand({ thingName: 'nobody' }))).rejects.toBeInstanceOf(
        ResourceNotFoundException,
      );
    });
  });
});
