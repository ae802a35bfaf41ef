/**
 * Test support: registers an operator CA through the real `@aws-sdk/client-iot` the way
 * AWS asks (GetRegistrationCode → a verification certificate signed by the CA →
 * RegisterCACertificate). Not product code.
 */
import {
  GetRegistrationCodeCommand,
  type IoTClient,
  RegisterCACertificateCommand,
  type RegisterCACertificateCommandInput,
} from '@aws-sdk/client-iot';
import { createVerificationCertificate, type OperatorCa } from '../../../certs/index';

/** RegisterCACertificate with a valid verification certificate; `extra` adds setAsActive, registrationConfig … */
export async function registerVerifiedCa(
  iot: IoTClient,
  ca: OperatorCa,
  extra: Omit<RegisterCACertificateCommandInput, 'caCertificate' | 'verificationCertificate'> = {},
): Promise<{ certificateId: string; certificateArn: string }> {
  const { registrationCode } = await iot.send(new GetRegistrationCodeCommand({}));
  if (!registrationCode) throw new Error('GetRegistrationCode returned no code');
  const verificationCertificate = await createVerificationCertificate(ca, registrationCode);
  const r = await iot.send(new RegisterCACertificateCommand({ caCertificate: ca.certificatePem, verificationCertificate, ...extra }));
  if (!r.certificateId || !r.certificateArn) throw new Error('RegisterCACertificate returned an incomplete answer');
  return { certificateId: r.certificateId, certificateArn: r.certificateArn };
}
