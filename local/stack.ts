import { join } from 'node:path';
import { FUNCTION_NAMES, TIMESTREAM } from '../cloud-rules/rules';
import { type FsyncPolicy, formatFsyncPolicy } from '../common/fsync-policy';
import { tuneGcForHost } from '../common/gc-tuning';
import { type Logger, silentLogger } from '../common/logger';
import { createTimestreamWriteClient } from '../functions/ingest/client';
import { DEVICE_POLICY_NAME, devicePolicyDocument } from '../protocol/policies';
import { DEFAULT_REGION } from './aws-identity';
import { type BrokerHandle, startBroker } from './broker/broker';
import type { BrokerLimitsInput } from './broker/limits';
import { createDurablePersistence } from './broker/durable-persistence';
import { type DataDirMaterial, type LocalCredentials, prepareDataDir, writeEnvFile } from './data-dir';
import { createIotService, type IotService } from './gateway/iot/service';
import { LocalFunction } from './lambda/runtime';
import { type GatewayHandle, startGateway } from './gateway/server';
import type { BrokerBus, GatewayService } from './ports';
import { Registry } from './registry/registry';
import { type LambdaHandler, type LambdaTarget, RulesRuntime, timestreamWriterFor, topicRuleRoutes } from './rules/index';
import { createShadowService, type ShadowServiceHandle, type ShadowServiceLimits } from './shadow/index';
import { createTimestreamService, type TimestreamServiceHandle } from './timestream/timestream-service';

export interface LocalStackOptions {
  /** state, CA and credentials; created on first run */
  dataDir: string;
  /** MQTT over TLS; 0 (the default here, for tests) picks a free port */
  mqttPort?: number;
  /** HTTP gateway + MQTT over WebSocket at /mqtt; 0 picks a free port */
  httpPort?: number;
  host?: string;
  region?: string;
  logger?: Logger;
  shadowLimits?: Partial<ShadowServiceLimits>;
  /** when a shadow update is acknowledged (local/shadow/shadow-store.ts DEFAULT_SHADOW_FSYNC) */
  shadowFsync?: FsyncPolicy;
  /** extra Lambda targets for rule actions, by function name (e.g. the reasoning function) */
  functions?: Map<string, LambdaHandler>;
  /** IoT Core per-connection limits; AWS's defaults unless a test or benchmark lifts one */
  brokerLimits?: BrokerLimitsInput;
  /** waits before the rules runtime's Lambda retries (tests shorten them) */
  lambdaRetryDelaysMs?: readonly number[];
  /**
   * V8 tuning for the server process (common/gc-tuning.ts: no parallel scavenging
   * on hosts with two CPUs or fewer); process-wide. Default true.
   */
  tuneGc?: boolean;
}

/** A running local IoT Core. Every part is reached through AWS wire protocols; the handles are for wiring and tests. */
export interface LocalStack {
  mqttEndpoint: string;
  httpEndpoint: string;
  region: string;
  /** the CA that signs the broker's certificate (devices' root CA) */
  caFile: string;
  credentials: LocalCredentials;
  envFile: string;
  dataDir: string;
  mqttPort: number;
  httpPort: number;
  bus: BrokerBus;
  broker: BrokerHandle;
  registry: Registry;
  gateway: GatewayHandle;
  shadows: ShadowServiceHandle;
  rules: RulesRuntime;
  timestream: TimestreamServiceHandle;
  /** the local Lambda functions that run in execution environments of their own, by name */
  lambdas: ReadonlyMap<string, LocalFunction>;
  material: DataDirMaterial;
  addService(s: GatewayService): void;
  close(): Promise<void>;
}

/**
 * Starts the local IoT Core on one machine: the registry, the policy-enforcing mTLS
 * broker, device shadows, the Timestream-compatible store, the rules runtime (with
 * the ingest function as a Lambda target) and the SigV4 gateway for `iot`,
 * `iotdata` and `timestream`. Closing flushes every store.
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
  const region = opts.region ?? DEFAULT_REGION;
  const dataDir = opts.dataDir;
  const hosts = [...new Set([host, '127.0.0.1', 'localhost'].filter((h) => h !== '0.0.0.0' && h !== '::'))];
  const material = await prepareDataDir(dataDir, hosts);

  const registry = Registry.open(join(dataDir, 'registry'), { region, logger });
  const cleanups: Array<() => Promise<void> | void> = [() => registry.close()];
  const unwind = async () => {
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch (e) {
        logger.warn({ err: e }, 'cleanup after a failed start failed');
      }
    }
  };
  try {
    if (!registry.getPolicy(DEVICE_POLICY_NAME)) await registry.createPolicy(DEVICE_POLICY_NAME, devicePolicyDocument());

    let brokerAddress = `${host}:${opts.mqttPort ?? 0}`;
    const iot: IotService = createIotService({
      registry,
      region,
      ca: material.ca,
      mqttAddress: () => brokerAddress,
      logger,
    });
    await iot.ready;
    const timestream = await createTimestreamService({ dataDir, logger });
    cleanups.push(() => timestream.close());
    const gateway = await startGateway({
      host,
      port: opts.httpPort ?? 0,
      region,
      credentials: material.credentials,
      services: [iot, timestream.service],
      logger,
    });
    cleanups.push(() => gateway.close());

    const persistence = await createDurablePersistence(join(dataDir, 'broker'), logger);
    const broker = await startBroker({
      host,
      port: opts.mqttPort ?? 0,
      tls: { key: material.server.privateKeyPem, cert: material.server.certificatePem, ca: material.ca.certificatePem },
      registry,
      region,
      logger,
      persistence,
      wsCredentials: material.credentials,
      ...(opts.brokerLimits ? { limits: opts.brokerLimits } : {}),
    });
    cleanups.push(() => broker.close());
    broker.attachWebSocket(gateway.server, '/mqtt');
    const mqttHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
    brokerAddress = `${mqttHost}:${broker.port}`;

    const shadows = createShadowService({
      bus: broker,
      dataDir,
      logger,
      ...(opts.shadowLimits ? { limits: opts.shadowLimits } : {}),
      ...(opts.shadowFsync ? { fsync: opts.shadowFsync } : {}),
    });
    cleanups.push(() => shadows.close());
    gateway.addService(shadows.iotdata);
    logger.info({ shadowFsync: formatFsyncPolicy(shadows.store.fsync) }, 'device shadows acknowledge updates per this fsync policy');

    // The rules engine's own Timestream action (an AWS service, so in-process) writes through the real client.
    const clientConfig = { endpoint: gateway.url, region, credentials: material.credentials };
    const tsWrite = createTimestreamWriteClient({ ...clientConfig, maxSockets: 200 }, logger);
    cleanups.push(() => tsWrite.destroy());
    // The local Lambda service: each function runs in an execution environment of its own
    // (a worker thread) and reaches this stack only as it reaches AWS — through the real
    // SDK clients, configured by the standard environment variables.
    const lambdaEnvironment = {
      AWS_ENDPOINT_URL: gateway.url,
      AWS_REGION: region,
      AWS_ACCESS_KEY_ID: material.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: material.credentials.secretAccessKey,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      LOG_LEVEL: logger.level,
    };
    const ingestFunction = new LocalFunction({
      name: FUNCTION_NAMES.ingest,
      module: new URL('../functions/ingest/handler.ts', import.meta.url),
      environment: {
        ...lambdaEnvironment,
        PULSEPET_TIMESTREAM_DATABASE: TIMESTREAM.database,
        PULSEPET_TIMESTREAM_TABLE: TIMESTREAM.telemetryTable,
      },
      logger,
    });
    cleanups.push(() => ingestFunction.close(0));
    const functions = new Map<string, LambdaTarget>([[FUNCTION_NAMES.ingest, ingestFunction], ...(opts.functions ?? new Map<string, LambdaHandler>())]);
    const rules = await RulesRuntime.start({
      bus: broker,
      dataDir,
      region,
      logger,
      functions,
      timestream: timestreamWriterFor(tsWrite),
      ...(opts.lambdaRetryDelaysMs ? { lambdaRetryDelaysMs: opts.lambdaRetryDelaysMs } : {}),
    });
    cleanups.push(() => rules.close());
    for (const r of topicRuleRoutes(rules)) iot.addRoute(r);

    const httpEndpoint = gateway.url;
    const mqttEndpoint = `mqtts://${brokerAddress}`;
    const envFile = writeEnvFile(dataDir, {
      httpEndpoint,
      region,
      credentials: material.credentials,
      caFile: material.caFile,
      mqttEndpoint,
    });
    logger.info({ component: 'stack', mqttEndpoint, httpEndpoint }, 'local IoT Core ready');

    let closing: Promise<void> | undefined;
    return {
      mqttEndpoint,
      httpEndpoint,
      region,
      caFile: material.caFile,
      credentials: material.credentials,
      envFile,
      dataDir,
      mqttPort: broker.port,
      httpPort: gateway.port,
      bus: broker,
      broker,
      registry,
      gateway,
      shadows,
      rules,
      timestream,
      lambdas: new Map([[ingestFunction.name, ingestFunction]]),
      material,
      addService: (s) => gateway.addService(s),
      close() {
        // Stop intake first (the broker), then the rules and functions, the gateway, the services, the stores.
        closing ??= (async () => {
          await broker.close();
          // The gateway stays up while the rules runtime drains, so running Lambda
          // invocations can still write; whatever is still running then is dead-lettered.
          await rules.close();
          await ingestFunction.close(0);
          tsWrite.destroy();
          await gateway.close();
          await shadows.close();
          await timestream.close();
          await registry.flush();
          registry.close();
        })();
        return closing;
      },
    };
  } catch (e) {
    await unwind();
    throw e;
  }
}
