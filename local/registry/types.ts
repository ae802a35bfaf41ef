/**
 * The IoT registry model, as the AWS IoT control plane exposes it.
 * Field names follow the IoT API reference so gateway handlers map 1:1.
 * https://docs.aws.amazon.com/iot/latest/apireference/
 */
export type CertificateStatus =
  | 'ACTIVE'
  | 'INACTIVE'
  | 'REVOKED'
  | 'PENDING_TRANSFER'
  | 'REGISTER_INACTIVE'
  | 'PENDING_ACTIVATION';

export type CaStatus = 'ACTIVE' | 'INACTIVE';

export interface ThingRecord {
  thingName: string;
  thingId: string;
  thingArn: string;
  thingTypeName?: string;
  attributes: Record<string, string>;
  version: number;
  /** epoch ms */
  creationDate: number;
}

export interface CertificateRecord {
  /** lowercase hex SHA-256 of the DER, as AWS computes it */
  certificateId: string;
  certificateArn: string;
  certificatePem: string;
  status: CertificateStatus;
  /** id of the registered CA that issued it (the local AWS-managed CA has one too) */
  caCertificateId?: string;
  ownedBy: string;
  creationDate: number;
  lastModifiedDate: number;
  customerVersion: number;
  generationId: string;
  /** subject CN, cached for `${iot:Certificate.Subject.CommonName}` */
  subjectCommonName?: string;
  validity: { notBefore: number; notAfter: number };
}

/**
 * RegisterCACertificate / UpdateCACertificate `registrationConfig` (RegistrationConfig in the
 * IoT API): the JITP template, given inline (`templateBody`) or by the name of a provisioning
 * template of type JITP (`templateName`), and the role IoT assumes to apply it.
 */
export interface RegistrationConfig {
  templateBody?: string;
  roleArn?: string;
  templateName?: string;
}

/** How a CA is registered: DEFAULT (verified with a registration code) or SNI_ONLY (multi-account). */
export type CaCertificateMode = 'DEFAULT' | 'SNI_ONLY';

export interface CaCertificateRecord {
  certificateId: string;
  certificateArn: string;
  certificatePem: string;
  status: CaStatus;
  autoRegistrationStatus: 'ENABLE' | 'DISABLE';
  ownedBy: string;
  creationDate: number;
  lastModifiedDate: number;
  customerVersion: number;
  generationId: string;
  /** absent in records written before modes existed: DEFAULT */
  certificateMode?: CaCertificateMode;
  /** the JITP template applied when a certificate it signed first connects */
  registrationConfig?: RegistrationConfig;
  /** true for the local stand-in of the AWS-managed CA */
  awsManaged?: boolean;
}

export interface PolicyRecord {
  policyName: string;
  policyArn: string;
  /** the JSON policy document as given */
  policyDocument: string;
  defaultVersionId: string;
  creationDate: number;
  lastModifiedDate: number;
  generationId: string;
  /** every version, oldest first (absent in records written before versions existed) */
  versions?: PolicyVersionRecord[];
  /** highest version id ever issued; ids are never reused */
  lastVersionId?: number;
}

/** Registry events the broker reacts to (e.g. closing sessions of a revoked certificate). */
export interface RegistryEvents {
  'certificate-status': (e: { certificateId: string; status: CertificateStatus }) => void;
  'certificate-deleted': (e: { certificateId: string }) => void;
  'ca-status': (e: { certificateId: string; status: CaStatus }) => void;
  'policy-changed': (e: { policyName: string }) => void;
  'attachments-changed': (e: { target: string }) => void;
}

/** A thing type (CreateThingType); deprecated types cannot be given to new things. */
export interface ThingTypeRecord {
  thingTypeName: string;
  thingTypeId: string;
  thingTypeArn: string;
  properties: { thingTypeDescription?: string; searchableAttributes?: string[] };
  deprecated: boolean;
  /** epoch ms */
  deprecationDate?: number;
  creationDate: number;
}

/** One version of a policy (CreatePolicyVersion); AWS keeps at most five. */
export interface PolicyVersionRecord {
  versionId: string;
  policyDocument: string;
  /** epoch ms */
  createDate: number;
}
