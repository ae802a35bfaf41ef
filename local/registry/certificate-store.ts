import { randomUUID } from 'node:crypto';
import type { Logger } from '../../common/logger';
import { iotArn } from '../aws-identity';
import { iotError } from './errors';
import type { RegistryMap, RegistryStorage } from './storage';
import type { CertificateRecord, CertificateStatus } from './types';

/** Certificate ids are 64 lowercase hex chars (SHA-256 of the DER). */
export const CERTIFICATE_ID_RE = /^[0-9a-f]{64}$/;

export interface NewCertificate {
  certificateId: string;
  certificatePem: string;
  status: CertificateStatus;
  caCertificateId?: string;
  subjectCommonName?: string;
  validity: { notBefore: number; notAfter: number };
}

/** The certificate id a principal ARN (`arn:aws:iot:…:cert/{id}`) names, if it names one. */
export function certificateIdOfArn(principalArn: string): string | undefined {
  return /:cert\/([0-9a-f]{64})$/.exec(principalArn)?.[1];
}

/**
 * Device certificates and their status, durable. Attachment checks (things,
 * policies) are the registry's: it calls `delete` once they pass.
 */
export class CertificateStore {
  private readonly certs: RegistryMap<CertificateRecord>;

  constructor(
    storage: RegistryStorage,
    private readonly region: string,
    private readonly accountId: string,
    private readonly log: Logger,
    private readonly onStatus: (e: { certificateId: string; status: CertificateStatus }) => void,
  ) {
    this.certs = storage.open('certificates');
  }

  get size(): number {
    return this.certs.size;
  }

  arn(certificateId: string): string {
    return iotArn(this.region, `cert/${certificateId}`);
  }

  /** Stores a new device certificate; the same certificate twice is a conflict. */
  async add(input: NewCertificate): Promise<CertificateRecord> {
    if (this.certs.has(input.certificateId)) {
      throw iotError('ResourceAlreadyExistsException', 'The certificate is already provisioned or registered', {
        resourceId: input.certificateId,
        resourceArn: this.arn(input.certificateId),
      });
    }
    const now = Date.now();
    const rec: CertificateRecord = {
      certificateId: input.certificateId,
      certificateArn: this.arn(input.certificateId),
      certificatePem: input.certificatePem,
      status: input.status,
      ownedBy: this.accountId,
      creationDate: now,
      lastModifiedDate: now,
      customerVersion: 1,
      generationId: randomUUID(),
      validity: input.validity,
    };
    if (input.caCertificateId !== undefined) rec.caCertificateId = input.caCertificateId;
    if (input.subjectCommonName !== undefined) rec.subjectCommonName = input.subjectCommonName;
    await this.certs.set(rec.certificateId, rec);
    this.onStatus({ certificateId: rec.certificateId, status: rec.status });
    return rec;
  }

  get(certificateId: string): CertificateRecord | undefined {
    return this.certs.get(certificateId);
  }

  require(certificateId: string): CertificateRecord {
    const cert = this.certs.get(certificateId);
    if (!cert) throw iotError('ResourceNotFoundException', `Certificate ${certificateId} not found`);
    return cert;
  }

  /** The certificate a principal ARN names, if any. */
  forPrincipal(principalArn: string): CertificateRecord | undefined {
    const id = certificateIdOfArn(principalArn);
    return id === undefined ? undefined : this.certs.get(id);
  }

  /** All certificates, oldest first (ListCertificates order). */
  list(): CertificateRecord[] {
    // Stable sort: same-millisecond certificates keep insertion order.
    return [...this.certs.values()].sort((a, b) => a.creationDate - b.creationDate);
  }

  /**
   * UpdateCertificate: PENDING_* states are IoT-internal and cannot be requested;
   * a REVOKED certificate stays revoked (it cannot be reactivated).
   */
  async updateStatus(certificateId: string, status: CertificateStatus): Promise<CertificateRecord> {
    const cert = this.require(certificateId);
    if (status === 'PENDING_TRANSFER' || status === 'PENDING_ACTIVATION') {
      throw iotError('InvalidRequestException', `newStatus ${status} cannot be set by UpdateCertificate`);
    }
    if (cert.status === 'PENDING_TRANSFER') {
      throw iotError('CertificateStateException', `Certificate ${certificateId} is pending transfer`);
    }
    if (cert.status === 'REVOKED' && status !== 'REVOKED') {
      throw iotError('CertificateStateException', `Certificate ${certificateId} is revoked and cannot be changed`);
    }
    if (cert.status === status) return cert;
    const next: CertificateRecord = {
      ...cert,
      status,
      lastModifiedDate: Date.now(),
      customerVersion: cert.customerVersion + 1,
      generationId: randomUUID(),
    };
    await this.certs.set(certificateId, next);
    this.log.info({ certificateId, status }, 'certificate status changed');
    this.onStatus({ certificateId, status });
    return next;
  }

  /** Removes the record; the caller has checked the DeleteCertificate preconditions. */
  delete(certificateId: string): Promise<void> {
    return this.certs.delete(certificateId);
  }

  flush(): Promise<void> {
    return this.certs.flush();
  }

  close(): void {
    this.certs.close();
  }
}
