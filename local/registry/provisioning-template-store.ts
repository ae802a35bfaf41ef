import { iotArn } from '../aws-identity';
import { iotError } from './errors';
import type { RegistryMap, RegistryStorage } from './storage';

/** Template names: IoT API reference, CreateProvisioningTemplate `templateName` (pattern, 1..36). */
export const TEMPLATE_NAME_RE = /^[0-9A-Za-z_-]{1,36}$/;
/** A provisioning template keeps at most five versions (CreateProvisioningTemplateVersion). */
export const MAX_TEMPLATE_VERSIONS = 5;

export type ProvisioningTemplateType = 'FLEET_PROVISIONING' | 'JITP';

/** `preProvisioningHook` (ProvisioningHook data type). */
export interface ProvisioningHook {
  targetArn: string;
  payloadVersion: string;
}

export interface ProvisioningTemplateVersionRecord {
  versionId: number;
  templateBody: string;
  /** epoch ms */
  creationDate: number;
}

/** A provisioning template as DescribeProvisioningTemplate reports it, with every version. */
export interface ProvisioningTemplateRecord {
  templateName: string;
  templateArn: string;
  description?: string;
  /** epoch ms */
  creationDate: number;
  lastModifiedDate: number;
  enabled: boolean;
  provisioningRoleArn: string;
  preProvisioningHook?: ProvisioningHook;
  type: ProvisioningTemplateType;
  defaultVersionId: number;
  /** highest version id ever issued; ids are never reused */
  lastVersionId: number;
  /** oldest first */
  versions: ProvisioningTemplateVersionRecord[];
}

export interface NewProvisioningTemplate {
  templateName: string;
  templateBody: string;
  provisioningRoleArn: string;
  type: ProvisioningTemplateType;
  enabled: boolean;
  description?: string;
  preProvisioningHook?: ProvisioningHook;
}

export interface ProvisioningTemplateChange {
  description?: string;
  enabled?: boolean;
  defaultVersionId?: number;
  provisioningRoleArn?: string;
  preProvisioningHook?: ProvisioningHook;
  removePreProvisioningHook?: boolean;
}

/**
 * Provisioning templates and their versions, durable in their own journal.
 * Validating a body is the caller's job (the template engine in local/provisioning).
 */
export class ProvisioningTemplateStore {
  private readonly templates: RegistryMap<ProvisioningTemplateRecord>;

  constructor(
    storage: RegistryStorage,
    private readonly region: string,
  ) {
    this.templates = storage.open('provisioning-templates');
  }

  arn(templateName: string): string {
    return iotArn(this.region, `provisioningtemplate/${templateName}`);
  }

  /** CreateProvisioningTemplate: version 1 is the default. */
  async create(input: NewProvisioningTemplate): Promise<ProvisioningTemplateRecord> {
    const { templateName } = input;
    if (!TEMPLATE_NAME_RE.test(templateName)) {
      throw iotError('InvalidRequestException', `invalid template name '${templateName}': 1 to 36 of [0-9A-Za-z_-]`);
    }
    if (this.templates.has(templateName)) {
      throw iotError('ResourceAlreadyExistsException', `Provisioning template ${templateName} already exists`, {
        resourceId: templateName,
        resourceArn: this.arn(templateName),
      });
    }
    const now = Date.now();
    const rec: ProvisioningTemplateRecord = {
      templateName,
      templateArn: this.arn(templateName),
      creationDate: now,
      lastModifiedDate: now,
      enabled: input.enabled,
      provisioningRoleArn: input.provisioningRoleArn,
      type: input.type,
      defaultVersionId: 1,
      lastVersionId: 1,
      versions: [{ versionId: 1, templateBody: input.templateBody, creationDate: now }],
    };
    if (input.description !== undefined) rec.description = input.description;
    if (input.preProvisioningHook !== undefined) rec.preProvisioningHook = input.preProvisioningHook;
    await this.templates.set(templateName, rec);
    return rec;
  }

  get(templateName: string): ProvisioningTemplateRecord | undefined {
    return this.templates.get(templateName);
  }

  require(templateName: string): ProvisioningTemplateRecord {
    const t = this.templates.get(templateName);
    if (!t) throw iotError('ResourceNotFoundException', `Provisioning template ${templateName} not found`);
    return t;
  }

  /** The body of the default version. */
  defaultBody(t: ProvisioningTemplateRecord): string {
    return this.version(t.templateName, t.defaultVersionId).templateBody;
  }

  /** Sorted by name. */
  list(): ProvisioningTemplateRecord[] {
    return [...this.templates.values()].sort((a, b) => (a.templateName < b.templateName ? -1 : a.templateName > b.templateName ? 1 : 0));
  }

  /** UpdateProvisioningTemplate. */
  async update(templateName: string, change: ProvisioningTemplateChange): Promise<ProvisioningTemplateRecord> {
    const rec: ProvisioningTemplateRecord = { ...this.require(templateName) };
    if (change.defaultVersionId !== undefined) {
      this.version(templateName, change.defaultVersionId);
      rec.defaultVersionId = change.defaultVersionId;
    }
    if (change.description !== undefined) rec.description = change.description;
    if (change.enabled !== undefined) rec.enabled = change.enabled;
    if (change.provisioningRoleArn !== undefined) rec.provisioningRoleArn = change.provisioningRoleArn;
    if (change.removePreProvisioningHook) delete rec.preProvisioningHook;
    else if (change.preProvisioningHook !== undefined) rec.preProvisioningHook = change.preProvisioningHook;
    rec.lastModifiedDate = Date.now();
    await this.templates.set(templateName, rec);
    return rec;
  }

  async delete(templateName: string): Promise<void> {
    this.require(templateName);
    await this.templates.delete(templateName);
  }

  version(templateName: string, versionId: number): ProvisioningTemplateVersionRecord {
    const v = this.require(templateName).versions.find((x) => x.versionId === versionId);
    if (!v) throw iotError('ResourceNotFoundException', `Version ${versionId} of provisioning template ${templateName} not found`);
    return v;
  }

  /** CreateProvisioningTemplateVersion: at most five versions (VersionsLimitExceededException). */
  async createVersion(templateName: string, templateBody: string, setAsDefault: boolean): Promise<ProvisioningTemplateVersionRecord> {
    const rec = this.require(templateName);
    if (rec.versions.length >= MAX_TEMPLATE_VERSIONS) {
      throw iotError(
        'VersionsLimitExceededException',
        `Provisioning template ${templateName} already has ${MAX_TEMPLATE_VERSIONS} versions; delete one first`,
      );
    }
    const now = Date.now();
    const version: ProvisioningTemplateVersionRecord = { versionId: rec.lastVersionId + 1, templateBody, creationDate: now };
    const next: ProvisioningTemplateRecord = {
      ...rec,
      versions: [...rec.versions, version],
      lastVersionId: version.versionId,
      lastModifiedDate: now,
      defaultVersionId: setAsDefault ? version.versionId : rec.defaultVersionId,
    };
    await this.templates.set(templateName, next);
    return version;
  }

  /** DeleteProvisioningTemplateVersion: the default version cannot be deleted (DeleteConflictException). */
  async deleteVersion(templateName: string, versionId: number): Promise<void> {
    const rec = this.require(templateName);
    this.version(templateName, versionId);
    if (rec.defaultVersionId === versionId) {
      throw iotError('DeleteConflictException', `Version ${versionId} is the default version of ${templateName}`);
    }
    await this.templates.set(templateName, { ...rec, versions: rec.versions.filter((v) => v.versionId !== versionId) });
  }

  flush(): Promise<void> {
    return this.templates.flush();
  }

  close(): void {
    this.templates.close();
  }
}
