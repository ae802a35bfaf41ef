/**
 * Fleet provisioning by claim from the device, with the production client:
 * aws-iot-device-sdk-v2's `iotidentity.IotIdentityClient` over an MQTT 3.1.1 mTLS
 * connection made with the claim certificate. The device makes its own key pair and
 * CSR (EC P-256, certs/), asks CreateCertificateFromCsr for a certificate (the key
 * never leaves the device), then RegisterThing with the template and its serial.
 * https://docs.aws.amazon.com/iot/latest/developerguide/fleet-provision-api.html
 */
import { iot, iotidentity, mqtt } from 'aws-iot-device-sdk-v2';
import { createCsr } from '../certs/index';
import type { Logger } from '../common/logger';
import { PulsepetError } from '../protocol/errors';

export interface ClaimProvisioningOptions {
  host: string;
  port: number;
  claimCertPem: string;
  claimKeyPem: string;
  caPem: string;
  /** the fleet provisioning template (RegisterThing's templateName) */
  template: string;
  /** the `SerialNumber` parameter; also names the claim connection (`claim-SERIAL`) */
  serial: string;
  logger: Logger;
  /** how long each request waits for its /accepted or /rejected reply (default 30 s) */
  replyTimeoutMs?: number;
}

/** The device's new identity, as IoT Core answered it. */
export interface ClaimProvisioned {
  thingName: string;
  certificateId: string;
  certificatePem: string;
  /** made on this device; never sent */
  privateKeyPem: string;
  deviceConfiguration: Record<string, string>;
}

/**
 * IoT Core refused a fleet provisioning request (its `/rejected` reply), or the claim
 * policy refused the subscription to its reply topics. Retryable only for 5xx and
 * throttling: a missing template, a refusing pre-provisioning hook or a bad claim do
 * not get better by asking again.
 */
export class ClaimRejectedError extends PulsepetError {
  constructor(
    readonly operation: 'CreateCertificateFromCsr' | 'RegisterThing',
    readonly statusCode: number,
    readonly errorCode: string,
    readonly errorMessage: string,
  ) {
    super('PP_ERR_UNAUTHORIZED', `${operation} rejected: ${statusCode} ${errorCode}: ${errorMessage}`, {
      retryable: statusCode >= 500 || statusCode === 429 || /throttl/i.test(errorCode),
      details: { operation, statusCode, errorCode, errorMessage },
    });
    this.name = 'ClaimRejectedError';
  }
}

let sharedClient: mqtt.MqttClient | undefined;

function claimConnection(o: ClaimProvisioningOptions, clientId: string): mqtt.MqttClientConnection {
  const config = iot.AwsIotMqttConnectionConfigBuilder.new_mtls_builder(o.claimCertPem, o.claimKeyPem)
    .with_certificate_authority(o.caPem)
    .with_endpoint(o.host)
    .with_port(o.port)
    .with_client_id(clientId)
    .with_clean_session(true)
    .with_keep_alive_seconds(30)
    .with_ping_timeout_ms(5_000)
    .with_protocol_operation_timeout_ms(30_000)
    // a lost claim connection fails the attempt (the agent starts over); no CRT reconnects behind our back
    .with_reconnect_min_sec(3_600)
    .with_reconnect_max_sec(3_600)
    .build();
  sharedClient ??= new mqtt.MqttClient();
  return sharedClient.new_connection(config);
}

/** disconnect() also frees the native connection: exactly once, even after a refused connect, bounded in time. */
async function release(conn: mqtt.MqttClientConnection): Promise<void> {
  await Promise.race([conn.disconnect().catch(() => undefined), new Promise((r) => setTimeout(r, 2_000).unref())]);
}

type Handler<T> = (error?: iotidentity.IotIdentityError, response?: T) => void;

/** The reply topics of one request of the API. */
interface ReplyTopics<A> {
  operation: ClaimRejectedError['operation'];
  /** what the reply topics are for, in the refusal message (e.g. `of template NAME`) */
  scope?: string;
  subscribeAccepted: (h: Handler<A>) => Promise<mqtt.MqttSubscribeRequest>;
  subscribeRejected: (h: Handler<iotidentity.model.ErrorResponse>) => Promise<mqtt.MqttSubscribeRequest>;
}

/** One request whose reply topics are subscribed: `send` publishes and waits for the first reply. */
interface Prepared<A> {
  subscribed: Promise<void>;
  send(publish: () => Promise<unknown>, timeoutMs: number, lost: Promise<never>): Promise<A>;
}

/** Subscribes to both outcomes of one request (before it is sent: the reply may come at once). */
function prepare<A>(x: ReplyTopics<A>): Prepared<A> {
  let settle!: { resolve: (a: A) => void; reject: (e: unknown) => void };
  const reply = new Promise<A>((resolve, reject) => {
    settle = { resolve, reject };
  });
  reply.catch(() => undefined);
  const accepted: Handler<A> = (e, r) => (e || !r ? settle.reject(e ?? new Error('empty reply')) : settle.resolve(r));
  const rejected: Handler<iotidentity.model.ErrorResponse> = (e, r) =>
    settle.reject(e && !r ? e : new ClaimRejectedError(x.operation, r?.statusCode ?? 0, r?.errorCode ?? 'Unknown', r?.errorMessage ?? ''));
  const subscribed = Promise.all([x.subscribeAccepted(accepted), x.subscribeRejected(rejected)]).then(
    (subs) => {
      // SUBACK 0x80 [MQTT-3.9.3]: the claim policy does not cover these topics
      if (subs.some((s) => s.error_code || (s.qos as number) === 128)) {
        throw new ClaimRejectedError(x.operation, 403, 'AccessDenied', `the claim certificate may not subscribe to the ${x.operation} reply topics${x.scope ? ` ${x.scope}` : ''} (check its claim policy and the template name)`);
      }
    },
    (e: unknown) => {
      throw new PulsepetError('PP_ERR_TRANSPORT', `SUBSCRIBE for ${x.operation} failed: ${String(e)}`, { cause: e });
    },
  );
  return {
    subscribed,
    async send(publish, timeoutMs, lost) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new PulsepetError('PP_ERR_TRANSPORT', `no reply to ${x.operation} within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        await publish();
        return await Promise.race([reply, timeout, lost]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/** A reply field IoT Core always sends; its absence is a transport-level failure. */
function field(value: string | undefined, what: string, code: 'PP_ERR_TRANSPORT' | 'PP_ERR_CONFIG' = 'PP_ERR_TRANSPORT'): string {
  if (!value) throw new PulsepetError(code, `the reply has no ${what}`);
  return value;
}

/**
 * Provisions this device by claim: connect with the claim certificate, CreateCertificateFromCsr
 * with a key made here, RegisterThing on `template` with `{SerialNumber: serial}`. Nothing is
 * written: the caller stores the identity. Throws {@link ClaimRejectedError} for a refusal, a
 * retryable PP_ERR_TRANSPORT error for a connection or timeout problem.
 */
export async function provisionByClaim(o: ClaimProvisioningOptions): Promise<ClaimProvisioned> {
  const clientId = `claim-${o.serial}`;
  const log = o.logger.child({ component: 'claim', template: o.template, clientId });
  const conn = claimConnection(o, clientId);
  let onLost: (e: Error) => void = () => undefined;
  const lost = new Promise<never>((_, reject) => {
    onLost = reject;
  });
  lost.catch(() => undefined);
  conn.on('interrupt', (e) => onLost(new PulsepetError('PP_ERR_TRANSPORT', `claim connection lost: ${String(e)}`)));
  conn.on('error', (e) => log.warn({ err: String(e) }, 'claim connection error'));
  const identity = new iotidentity.IotIdentityClient(conn);
  const timeoutMs = o.replyTimeoutMs ?? 30_000;
  const q = mqtt.QoS.AtLeastOnce;
  try {
    try {
      await conn.connect();
    } catch (e) {
      throw new PulsepetError('PP_ERR_TRANSPORT', `claim CONNECT to ${o.host}:${o.port} failed: ${String(e)}`, { cause: e });
    }
    log.info('claim connection up');
    const csr = prepare<iotidentity.model.CreateCertificateFromCsrResponse>({
      operation: 'CreateCertificateFromCsr',
      subscribeAccepted: (h) => identity.subscribeToCreateCertificateFromCsrAccepted({}, q, h),
      subscribeRejected: (h) => identity.subscribeToCreateCertificateFromCsrRejected({}, q, h),
    });
    const register = prepare<iotidentity.model.RegisterThingResponse>({
      operation: 'RegisterThing',
      scope: `of template ${o.template}`,
      subscribeAccepted: (h) => identity.subscribeToRegisterThingAccepted({ templateName: o.template }, q, h),
      subscribeRejected: (h) => identity.subscribeToRegisterThingRejected({ templateName: o.template }, q, h),
    });
    // both requests' reply topics at once (one round trip), while the key pair is made
    const [{ csrPem, privateKeyPem }] = await Promise.all([createCsr({ commonName: o.serial }), csr.subscribed, register.subscribed]);
    const created = await csr.send(() => identity.publishCreateCertificateFromCsr({ certificateSigningRequest: csrPem }, q), timeoutMs, lost);
    const certificateId = field(created.certificateId, 'certificateId');
    log.info({ certificateId }, 'certificate created (PENDING_ACTIVATION)');
    const token = field(created.certificateOwnershipToken, 'certificateOwnershipToken');
    const registered = await register.send(
      () => identity.publishRegisterThing({ templateName: o.template, certificateOwnershipToken: token, parameters: { SerialNumber: o.serial } }, q),
      timeoutMs,
      lost,
    );
    const thingName = field(registered.thingName, 'thingName: the template must create a thing (AWS::IoT::Thing)', 'PP_ERR_CONFIG');
    log.info({ thing: thingName, certificateId }, 'thing registered');
    return {
      thingName,
      certificateId,
      certificatePem: field(created.certificatePem, 'certificatePem'),
      privateKeyPem,
      deviceConfiguration: (registered.deviceConfiguration ?? {}) as Record<string, string>,
    };
  } finally {
    await release(conn);
  }
}
