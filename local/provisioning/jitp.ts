/**
 * Just-in-time registration and provisioning (JITR/JITP): a device presents a certificate
 * IoT Core does not know, signed by a registered ACTIVE CA whose auto-registration is
 * ENABLEd. The certificate is registered PENDING_ACTIVATION, announced on
 * `$aws/events/certificates/registered/{caCertificateId}`, and, when the CA has a
 * registration config, the JITP template is applied (thing, policies, status). The broker
 * closes that first connection; the device reconnects.
 * https://docs.aws.amazon.com/iot/latest/developerguide/jit-provisioning.html
 * https://docs.aws.amazon.com/iot/latest/developerguide/auto-register-device-cert.html
 */
import { X509Certificate } from 'node:crypto';
import { z } from 'zod';
import { certificateIdFromDer, subjectAttributes } from '../../certs/index';
import type { Logger } from '../../common/logger';
import { certificateRegisteredTopic } from '../../protocol/topics';
import { iotError } from '../registry/errors';
import type { Registry } from '../registry/registry';
import type { CaCertificateRecord, CertificateRecord } from '../registry/types';
import { type AppliedProvisioning, applyProvisioningPlan } from './apply-plan';
import { parseProvisioningTemplate, resolveProvisioningTemplate } from './template';

/** The `$aws/events/certificates/registered/{caCertificateId}` payload, as AWS publishes it. */
export const certificateRegisteredEventSchema = z.object({
  certificateId: z.string(),
  caCertificateId: z.string(),
  timestamp: z.number().int(),
  certificateStatus: z.literal('PENDING_ACTIVATION'),
  awsAccountId: z.string(),
  /** epoch ms as a string, as AWS writes it */
  certificateRegistrationTimestamp: z.string(),
});
export type CertificateRegisteredEvent = z.infer<typeof certificateRegisteredEventSchema>;

/** What one first connect led to. */
export type JitpOutcome =
  | { result: 'not-eligible'; reason: string }
  | { result: 'registered'; certificateId: string; caCertificateId: string; applied?: AppliedProvisioning }
  | { result: 'failed'; certificateId: string; caCertificateId: string; reason: string };

export interface JitpOptions {
  registry: Registry;
  /** publishes as the cloud (QoS 1) */
  publish: (topic: string, payload: string) => Promise<void>;
  logger: Logger;
}

/**
 * The broker hands every client certificate it refused as unknown (or still
 * PENDING_ACTIVATION) to {@link JustInTimeProvisioning.register}. Durable (every registry
 * write is) and idempotent: concurrent first connects with one certificate share one run,
 * and a run cut short by a crash is finished on the device's next connect.
 *
 * @example
 * const jitp = new JustInTimeProvisioning({ registry, publish: (t, p) => broker.publish(t, p, { qos: 1 }), logger });
 * const outcome = await jitp.register(socket.getPeerX509Certificate());
 */
export class JustInTimeProvisioning {
  private readonly inFlight = new Map<string, Promise<JitpOutcome>>();
  /** parsed CA certificates by id (an id is the hash of the DER, so entries never go stale) */
  private readonly caCerts = new Map<string, X509Certificate>();
  private readonly log: Logger;

  constructor(private readonly opts: JitpOptions) {
    this.log = opts.logger.child({ component: 'jitp' });
  }

  register(peer: X509Certificate): Promise<JitpOutcome> {
    const certificateId = certificateIdFromDer(peer.raw);
    const running = this.inFlight.get(certificateId);
    if (running) return running;
    const run = this.run(peer, certificateId).finally(() => this.inFlight.delete(certificateId));
    this.inFlight.set(certificateId, run);
    return run;
  }

  private async run(peer: X509Certificate, certificateId: string): Promise<JitpOutcome> {
    const { registry } = this.opts;
    let cert = registry.getCertificate(certificateId);
    if (cert && cert.status !== 'PENDING_ACTIVATION') return { result: 'not-eligible', reason: `certificate is ${cert.status}` };
    const ca = cert ? this.autoRegisteringCa(cert.caCertificateId) : this.issuingCa(peer);
    if (!ca) return { result: 'not-eligible', reason: 'not signed by a registered ACTIVE CA with auto-registration enabled' };
    if (!cert) {
      const now = Date.now();
      if (peer.ca || now < Date.parse(peer.validFrom) || now > Date.parse(peer.validTo)) {
        return { result: 'not-eligible', reason: 'not a device certificate within its validity period' };
      }
      cert = await this.registerPending(peer, certificateId, ca);
    }
    if (!ca.registrationConfig) return { result: 'registered', certificateId, caCertificateId: ca.certificateId };
    try {
      const applied = await this.applyTemplate(ca, cert);
      this.log.info({ certificateId, thing: applied.thingName, status: applied.status }, 'JITP template applied');
      return { result: 'registered', certificateId, caCertificateId: ca.certificateId, applied };
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      this.log.warn({ certificateId, caCertificateId: ca.certificateId, reason }, 'JITP template failed; the certificate stays PENDING_ACTIVATION');
      return { result: 'failed', certificateId, caCertificateId: ca.certificateId, reason };
    }
  }

  private autoRegistering(ca: CaCertificateRecord | undefined): ca is CaCertificateRecord {
    return ca !== undefined && ca.status === 'ACTIVE' && ca.autoRegistrationStatus === 'ENABLE';
  }

  private autoRegisteringCa(caId: string | undefined): CaCertificateRecord | undefined {
    const ca = caId === undefined ? undefined : this.opts.registry.getCaCertificate(caId);
    return this.autoRegistering(ca) ? ca : undefined;
  }

  /** The registered ACTIVE, auto-registering CA whose key signed `peer`, if any. */
  private issuingCa(peer: X509Certificate): CaCertificateRecord | undefined {
    for (const ca of this.opts.registry.listCaCertificates()) {
      if (!this.autoRegistering(ca)) continue;
      let caCert = this.caCerts.get(ca.certificateId);
      if (!caCert) {
        caCert = new X509Certificate(ca.certificatePem);
        this.caCerts.set(ca.certificateId, caCert);
      }
      if (peer.checkIssued(caCert) && peer.verify(caCert.publicKey)) return ca;
    }
    return undefined;
  }

  /** Registers the certificate PENDING_ACTIVATION (durably), then announces it (once: only the run that registered it). */
  private async registerPending(peer: X509Certificate, certificateId: string, ca: CaCertificateRecord): Promise<CertificateRecord> {
    const { registry } = this.opts;
    const pem = peer.toString();
    const cn = subjectAttributes(pem).CommonName;
    let rec: CertificateRecord;
    try {
      rec = await registry.addCertificate({
        certificateId,
        certificatePem: pem,
        status: 'PENDING_ACTIVATION',
        caCertificateId: ca.certificateId,
        validity: { notBefore: Date.parse(peer.validFrom), notAfter: Date.parse(peer.validTo) },
        ...(cn !== undefined ? { subjectCommonName: cn } : {}),
      });
    } catch (e) {
      // registered meanwhile through the API (RegisterCertificate): go on with that record, unannounced
      const existing = registry.getCertificate(certificateId);
      if (existing) return existing;
      throw e;
    }
    this.log.info({ certificateId, caCertificateId: ca.certificateId }, 'certificate registered just in time (PENDING_ACTIVATION)');
    const event: CertificateRegisteredEvent = {
      certificateId,
      caCertificateId: ca.certificateId,
      timestamp: Date.now(),
      certificateStatus: 'PENDING_ACTIVATION',
      awsAccountId: registry.accountId,
      certificateRegistrationTimestamp: String(rec.creationDate),
    };
    await this.opts.publish(certificateRegisteredTopic(ca.certificateId), JSON.stringify(event)).catch((e: unknown) => {
      this.log.warn({ err: e, certificateId }, 'could not publish the certificate-registered event');
    });
    return rec;
  }

  /** The CA's JITP template (inline, or the named provisioning template's default version) applied to `cert`. */
  private async applyTemplate(ca: CaCertificateRecord, cert: CertificateRecord): Promise<AppliedProvisioning> {
    const { registry } = this.opts;
    const plan = resolveProvisioningTemplate(parseProvisioningTemplate(this.templateBody(ca), { templateType: 'JITP' }), {
      ...certificateParameters(cert),
      'AWS::Region': registry.region,
      'AWS::AccountId': registry.accountId,
    });
    return applyProvisioningPlan(registry, plan, { certificateId: cert.certificateId });
  }

  private templateBody(ca: CaCertificateRecord): string {
    const cfg = ca.registrationConfig ?? {};
    if (cfg.templateBody !== undefined) return cfg.templateBody;
    const name = cfg.templateName ?? '';
    const t = this.opts.registry.provisioningTemplates.get(name);
    if (!t) throw iotError('ResourceNotFoundException', `provisioning template ${name} not found`);
    if (t.type !== 'JITP') throw iotError('InvalidRequestException', `provisioning template ${name} is of type ${t.type}, not JITP`);
    if (!t.enabled) throw iotError('InvalidRequestException', `provisioning template ${name} is disabled`);
    return this.opts.registry.provisioningTemplates.defaultBody(t);
  }
}

/** `AWS::IoT::Certificate::*` parameters: the certificate's id and the subject fields it has. */
export function certificateParameters(cert: Pick<CertificateRecord, 'certificateId' | 'certificatePem'>): Record<string, string> {
  const out: Record<string, string> = { 'AWS::IoT::Certificate::Id': cert.certificateId };
  for (const [k, v] of Object.entries(subjectAttributes(cert.certificatePem))) out[`AWS::IoT::Certificate::${k}`] = v;
  return out;
}
