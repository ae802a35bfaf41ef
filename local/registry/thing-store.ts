import { randomUUID } from 'node:crypto';
import { THING_NAME_RE } from '../../protocol/topics';
import { iotArn } from '../aws-identity';
import { iotError } from './errors';
import type { RegistryMap, RegistryStorage } from './storage';
import type { ThingRecord, ThingTypeRecord } from './types';

export interface ThingConfig {
  thingName: string;
  thingTypeName?: string;
  attributes?: Record<string, string>;
}

export interface ThingUpdate {
  thingTypeName?: string;
  removeThingType?: boolean;
  attributes?: Record<string, string>;
  /** AttributePayload.merge: true merges (an empty value removes that key); false replaces */
  merge?: boolean;
  expectedVersion?: number;
}

/**
 * Things and thing types, durable in their own journals. Attachment checks (a thing
 * with principals) are the registry's; it passes the answer in.
 */
export class ThingStore {
  private readonly things: RegistryMap<ThingRecord>;
  private readonly types: RegistryMap<ThingTypeRecord>;

  constructor(
    storage: RegistryStorage,
    private readonly region: string,
  ) {
    this.things = storage.open('things');
    this.types = storage.open('thing-types');
  }

  get size(): number {
    return this.things.size;
  }

  thingArn(name: string): string {
    return iotArn(this.region, `thing/${name}`);
  }

  /**
   * CreateThing: the same name with the same configuration returns the existing
   * thing; a different configuration is ResourceAlreadyExistsException; a missing or
   * deprecated thing type is refused.
   */
  async create(input: ThingConfig): Promise<{ thing: ThingRecord; created: boolean }> {
    const { thingName } = input;
    if (!THING_NAME_RE.test(thingName)) throw iotError('InvalidRequestException', `invalid thing name '${thingName}'`);
    const attributes = { ...(input.attributes ?? {}) };
    const existing = this.things.get(thingName);
    if (existing) {
      if (existing.thingTypeName === input.thingTypeName && sameRecord(existing.attributes, attributes)) {
        return { thing: existing, created: false };
      }
      throw iotError('ResourceAlreadyExistsException', `Thing ${thingName} already exists with a different configuration`, {
        resourceId: existing.thingId,
        resourceArn: existing.thingArn,
      });
    }
    if (input.thingTypeName !== undefined) this.requireUsableType(input.thingTypeName);
    const thing: ThingRecord = {
      thingName,
      thingId: randomUUID(),
      thingArn: this.thingArn(thingName),
      attributes,
      version: 1,
      creationDate: Date.now(),
    };
    if (input.thingTypeName !== undefined) thing.thingTypeName = input.thingTypeName;
    await this.things.set(thingName, thing);
    return { thing, created: true };
  }

  get(name: string): ThingRecord | undefined {
    return this.things.get(name);
  }

  list(): ThingRecord[] {
    return [...this.things.values()].sort((a, b) => cmp(a.thingName, b.thingName));
  }

  /** UpdateThing: bumps `version`; `expectedVersion` guards against lost updates. */
  async update(thingName: string, u: ThingUpdate): Promise<ThingRecord> {
    const thing = this.things.get(thingName);
    if (!thing) throw iotError('ResourceNotFoundException', `Thing ${thingName} cannot be found.`);
    if (u.expectedVersion !== undefined && u.expectedVersion !== thing.version) {
      throw iotError('VersionConflictException', `expected version ${u.expectedVersion} but thing is at ${thing.version}`);
    }
    if (u.removeThingType && u.thingTypeName !== undefined) {
      throw iotError('InvalidRequestException', 'thingTypeName and removeThingType cannot both be given');
    }
    const next: ThingRecord = { ...thing, attributes: { ...thing.attributes }, version: thing.version + 1 };
    if (u.thingTypeName !== undefined) {
      this.requireUsableType(u.thingTypeName);
      next.thingTypeName = u.thingTypeName;
    }
    if (u.removeThingType) delete next.thingTypeName;
    if (u.attributes !== undefined) {
      if (u.merge) {
        for (const [k, v] of Object.entries(u.attributes)) {
          if (v === '') delete next.attributes[k];
          else next.attributes[k] = v;
        }
      } else next.attributes = { ...u.attributes };
    }
    await this.things.set(thingName, next);
    return next;
  }

  /** DeleteThing (API reference): a missing thing is not an error; attached principals are. */
  async delete(thingName: string, expectedVersion: number | undefined, hasPrincipals: boolean): Promise<void> {
    const thing = this.things.get(thingName);
    if (!thing) return;
    if (expectedVersion !== undefined && expectedVersion !== thing.version) {
      throw iotError('VersionConflictException', `expected version ${expectedVersion} but thing is at ${thing.version}`);
    }
    if (hasPrincipals) {
      throw iotError('InvalidRequestException', `Cannot delete. Thing ${thingName} is still attached to one or more principals`);
    }
    await this.things.delete(thingName);
  }

  // ---- thing types (CreateThingType / DeprecateThingType / DeleteThingType) ----

  async createType(
    thingTypeName: string,
    properties: ThingTypeRecord['properties'],
  ): Promise<{ type: ThingTypeRecord; created: boolean }> {
    if (!/^[a-zA-Z0-9:_-]{1,128}$/.test(thingTypeName)) {
      throw iotError('InvalidRequestException', `invalid thing type name '${thingTypeName}'`);
    }
    const existing = this.types.get(thingTypeName);
    if (existing) {
      if (JSON.stringify(existing.properties) === JSON.stringify(properties)) return { type: existing, created: false };
      throw iotError('ResourceAlreadyExistsException', `Thing type ${thingTypeName} already exists`, {
        resourceId: existing.thingTypeId,
        resourceArn: existing.thingTypeArn,
      });
    }
    const type: ThingTypeRecord = {
      thingTypeName,
      thingTypeId: randomUUID(),
      thingTypeArn: iotArn(this.region, `thingtype/${thingTypeName}`),
      properties,
      deprecated: false,
      creationDate: Date.now(),
    };
    await this.types.set(thingTypeName, type);
    return { type, created: true };
  }

  getType(name: string): ThingTypeRecord | undefined {
    return this.types.get(name);
  }

  listTypes(): ThingTypeRecord[] {
    return [...this.types.values()].sort((a, b) => cmp(a.thingTypeName, b.thingTypeName));
  }

  async deprecateType(name: string, undo: boolean): Promise<ThingTypeRecord> {
    const type = this.requireType(name);
    const next: ThingTypeRecord = { ...type, deprecated: !undo };
    if (undo) delete next.deprecationDate;
    else next.deprecationDate = Date.now();
    await this.types.set(name, next);
    return next;
  }

  /** DeleteThingType: only a deprecated type no thing uses (AWS also waits 5 minutes; not modelled). */
  async deleteType(name: string): Promise<void> {
    const type = this.requireType(name);
    if (!type.deprecated) throw iotError('InvalidRequestException', `Thing type ${name} must be deprecated before deletion`);
    if ([...this.things.values()].some((t) => t.thingTypeName === name)) {
      throw iotError('InvalidRequestException', `Thing type ${name} is still associated with things`);
    }
    await this.types.delete(name);
  }

  flush(): Promise<unknown> {
    return Promise.all([this.things.flush(), this.types.flush()]);
  }

  close(): void {
    this.things.close();
    this.types.close();
  }

  private requireType(name: string): ThingTypeRecord {
    const type = this.types.get(name);
    if (!type) throw iotError('ResourceNotFoundException', `Thing type ${name} is not found`);
    return type;
  }

  private requireUsableType(name: string): void {
    if (this.requireType(name).deprecated) {
      throw iotError('InvalidRequestException', `Can not create or update a thing with deprecated thing type ${name}`);
    }
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sameRecord(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}
