import { randomBytes, randomUUID } from 'node:crypto';
import { iotArn } from '../aws-identity';
import { iotError } from './errors';
import type { RegistryMap, RegistryStorage } from './storage';
import type { CaCertificateMode, CaCertificateRecord, CaStatus, RegistrationConfig } from './types';

export interface NewCaCertificate {
  certificateId: string;
  certificatePem: string;
  status: CaStatus;
  autoRegistrationStatus: 'ENABLE' | 'DISABLE';
  certificateMode?: CaCertificateMode;
  registrationConfig?: RegistrationConfig;
  awsManaged?: boolean;
}

/**
 * UpdateCACertificate: status, auto-registration and the registration config;
 * `registrationConfig: null` removes it (`removeAutoRegistration`).
 */
export interface CaCertificateChange {
  status?: CaStatus;
  autoRegistrationStatus?: 'ENABLE' | 'DISABLE';
  registrationConfig?: RegistrationConfig | null;
}

/** Registered CA certificates (RegisterCACertificate / UpdateCACertificate), durable. */
export class CaStore {
  private readonly cas: RegistryMap<CaCertificateRecord>;
  /** the account's registration code in this region (one entry), durable */
  private readonly codes: RegistryMap<{ registrationCode: string }>;

  constructor(
    storage: RegistryStorage,
    private readonly region: string,
    private readonly accountId: string,
    private readonly onStatus: (e: { certificateId: string; status: CaStatus }) => void,
  ) {
    this.cas = storage.open('ca-certificates');
    this.codes = storage.open('registration-code');
  }

  /**
   * GetRegistrationCode: the same 64-hex-digit code until DeleteRegistrationCode, as AWS
   * documents it ("If you already have a registration code, this API call will return the
   * same registration code"). Resolves once the code is durable.
   */
  async registrationCode(): Promise<string> {
    const key = `${this.accountId}/${this.region}`;
    const existing = this.codes.get(key);
    if (existing) {
      await this.codes.flush();
      return existing.registrationCode;
    }
    const registrationCode = randomBytes(32).toString('hex');
    await this.codes.set(key, { registrationCode });
    return registrationCode;
  }

  /** DeleteRegistrationCode: the next GetRegistrationCode makes a new one. */
  deleteRegistrationCode(): Promise<void> {
    return this.codes.delete(`${this.accountId}/${this.region}`);
  }

  arn(certificateId: string): string {
    return iotArn(this.region, `cacert/${certificateId}`);
  }

  /** RegisterCACertificate; the same CA twice is ResourceAlreadyExistsException. */
  async register(input: NewCaCertificate): Promise<CaCertificateRecord> {
    if (this.cas.has(input.certificateId)) {
      throw iotError('ResourceAlreadyExistsException', 'The CA certificate is already registered', {
        resourceId: input.certificateId,
        resourceArn: this.arn(input.certificateId),
      });
    }
    const now = Date.now();
    const rec: CaCertificateRecord = {
      certificateId: input.certificateId,
      certificateArn: this.arn(input.certificateId),
      certificatePem: input.certificatePem,
      status: input.status,
      autoRegistrationStatus: input.autoRegistrationStatus,
      ownedBy: this.accountId,
      creationDate: now,
      lastModifiedDate: now,
      customerVersion: 1,
      generationId: randomUUID(),
    };
    if (input.certificateMode !== undefined) rec.certificateMode = input.certificateMode;
    if (input.registrationConfig !== undefined) rec.registrationConfig = input.registrationConfig;
    if (input.awsManaged) rec.awsManaged = true;
    await this.cas.set(rec.certificateId, rec);
    this.onStatus({ certificateId: rec.certificateId, status: rec.status });
    return rec;
  }

  /** Registers the local stand-in of the AWS-managed CA once (idempotent). */
  async ensureAwsManaged(certificateId: string, certificatePem: string): Promise<CaCertificateRecord> {
    const existing = this.cas.get(certificateId);
    if (existing) return existing;
    return this.register({
      certificateId,
      certificatePem,
      status: 'ACTIVE',
      autoRegistrationStatus: 'DISABLE',
      awsManaged: true,
    });
  }

  get(certificateId: string): CaCertificateRecord | undefined {
    return this.cas.get(certificateId);
  }

  /** Oldest first; a stable sort keeps same-millisecond registrations in order. */
  list(): CaCertificateRecord[] {
    return [...this.cas.values()].sort((a, b) => a.creationDate - b.creationDate);
  }

  /** UpdateCACertificate: status, auto-registration and its config; a status change is announced. */
  async update(certificateId: string, change: CaCertificateChange): Promise<CaCertificateRecord> {
    const ca = this.cas.get(certificateId);
    if (!ca) throw iotError('ResourceNotFoundException', `CA certificate ${certificateId} not found`);
    const { registrationConfig, ...rest } = change;
    const next: CaCertificateRecord = {
      ...ca,
      ...rest,
      lastModifiedDate: Date.now(),
      customerVersion: ca.customerVersion + 1,
      generationId: randomUUID(),
    };
    if (registrationConfig === null) delete next.registrationConfig;
    else if (registrationConfig !== undefined) next.registrationConfig = registrationConfig;
    await this.cas.set(certificateId, next);
    if (change.status !== undefined && change.status !== ca.status) {
      this.onStatus({ certificateId, status: change.status });
    }
    return next;
  }

  /** DeleteCACertificate: only an INACTIVE CA (CertificateStateException), never the AWS-managed one. */
  async delete(certificateId: string): Promise<void> {
    const ca = this.cas.get(certificateId);
    if (!ca) throw iotError('ResourceNotFoundException', `CA certificate ${certificateId} not found`);
    if (ca.awsManaged) throw iotError('InvalidRequestException', 'The AWS-managed CA certificate cannot be deleted');
    if (ca.status !== 'INACTIVE') {
      throw iotError('CertificateStateException', `CA certificate ${certificateId} must be INACTIVE before deletion`);
    }
    await this.cas.delete(certificateId);
  }

  async flush(): Promise<void> {
    await Promise.all([this.cas.flush(), this.codes.flush()]);
  }

  close(): void {
    this.cas.close();
    this.codes.close();
  }
}
