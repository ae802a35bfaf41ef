import { join } from 'node:path';
import type { SchedulePayload } from '../cloud-rules/schedule-payload';
import { acquireDirLock } from '../common/dir-lock';
import type { FsyncPolicy } from '../common/fsync-policy';
import { tuneGcForHost } from '../common/gc-tuning';
import { type Logger, silentLogger } from '../common/logger';
import { dirFailure } from '../common/startup-errors';
import { PULSEPET_VERSION } from '../common/version';
import { AVATARS } from '../protocol/resources';
import { DEFAULT_REGION } from './aws-identity';
import type { BedrockFaults } from './bedrock/index';
import type { BrokerHandle } from './broker/broker';
import { type BrokerProcessStats, isBrokerProcess, RegistryFeed } from './broker-process/index';
import { brokerOptions, startMqttBroker } from './stack-broker';
import type { BrokerLimitsInput } from './broker/limits';
import type { FleetProvisioningHandle } from './provisioning/fleet-provisioning-service';
import { type DataDirMaterial, type LocalCredentials, prepareDataDir, writeEnvFile } from './data-dir';
import { readDataDirFormat, writeDataDirFormat } from './data-dir-format';
import type { GatewayHandle } from './gateway/server';
import { assertPortsFree } from './listen-preflight';
import type { AsyncQueueLimits, LambdaService, LambdaTarget, LocalFunctionSpec } from './lambda/index';
import type { BrokerBus, GatewayService } from './ports';
import { createSageMakerRuntimeService, type ModelHandler } from './sagemaker/index';
import type { Registry } from './registry/registry';
import type { RuleDefinition, RulesRuntime } from './rules/index';
import type { S3Service } from './s3/index';
import type { LocalScheduler } from './scheduler/index';
import type { ShadowServiceHandle, ShadowServiceLimits } from './shadow/index';
import {
  openDisplayIdentityPool,
  openRegistry,
  StartupUnwinder,
  startBedrock,
  startFleetProvisioningApi,
  startHttpGateway,
  startHttpsListener,
  startIotControlPlane,
  startLambda,
  startRules,
  startS3,
  startScheduler,
  startShadows,
  startTimestream,
  type WiringContext,
} from './stack-services';
import type { TimestreamServiceHandle } from './timestream/timestream-service';

export interface LocalStackOptions {
  /** state, CA and credentials; created on first run */
  dataDir: string;
  /** MQTT over TLS; 0 (the default here, for tests) picks a free port */
  mqttPort?: number;
  /** HTTP gateway + MQTT over WebSocket at /mqtt; 0 picks a free port */
  httpPort?: number;
  /**
   * the same gateway over HTTPS (and `wss://…/mqtt`) with the data dir's server
   * certificate, issued by the local CA; 0 picks a free port; none when left out
   */
  httpsPort?: number;
  host?: string;
  region?: string;
  logger?: Logger;
  shadowLimits?: Partial<ShadowServiceLimits>;
  /** when a shadow update is acknowledged (local/shadow/shadow-store.ts DEFAULT_SHADOW_FSYNC) */
  shadowFsync?: FsyncPolicy;
  /**
   * Lambda functions to deploy, each run in execution environments of its own
   * (pulsepet's come from functions/registry.ts, handed in by cli/).
   */
  functions?: readonly LocalFunctionSpec[];
  /** in-process Lambda handlers by function name (tests, benches); they replace a deployed function of the same name */
  handlers?: ReadonlyMap<string, LambdaTarget>;
  /** SageMaker endpoints served in-process by their model handlers (pulsepet's models, handed in by cli/) */
  modelEndpoints?: ReadonlyMap<string, ModelHandler>;
  /** faults the local Bedrock service injects per request (throttling, schema-breaking tool input, latency); none by default */
  bedrockFaults?: BedrockFaults;
  /** topic rules seeded at start (pulsepet's come from cloud-rules/, handed in by cli/) */
  rules?: (env: { region: string; accountId: string }) => readonly RuleDefinition[];
  /** EventBridge Scheduler schedules run at start (pulsepet's come from cloud-rules/schedules.ts, handed in by cli/) */
  schedules?: (env: { region: string; accountId: string }) => readonly SchedulePayload[];
  /** IoT Core per-connection limits; AWS's defaults unless a test or benchmark lifts one */
  brokerLimits?: BrokerLimitsInput;
  /** waits before the Lambda service's async retries (tests shorten them) */
  lambdaRetryDelaysMs?: readonly number[];
  /**
   * bounds of the Lambda service's durable asynchronous event queue (bytes on disk, bytes
   * in memory, concurrency); `durable: false` keeps it in memory only (benchmark baseline)
   */
  lambdaQueue?: Partial<AsyncQueueLimits> & { durable?: boolean };
  /** fleet provisioning ownership-token lifetime (AWS: one hour; tests shorten it) */
  provisioningTokenTtlMs?: number;
  /**
   * V8 tuning for the server process (common/gc-tuning.ts: no parallel scavenging
   * on hosts with two CPUs or fewer); process-wide. Default true.
   */
  tuneGc?: boolean;
  /**
   * Keep devices out until {@link LocalStack.openIntake} is called (a caller that wires its
   * own observers of the bus first); default false: the intake opens once the stack is wired.
   */
  holdIntake?: boolean;
  /**
   * Run the MQTT broker in a process of its own (`pulsepet up --broker-process`): its
   * connections' TLS state, sessions and subscriptions then live there, beside the stack's
   * main thread. Default false (one process).
   */
  brokerProcess?: boolean;
  /**
   * Called when a part of the stack stops on its own (the broker process exited); the
   * stack is then unusable and should be closed. Without it the failure is only logged.
   */
  onFailure?: (err: Error) => void;
  /** write `{dataDir}/env` for this start (default true; a short maintenance start on other ports leaves it alone) */
  writeEnvFile?: boolean;
}

/** A running local IoT Core. Every part is reached through AWS wire protocols; the handles are for wiring and tests. */
export interface LocalStack {
  mqttEndpoint: string;
  httpEndpoint: string;
  /** `https://host:port` of the gateway's HTTPS listener (trusting `caFile`), when `httpsPort` was given */
  httpsEndpoint?: string;
  region: string;
  /** the CA that signs the broker's certificate (devices' root CA) */
  caFile: string;
  credentials: LocalCredentials;
  envFile: string;
  dataDir: string;
  mqttPort: number;
  httpPort: number;
  /** when `httpsPort` was given */
  httpsPort?: number;
  bus: BrokerBus;
  broker: BrokerHandle;
  /** the broker process's pid, when started with {@link LocalStackOptions.brokerProcess} */
  brokerPid?: number;
  /** the broker process's latest figures (connections, messages awaiting the stack, memory), with {@link LocalStackOptions.brokerProcess} */
  brokerStats?: () => BrokerProcessStats;
  registry: Registry;
  gateway: GatewayHandle;
  shadows: ShadowServiceHandle;
  rules: RulesRuntime;
  timestream: TimestreamServiceHandle;
  /** the local Lambda service: functions by name, the async invocation queue */
  lambda: LambdaService;
  /** the EventBridge Scheduler stand-in running the schedules it was given */
  scheduler: LocalScheduler;
  /** the local S3 (path-style, signing name `s3`), with the avatar bucket (`AVATARS.bucket`) created at start */
  s3: S3Service;
  /**
   * The pet display's access: its Cognito identity pool (`<region>:<uuid>`, the same at
   * every start of the data dir), whose unauthenticated identities get temporary
   * credentials for the `pulsepet-display` role (protocol/display-access.ts).
   */
  display: { identityPoolId: string; roleArn: string };
  material: DataDirMaterial;
  addService(s: GatewayService): void;
  /** Lets devices in, when started with {@link LocalStackOptions.holdIntake}; a no-op otherwise. */
  openIntake(): void;
  close(): Promise<void>;
}

/**
 * Starts the local IoT Core on one machine: the registry, the policy-enforcing mTLS
 * broker, device shadows, the Timestream-compatible store, the Lambda service with the
 * functions it is given, the rules runtime with the rules it is given, and the SigV4
 * gateway for `iot`, `iotdata`, `timestream`, `sagemaker`, `bedrock`, `s3` (path-style, the avatar
 * bucket created) and `cognito-identity` (the display's identity pool). Closing flushes every store.
 *
 * One process at a time owns a data dir (common/dir-lock.ts); nothing in it is read
 * or written before that lock is held. A start that fails for a reason the user can
 * fix throws one of common/startup-errors.ts' errors (port, data dir, corrupt file).
 *
 * @example
 * const stack = await startLocalStack({ dataDir: mkdtempSync(...) });
 * const iot = new IoTClient({ endpoint: stack.httpEndpoint, region: stack.region, credentials: stack.credentials });
 */
export async function startLocalStack(opts: LocalStackOptions): Promise<LocalStack> {
  const logger = opts.logger ?? silentLogger();
  if (opts.tuneGc !== false) {
    const gc = tuneGcForHost();
    if (!gc.parallelScavenge) logger.info({ cpus: gc.cpus }, 'V8 parallel scavenging turned off on this small host');
  }
  const host = opts.host ?? '127.0.0.1';
  const lock = acquireDirLock(opts.dataDir, 'pulsepet up');
  try {
    const ctx = await prepare(opts, host, logger);
    try {
      return await wire(ctx, opts, () => lock.release());
    } catch (e) {
      await ctx.unwinder.unwind();
      throw e;
    }
  } catch (e) {
    lock.release();
    throw dirFailure(e, opts.dataDir) ?? e;
  }
}

/**
 * Under the lock: refuses a dir of a newer format and ports already taken before
 * anything in the dir changes; then marks the format and loads the key material.
 */
async function prepare(opts: LocalStackOptions, host: string, logger: Logger): Promise<WiringContext> {
  const marker = readDataDirFormat(opts.dataDir, PULSEPET_VERSION);
  await assertPortsFree([
    { option: 'mqttPort', service: 'MQTT broker', host, port: opts.mqttPort ?? 0 },
    { option: 'httpPort', service: 'HTTP gateway', host, port: opts.httpPort ?? 0 },
    ...(opts.httpsPort === undefined ? [] : [{ option: 'httpsPort', service: 'HTTPS gateway', host, port: opts.httpsPort }]),
  ]);
  if (marker === undefined) writeDataDirFormat(opts.dataDir, PULSEPET_VERSION);
  const hosts = [...new Set([host, '127.0.0.1', 'localhost'].filter((h) => h !== '0.0.0.0' && h !== '::'))];
  const material = await prepareDataDir(opts.dataDir, hosts);
  return { dataDir: opts.dataDir, region: opts.region ?? DEFAULT_REGION, host, logger, material, unwinder: new StartupUnwinder(logger) };
}

async function wire(ctx: WiringContext, opts: LocalStackOptions, releaseDataDir: () => void): Promise<LocalStack> {
  const feed = opts.brokerProcess ? new RegistryFeed() : undefined;
  const registry = await openRegistry(ctx, feed?.onChange);
  let mqttAddress = `${ctx.host}:${opts.mqttPort ?? 0}`;
  const iot = await startIotControlPlane(ctx, registry, () => mqttAddress);
  const timestream = await startTimestream(ctx);
  const sagemaker = createSageMakerRuntimeService({ endpoints: opts.modelEndpoints ?? new Map(), region: ctx.region, logger: ctx.logger });
  const display = openDisplayIdentityPool(ctx);
  const gateway = await startHttpGateway(ctx, opts.httpPort ?? 0, [iot, timestream.service, sagemaker, display.service], display.sessions);
  gateway.addMetrics(() => timestream.metrics());
  if (opts.httpsPort !== undefined) await startHttpsListener(ctx, gateway, opts.httpsPort);
  startBedrock(ctx, gateway, opts.bedrockFaults);
  const s3 = await startS3(ctx, gateway, [AVATARS.bucket]);
  const broker = await startMqttBroker(ctx, registry, gateway, brokerOptions(opts, display, feed));
  const mqttHost = ctx.host === '0.0.0.0' || ctx.host === '::' ? '127.0.0.1' : ctx.host;
  mqttAddress = `${mqttHost}:${broker.port}`;
  const shadows = startShadows(ctx, broker, gateway, {
    ...(opts.shadowLimits ? { limits: opts.shadowLimits } : {}),
    ...(opts.shadowFsync ? { fsync: opts.shadowFsync } : {}),
  });
  const lambda = startLambda(ctx, gateway, {
    ...(opts.functions ? { functions: opts.functions } : {}),
    ...(opts.handlers ? { handlers: opts.handlers } : {}),
    ...(opts.lambdaRetryDelaysMs ? { retryDelaysMs: opts.lambdaRetryDelaysMs } : {}),
    ...(opts.lambdaQueue ? { queueLimits: opts.lambdaQueue } : {}),
  });
  const provisioning = startFleetProvisioningApi(ctx, { broker, registry, lambda }, opts.provisioningTokenTtlMs !== undefined ? { tokenTtlMs: opts.provisioningTokenTtlMs } : {});
  const { rules, closeTimestreamClient } = await startRules(ctx, { broker, gateway, iot, lambda }, opts.rules ?? (() => []));
  const scheduler = startScheduler(ctx, lambda, opts.schedules ?? (() => []));

  const httpEndpoint = gateway.url;
  const mqttEndpoint = `mqtts://${mqttAddress}`;
  const m = ctx.material;
  const identityPoolId = display.identityPoolId;
  const envFile =
    opts.writeEnvFile === false
      ? join(ctx.dataDir, 'env')
      : writeEnvFile(ctx.dataDir, { httpEndpoint, region: ctx.region, credentials: m.credentials, caFile: m.caFile, mqttEndpoint, identityPoolId });
  const https = gateway.https ? { httpsEndpoint: gateway.https.url, httpsPort: gateway.https.port } : {};
  // Only now can a device's first publish find the rules and shadows behind it.
  if (!opts.holdIntake) broker.openIntake();
  ctx.logger.info({ component: 'stack', mqttEndpoint, httpEndpoint, ...https }, 'local IoT Core ready');

  let closing: Promise<void> | undefined;
  const parts = { broker, provisioning, scheduler, rules, lambda, closeTimestreamClient, gateway, shadows, timestream, registry };
  const close = () => closeStack(parts, releaseDataDir);
  return {
    mqttEndpoint,
    httpEndpoint,
    region: ctx.region,
    ...https,
    caFile: m.caFile,
    credentials: m.credentials,
    envFile,
    dataDir: ctx.dataDir,
    mqttPort: broker.port,
    httpPort: gateway.port,
    bus: broker,
    broker,
    ...(isBrokerProcess(broker) ? { brokerPid: broker.pid, brokerStats: () => broker.stats() } : {}),
    registry,
    gateway,
    shadows,
    rules,
    timestream,
    lambda,
    scheduler,
    s3,
    display: { identityPoolId, roleArn: display.roleArn },
    material: m,
    addService: (s) => gateway.addService(s),
    openIntake: () => broker.openIntake(),
    close() {
      closing ??= close();
      return closing;
    },
  };
}

/** Stops intake first (the broker), then the rules and functions, the gateway, the services, the stores. */
async function closeStack(
  p: {
    broker: BrokerHandle;
    provisioning: FleetProvisioningHandle;
    scheduler: LocalScheduler;
    rules: RulesRuntime;
    lambda: LambdaService;
    closeTimestreamClient: () => void;
    gateway: GatewayHandle;
    shadows: ShadowServiceHandle;
    timestream: TimestreamServiceHandle;
    registry: Registry;
  },
  releaseDataDir: () => void,
): Promise<void> {
  try {
    await p.broker.close();
    p.provisioning.close();
    p.scheduler.close();
    await p.rules.stop();
    // The gateway stays up while running invocations finish, so they can still write;
    // events not done stay in the Lambda queue on disk and run after the next start.
    await p.lambda.close();
    await p.rules.close();
    p.closeTimestreamClient();
    await p.gateway.close();
    await p.shadows.close();
    await p.timestream.close();
    await p.registry.flush();
    p.registry.close();
  } finally {
    releaseDataDir();
  }
}
