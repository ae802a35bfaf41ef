export { type CaMaterial, createCa } from './ca';
export { certificateIdFromDer, certificateIdFromPem } from './crypto';
export { type CertificateInfo, inspectCertificate, verifyIssuedBy, writePrivateKeyFile } from './inspect';
export { createCsr, createKeysAndCertificate, createServerCertificate, issueFromCsr } from './issue';
