/**
 * One wiring step per service of the local IoT Core. Each opens or starts its service,
 * registers how to undo that on a failed start, and returns its handle; `startLocalStack`
 * (stack.ts) calls them in dependency order.
 */
import { join } from 'node:path';
import type { SchedulePayload } from '../cloud-rules/schedule-payload';
import type { FsyncPolicy } from '../common/fsync-policy';
import { formatFsyncPolicy } from '../common/fsync-policy';
import type { Logger } from '../common/logger';
import { listenFailure } from '../common/startup-errors';
import { createTimestreamWriteClient } from '../common/timestream-write-client';
import { CLAIM_POLICY_NAME, claimPolicyDocument, DEVICE_POLICY_NAME, devicePolicyDocument, supersededDevicePolicyDocuments } from '../protocol/policies';
import { LOCAL_ACCOUNT_ID } from './aws-identity';
import { type BedrockFaults, createBedrockRuntimeService } from './bedrock/index';
import type { BrokerHandle, } from './broker/broker';
import { type DisplayIdentity, openDisplayIdentity } from './cognito/index';
import type { DataDirMaterial } from './data-dir';
import { createIotService, type IotService } from './gateway/iot/service';
import { type GatewayHandle, startGateway } from './gateway/server';
import { type FleetProvisioningHandle, startFleetProvisioning } from './provisioning/fleet-provisioning-service';
import { type AsyncQueueLimits, createLambdaInvokeService, LambdaService, type LambdaTarget, type LocalFunctionSpec } from './lambda/index';
import type { RoleSessions } from './ports';
import { type MapChange, Registry } from './registry/index';
import { type RuleDefinition, RulesRuntime, timestreamWriterFor, topicRuleRoutes } from './rules/index';
import { createS3Service, type S3Service } from './s3/index';
import { createShadowService, type ShadowServiceHandle, type ShadowServiceLimits } from './shadow/index';
import { LocalScheduler } from './scheduler/index';
import { storeOpenFailure } from './store-open-failure';
import { createTimestreamService, type TimestreamServiceHandle } from './timestream/timestream-service';

/** Undo steps of a start in progress, run in reverse if a later step fails. */
export class StartupUnwinder {
  private readonly steps: Array<() => Promise<void> | void> = [];

  constructor(private readonly logger: Logger) {}

  push(step: () => Promise<void> | void): void {
    this.steps.push(step);
  }

  async unwind(): Promise<void> {
    for (const step of this.steps.reverse()) {
      try {
        await step();
      } catch (e) {
        this.logger.warn({ err: e }, 'cleanup after a failed start failed');
      }
    }
  }
}

/** What every wiring step gets. */
export interface WiringContext {
  dataDir: string;
  region: string;
  host: string;
  logger: Logger;
  material: DataDirMaterial;
  unwinder: StartupUnwinder;
}

/**
 * Seeds one of pulsepet's policies: created on first run; a data dir whose default
 * version is an earlier pulsepet's document (nobody changed it) moves to the current one.
 */
async function seedPolicy(ctx: WiringContext, registry: Registry, name: string, current: string, superseded: readonly string[]): Promise<void> {
  const seeded = registry.getPolicy(name);
  if (!seeded) await registry.createPolicy(name, current);
  else if (superseded.includes(seeded.policyDocument)) {
    await registry.policyVersions.createVersion(name, current, true).then(
      () => ctx.logger.info({ policy: name }, 'policy updated to the current version'),
      (e: unknown) => ctx.logger.warn({ err: e, policy: name }, 'policy left at an earlier version'),
    );
  }
}

/** The registry, with the `pulsepet-device` and `pulsepet-claim` policies seeded on first run. */
export async function openRegistry(ctx: WiringContext, onChange?: (c: MapChange) => void): Promise<Registry> {
  const registry = Registry.open(join(ctx.dataDir, 'registry'), { region: ctx.region, logger: ctx.logger, ...(onChange ? { onChange } : {}) });
  ctx.unwinder.push(() => registry.close());
  await seedPolicy(ctx, registry, DEVICE_POLICY_NAME, devicePolicyDocument(), supersededDevicePolicyDocuments());
  await seedPolicy(ctx, registry, CLAIM_POLICY_NAME, claimPolicyDocument(), []);
  return registry;
}

/** The IoT control plane (`iot`); `mqttAddress` is read when DescribeEndpoint is answered. */
export async function startIotControlPlane(ctx: WiringContext, registry: Registry, mqttAddress: () => string): Promise<IotService> {
  const iot = createIotService({ registry, region: ctx.region, ca: ctx.material.ca, mqttAddress, logger: ctx.logger });
  await iot.ready;
  return iot;
}

/** The Timestream-compatible store; a store file DuckDB cannot open is named as corrupt (or newer). */
export async function startTimestream(ctx: WiringContext): Promise<TimestreamServiceHandle> {
  const timestream = await createTimestreamService({ dataDir: ctx.dataDir, logger: ctx.logger }).catch((e: unknown) => {
    throw storeOpenFailure(e, ctx.dataDir) ?? e;
  });
  ctx.unwinder.push(() => timestream.close());
  return timestream;
}

/**
 * The display's Cognito identity pool (`cognito-identity`): unauthenticated identities get
 * temporary credentials for the `pulsepet-display` role, which the gateway and the broker accept.
 */
export function openDisplayIdentityPool(ctx: WiringContext): DisplayIdentity {
  const display = openDisplayIdentity({ dataDir: ctx.dataDir, region: ctx.region, logger: ctx.logger });
  ctx.logger.info({ identityPoolId: display.identityPoolId }, 'display identity pool ready');
  return display;
}

/** The SigV4 gateway on one HTTP port, serving `iot` and `timestream` (more services join later). */
export async function startHttpGateway(
  ctx: WiringContext,
  port: number,
  services: Parameters<typeof startGateway>[0]['services'],
  sessions?: RoleSessions,
): Promise<GatewayHandle> {
  const gw = { host: ctx.host, port, region: ctx.region, credentials: ctx.material.credentials, services, logger: ctx.logger };
  const gateway = await startGateway({ ...gw, ...(sessions ? { sessions } : {}) }).catch(
    (e: unknown) => {
      throw listenFailure(e, { option: 'httpPort', service: 'HTTP gateway', host: ctx.host, port }) ?? e;
    },
  );
  ctx.unwinder.push(() => gateway.close());
  return gateway;
}

/**
 * The gateway's HTTPS listener on a second port (same host, same routes), with the data
 * dir's server certificate: the one the broker presents, issued by the local CA for the
 * stack's host, `127.0.0.1` and `localhost`.
 */
export async function startHttpsListener(ctx: WiringContext, gateway: GatewayHandle, port: number): Promise<void> {
  const { privateKeyPem: key, certificatePem: cert } = ctx.material.server;
  await gateway.listenHttps({ port, key, cert }).catch((e: unknown) => {
    throw listenFailure(e, { option: 'httpsPort', service: 'HTTPS gateway', host: ctx.host, port }) ?? e;
  });
}

/** Device shadows over the broker bus, with the `iotdata` API on the gateway. */
export function startShadows(
  ctx: WiringContext,
  broker: BrokerHandle,
  gateway: GatewayHandle,
  opts: { limits?: Partial<ShadowServiceLimits>; fsync?: FsyncPolicy },
): ShadowServiceHandle {
  const shadows = createShadowService({
    bus: broker,
    dataDir: ctx.dataDir,
    logger: ctx.logger,
    ...(opts.limits ? { limits: opts.limits } : {}),
    ...(opts.fsync ? { fsync: opts.fsync } : {}),
  });
  ctx.unwinder.push(() => shadows.close());
  gateway.addService(shadows.iotdata);
  ctx.logger.info({ shadowFsync: formatFsyncPolicy(shadows.store.fsync) }, 'device shadows acknowledge updates per this fsync policy');
  return shadows;
}

/**
 * The local Lambda service. Each function runs in an execution environment of its own
 * and reaches the stack only as it reaches AWS: through the real SDK clients,
 * configured by the standard environment variables set here. Lambda's `Invoke` API
 * (`lambda`) is on the gateway, so a function invokes another as it does on AWS.
 */
export function startLambda(
  ctx: WiringContext,
  gateway: GatewayHandle,
  opts: {
    functions?: readonly LocalFunctionSpec[];
    handlers?: ReadonlyMap<string, LambdaTarget>;
    retryDelaysMs?: readonly number[];
    queueLimits?: Partial<AsyncQueueLimits> & { durable?: boolean };
  },
): LambdaService {
  const { durable, ...limits } = opts.queueLimits ?? {};
  const lambda = new LambdaService({
    dataDir: ctx.dataDir,
    queueLimits: limits,
    ...(durable === false ? { queueDurable: false } : {}),
    ...(opts.functions ? { functions: opts.functions } : {}),
    ...(opts.handlers ? { handlers: opts.handlers } : {}),
    ...(opts.retryDelaysMs ? { retryDelaysMs: opts.retryDelaysMs } : {}),
    platformEnvironment: {
      AWS_ENDPOINT_URL: gateway.url,
      AWS_REGION: ctx.region,
      AWS_ACCESS_KEY_ID: ctx.material.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: ctx.material.credentials.secretAccessKey,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      LOG_LEVEL: ctx.logger.level,
    },
    logger: ctx.logger,
  });
  ctx.unwinder.push(() => lambda.close(0));
  gateway.addMetrics(() => lambda.metrics());
  gateway.addService(createLambdaInvokeService({ lambda, region: ctx.region, accountId: LOCAL_ACCOUNT_ID, logger: ctx.logger }));
  return lambda;
}

/**
 * The rules engine over the broker bus, with the topic-rule API on the IoT service.
 * Its own Timestream action (an AWS service, so in-process) writes through the real client.
 */
export async function startRules(
  ctx: WiringContext,
  deps: { broker: BrokerHandle; gateway: GatewayHandle; iot: IotService; lambda: LambdaService },
  rules: (env: { region: string; accountId: string }) => readonly RuleDefinition[],
): Promise<{ rules: RulesRuntime; closeTimestreamClient: () => void }> {
  const tsWrite = createTimestreamWriteClient(
    { endpoint: deps.gateway.url, region: ctx.region, credentials: ctx.material.credentials, maxSockets: 200 },
    ctx.logger,
  );
  ctx.unwinder.push(() => tsWrite.destroy());
  const runtime = await RulesRuntime.start({
    bus: deps.broker,
    dataDir: ctx.dataDir,
    region: ctx.region,
    logger: ctx.logger,
    lambda: deps.lambda,
    rules: rules({ region: ctx.region, accountId: LOCAL_ACCOUNT_ID }),
    timestream: timestreamWriterFor(tsWrite),
  });
  ctx.unwinder.push(() => runtime.close());
  for (const r of topicRuleRoutes(runtime)) deps.iot.addRoute(r);
  // The rules are the failure destination now: events queued before a restart may run.
  deps.lambda.start();
  return { rules: runtime, closeTimestreamClient: () => tsWrite.destroy() };
}

/**
 * The fleet provisioning MQTT API on the broker (provisioning by claim): certificates
 * from the stack's CA, RegisterThing over the registry's templates, pre-provisioning
 * hooks invoked synchronously in the Lambda service.
 */
export function startFleetProvisioningApi(
  ctx: WiringContext,
  deps: { broker: BrokerHandle; registry: Registry; lambda: LambdaService },
  opts: { tokenTtlMs?: number } = {},
): FleetProvisioningHandle {
  const fp = startFleetProvisioning({
    bus: deps.broker,
    registry: deps.registry,
    ca: ctx.material.ca,
    logger: ctx.logger,
    invoke: (name, event, caller) => deps.lambda.invoke(name, event, caller),
    ...(opts.tokenTtlMs !== undefined ? { tokenTtlMs: opts.tokenTtlMs } : {}),
  });
  ctx.unwinder.push(() => fp.close());
  return fp;
}

/** The EventBridge Scheduler stand-in: the schedules it is handed fire into the Lambda service's async queue. */
export function startScheduler(
  ctx: WiringContext,
  lambda: LambdaService,
  schedules: (env: { region: string; accountId: string }) => readonly SchedulePayload[],
): LocalScheduler {
  const list = schedules({ region: ctx.region, accountId: LOCAL_ACCOUNT_ID });
  const scheduler = new LocalScheduler({ schedules: list, invoke: (r) => lambda.invokeAsync(r), region: ctx.region, logger: ctx.logger });
  ctx.unwinder.push(() => scheduler.close());
  scheduler.start();
  return scheduler;
}

/**
 * The local Bedrock runtime (`bedrock`): Converse answered by a deterministic coach,
 * with the faults it is given, and its request counter on `GET /metrics`.
 */
export function startBedrock(ctx: WiringContext, gateway: GatewayHandle, faults?: BedrockFaults): void {
  const bedrock = createBedrockRuntimeService({ logger: ctx.logger, ...(faults ? { faults } : {}) });
  gateway.addService(bedrock);
  gateway.addMetrics(() => bedrock.metrics());
  if (faults) ctx.logger.info({ bedrockFaults: faults }, 'the local Bedrock service injects these faults');
}

/**
 * The local S3 (`s3`, path-style) over `{dataDir}/s3`, with `buckets` created unless they
 * exist, and its request counter on `GET /metrics`.
 */
export async function startS3(ctx: WiringContext, gateway: GatewayHandle, buckets: readonly string[]): Promise<S3Service> {
  const s3 = await createS3Service({ dataDir: ctx.dataDir, region: ctx.region, logger: ctx.logger });
  for (const bucket of buckets) await s3.ensureBucket(bucket);
  gateway.addService(s3);
  gateway.addMetrics(() => s3.metrics());
  return s3;
}
