import { EventEmitter } from 'node:events';
import type { Logger } from '../../common/logger';
import { LOCAL_ACCOUNT_ID } from '../aws-identity';
import { AttachmentIndex } from './attachments';
import { type CaCertificateChange, CaStore, type NewCaCertificate } from './ca-store';
import { CertificateStore, type NewCertificate } from './certificate-store';
import { iotError } from './errors';
import { PolicyStore } from './policy-store';
import { ProvisioningTemplateStore } from './provisioning-template-store';
import {
  durableStorage,
  type MapChange,
  observedStorage,
  RecordingStorage,
  type RegistryMap,
  type RegistrySnapshot,
  type RegistryStorage,
} from './storage';
import { type ThingConfig, ThingStore, type ThingUpdate } from './thing-store';
import type {
  CaCertificateRecord,
  CertificateRecord,
  CertificateStatus,
  PolicyRecord,
  RegistryEvents,
  ThingRecord,
} from './types';

export type { CaCertificateChange, NewCaCertificate } from './ca-store';
export { CERTIFICATE_ID_RE, certificateIdOfArn, type NewCertificate } from './certificate-store';
export { MAX_POLICY_VERSIONS, POLICY_NAME_RE } from './policy-store';
export type { ProvisioningTemplateRecord, ProvisioningTemplateStore } from './provisioning-template-store';
export { THING_NAME_RE } from '../../protocol/topics';
export type { ThingConfig, ThingUpdate } from './thing-store';
export type { MapChange, RegistryMap, RegistrySnapshot, RegistryStorage } from './storage';

/** RegistryEvents as the tuple map node's typed EventEmitter wants. */
export type RegistryEventMap = { [K in keyof RegistryEvents]: Parameters<RegistryEvents[K]> };

export interface RegistryOptions {
  region: string;
  logger: Logger;
  /** Owner account written into `ownedBy`; defaults to the local account id. */
  accountId?: string;
  /** Told of every change to the registry's maps, synchronously and in order (see {@link observedStorage}). */
  onChange?: (c: MapChange) => void;
}

/** How a principal is attached to a thing (AttachThingPrincipal `thingPrincipalType`). */
export type ThingPrincipalType = 'EXCLUSIVE_THING' | 'NON_EXCLUSIVE_THING';

interface PolicyAttachment {
  policyName: string;
  target: string;
}
interface ThingAttachment {
  thingName: string;
  principal: string;
  type: ThingPrincipalType;
}

/**
 * The local IoT registry: things, certificates, CA certificates, policies and the
 * attachments between them. Every write is durable (fsync'd journal) before its
 * promise resolves, so acknowledged changes survive kill -9; reads are synchronous.
 * Emits {@link RegistryEvents} so the broker can drop sessions of certificates that
 * stop being ACTIVE and re-evaluate policies.
 *
 * @example
 * const registry = Registry.open(join(dataDir, 'registry'), { region: 'us-east-1', logger });
 * registry.on('certificate-status', ({ certificateId, status }) => ...);
 */
export class Registry extends EventEmitter<RegistryEventMap> {
  readonly region: string;
  readonly accountId: string;
  private readonly log: Logger;
  private readonly thingStore: ThingStore;
  private readonly certStore: CertificateStore;
  private readonly caStore: CaStore;
  private readonly policyStore: PolicyStore;
  /** CreateProvisioningTemplate … DeleteProvisioningTemplateVersion (bodies validated by the caller) */
  readonly provisioningTemplates: ProvisioningTemplateStore;
  private readonly policyLinks: RegistryMap<PolicyAttachment>;
  private readonly thingLinks: RegistryMap<ThingAttachment>;
  private readonly storage: RecordingStorage;
  /** policy name ⇄ target (principal ARN) */
  private readonly policyIndex = new AttachmentIndex();
  /** thing name ⇄ principal ARN */
  private readonly thingIndex = new AttachmentIndex();
  private readonly principalTypes = new Map<string, ThingPrincipalType>();

  // Derives every index from the maps' contents and emits nothing, so a replica can rebuild at will.
  private constructor(storage: RegistryStorage, opts: RegistryOptions) {
    super();
    this.region = opts.region;
    this.accountId = opts.accountId ?? LOCAL_ACCOUNT_ID;
    this.log = opts.logger.child({ component: 'registry' });
    const s = new RecordingStorage(opts.onChange ? observedStorage(storage, opts.onChange) : storage);
    this.storage = s;
    this.thingStore = new ThingStore(s, opts.region);
    this.certStore = new CertificateStore(s, opts.region, this.accountId, this.log, (e) => this.emit('certificate-status', e));
    this.caStore = new CaStore(s, opts.region, this.accountId, (e) => this.emit('ca-status', e));
    this.policyStore = new PolicyStore(s, opts.region, (policyName) => this.emit('policy-changed', { policyName }));
    this.provisioningTemplates = new ProvisioningTemplateStore(s, opts.region);
    this.policyLinks = s.open('policy-attachments');
    this.thingLinks = s.open('thing-principals');
    for (const a of this.policyLinks.values()) this.policyIndex.add(a.policyName, a.target);
    for (const a of this.thingLinks.values()) {
      this.thingIndex.add(a.thingName, a.principal);
      this.principalTypes.set(linkKey(a.thingName, a.principal), a.type);
    }
    this.log.debug(
      { things: this.thingStore.size, certificates: this.certStore.size, policies: this.policyStore.size },
      'registry opened',
    );
  }

  /** Opens (or creates) the registry stored in `dir`. */
  static open(dir: string, opts: RegistryOptions): Registry {
    return new Registry(durableStorage(dir), opts);
  }

  /** A registry over any storage: in-memory maps for a replica or a test. */
  static overStorage(storage: RegistryStorage, opts: RegistryOptions): Registry {
    return new Registry(storage, opts);
  }

  /** Every map's contents now, to seed a `RegistryReplica`; the values are the stored records, not copies. */
  snapshot(): RegistrySnapshot {
    return this.storage.snapshot();
  }

  thingArn(thingName: string): string {
    return this.thingStore.thingArn(thingName);
  }
  certificateArn(certificateId: string): string {
    return this.certStore.arn(certificateId);
  }
  caCertificateArn(certificateId: string): string {
    return this.caStore.arn(certificateId);
  }
  policyArn(policyName: string): string {
    return this.policyStore.arn(policyName);
  }

  // ---- things and thing types (ThingStore) ---------------------------------

  /**
   * CreateThing semantics: the same name with the same configuration returns the
   * existing thing (`created: false`); a different configuration is a conflict.
   */
  createThing(input: ThingConfig): Promise<{ thing: ThingRecord; created: boolean }> {
    return this.thingStore.create(input);
  }

  getThing(thingName: string): ThingRecord | undefined {
    return this.thingStore.get(thingName);
  }

  /** All things, sorted by name. */
  listThings(): ThingRecord[] {
    return this.thingStore.list();
  }

  /** UpdateThing: type and attributes, `version` + 1. */
  updateThing(thingName: string, update: ThingUpdate): Promise<ThingRecord> {
    return this.thingStore.update(thingName, update);
  }

  /**
   * DeleteThing: a missing thing is not an error (API reference, DeleteThing); a
   * thing with attached principals is rejected until they are detached.
   */
  deleteThing(thingName: string, expectedVersion?: number): Promise<void> {
    return this.thingStore.delete(thingName, expectedVersion, this.thingIndex.rightsOf(thingName).length > 0);
  }

  /** Thing types: create / describe / list / deprecate / delete. */
  get thingTypes(): Pick<ThingStore, 'createType' | 'getType' | 'listTypes' | 'deprecateType' | 'deleteType'> {
    return this.thingStore;
  }

  // ---- certificates (CertificateStore) ------------------------------------------

  /** Stores a new device certificate; the same certificate twice is a conflict. */
  addCertificate(input: NewCertificate): Promise<CertificateRecord> {
    return this.certStore.add(input);
  }

  getCertificate(certificateId: string): CertificateRecord | undefined {
    return this.certStore.get(certificateId);
  }

  /** The certificate a principal ARN (`arn:aws:iot:…:cert/{id}`) names, if any. */
  certificateForPrincipal(principalArn: string): CertificateRecord | undefined {
    return this.certStore.forPrincipal(principalArn);
  }

  /** All certificates, oldest first (ListCertificates order). */
  listCertificates(): CertificateRecord[] {
    return this.certStore.list();
  }

  /**
   * UpdateCertificate: PENDING_* states cannot be requested and a REVOKED
   * certificate stays revoked; emits `certificate-status` when the status changes.
   */
  updateCertificateStatus(certificateId: string, status: CertificateStatus): Promise<CertificateRecord> {
    return this.certStore.updateStatus(certificateId, status);
  }

  /**
   * DeleteCertificate (API reference): an ACTIVE certificate →
   * CertificateStateException; attached things → DeleteConflictException; attached
   * policies → DeleteConflictException unless `forceDelete`, which detaches them.
   */
  async deleteCertificate(certificateId: string, opts: { forceDelete?: boolean } = {}): Promise<void> {
    const cert = this.certStore.require(certificateId);
    if (cert.status === 'ACTIVE') {
      throw iotError(
        'CertificateStateException',
        `Certificate must be deactivated (not ACTIVE) before deletion. Id: ${certificateId}`,
      );
    }
    const arn = cert.certificateArn;
    if (this.thingIndex.leftsOf(arn).length > 0) {
      throw iotError('DeleteConflictException', `Things must be detached before deletion (arn: ${arn})`);
    }
    const policies = this.policyIndex.leftsOf(arn);
    if (policies.length > 0 && !opts.forceDelete) {
      throw iotError('DeleteConflictException', `Certificate policies must be detached before deletion (arn: ${arn})`);
    }
    for (const p of policies) await this.detachPolicy(p, arn);
    await this.certStore.delete(certificateId);
    this.emit('certificate-deleted', { certificateId });
  }

  // ---- CA certificates (CaStore) ---------------------------------------------

  /** RegisterCACertificate; the same CA twice is a conflict. */
  registerCaCertificate(input: NewCaCertificate): Promise<CaCertificateRecord> {
    return this.caStore.register(input);
  }

  /** Registers the local stand-in of the AWS-managed CA once (idempotent). */
  ensureAwsManagedCa(certificateId: string, certificatePem: string): Promise<CaCertificateRecord> {
    return this.caStore.ensureAwsManaged(certificateId, certificatePem);
  }

  getCaCertificate(certificateId: string): CaCertificateRecord | undefined {
    return this.caStore.get(certificateId);
  }

  listCaCertificates(): CaCertificateRecord[] {
    return this.caStore.list();
  }

  /** UpdateCACertificate; emits `ca-status` when the status changes. */
  updateCaCertificate(certificateId: string, change: CaCertificateChange): Promise<CaCertificateRecord> {
    return this.caStore.update(certificateId, change);
  }

  /** GetRegistrationCode: stable for the account and region until deleted; durable. */
  registrationCode(): Promise<string> {
    return this.caStore.registrationCode();
  }

  /** DeleteRegistrationCode. */
  deleteRegistrationCode(): Promise<void> {
    return this.caStore.deleteRegistrationCode();
  }

  /** DeleteCACertificate: the CA must be INACTIVE (its `ca-status` event has gone out already). */
  deleteCaCertificate(certificateId: string): Promise<void> {
    return this.caStore.delete(certificateId);
  }

  // ---- policies (PolicyStore) -----------------------------------------------------

  /** CreatePolicy; validation of the document is the caller's job (MalformedPolicyException). */
  createPolicy(policyName: string, policyDocument: string): Promise<PolicyRecord> {
    return this.policyStore.create(policyName, policyDocument);
  }

  getPolicy(policyName: string): PolicyRecord | undefined {
    return this.policyStore.get(policyName);
  }

  /** All policies, sorted by name. */
  listPolicies(): PolicyRecord[] {
    return this.policyStore.list();
  }

  /** DeletePolicy: attached, or with non-default versions → DeleteConflictException. */
  deletePolicy(policyName: string): Promise<void> {
    return this.policyStore.delete(policyName, this.policyIndex.rightsOf(policyName).length > 0);
  }

  /** Policy versions: create (optionally as default) / get / list / set default / delete. */
  get policyVersions(): Pick<PolicyStore, 'createVersion' | 'version' | 'versions' | 'setDefault' | 'deleteVersion'> {
    return this.policyStore;
  }

  /** AttachPolicy (idempotent). The caller checks that the target exists. */
  async attachPolicy(policyName: string, target: string): Promise<void> {
    this.policyStore.require(policyName);
    if (this.policyIndex.has(policyName, target)) return;
    this.policyIndex.add(policyName, target);
    await this.policyLinks.set(linkKey(policyName, target), { policyName, target });
    this.emit('attachments-changed', { target });
  }

  /** DetachPolicy (a missing attachment is not an error, as in IoT). */
  async detachPolicy(policyName: string, target: string): Promise<void> {
    this.policyStore.require(policyName);
    if (!this.policyIndex.remove(policyName, target)) return;
    await this.policyLinks.delete(linkKey(policyName, target));
    this.emit('attachments-changed', { target });
  }

  /** Policies attached to a principal (certificate ARN), sorted by name. */
  policiesForPrincipal(principalArn: string): PolicyRecord[] {
    return this.policyIndex
      .leftsOf(principalArn)
      .map((n) => this.policyStore.get(n))
      .filter((p): p is PolicyRecord => p !== undefined);
  }

  /** Principals a policy is attached to (ListTargetsForPolicy). */
  targetsForPolicy(policyName: string): string[] {
    return this.policyIndex.rightsOf(policyName);
  }

  // ---- thing ⇄ principal -------------------------------------------------------

  async attachThingPrincipal(
    thingName: string,
    principal: string,
    type: ThingPrincipalType = 'NON_EXCLUSIVE_THING',
  ): Promise<void> {
    if (!this.thingStore.get(thingName)) throw iotError('ResourceNotFoundException', `Thing ${thingName} not found`);
    const others = this.thingIndex.leftsOf(principal).filter((t) => t !== thingName);
    const exclusiveElsewhere = others.some((t) => this.principalTypes.get(linkKey(t, principal)) === 'EXCLUSIVE_THING');
    if ((type === 'EXCLUSIVE_THING' && others.length > 0) || exclusiveElsewhere) {
      throw iotError('InvalidRequestException', `Principal ${principal} is exclusively attached to another thing`);
    }
    if (this.thingIndex.has(thingName, principal) && this.principalTypes.get(linkKey(thingName, principal)) === type) return;
    this.thingIndex.add(thingName, principal);
    this.principalTypes.set(linkKey(thingName, principal), type);
    await this.thingLinks.set(linkKey(thingName, principal), { thingName, principal, type });
    this.emit('attachments-changed', { target: principal });
  }

  async detachThingPrincipal(thingName: string, principal: string): Promise<void> {
    if (!this.thingStore.get(thingName)) throw iotError('ResourceNotFoundException', `Thing ${thingName} not found`);
    if (!this.thingIndex.remove(thingName, principal)) return;
    this.principalTypes.delete(linkKey(thingName, principal));
    await this.thingLinks.delete(linkKey(thingName, principal));
    this.emit('attachments-changed', { target: principal });
  }

  /** Principals attached to a thing, sorted. */
  principalsForThing(thingName: string): string[] {
    return this.thingIndex.rightsOf(thingName);
  }

  /** Thing names attached to a principal (certificate ARN), sorted. */
  thingsForPrincipal(principalArn: string): string[] {
    return this.thingIndex.leftsOf(principalArn);
  }

  /** Resolves when every write made so far is durable. */
  flush(): Promise<void> {
    return this.storage.flush();
  }

  close(): void {
    this.storage.close();
    this.removeAllListeners();
  }
}

function linkKey(left: string, right: string): string {
  // Names never contain '|' (thing and policy name patterns), so the key is unambiguous.
  return `${left}|${right}`;
}

