import { z } from 'zod';
import { certificateIdFromPem, inspectCertificate } from '../../../certs/index';
import { iotError } from '../../registry/errors';

/** A PEM text field of a request body (IoT API reference: certificate PEMs are at most 65536 characters). */
export const pemText = z.string().min(1).max(65_536);

/** What the registry needs from a parsed certificate. */
export type InspectedCertificate = ReturnType<typeof inspectCertificate> & { certificateId: string };

/**
 * Parses a PEM certificate given by a caller (RegisterCertificate, RegisterCACertificate),
 * translating parse failures to CertificateValidationException.
 */
export function inspectPem(certPem: string): InspectedCertificate {
  try {
    const info = inspectCertificate(certPem);
    return { ...info, certificateId: certificateIdFromPem(certPem) };
  } catch (e) {
    throw iotError('CertificateValidationException', 'The certificate is not a valid PEM X.509 certificate', {
      cause: e,
    });
  }
}
