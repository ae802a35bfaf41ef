/** Test helpers for the rules runtime suites (not product code). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../../../common/logger';
import { LambdaService, type LambdaTarget } from '../../../local/lambda/index';
import type { BrokerBus } from '../../../local/ports';
import type { IoTClient } from '@aws-sdk/client-iot';
import { RulesRuntime, type RulesRuntimeOptions, topicRuleRoutes } from '../../../local/rules/index';
import { type Fixture, startFixture } from './broker';
import { startTestGateway, type TestGateway } from './gateway';

export function tempDir(prefix = 'pp-rules-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface BusMessage {
  topic: string;
  payload: Buffer;
  qos: 0 | 1;
}

/** Resolves with the next message on `filter` that satisfies `pred`; rejects after `timeoutMs`. */
export function nextMessage(bus: BrokerBus, filter: string, pred: (m: BusMessage) => boolean = () => true, timeoutMs = 5000): Promise<BusMessage> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no message on ${filter} within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = bus.onPublish(filter, (m) => {
      const msg = { topic: m.topic, payload: m.payload, qos: m.qos };
      if (!pred(msg)) return;
      clearTimeout(timer);
      off();
      resolve(msg);
    });
  });
}

/** Collects every message on `filter` until `stop()` is called. */
export function collect(bus: BrokerBus, filter: string): { messages: BusMessage[]; stop(): void } {
  const messages: BusMessage[] = [];
  const stop = bus.onPublish(filter, (m) => {
    messages.push({ topic: m.topic, payload: m.payload, qos: m.qos });
  });
  return { messages, stop };
}

export interface RulesWithLambdaOptions extends Omit<RulesRuntimeOptions, 'lambda'> {
  /** in-process Lambda handlers by function name */
  functions?: ReadonlyMap<string, LambdaTarget>;
  lambdaRetryDelaysMs?: readonly number[];
  /** how long closing lets running invocations finish */
  closeGraceMs?: number;
}

/**
 * A rules runtime over its own local Lambda service with in-process handlers (its queue
 * in `{dataDir}/lambda`). Its `close()` closes the two in the stack's order (stop the
 * rules, close the Lambda service, close the stores).
 */
export async function startRulesWithLambda(opts: RulesWithLambdaOptions): Promise<RulesRuntime> {
  const { functions, lambdaRetryDelaysMs, closeGraceMs, ...rest } = opts;
  const lambda = new LambdaService({
    dataDir: rest.dataDir,
    ...(functions ? { handlers: functions } : {}),
    ...(lambdaRetryDelaysMs ? { retryDelaysMs: lambdaRetryDelaysMs } : {}),
    logger: rest.logger ?? silentLogger(),
  });
  const rt = await RulesRuntime.start({ ...rest, lambda });
  lambda.start();
  const closeStores = rt.close.bind(rt);
  rt.close = async () => {
    await rt.stop();
    await lambda.close(closeGraceMs);
    await closeStores();
  };
  return rt;
}

/** A rules runtime whose topic-rule API is served on a test gateway, reached with the real client-iot. */
export interface TopicRuleApi {
  fx: Fixture;
  gw: TestGateway;
  rt: RulesRuntime;
  iot: IoTClient;
  close(): Promise<void>;
}

/** Starts a broker fixture, a test gateway and a rules runtime with no seeded rules, the topic-rule routes added. */
export async function startTopicRuleApi(): Promise<TopicRuleApi> {
  const fx = await startFixture();
  const gw = await startTestGateway();
  const dataDir = tempDir();
  const rt = await startRulesWithLambda({ bus: fx.broker, dataDir, region: gw.region, rules: [] });
  for (const r of topicRuleRoutes(rt)) gw.iotService.addRoute(r);
  return {
    fx,
    gw,
    rt,
    iot: gw.iot(),
    async close() {
      await rt.close();
      await gw.close();
      await fx.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
