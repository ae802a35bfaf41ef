/**
 * The fleet provisioning MQTT API on the broker bus: CreateKeysAndCertificate,
 * CreateCertificateFromCsr and RegisterThing, in JSON and CBOR, each answered on its
 * `/accepted` or `/rejected` topic to the requesting connection only.
 * https://docs.aws.amazon.com/iot/latest/developerguide/fleet-provision-api.html
 */
import { z } from 'zod';
import type { CaMaterial } from '../../certs/index';
import type { Logger } from '../../common/logger';
import type { BrokerBus, PublishOrigin } from '../ports';
import type { Registry } from '../registry/registry';
import { createCertificateFromCsrForClaim, createKeysAndCertificateForClaim, dropUnclaimedCertificate } from './claim-certificates';
import type { FunctionInvoker } from './hook';
import {
  decodePayload,
  encodePayload,
  isPayloadFormat,
  type PayloadFormat,
  ProvisioningRejection,
  type ProvisioningRequestTopic,
  parseRequestTopic,
  REQUEST_FILTERS,
} from './mqtt-api';
import { OwnershipTokens, type TokenBinding } from './ownership-tokens';
import { registerThing } from './register-thing';

export interface FleetProvisioningOptions {
  bus: BrokerBus;
  registry: Registry;
  /** the CA new certificates are issued by (the local stand-in of the AWS-managed CA) */
  ca: CaMaterial;
  logger: Logger;
  /** invokes pre-provisioning hooks by function name (the Lambda service's synchronous invoke) */
  invoke?: FunctionInvoker;
  /** ownership token lifetime; AWS's is one hour */
  tokenTtlMs?: number;
  /** pre-provisioning hook deadline; AWS's is 5 s */
  hookTimeoutMs?: number;
  now?: () => number;
}

export interface FleetProvisioningHandle {
  /** issued tokens not yet used or expired */
  readonly pendingTokens: number;
  close(): void;
}

const csrRequest = z.object({ certificateSigningRequest: z.string().min(1) });
const registerRequest = z.object({
  certificateOwnershipToken: z.string().optional(),
  parameters: z.record(z.string(), z.string()).optional(),
});

function parseBody<S extends z.ZodType>(schema: S, raw: unknown): z.infer<S> {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const why = r.error.issues.map((i) => `${i.path.join('.') || 'payload'}: ${i.message}`).join('; ');
  throw new ProvisioningRejection(400, 'InvalidPayload', `The request payload is not valid: ${why}`);
}

/** The requesting connection; only certificate-authenticated device connections can use the API. */
function requester(registry: Registry, origin: PublishOrigin): (TokenBinding & { sessionId: string }) | undefined {
  const { clientId, principal, sessionId } = origin;
  if (clientId === undefined || principal === undefined || sessionId === undefined) return undefined;
  if (!registry.getCertificate(principal)) return undefined;
  return { clientId, claimCertificateId: principal, sessionId };
}

/**
 * Starts answering the fleet provisioning API on `bus`.
 *
 * @example
 * const fp = startFleetProvisioning({ bus: broker, registry, ca, logger, invoke: (name, event, caller) => lambda.invoke(name, event, caller) });
 */
export function startFleetProvisioning(opts: FleetProvisioningOptions): FleetProvisioningHandle {
  const log = opts.logger.child({ component: 'fleet-provisioning' });
  const tokens = new OwnershipTokens({
    ...(opts.tokenTtlMs !== undefined ? { ttlMs: opts.tokenTtlMs } : {}),
    ...(opts.now ? { now: opts.now } : {}),
    onExpired: (t) => {
      dropUnclaimedCertificate(opts.registry, t.certificateId).then(
        (dropped) => dropped && log.info({ certificateId: t.certificateId, clientId: t.clientId }, 'unclaimed certificate deleted (ownership token expired)'),
        (e: unknown) => log.warn({ err: e, certificateId: t.certificateId }, 'could not delete an unclaimed certificate'),
      );
    },
  });
  tokens.start();
  const answer = async (req: ProvisioningRequestTopic, format: PayloadFormat, payload: Buffer, who: TokenBinding): Promise<object> => {
    const body = decodePayload(format, payload);
    const deps = { registry: opts.registry, ca: opts.ca, tokens };
    if (req.api === 'CreateKeysAndCertificate') return createKeysAndCertificateForClaim(deps, who);
    if (req.api === 'CreateCertificateFromCsr') return createCertificateFromCsrForClaim(deps, parseBody(csrRequest, body).certificateSigningRequest, who);
    const r = parseBody(registerRequest, body);
    return registerThing(
      { registry: opts.registry, tokens, logger: log, ...(opts.invoke ? { invoke: opts.invoke } : {}), ...(opts.hookTimeoutMs !== undefined ? { hookTimeoutMs: opts.hookTimeoutMs } : {}) },
      { templateName: req.templateName!, certificateOwnershipToken: r.certificateOwnershipToken ?? '', parameters: r.parameters ?? {}, ...who },
    );
  };
  const onRequest = async (topic: string, payload: Buffer, origin: PublishOrigin): Promise<void> => {
    const req = parseRequestTopic(topic);
    if (!req) return;
    const who = requester(opts.registry, origin);
    if (!isPayloadFormat(req.format) || !who) {
      log.debug({ topic, clientId: origin.clientId }, 'provisioning request ignored (payload format or requester)');
      return;
    }
    let reply: { suffix: 'accepted' | 'rejected'; body: object };
    try {
      reply = { suffix: 'accepted', body: await answer(req, req.format, payload, who) };
    } catch (e) {
      const rejection = e instanceof ProvisioningRejection ? e : new ProvisioningRejection(500, 'InternalFailure', 'An unexpected error has occurred.');
      if (!(e instanceof ProvisioningRejection)) log.error({ err: e, topic, clientId: who.clientId }, 'provisioning request failed');
      else log.info({ topic, clientId: who.clientId, errorCode: rejection.errorCode, reason: rejection.message }, 'provisioning request rejected');
      reply = { suffix: 'rejected', body: rejection.payload };
    }
    await opts.bus.publish(`${topic}/${reply.suffix}`, encodePayload(req.format, reply.body), { qos: 1, to: who.sessionId }).catch((e: unknown) => {
      log.warn({ err: e, topic }, 'provisioning reply could not be published');
    });
  };
  const offs = REQUEST_FILTERS.map((f) => opts.bus.onPublish(f, (m) => onRequest(m.topic, m.payload, m.origin)));
  return {
    get pendingTokens() {
      return tokens.size;
    },
    close() {
      for (const off of offs) off();
      tokens.close();
    },
  };
}
