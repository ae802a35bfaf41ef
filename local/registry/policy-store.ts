import { randomUUID } from 'node:crypto';
import { iotArn } from '../aws-identity';
import { iotError } from './errors';
import type { RegistryMap, RegistryStorage } from './storage';
import type { PolicyRecord, PolicyVersionRecord } from './types';

/** Policy names: IoT API reference, CreatePolicy `policyName` pattern and length. */
export const POLICY_NAME_RE = /^[\w+=,.@-]{1,128}$/;
/** AWS IoT keeps at most five versions of a policy (CreatePolicyVersion). */
export const MAX_POLICY_VERSIONS = 5;

/**
 * IoT policies and their versions, durable. `policyDocument`/`defaultVersionId` on
 * the record always mirror the default version, which is what the broker evaluates.
 * Attachment checks are the registry's; it passes the answer in.
 */
export class PolicyStore {
  private readonly policies: RegistryMap<PolicyRecord>;

  constructor(
    storage: RegistryStorage,
    private readonly region: string,
    private readonly onChange: (policyName: string) => void,
  ) {
    this.policies = storage.open('policies');
  }

  get size(): number {
    return this.policies.size;
  }

  arn(policyName: string): string {
    return iotArn(this.region, `policy/${policyName}`);
  }

  /** CreatePolicy; validating the document is the caller's job (MalformedPolicyException). */
  async create(policyName: string, policyDocument: string): Promise<PolicyRecord> {
    if (!POLICY_NAME_RE.test(policyName)) throw iotError('InvalidRequestException', `invalid policy name '${policyName}'`);
    if (this.policies.has(policyName)) {
      throw iotError('ResourceAlreadyExistsException', `Policy ${policyName} already exists`, {
        resourceId: policyName,
        resourceArn: this.arn(policyName),
      });
    }
    const now = Date.now();
    const rec: PolicyRecord = {
      policyName,
      policyArn: this.arn(policyName),
      policyDocument,
      defaultVersionId: '1',
      creationDate: now,
      lastModifiedDate: now,
      generationId: randomUUID(),
      versions: [{ versionId: '1', policyDocument, createDate: now }],
      lastVersionId: 1,
    };
    await this.policies.set(policyName, rec);
    this.onChange(policyName);
    return rec;
  }

  get(policyName: string): PolicyRecord | undefined {
    return this.policies.get(policyName);
  }

  require(policyName: string): PolicyRecord {
    const p = this.policies.get(policyName);
    if (!p) throw iotError('ResourceNotFoundException', `Policy ${policyName} not found`);
    return p;
  }

  list(): PolicyRecord[] {
    return [...this.policies.values()].sort((a, b) => (a.policyName < b.policyName ? -1 : a.policyName > b.policyName ? 1 : 0));
  }

  /** Versions oldest first; records from before versions existed have just their default. */
  versions(policyName: string): PolicyVersionRecord[] {
    const p = this.require(policyName);
    return p.versions ?? [{ versionId: p.defaultVersionId, policyDocument: p.policyDocument, createDate: p.creationDate }];
  }

  version(policyName: string, versionId: string): PolicyVersionRecord {
    const v = this.versions(policyName).find((x) => x.versionId === versionId);
    if (!v) throw iotError('ResourceNotFoundException', `Policy ${policyName} has no version ${versionId}`);
    return v;
  }

  /** CreatePolicyVersion: at most five versions (VersionsLimitExceededException). */
  async createVersion(policyName: string, policyDocument: string, setAsDefault: boolean): Promise<PolicyRecord> {
    const p = this.require(policyName);
    const versions = this.versions(policyName);
    if (versions.length >= MAX_POLICY_VERSIONS) {
      throw iotError(
        'VersionsLimitExceededException',
        `The policy ${policyName} already has the maximum number of versions (${MAX_POLICY_VERSIONS})`,
      );
    }
    const id = (p.lastVersionId ?? Number(p.defaultVersionId)) + 1;
    const now = Date.now();
    const next: PolicyRecord = {
      ...p,
      versions: [...versions, { versionId: String(id), policyDocument, createDate: now }],
      lastVersionId: id,
      lastModifiedDate: now,
    };
    if (setAsDefault) Object.assign(next, { policyDocument, defaultVersionId: String(id), generationId: randomUUID() });
    await this.policies.set(policyName, next);
    if (setAsDefault) this.onChange(policyName);
    return next;
  }

  /** SetDefaultPolicyVersion: the broker re-evaluates sessions under the new document. */
  async setDefault(policyName: string, versionId: string): Promise<void> {
    const v = this.version(policyName, versionId);
    const p = this.require(policyName);
    if (p.defaultVersionId === versionId) return;
    await this.policies.set(policyName, {
      ...p,
      versions: this.versions(policyName),
      policyDocument: v.policyDocument,
      defaultVersionId: versionId,
      lastModifiedDate: Date.now(),
      generationId: randomUUID(),
    });
    this.onChange(policyName);
  }

  /** DeletePolicyVersion: never the default version (DeleteConflictException). */
  async deleteVersion(policyName: string, versionId: string): Promise<void> {
    this.version(policyName, versionId);
    const p = this.require(policyName);
    if (p.defaultVersionId === versionId) {
      throw iotError('DeleteConflictException', 'Cannot delete the default version of a policy');
    }
    await this.policies.set(policyName, {
      ...p,
      versions: this.versions(policyName).filter((v) => v.versionId !== versionId),
      lastModifiedDate: Date.now(),
    });
  }

  /** DeletePolicy: refused while attached or while non-default versions exist (API reference). */
  async delete(policyName: string, attached: boolean): Promise<void> {
    this.require(policyName);
    if (attached) {
      throw iotError(
        'DeleteConflictException',
        `The policy cannot be deleted as the policy is attached to one or more principals (name=${policyName})`,
      );
    }
    if (this.versions(policyName).length > 1) {
      throw iotError(
        'DeleteConflictException',
        `The policy cannot be deleted as versions other than the default version exist (name=${policyName})`,
      );
    }
    await this.policies.delete(policyName);
    this.onChange(policyName);
  }

  flush(): Promise<void> {
    return this.policies.flush();
  }

  close(): void {
    this.policies.close();
  }
}
