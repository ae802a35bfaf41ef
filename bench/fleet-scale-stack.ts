/**
 * Child process of bench/fleet-scale.ts: the local IoT Core with pulsepet's functions and
 * rules, alone in its process so its RSS and CPU are its own. Provisions N devices
 * straight into its registry (thing, ACTIVE certificate from the stack's CA,
 * pulsepet-device policy, attachment: the end state `pulsepet simulate` reaches through
 * client-iot, without 60,000 HTTP round trips), hands them to the parent over IPC, and
 * answers 'mem' with its RSS and CPU (and the broker process's, when it runs one) until 'stop'.
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createKeysAndCertificate, inspectCertificate } from '../certs/index';
import { startPulsepetStack } from '../cli/pulsepet-stack';
import { INGEST_RULE_NAME } from '../cloud-rules/rules';
import { createLogger } from '../common/logger';
import { DEVICE_POLICY_NAME } from '../protocol/policies';
import { FUNCTION_NAMES } from '../protocol/resources';
import type { DeadLetter } from '../local/index';
import { processRssAndCpu, threadCpuMicros } from './thread-cpu';
import { rssBreakdown } from './rss-breakdown';

const [dataDir, countArg, prefix = 'sim-'] = process.argv.slice(2);
const count = Number(countArg);
if (!dataDir || !Number.isInteger(count) || count < 1 || !process.send) {
  process.stderr.write('usage: forked by bench/fleet-scale.ts with DATA_DIR N [PREFIX]\n');
  process.exit(2);
}
const send = (m: object) => process.send?.(m);
mkdirSync(dataDir, { recursive: true });
// warnings and errors of the stack (failed invocations, dead letters) go to DATA_DIR/stack.log
const logger = createLogger('stack', { level: 'warn', destination: createWriteStream(join(dataDir, 'stack.log')) });
// bench/fleet-scale.ts --queue-priority off: every function at full concurrency (the baseline)
const noPriority = process.env.PULSEPET_BENCH_QUEUE_PRIORITY === 'off';
const maxBytes = Number(process.env.PULSEPET_BENCH_QUEUE_MAX_BYTES) || undefined;
const lambdaQueue = { ...(noPriority ? { priority: { functions: [] } } : {}), ...(maxBytes ? { maxBytes } : {}) };
// bench/fleet-scale.ts --broker-process on: the broker in a process of its own (pulsepet up --broker-process)
const brokerProcess = process.env.PULSEPET_BENCH_BROKER_PROCESS === 'on';
const stack = await startPulsepetStack({ dataDir: join(dataDir, 'stack'), logger, lambdaQueue, brokerProcess });
const ca = stack.material.ca;

async function provision(thingName: string): Promise<{ thing: string; certificatePem: string; privateKeyPem: string }> {
  const issued = await createKeysAndCertificate(ca, { commonName: thingName });
  const info = inspectCertificate(issued.certificatePem);
  const arn = stack.registry.certificateArn(issued.certificateId);
  await stack.registry.addCertificate({
    certificateId: issued.certificateId,
    certificatePem: issued.certificatePem,
    status: 'ACTIVE',
    caCertificateId: ca.certificateId,
    validity: { notBefore: info.notBefore, notAfter: info.notAfter },
  });
  await stack.registry.createThing({ thingName });
  await stack.registry.attachThingPrincipal(thingName, arn);
  await stack.registry.attachPolicy(DEVICE_POLICY_NAME, arn);
  return { thing: thingName, certificatePem: issued.certificatePem, privateKeyPem: issued.keyPair.PrivateKey };
}

const t0 = performance.now();
const width = Math.max(5, String(count).length);
for (let i = 0; i < count; i += 250) {
  const chunk = await Promise.all(
    Array.from({ length: Math.min(250, count - i) }, (_, k) => provision(`${prefix}${String(i + k + 1).padStart(width, '0')}`)),
  );
  send({ kind: 'devices', devices: chunk });
  if ((i + chunk.length) % 2_000 === 0) process.stderr.write(`provisioned ${i + chunk.length}/${count} devices\n`);
}
await stack.registry.flush();
send({
  kind: 'ready',
  provisionS: Math.round((performance.now() - t0) / 100) / 10,
  mqttEndpoint: stack.mqttEndpoint,
  httpEndpoint: stack.httpEndpoint,
  region: stack.region,
  credentials: { ...stack.credentials },
  caFile: stack.caFile,
});

/**
 * CPU µs by where it ran: the main thread (broker, shadows, rules, gateway, the Lambda
 * queue), each function's execution environments (worker threads), and every other
 * thread (DuckDB, libuv, V8 helpers); from /proc/self/task/TID/stat (utime + stime).
 */
function cpuByThread(): Record<string, number> {
  const owner = new Map<number, string>();
  for (const [key, name] of Object.entries(FUNCTION_NAMES)) for (const tid of stack.lambda.functions.get(name)?.osThreadIds ?? []) owner.set(tid, key);
  const out: Record<string, number> = { main: 0, ingest: 0, reasoning: 0, dailySummary: 0, other: 0 };
  for (const [tid, micros] of threadCpuMicros()) {
    const who = tid === process.pid ? 'main' : (owner.get(tid) ?? 'other');
    out[who] = (out[who] ?? 0) + micros;
  }
  // the broker process's threads, all together
  const broker = stack.brokerPid === undefined ? undefined : processRssAndCpu(stack.brokerPid);
  if (broker) out.brokerProcess = broker.cpuMicros;
  return out;
}

/**
 * Rule actions that failed (under overload: the Lambda queue full, refusing as Lambda
 * throttles) per rule, how many letters the dead-letter queue took per rule, and which
 * telemetry batches the ingest rule's letters hold (`thing/batchId`): the parent checks
 * its lost batches against them (a refused batch is replayable; one missing here is gone).
 */
const refusals: Record<string, { failed: number; deadLettered: number }> = {};
const ingestLetters = new Set<string>();
const refusalOf = (rule: string) => (refusals[rule] ??= { failed: 0, deadLettered: 0 });
stack.rules.on('action-failed', (e: { ruleName: string }) => void refusalOf(e.ruleName).failed++);
stack.rules.on('dead-letter', (d: DeadLetter) => {
  refusalOf(d.ruleName).deadLettered++;
  if (d.ruleName !== INGEST_RULE_NAME) return;
  const batchId = /"batchId":"([^"]+)"/.exec(Buffer.from(d.base64OriginalPayload, 'base64').toString('utf8'))?.[1];
  if (batchId !== undefined) ingestLetters.add(`${d.topic.split('/')[2]}/${batchId}`);
});

// the main thread's event-loop delay (broker, shadows, rules, gateway): how long ready work waited
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

process.on('message', async (msg) => {
  if (msg === 'loop-reset') loopDelay.reset();
  if (msg === 'mem' || msg === 'mem-gc' || msg === 'mem-breakdown') {
    // 'mem-gc': after a full GC, the live memory (V8 grows its heap lazily while memory is plentiful)
    if (msg === 'mem-gc') (globalThis as { gc?: () => void }).gc?.();
    const cpu = process.cpuUsage();
    const m = process.memoryUsage();
    const broker = stack.brokerPid === undefined ? null : (processRssAndCpu(stack.brokerPid) ?? null);
    // the broker process's own figures: its heap, and device messages waiting for the stack's acknowledgement
    const brokerStats = stack.brokerStats?.() ?? null;
    // execution environments (worker threads, each a V8 isolate of its own) per function
    const environments = Object.fromEntries(Object.entries(FUNCTION_NAMES).map(([k, name]) => [k, stack.lambda.functions.get(name)?.osThreadIds.length ?? 0]));
    const q = stack.lambda.queueStats();
    const loop = { p50Ms: loopDelay.percentile(50) / 1e6, p99Ms: loopDelay.percentile(99) / 1e6, maxMs: loopDelay.max / 1e6 };
    const byFunction = Object.entries(q.byFunction);
    const queue = {
      maxBytes: q.maxBytes,
      depth: Object.fromEntries(byFunction.map(([k, f]) => [k, f.depth])),
      throttled: Object.fromEntries(byFunction.filter(([, f]) => f.throttled > 0).map(([k, f]) => [k, f.throttled])),
      fsync: q.fsync,
      yieldSpells: q.yieldSpells,
    };
    const store = { ...stack.timestream.store.stats };
    const breakdown = msg === 'mem' ? undefined : rssBreakdown();
    send({ kind: 'mem', ask: msg, rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, cpuMicros: cpu.user + cpu.system + (broker?.cpuMicros ?? 0), brokerRss: broker?.rss ?? null, brokerHeapUsed: brokerStats?.heapUsed ?? null, brokerAwaitingStack: brokerStats?.awaitingStack ?? null, threads: cpuByThread(), environments, loop, queue, store, breakdown });
  } else if (typeof msg === 'object' && msg !== null && (msg as { kind?: string }).kind === 'refusals') {
    const lost = (msg as { lost: Array<{ thing: string; batchId: string }> }).lost;
    const lostDeadLettered = lost.filter((b) => ingestLetters.has(`${b.thing}/${b.batchId}`)).length;
    send({ kind: 'refusals', byRule: refusals, ingestBatchesDeadLettered: ingestLetters.size, sampled: { lost: lost.length, deadLettered: lostDeadLettered } });
  } else if (msg === 'stop') {
    await stack.close();
    logger.flush();
    process.exit(0);
  }
});
