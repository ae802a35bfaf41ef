/**
 * The stack's MQTT broker: in the stack's process (the default), or in a process of its
 * own (`brokerProcess`), where its connections' TLS state, sessions and subscriptions
 * live and run beside the stack's main thread. Either way the rest of the stack sees the
 * same {@link BrokerHandle}.
 */
import { join } from 'node:path';
import { listenFailure } from '../common/startup-errors';
import { LOCAL_ACCOUNT_ID } from './aws-identity';
import { type BrokerHandle, startBroker } from './broker/broker';
import { createDurablePersistence } from './broker/durable-persistence';
import type { BrokerLimitsInput } from './broker/limits';
import { type RegistryFeed, startBrokerProcess } from './broker-process/index';
import type { DisplayIdentity } from './cognito/index';
import type { GatewayHandle } from './gateway/server';
import { JustInTimeProvisioning } from './provisioning/jitp';
import type { Registry } from './registry/registry';
import type { WiringContext } from './stack-services';

export interface MqttBrokerOptions {
  port: number;
  limits?: BrokerLimitsInput;
  display?: Pick<DisplayIdentity, 'sessions' | 'rolePolicyDocuments'>;
  /** run the broker in a process of its own, fed by this registry feed */
  process?: { feed: RegistryFeed; onExit: (info: { code: number | null; signal: NodeJS.Signals | null }) => void };
}

/** The broker's options from the stack's: in a process of its own when `brokerProcess` (fed by `feed`). */
export function brokerOptions(
  opts: { mqttPort?: number; brokerLimits?: BrokerLimitsInput; onFailure?: (err: Error) => void },
  display: MqttBrokerOptions['display'],
  feed: RegistryFeed | undefined,
): MqttBrokerOptions {
  const onExit = (info: { code: number | null; signal: string | null }) =>
    opts.onFailure?.(new Error(`the broker process exited (code ${info.code}, signal ${info.signal})`));
  return {
    port: opts.mqttPort ?? 0,
    ...(display ? { display } : {}),
    ...(opts.brokerLimits ? { limits: opts.brokerLimits } : {}),
    ...(feed ? { process: { feed, onExit } } : {}),
  };
}

/**
 * The policy-enforcing mTLS broker with durable sessions, also serving MQTT over WebSocket at
 * `/mqtt` of the gateway (HTTP and HTTPS); unknown certificates from CAs registered with
 * auto-registration go through JITR/JITP.
 */
export async function startMqttBroker(ctx: WiringContext, registry: Registry, gateway: GatewayHandle, opts: MqttBrokerOptions): Promise<BrokerHandle> {
  // the registration event goes out through the broker this provisioner is handed to
  let bus: BrokerHandle | undefined;
  const jitp = new JustInTimeProvisioning({
    registry,
    logger: ctx.logger,
    publish: (topic, payload) => bus?.publish(topic, payload, { qos: 1 }) ?? Promise.resolve(),
  });
  const started = opts.process ? startSeparate(ctx, registry, jitp, opts, opts.process) : startInProcess(ctx, registry, jitp, opts);
  const broker = await started.catch((e: unknown) => {
    throw listenFailure(e, { option: 'mqttPort', service: 'MQTT broker', host: ctx.host, port: opts.port }) ?? e;
  });
  bus = broker;
  ctx.unwinder.push(() => broker.close());
  broker.attachWebSocket(gateway.server, '/mqtt');
  if (gateway.https) broker.attachWebSocket(gateway.https.server, '/mqtt');
  return broker;
}

async function startInProcess(ctx: WiringContext, registry: Registry, jitp: JustInTimeProvisioning, opts: MqttBrokerOptions): Promise<BrokerHandle> {
  const m = ctx.material;
  const persistence = await createDurablePersistence(join(ctx.dataDir, 'broker'), ctx.logger);
  return startBroker({
    autoRegister: (peer) => jitp.register(peer),
    host: ctx.host,
    port: opts.port,
    tls: { key: m.server.privateKeyPem, cert: m.server.certificatePem, ca: m.ca.certificatePem },
    registry,
    region: ctx.region,
    logger: ctx.logger,
    persistence,
    wsCredentials: m.credentials,
    // devices get in once rules and shadows are wired (wire() opens the intake)
    holdIntake: true,
    ...(opts.display ? { sessions: opts.display.sessions } : {}),
    ...(opts.limits ? { limits: opts.limits } : {}),
  });
}

function startSeparate(
  ctx: WiringContext,
  registry: Registry,
  jitp: JustInTimeProvisioning,
  opts: MqttBrokerOptions,
  proc: NonNullable<MqttBrokerOptions['process']>,
): Promise<BrokerHandle> {
  const m = ctx.material;
  return startBrokerProcess({
    dataDir: ctx.dataDir,
    host: ctx.host,
    port: opts.port,
    region: ctx.region,
    accountId: LOCAL_ACCOUNT_ID,
    tls: { key: m.server.privateKeyPem, cert: m.server.certificatePem, ca: m.ca.certificatePem },
    wsCredentials: m.credentials,
    logger: ctx.logger,
    registry,
    registryFeed: proc.feed,
    autoRegister: (peer) => jitp.register(peer),
    onExit: proc.onExit,
    ...(opts.display ? { sessions: { store: opts.display.sessions, policyDocuments: opts.display.rolePolicyDocuments } } : {}),
    ...(opts.limits ? { limits: opts.limits } : {}),
  });
}
