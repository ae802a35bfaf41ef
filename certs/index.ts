export { type CaMaterial, createCa } from './ca';
export { certificateIdFromDer, certificateIdFromPem } from './crypto';
export { type CertificateInfo, inspectCertificate, subjectAttributes, verifyIssuedBy, writePrivateKeyFile } from './inspect';
export {
  createCsr,
  createKeysAndCertificate,
  createServerCertificate,
  issueFromCsr,
  SUBJECT_ATTRIBUTE_OIDS,
  type SubjectAttributes,
} from './issue';
export { createVerificationCertificate, issueDeviceCertificate, type OperatorCa, operatorCa } from './operator-ca';
