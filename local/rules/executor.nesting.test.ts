import { rmSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pulsepetRules } from '../../cloud-rules/rules';
import { MAX_PAYLOAD_DEPTH } from '../../cloud-rules/sql/index';
import { createLogger, type Logger } from '../../common/logger';
import { FUNCTION_NAMES } from '../../protocol/resources';
import { type Fixture, startFixture } from '../../test/support/local/broker';
import { type BusMessage, collect, startRulesWithLambda, tempDir } from '../../test/support/local/rules';
import type { LambdaHandler } from '../lambda/index';
import type { ErrorActionMessage } from './executor';
import type { RulesRuntime } from './runtime';

const ACCOUNT = '000000000000';

/** A telemetry-shaped batch whose `deep` member makes the whole payload `depth` levels deep. */
function telemetry(depth: number): { text: string; deep: string } {
  const deep = `${'['.repeat(depth - 1)}0${']'.repeat(depth - 1)}`;
  return { text: `{"v":1,"deep":${deep}}`, deep };
}

/** A real JSON logger whose error-level lines (level 50 and up) are kept, to assert there are none. */
function recordingLogger(): { logger: Logger; errors: string[] } {
  const errors: string[] = [];
  const sink = new PassThrough();
  sink.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line !== '' && (JSON.parse(line) as { level: number }).level >= 50) errors.push(line);
    }
  });
  return { logger: createLogger('test', { level: 'warn', destination: sink }), errors };
}

describe('Rules engine: telemetry nested past MAX_PAYLOAD_DEPTH (pulsepet rules, real broker and Lambda service)', () => {
  let fx: Fixture;
  let rt: RulesRuntime;
  let dir: string;
  const events = new Map<string, unknown>();
  const log = recordingLogger();
  let errorsTopic: { messages: BusMessage[]; stop(): void };
  let seq = 0;

  beforeAll(async () => {
    fx = await startFixture();
    dir = tempDir();
    const ingest: LambdaHandler = async (event) => {
      events.set(String((event as { thing?: unknown }).thing), event);
    };
    const functions = new Map([
      [FUNCTION_NAMES.ingest, ingest],
      [FUNCTION_NAMES.reasoning, (async () => undefined) as LambdaHandler],
    ]);
    rt = await startRulesWithLambda({
      bus: fx.broker,
      dataDir: dir,
      region: 'us-east-1',
      accountId: ACCOUNT,
      logger: log.logger,
      rules: pulsepetRules({ region: 'us-east-1', accountId: ACCOUNT }),
      functions,
    });
    errorsTopic = collect(fx.broker, 'pulsepet/errors');
  });

  afterAll(async () => {
    errorsTopic?.stop();
    await rt?.close();
    await fx?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Publishes one batch for a fresh thing and waits until the rules are done with it. */
  async function publish(depth: number): Promise<{ thing: string; topic: string; deep: string }> {
    const thing = `deep-${++seq}`;
    const topic = `dt/pulsepet/${thing}/telemetry`;
    const { text, deep } = telemetry(depth);
    await fx.broker.publish(topic, text, { qos: 1 });
    await rt.idle();
    return { thing, topic, deep };
  }

  function reportsFor(topic: string): ErrorActionMessage[] {
    return errorsTopic.messages.map((m) => JSON.parse(m.payload.toString('utf8')) as ErrorActionMessage).filter((m) => m.topic === topic);
  }

  it(`routes a batch exactly ${MAX_PAYLOAD_DEPTH} levels deep to ingest, unchanged`, async () => {
    const { thing, topic, deep } = await publish(MAX_PAYLOAD_DEPTH);
    expect(JSON.stringify((events.get(thing) as { deep: unknown }).deep)).toBe(deep);
    expect(reportsFor(topic)).toEqual([]);
  });

  it('dead-letters a batch nested 5,000 deep and reports it on pulsepet/errors for every rule it matched', async () => {
    const { thing, topic } = await publish(5000);
    expect(events.has(thing)).toBe(false);
    const reports = reportsFor(topic);
    expect(reports.map((r) => r.ruleName).sort()).toEqual(['ingest_telemetry', 'reason_on_telemetry']);
    for (const r of reports) {
      expect(r.failures).toHaveLength(1);
      expect(r.failures[0]).toMatchObject({
        failedAction: 'LambdaAction',
        failedResource: expect.stringContaining(':function:pulsepet-'),
        errorMessage: expect.stringContaining(`nested deeper than ${MAX_PAYLOAD_DEPTH} levels`),
      });
      expect(Buffer.from(r.base64OriginalPayload, 'base64').toString('utf8')).toBe(telemetry(5000).text);
    }
    const letters = rt.listDeadLetters().filter((d) => d.topic === topic);
    expect(letters.map((d) => [d.ruleName, d.actionType, d.attempts, d.base64ActionPayload])).toEqual(
      expect.arrayContaining([
        ['ingest_telemetry', 'lambda', 0, ''],
        ['reason_on_telemetry', 'lambda', 0, ''],
      ]),
    );
    expect(letters).toHaveLength(2);
    expect(log.errors).toEqual([]);
  });

  it('reports a decode() result nested too deep the same way: dead letter plus error-action message', async () => {
    await rt.createRule('decode_deep', {
      sql: "SELECT decode(b64, 'base64') AS doc FROM 'dec/in'",
      awsIotSqlVersion: '2016-03-23',
      actions: [{ republish: { topic: 'dec/out', qos: 1, roleArn: 'arn:aws:iam::000000000000:role/test' } }],
      errorAction: { republish: { topic: 'pulsepet/errors', qos: 1, roleArn: 'arn:aws:iam::000000000000:role/test' } },
    });
    const doc = `${'{"a":'.repeat(1000)}1${'}'.repeat(1000)}`;
    await fx.broker.publish('dec/in', JSON.stringify({ b64: Buffer.from(doc).toString('base64') }), { qos: 1 });
    await rt.idle();
    const [report] = reportsFor('dec/in');
    expect(report?.failures).toEqual([
      {
        failedAction: 'RepublishAction',
        failedResource: 'dec/out',
        errorMessage: expect.stringMatching(/^The rule's query could not be evaluated: decode\(\): the decoded JSON is nested deeper than 256 levels.*Message arrived on: dec\/in, Action: republish$/),
      },
    ]);
    expect(rt.listDeadLetters().filter((d) => d.topic === 'dec/in')).toHaveLength(1);
    await rt.deleteRule('decode_deep');
  });

  it('property: any depth from 1 to 100,000 is either ingested unchanged or dead-lettered and reported, never lost', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 100_000 }), async (depth) => {
        const { thing, topic, deep } = await publish(depth);
        const reports = reportsFor(topic);
        const letters = rt.listDeadLetters().filter((d) => d.topic === topic);
        if (depth <= MAX_PAYLOAD_DEPTH) {
          expect(JSON.stringify((events.get(thing) as { deep: unknown }).deep)).toBe(deep);
          expect(reports).toEqual([]);
          expect(letters).toEqual([]);
        } else {
          expect(events.has(thing)).toBe(false);
          expect(reports).toHaveLength(2);
          expect(letters).toHaveLength(2);
        }
        expect(log.errors).toEqual([]);
      }),
      { numRuns: 30, examples: [[1], [MAX_PAYLOAD_DEPTH], [MAX_PAYLOAD_DEPTH + 1], [5000], [100_000]] },
    );
  });
});
