/**
 * First start by claim (`pulsepet agent --claim-config FILE`): the device folder holds
 * the device's identity, or the agent obtains one by claim and commits it there, then
 * runs as that thing. Crash safety: the identity is committed in one rename after
 * RegisterThing is accepted; a crash before that leaves no identity, and the next
 * start provisions again from the beginning (the certificate of the interrupted
 * attempt was never activated, unless IoT Core had applied RegisterThing already: it
 * stays PENDING_ACTIVATION, and is deleted when its ownership token expires unused).
 */
import type { Logger } from '../common/logger';
import { isPulsepetError } from '../protocol/errors';
import { ReconnectBackoff } from './backoff';
import { readClaimConfig } from './claim-config';
import { ClaimRejectedError, provisionByClaim } from './claim-provisioning';
import { parseMqttEndpoint } from './endpoint';
import { commitIdentity, loadIdentity, type StoredIdentity } from './identity-store';

export interface ClaimStartOptions {
  /** the device folder (the caller holds its lock) */
  deviceDir: string;
  /** the claim config `pulsepet fleet claim create` wrote; read only when provisioning */
  claimConfigFile: string;
  /** the template to register with (default: the claim config's) */
  template?: string;
  serial: string;
  logger: Logger;
  /** spacing of attempts after a transient failure */
  backoff?: ReconnectBackoff;
  sleep?: (ms: number) => Promise<void>;
  /** reply deadline per request (default 30 s) */
  replyTimeoutMs?: number;
}

/**
 * The device's identity: the committed one, or a new one obtained by claim and
 * committed now. Transient failures (connection, timeout, 5xx) are retried with
 * decorrelated-jitter backoff; a refusal (ClaimRejectedError: template missing,
 * hook refusal, …) or a bad claim config is thrown.
 *
 * @example
 * const id = await ensureIdentity({ deviceDir, claimConfigFile: 'claim/claim.config.json', serial: 'SN1', logger });
 * // id.configFile is what `pulsepet agent --config` reads
 */
export async function ensureIdentity(o: ClaimStartOptions): Promise<StoredIdentity & { provisioned: boolean }> {
  const existing = loadIdentity(o.deviceDir);
  if (existing) {
    o.logger.info({ thing: existing.thing, certificateId: existing.certificateId, deviceDir: o.deviceDir }, 'device identity found');
    return { ...existing, provisioned: false };
  }
  const claim = readClaimConfig(o.claimConfigFile);
  const template = o.template ?? claim.config.template;
  // --template wins over the claim config's; a claim policy is per template, so say so when they differ
  const overridden = template !== claim.config.template ? ` (--template ${template} overrides the claim config's template ${claim.config.template})` : '';
  if (overridden !== '') o.logger.warn({ template, claimTemplate: claim.config.template }, 'the template given differs from the claim config\'s');
  const { host, port } = parseMqttEndpoint(claim.config.endpoint);
  const backoff = o.backoff ?? new ReconnectBackoff();
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  o.logger.info({ template, serial: o.serial, endpoint: claim.config.endpoint, deviceDir: o.deviceDir }, 'no device identity: provisioning by claim');
  for (;;) {
    await sleep(backoff.waitBeforeConnectMs());
    backoff.connectAttempted();
    try {
      const got = await provisionByClaim({
        host,
        port,
        claimCertPem: claim.certPem,
        claimKeyPem: claim.keyPem,
        caPem: claim.caPem,
        template,
        serial: o.serial,
        logger: o.logger,
        ...(o.replyTimeoutMs !== undefined ? { replyTimeoutMs: o.replyTimeoutMs } : {}),
      });
      const stored = commitIdentity(o.deviceDir, {
        thing: got.thingName,
        certificateId: got.certificateId,
        certificatePem: got.certificatePem,
        privateKeyPem: got.privateKeyPem,
        caPem: claim.caPem,
        endpoint: claim.config.endpoint,
        ...(claim.config.region !== undefined ? { region: claim.config.region } : {}),
      });
      o.logger.info({ thing: stored.thing, certificateId: stored.certificateId, configFile: stored.configFile }, 'device identity stored');
      return { ...stored, provisioned: true };
    } catch (e) {
      if (e instanceof ClaimRejectedError && !e.retryable && overridden !== '') {
        throw new ClaimRejectedError(e.operation, e.statusCode, e.errorCode, `${e.errorMessage}${overridden}`);
      }
      if (!isPulsepetError(e) || !e.retryable) throw e;
      const delayMs = backoff.nextDelayMs();
      o.logger.warn({ err: e.message, retryInMs: delayMs }, 'provisioning by claim failed; retrying');
      await sleep(delayMs);
    }
  }
}
